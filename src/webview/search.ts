// Search: the box (typed patterns, Enter, Escape) and what a pattern matches in the shown tree.
import { compilePattern } from '../pprof/pattern';
import { matchTotals } from '../pprof/tree';
import { formatPercent } from '../pprof/units';
import { el } from './dom';
import { formatIn, type Loaded } from './view';

export type SearchResult = { ok: false; error: string } | { ok: true; match: Uint8Array; funcs: number; frames: number; total: number; baseTotal: number };

/** The functions of the shown tree a pattern (Go RE2 syntax, as in pprof) matches, and their combined total. */
export function searchTree(l: Loaded, text: string): SearchResult {
  // Linear time: a pattern like (a+)+$ cannot hang the page.
  const compiled = compilePattern(text);
  if (!compiled.ok) return { ok: false, error: compiled.error.charAt(0).toUpperCase() + compiled.error.slice(1) };
  const re = compiled.pattern;
  const names = l.tree.data.funcName;
  const match = new Uint8Array(names.length);
  let funcs = 0;
  for (let i = 0; i < names.length; i++) {
    if (re.test(names[i]!)) {
      match[i] = 1;
      funcs++;
    }
  }
  // Combined total: a matched frame counts with its subtree; matches below it are not counted again.
  const { total, baseTotal, frames } = matchTotals(l.tree, match);
  return { ok: true, match, funcs, frames, total, baseTotal };
}

export class SearchBox {
  readonly input = el('input', 'search');
  readonly info = el('span', 'search-info');
  private timer = 0;

  constructor(
    initial: string,
    private readonly onSearch: (text: string) => void,
    private readonly onEscape: () => void,
  ) {
    const input = this.input;
    input.type = 'search';
    input.placeholder = 'Search (regular expression)';
    input.title = 'Highlight functions matching a regular expression, in Go (RE2) syntax as in pprof (/)';
    input.value = initial;
    input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.onSearch(input.value), 120);
    });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        clearTimeout(this.timer);
        this.onSearch(input.value);
      } else if (ev.key === 'Escape') {
        input.value = '';
        this.onSearch('');
        this.onEscape();
      }
    });
  }

  focus(): void {
    this.input.focus();
  }

  /** Shows the outcome of a search (undefined: no search). */
  showResult(l: Loaded | undefined, r: SearchResult | undefined): void {
    const invalid = !!r && !r.ok;
    this.input.classList.toggle('invalid', invalid);
    this.info.classList.toggle('invalid', invalid);
    if (!r || !l) {
      this.info.textContent = '';
      return;
    }
    if (!r.ok) {
      this.info.textContent = r.error;
      return;
    }
    const { funcs, frames, total } = r;
    this.info.textContent =
      funcs === 0
        ? 'No match'
        : `${funcs} function${funcs === 1 ? '' : 's'}, ${frames} frame${frames === 1 ? '' : 's'}: ${formatIn(l, total)} (${formatPercent(total, l.tree.total)})` + (l.base ? `, before ${formatIn(l, r.baseTotal)}` : '');
    this.info.dataset.total = String(total);
  }
}
