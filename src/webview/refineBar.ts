// The refinement bar under the toolbar: chips for the view's refinements (focus / ignore /
// hide / show by pattern, label filters), a pattern box with its kind, the profile's own label
// keys and values, the granularity and Undo. It only shows and asks: FlameApp checks and applies.
import type { Granularity, LabelKeyInfo, RefinementChip, RefinementKind } from '../pprof/refine';
import { exactPattern, GRANULARITIES } from '../pprof/refine';
import { formatValue } from '../pprof/units';
import { button, el, show } from './dom';

export interface RefineBarActions {
  add(chip: RefinementChip): void;
  remove(index: number): void;
  undo(): void;
  setGranularity(g: Granularity): void;
  /** The toolbar's Refine button: shows or hides the bar. */
  toggle(): void;
}

const KIND_LABEL: Record<RefinementKind, string> = { focus: 'Focus', ignore: 'Ignore', hide: 'Hide', show: 'Show', tagfocus: 'Label', tagignore: 'Not label' };
const KIND_TITLE: Record<'focus' | 'ignore' | 'hide' | 'show', string> = {
  focus: 'Keep the samples with a frame matching the pattern',
  ignore: 'Drop the samples with a frame matching the pattern',
  hide: 'Remove the frames matching the pattern from the stacks',
  show: 'Keep only the frames matching the pattern in the stacks',
};
const GRANULARITY_LABEL: Record<Granularity, string> = { functions: 'Functions', filenames: 'Functions and files', files: 'Files', lines: 'Lines' };

/** The tag filter value for a numeric bound as typed: a bare number takes the label's unit. */
function bound(text: string, unit: string): string {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) && /^[A-Za-z]+$/.test(unit) ? `${t}${unit}` : t;
}

export class RefineBar {
  readonly element = el('div', 'refine-bar hidden');
  /** For the toolbar: shows or hides the bar (it stays while the view is refined). */
  readonly toggleBtn: HTMLButtonElement;
  private readonly chips = el('span', 'chips');
  private readonly kind = el('select', 'refine-kind');
  private readonly input = el('input', 'refine-input');
  private readonly error = el('span', 'refine-error');
  private readonly labelBox = el('span', 'label-filter');
  private readonly labelKey = el('select', 'label-key');
  private readonly labelValue = el('select', 'label-value');
  private readonly labelMin = el('input', 'label-min');
  private readonly labelMax = el('input', 'label-max');
  private readonly granularity = el('select', 'granularity');
  private readonly undoBtn: HTMLButtonElement;
  private labels: LabelKeyInfo[] = [];

  constructor(private readonly actions: RefineBarActions) {
    for (const k of ['focus', 'ignore', 'hide', 'show'] as const) {
      const o = el('option', undefined, KIND_LABEL[k]);
      o.value = k;
      o.title = KIND_TITLE[k];
      this.kind.append(o);
    }
    this.kind.title = 'What the pattern does';
    this.input.type = 'text';
    this.input.placeholder = 'Refine by pattern (Enter)';
    this.input.title = 'A regular expression in Go (RE2) syntax, matched against function and file names, as in pprof';
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' || this.input.value === '') return;
      this.actions.add({ kind: this.kind.value as RefinementKind, pattern: this.input.value });
    });
    this.input.addEventListener('input', () => this.showError(''));

    this.labelKey.title = 'Filter by one of the profile\'s labels';
    this.labelKey.addEventListener('change', () => this.showLabelInputs());
    this.labelValue.title = 'Label value';
    this.labelMin.placeholder = 'min';
    this.labelMax.placeholder = 'max';
    for (const i of [this.labelMin, this.labelMax]) {
      i.type = 'text';
      i.size = 8;
    }
    const focusBtn = button('Keep', 'Keep the samples with this label value (pprof -tagfocus)', () => this.addLabel('tagfocus'), 'btn label-focus');
    const ignoreBtn = button('Drop', 'Drop the samples with this label value (pprof -tagignore)', () => this.addLabel('tagignore'), 'btn label-ignore');
    this.labelBox.append(this.labelKey, this.labelValue, this.labelMin, this.labelMax, focusBtn, ignoreBtn);

    for (const g of GRANULARITIES) {
      const o = el('option', undefined, GRANULARITY_LABEL[g]);
      o.value = g;
      this.granularity.append(o);
    }
    this.granularity.title = 'Merge frames by function, function and file, file or line';
    this.granularity.addEventListener('change', () => this.actions.setGranularity(this.granularity.value as Granularity));
    this.undoBtn = button('Undo', 'Undo the last refinement', () => this.actions.undo(), 'btn undo');
    this.toggleBtn = button('Refine', 'Focus, ignore, hide or show by pattern, filter by label, change the granularity', () => this.actions.toggle(), 'btn refine-toggle');
    this.element.append(this.chips, this.kind, this.input, this.error, this.labelBox, this.granularity, this.undoBtn);
  }

  /**
   * Shows the view's refinements; labels: the profile's label keys (none: no label filter).
   * The bar shows when open, or while the view is refined. Returns whether it shows.
   */
  render(chips: readonly RefinementChip[], granularity: Granularity, canUndo: boolean, labels: LabelKeyInfo[], open: boolean): boolean {
    const visible = open || chips.length > 0 || granularity !== 'functions' || canUndo;
    show(this.element, visible);
    this.toggleBtn.classList.toggle('on', visible);
    this.chips.replaceChildren(
      ...chips.map((c, i) => {
        const chip = el('span', `chip chip-${c.kind}`);
        chip.dataset.kind = c.kind;
        chip.append(el('span', 'chip-kind', `${KIND_LABEL[c.kind]}:`), el('span', 'chip-pattern', c.pattern));
        chip.append(button('×', `Remove this refinement (${KIND_LABEL[c.kind]} ${c.pattern})`, () => this.actions.remove(i), 'chip-remove'));
        return chip;
      }),
    );
    this.granularity.value = granularity;
    this.undoBtn.disabled = !canUndo;
    if (labels !== this.labels) {
      this.labels = labels;
      const none = el('option', undefined, 'Label…');
      none.value = '';
      this.labelKey.replaceChildren(
        none,
        ...labels.map((k) => {
          const o = el('option', undefined, k.key);
          o.value = k.key;
          return o;
        }),
      );
      this.showLabelInputs();
    }
    show(this.labelBox, labels.length > 0);
    return visible;
  }

  showError(text: string): void {
    this.error.textContent = text;
    this.input.classList.toggle('invalid', text !== '');
  }

  /** After a chip was added from the box. */
  clearInput(): void {
    this.input.value = '';
    this.showError('');
  }

  private selectedLabel(): LabelKeyInfo | undefined {
    return this.labels.find((k) => k.key === this.labelKey.value);
  }

  private showLabelInputs(): void {
    const info = this.selectedLabel();
    show(this.labelValue, !!info?.values);
    show(this.labelMin, !!info?.numeric);
    show(this.labelMax, !!info?.numeric);
    for (const b of this.labelBox.querySelectorAll('button')) (b as HTMLButtonElement).disabled = !info;
    if (info?.values) {
      this.labelValue.replaceChildren(
        ...info.values.map((v) => {
          const o = el('option', undefined, v);
          o.value = v;
          return o;
        }),
      );
    }
    if (info?.numeric) {
      const { unit, min, max } = info.numeric;
      const fmt = (v: number) => (unit === 'bytes' ? formatValue(v, 'bytes') : String(v));
      this.labelMin.title = `At least (e.g. 64kb; a bare number is in ${unit}). Values go from ${fmt(min)} to ${fmt(max)}.`;
      this.labelMax.title = `At most (e.g. 1mb; a bare number is in ${unit}). Values go from ${fmt(min)} to ${fmt(max)}.`;
    }
  }

  private addLabel(kind: 'tagfocus' | 'tagignore'): void {
    const info = this.selectedLabel();
    if (!info) return;
    if (info.values) {
      const v = this.labelValue.value;
      // A comma would split the value into two patterns (pprof's syntax): written as \x2c.
      this.actions.add({ kind, pattern: `${info.key}=${exactPattern(v).replace(/,/g, '\\x2c')}` });
      return;
    }
    const unit = info.numeric!.unit;
    const lo = bound(this.labelMin.value, unit);
    const hi = bound(this.labelMax.value, unit);
    if (lo === '' && hi === '') {
      this.showError('Give a minimum, a maximum or both, e.g. 64kb.');
      return;
    }
    this.actions.add({ kind, pattern: `${info.key}=${lo}:${hi}` });
  }
}
