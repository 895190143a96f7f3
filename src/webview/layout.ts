// The panel's elements and where they go: toolbar, breadcrumb, notes, graph with the
// caller/callee view below it, function table beside it, legend and status line.
import type { PackageClass } from '../pprof/units';
import { button, el, show } from './dom';
import type { FlameGraph } from './flameGraph';
import { CLASS_LABEL, CLASSES, type Loaded } from './view';

export interface LayoutActions {
  toggleOrientation(): void;
  resetZoom(): void;
  toggleTable(): void;
  toggleColorBlind(): void;
  closeSandwich(): void;
}

export class Layout {
  readonly toolbar = el('header', 'toolbar');
  readonly sampleSelect = el('select', 'sample-select');
  readonly orientationBtn: HTMLButtonElement;
  readonly resetBtn: HTMLButtonElement;
  readonly tableBtn: HTMLButtonElement;
  readonly cbBtn: HTMLButtonElement;
  readonly titleEl = el('span', 'title');
  readonly breadcrumb = el('nav', 'breadcrumb');
  readonly errorBox = el('div', 'error hidden');
  /** The profile's notes (e.g. drop_frames not applied). */
  readonly notesBox = el('div', 'notes hidden');
  readonly content = el('div', 'content');
  readonly graphCol = el('div', 'graph-col');
  readonly side = el('aside', 'side');
  readonly table = el('table', 'functions');
  readonly tableNote = el('div', 'table-note');
  readonly sandwich = el('section', 'sandwich hidden');
  readonly sandwichTitle = el('div', 'sandwich-title');
  readonly legend = el('div', 'legend');
  readonly status = el('footer', 'status');
  readonly tooltip = el('div', 'tooltip hidden');
  readonly menu = el('div', 'menu hidden');

  constructor(actions: LayoutActions) {
    this.orientationBtn = button('', 'Switch between icicle (root on top) and flame (root at the bottom)', () => actions.toggleOrientation());
    this.resetBtn = button('Reset zoom', 'Show the whole profile (Escape)', () => actions.resetZoom());
    this.tableBtn = button('Table', 'Show or hide the function table', () => actions.toggleTable());
    this.cbBtn = button('Colour-blind colours', 'Diff colours: blue/orange instead of green/red', () => actions.toggleColorBlind());
    this.closeSandwich = button('×', 'Close the caller/callee view', () => actions.closeSandwich(), 'btn icon');
    this.sampleSelect.title = 'Sample type';
    show(this.cbBtn, false);
  }

  private readonly closeSandwich: HTMLButtonElement;

  /**
   * Puts the elements in place under root, with the other parts' elements: search (in the
   * toolbar after the zoom buttons), toolbarEnd, belowToolbar (the refinement bar) and
   * afterContent (the GC tab, in place of the graph while shown).
   */
  assemble(root: HTMLElement, graph: FlameGraph, callers: FlameGraph, callees: FlameGraph, parts: { search: HTMLElement[]; toolbarEnd: HTMLElement[]; belowToolbar: HTMLElement[]; afterContent: HTMLElement[] }): void {
    this.toolbar.append(this.titleEl, this.sampleSelect, this.orientationBtn, this.resetBtn, ...parts.search, this.tableBtn, this.cbBtn, ...parts.toolbarEnd);
    const callersBox = el('div', 'sandwich-part');
    callersBox.append(el('div', 'sandwich-label', 'Callers ↑'), callers.element);
    const calleesBox = el('div', 'sandwich-part');
    calleesBox.append(el('div', 'sandwich-label', 'Callees ↓'), callees.element);
    const head = el('div', 'sandwich-head');
    head.append(this.sandwichTitle, this.closeSandwich);
    this.sandwich.append(head, callersBox, calleesBox);
    this.graphCol.append(graph.element, this.sandwich);
    this.side.append(this.table, this.tableNote);
    this.content.append(this.graphCol, this.side);
    root.append(this.toolbar, ...parts.belowToolbar, this.breadcrumb, this.notesBox, this.errorBox, this.content, ...parts.afterContent, this.legend, this.status);
    document.body.append(this.tooltip, this.menu);
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  showNotes(notes: string[]): void {
    this.notesBox.replaceChildren(...notes.map((n) => el('div', 'note', n)));
    show(this.notesBox, notes.length > 0);
  }

  renderLegend(l: Loaded | undefined, colorBlind: boolean): void {
    this.legend.replaceChildren();
    if (!l) return;
    const item = (cssClass: string, text: string) => {
      const s = el('span', 'legend-item');
      s.append(el('span', `swatch ${cssClass}`), document.createTextNode(text));
      return s;
    };
    if (l.base) {
      const cb = colorBlind ? '-cb' : '';
      this.legend.append(item(`grow${cb}`, 'grew'), item(`shrink${cb}`, 'shrank'), item('other', 'unchanged'), document.createTextNode(' Widths: before + after.'));
    } else {
      for (const c of CLASSES as PackageClass[]) this.legend.append(item(c, CLASS_LABEL[c]));
      this.legend.append(item('other', 'merged small frames'));
    }
  }
}
