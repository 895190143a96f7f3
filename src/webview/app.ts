// The flame graph panel: toolbar, breadcrumb, graph, function table, caller/callee view,
// tooltip and context menu. Trees are built here from ProfileData (sample type switches,
// search and selection are local), drawn by FlameGraph on canvas.
import type { ProfileData } from '../shared/profileData';
import type { FlameNode, FlameTree } from '../shared/flameTree';
import type { FlameSource, FlameUiState, HostMessage, ShowProfileMessage } from '../shared/webviewProtocol';
import { parseHostMessage } from '../shared/webviewProtocol';
import { GcTab } from './gcTab';
import { compilePattern } from '../pprof/pattern';
import { buildTree, callersCallees, diffTree, flatTable, type FlatRow, heaviestNodeOf, matchTotals, nodeName, OTHER_FUNC, ROOT_FUNC } from '../pprof/tree';
import { classifyPackage, formatDelta, formatPercent, formatValue, type PackageClass } from '../pprof/units';
import { limitStackDepth, truncationNote } from '../pprof/stackDepth';
import { type Palette, type Rgb, hashString, mix, readPalette } from './colors';
import { button, el, placeNear, show } from './dom';
import { FlameGraph, type FrameHit } from './flameGraph';
import type { HostBridge } from './host';

const CLASSES: PackageClass[] = ['user', 'std', 'dep', 'runtime'];
const CLASS_LABEL: Record<PackageClass, string> = { user: 'your module', std: 'standard library', dep: 'dependencies', runtime: 'runtime' };
const MAX_TABLE_ROWS = 400;

/** Short label for a frame: the package's last path element and the function. */
export function shortName(name: string): string {
  const bracket = name.indexOf('[');
  const head = bracket >= 0 ? name.slice(0, bracket) : name;
  const slash = head.lastIndexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

interface Loaded {
  msg: ShowProfileMessage;
  data: ProfileData;
  base?: ProfileData;
  tree: FlameTree;
  /** Package class per function of tree.data (index into CLASSES), -1 until first needed. */
  classes: Int8Array;
  /** The function table, computed after the first paint. */
  flat: FlatRow[] | undefined;
  sampleIndex: number;
}

export class FlameApp {
  private readonly toolbar = el('header', 'toolbar');
  private readonly sampleSelect = el('select', 'sample-select');
  private readonly orientationBtn: HTMLButtonElement;
  private readonly resetBtn: HTMLButtonElement;
  private readonly tableBtn: HTMLButtonElement;
  private readonly cbBtn: HTMLButtonElement;
  private readonly searchInput = el('input', 'search');
  private readonly searchInfo = el('span', 'search-info');
  private readonly titleEl = el('span', 'title');
  private readonly breadcrumb = el('nav', 'breadcrumb');
  private readonly errorBox = el('div', 'error hidden');
  /** The profile's notes (e.g. drop_frames not applied). */
  private readonly notesBox = el('div', 'notes hidden');
  private readonly content = el('div', 'content');
  private readonly graphCol = el('div', 'graph-col');
  private readonly side = el('aside', 'side');
  private readonly table = el('table', 'functions');
  private readonly tableNote = el('div', 'table-note');
  private readonly sandwich = el('section', 'sandwich hidden');
  private readonly sandwichTitle = el('div', 'sandwich-title');
  private readonly legend = el('div', 'legend');
  private readonly status = el('footer', 'status');
  private readonly tooltip = el('div', 'tooltip hidden');
  private readonly menu = el('div', 'menu hidden');
  readonly graph: FlameGraph;
  /** The GC tab (src/webview/gcTab.ts): in place of the graph and the legend while shown. */
  readonly gc = new GcTab([this.content, this.breadcrumb, this.legend]);
  private readonly callersGraph: FlameGraph;
  private readonly calleesGraph: FlameGraph;
  private palette: Palette;
  private loaded: Loaded | undefined;
  private ui: FlameUiState;
  private source: FlameSource | undefined;
  private searchTimer = 0;
  private sandwichData: { callers: FlameTree; callees: FlameTree; func: number } | undefined;
  private receivedAt = 0;
  private deferTimer = 0;
  private deferFrame = 0;
  private firstPaintReported = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostBridge,
  ) {
    const saved = host.getState();
    this.ui = saved.ui;
    this.source = saved.source;
    this.palette = readPalette(document.body);
    const paletteFn = () => this.palette;
    this.graph = new FlameGraph({
      weight: (n) => this.weight(n),
      fill: (n) => this.fill(n),
      label: (n) => this.label(n),
      palette: paletteFn,
      measureName: 'flame-draw',
    });
    this.graph.canvas.tabIndex = 0;
    this.graph.canvas.setAttribute('role', 'img');
    this.graph.canvas.setAttribute('aria-label', 'Flame graph');
    this.callersGraph = new FlameGraph({ weight: (n) => n.total, fill: (n) => this.fill(n), label: (n) => this.label(n), palette: paletteFn, rowHeight: 16 });
    this.calleesGraph = new FlameGraph({ weight: (n) => n.total, fill: (n) => this.fill(n), label: (n) => this.label(n), palette: paletteFn, rowHeight: 16 });
    this.callersGraph.orientation = 'flame';

    this.orientationBtn = button('', 'Switch between icicle (root on top) and flame (root at the bottom)', () => this.setOrientation(this.graph.orientation === 'icicle' ? 'flame' : 'icicle'));
    this.resetBtn = button('Reset zoom', 'Show the whole profile (Escape)', () => this.resetZoom());
    this.tableBtn = button('Table', 'Show or hide the function table', () => this.toggleTable());
    this.cbBtn = button('Colour-blind colours', 'Diff colours: blue/orange instead of green/red', () => this.toggleColorBlind());
    this.gc.onShown = (s) => host.post({ type: 'gcShown', cycles: s.cycles, predictedCycles: s.predictedCycles, verdict: s.verdict });
    this.buildDom();
    this.wireGraph();
    this.wireKeys();
    new MutationObserver(() => this.themeChanged()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    window.addEventListener('message', (ev: MessageEvent<unknown>) => {
      if (this.host.standalone && ev.source !== window) return;
      const t0 = performance.now();
      const parsed = parseHostMessage(ev.data);
      performance.measure('flame-validate', { start: t0, end: performance.now() });
      if (!parsed.ok) {
        this.host.post({ type: 'webviewError', message: `Ignored a malformed message: ${parsed.error}` });
        return;
      }
      this.handle(parsed.value);
    });
    document.addEventListener('click', (ev) => {
      if (!this.menu.contains(ev.target as Node)) show(this.menu, false);
    });
  }

  private buildDom(): void {
    this.sampleSelect.title = 'Sample type';
    this.sampleSelect.addEventListener('change', () => this.setSampleIndex(Number(this.sampleSelect.value), true));
    this.searchInput.type = 'search';
    this.searchInput.placeholder = 'Search (regular expression)';
    this.searchInput.title = 'Highlight functions matching a regular expression, in Go (RE2) syntax as in pprof (/)';
    this.searchInput.value = this.ui.search ?? '';
    this.searchInput.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => this.setSearch(this.searchInput.value), 120);
    });
    this.searchInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        clearTimeout(this.searchTimer);
        this.setSearch(this.searchInput.value);
      } else if (ev.key === 'Escape') {
        this.searchInput.value = '';
        this.setSearch('');
        this.graph.canvas.focus();
      }
    });
    show(this.cbBtn, false);
    this.toolbar.append(this.titleEl, this.sampleSelect, this.orientationBtn, this.resetBtn, this.searchInput, this.searchInfo, this.tableBtn, this.cbBtn, this.gc.button);

    const callersBox = el('div', 'sandwich-part');
    callersBox.append(el('div', 'sandwich-label', 'Callers ↑'), this.callersGraph.element);
    const calleesBox = el('div', 'sandwich-part');
    calleesBox.append(el('div', 'sandwich-label', 'Callees ↓'), this.calleesGraph.element);
    const closeSandwich = button('×', 'Close the caller/callee view', () => this.setSandwich(undefined), 'btn icon');
    const head = el('div', 'sandwich-head');
    head.append(this.sandwichTitle, closeSandwich);
    this.sandwich.append(head, callersBox, calleesBox);

    this.graphCol.append(this.graph.element, this.sandwich);
    this.side.append(this.table, this.tableNote);
    this.content.append(this.graphCol, this.side);
    this.root.append(this.toolbar, this.breadcrumb, this.notesBox, this.errorBox, this.content, this.gc.section, this.legend, this.status);
    document.body.append(this.tooltip, this.menu);
    this.graph.orientation = this.ui.orientation ?? 'icicle';
    this.orientationBtn.textContent = this.graph.orientation === 'icicle' ? 'Icicle' : 'Flame';
    show(this.side, this.ui.showTable !== false);
    this.showMessage('Waiting for a profile…');
  }

  // ---- messages ----

  private handle(msg: HostMessage): void {
    switch (msg.type) {
      case 'showProfile':
        this.showProfile(msg);
        break;
      case 'showError':
        this.showError(msg.message);
        break;
      case 'loading':
        this.showMessage(msg.message);
        break;
      case 'selectFunction': {
        const l = this.loaded;
        const func = l ? l.tree.data.funcName.indexOf(msg.name) : -1;
        if (func >= 0) this.selectFunction(func, true);
        else this.setStatus(`No function named ${msg.name} in this profile.`);
        break;
      }
      case 'sourceResult':
        this.setStatus(msg.message);
        break;
      case 'showGcTrace':
        this.gc.show(msg);
        break;
    }
  }

  /** Shows a profile (from the host's message or the standalone page's embedded data). */
  showProfile(received: ShowProfileMessage): void {
    this.receivedAt = performance.now();
    this.firstPaintReported = false;
    delete this.root.dataset.ready;
    show(this.errorBox, false);
    // Stacks too deep to draw are cut here too, whoever sent them (the host and the CLI already do).
    const limited = limitStackDepth(received.data);
    const limitedBase = received.base && limitStackDepth(received.base);
    const msg = limited === received.data && limitedBase === received.base ? received : { ...received, data: limited, ...(limitedBase ? { base: limitedBase } : {}) };
    if (msg.source) this.source = msg.source;
    const data = msg.data;
    const types = data.sampleTypes;
    let sampleIndex = msg.sampleIndex ?? this.ui.sampleIndex ?? data.defaultSampleIndex;
    if (!(sampleIndex >= 0 && sampleIndex < types.length)) sampleIndex = data.defaultSampleIndex;
    this.sampleSelect.replaceChildren(
      ...types.map((t, i) => {
        const o = el('option', undefined, `${t.type} (${t.unit})`);
        o.value = String(i);
        return o;
      }),
    );
    this.titleEl.textContent = msg.title;
    document.title = msg.title;
    // Stacks cut, drop_frames refused: what the profile on screen is not quite.
    const own = [truncationNote(data), ...(data.notes ?? [])];
    const base = msg.base ? [truncationNote(msg.base), ...(msg.base.notes ?? [])] : [];
    const notes = [...own.filter((n): n is string => !!n), ...base.filter((n): n is string => !!n).map((n) => `Base profile: ${n}`)];
    this.notesBox.replaceChildren(...notes.map((n) => el('div', 'note', n)));
    show(this.notesBox, notes.length > 0);
    show(this.cbBtn, !!msg.base);
    this.cbBtn.classList.toggle('on', !!this.ui.colorBlind);
    this.loaded = undefined;
    this.build(msg, sampleIndex);
    const zoomPath = this.ui.zoomPath;
    if (zoomPath && zoomPath.length > 0) {
      const node = this.followPath(zoomPath);
      if (node) this.graph.zoomTo(node, false);
    }
    // setTree drew the graph; the cursor and the caller/callee view (which takes room) need another draw.
    let redraw = false;
    if (this.ui.selectedPath) {
      this.graph.cursor = this.followPath(this.ui.selectedPath);
      redraw = !!this.graph.cursor;
    }
    if (this.ui.search) this.setSearch(this.ui.search);
    if (this.ui.sandwichFunc) {
      const f = this.loaded!.tree.data.funcName.indexOf(this.ui.sandwichFunc);
      if (f >= 0) {
        this.setSandwich(f);
        redraw = true;
      }
    }
    if (redraw) this.graph.drawNow();
    this.reportFirstPaint();
    this.saveState();
  }

  private build(msg: ShowProfileMessage, sampleIndex: number): void {
    const data = msg.data;
    const t0 = performance.now();
    const tree = msg.base ? diffTree(msg.base, data, { sampleIndex }) : buildTree(data, { sampleIndex });
    performance.measure('flame-build-tree', { start: t0, end: performance.now() });
    const classes = new Int8Array(tree.data.funcName.length).fill(-1);
    const prevZoom = this.loaded ? this.pathOf(this.graph.zoomNode) : [];
    this.loaded = { msg, data, tree, classes, flat: undefined, sampleIndex, ...(msg.base ? { base: msg.base } : {}) };
    this.ui.sampleIndex = sampleIndex;
    this.sampleSelect.value = String(sampleIndex);
    // Legend and status first: they take their height before the graph measures its own.
    this.renderLegend();
    const st = data.sampleTypes[sampleIndex]!;
    this.setStatus(`${msg.base ? 'Diff: ' : ''}${st.type} total ${this.fmt(tree.total)}` + (msg.base ? ` (before ${this.fmt(tree.root.baseTotal ?? 0)})` : '') + ` · ${tree.nodeCount} frames`);
    this.graph.setTree(tree);
    if (prevZoom.length > 0) {
      const node = this.followPath(prevZoom);
      if (node) this.graph.zoomTo(node, false);
    }
    this.updateBreadcrumb();
    // The function table (tens of milliseconds on big profiles) waits until the graph is on
    // screen and one more frame has gone, so nothing holds up the frames that show the graph.
    cancelAnimationFrame(this.deferFrame);
    clearTimeout(this.deferTimer);
    this.table.replaceChildren();
    this.deferFrame = requestAnimationFrame(() => {
      this.deferFrame = requestAnimationFrame(() => {
        this.deferTimer = window.setTimeout(() => {
          if (this.loaded?.tree !== tree) return;
          this.renderTable();
          this.root.dataset.ready = 'true';
        }, 0);
      });
    });
  }

  private flatRows(l: Loaded): FlatRow[] {
    l.flat ??= flatTable(l.data, l.sampleIndex);
    return l.flat;
  }

  private classOf(l: Loaded, func: number): PackageClass {
    let c = l.classes[func]!;
    if (c < 0) c = l.classes[func] = CLASSES.indexOf(classifyPackage(l.tree.data.funcName[func] ?? '', l.data.mainModule));
    return CLASSES[c] ?? 'user';
  }

  private reportFirstPaint(): void {
    if (this.firstPaintReported || !this.loaded) return;
    this.firstPaintReported = true;
    const ms = performance.now() - this.receivedAt;
    this.root.dataset.rendered = String(this.loaded.tree.nodeCount);
    this.host.post({ type: 'rendered', sampleIndex: this.loaded.sampleIndex, nodeCount: this.loaded.tree.nodeCount, ms });
  }

  showError(message: string): void {
    this.loaded = undefined;
    show(this.notesBox, false);
    this.graph.setTree(undefined);
    this.table.replaceChildren();
    this.errorBox.textContent = message;
    show(this.errorBox, true);
    this.setStatus('');
  }

  private showMessage(message: string): void {
    this.setStatus(message);
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  // ---- values and colours ----

  private fmt(v: number): string {
    const l = this.loaded;
    if (!l) return String(v);
    return formatValue(v, l.data.sampleTypes[l.sampleIndex]!.unit);
  }

  private weight(n: FlameNode): number {
    const v = this.loaded?.base ? Math.abs(n.total) + Math.abs(n.baseTotal ?? 0) : n.total;
    return v > 0 ? v : 0;
  }

  private label(n: FlameNode): string {
    if (n.func === ROOT_FUNC && this.loaded) return `all: ${this.fmt(this.loaded.tree.total)}`;
    if (n.func === OTHER_FUNC) return `other (${n.merged ?? 0})`;
    const l = this.loaded;
    return l ? shortName(l.tree.data.funcName[n.func] ?? '?') : '?';
  }

  private fill(n: FlameNode): Rgb {
    const p = this.palette;
    const l = this.loaded;
    if (!l || n.func < 0) return n.func === ROOT_FUNC ? mix(p.other, p.background, 0.2) : p.other;
    if (l.base) {
      const before = n.baseTotal ?? 0;
      const after = n.total;
      const denom = Math.max(Math.abs(before), Math.abs(after));
      const rel = denom === 0 ? 0 : (after - before) / denom;
      if (Math.abs(rel) < 0.005) return mix(p.other, p.background, 0.35);
      const cb = !!this.ui.colorBlind;
      const target = rel > 0 ? (cb ? p.growCb : p.grow) : cb ? p.shrinkCb : p.shrink;
      return mix(mix(p.other, p.background, 0.35), target, 0.35 + 0.65 * Math.min(1, Math.abs(rel)));
    }
    const cls = this.classOf(l, n.func);
    const h = hashString(l.tree.data.funcName[n.func]!);
    return mix(p.pkg[cls], p.background, ((h % 7) / 7) * 0.28);
  }

  private renderLegend(): void {
    const l = this.loaded;
    this.legend.replaceChildren();
    if (!l) return;
    const item = (cssClass: string, text: string) => {
      const s = el('span', 'legend-item');
      s.append(el('span', `swatch ${cssClass}`), document.createTextNode(text));
      return s;
    };
    if (l.base) {
      const cb = this.ui.colorBlind ? '-cb' : '';
      this.legend.append(item(`grow${cb}`, 'grew'), item(`shrink${cb}`, 'shrank'), item('other', 'unchanged'), document.createTextNode(' Widths: before + after.'));
    } else {
      for (const c of CLASSES) this.legend.append(item(c, CLASS_LABEL[c]));
      this.legend.append(item('other', 'merged small frames'));
    }
  }

  private themeChanged(): void {
    this.palette = readPalette(document.body);
    this.graph.drawNow();
    this.callersGraph.drawNow();
    this.calleesGraph.drawNow();
  }

  // ---- graph interaction ----

  private wireGraph(): void {
    const g = this.graph;
    g.onHover = (hit, ev) => {
      if (!hit) {
        show(this.tooltip, false);
        return;
      }
      this.showTooltip(hit, ev.clientX, ev.clientY);
    };
    g.onClick = (hit) => {
      show(this.menu, false);
      g.cursor = hit.node;
      if (hit.merged) {
        const parent = hit.node.parent ?? hit.node;
        g.zoomTo(parent, true, { start: hit.start, weight: hit.weight });
      } else {
        g.zoomTo(hit.node);
      }
      g.canvas.focus();
    };
    g.onDblClick = (hit) => {
      if (!hit.merged) this.goToSource(hit.node);
    };
    g.onContextMenu = (hit, ev) => this.openMenu(hit, ev.clientX, ev.clientY);
    g.onZoom = () => {
      this.updateBreadcrumb();
      this.saveState();
    };
    for (const sg of [this.callersGraph, this.calleesGraph]) {
      sg.onHover = (hit, ev) => (hit ? this.showTooltip(hit, ev.clientX, ev.clientY, sg) : show(this.tooltip, false));
      sg.onClick = (hit) => {
        if (!hit.merged && hit.node.func >= 0) this.selectFunction(hit.node.func, false);
      };
      sg.onDblClick = (hit) => {
        if (!hit.merged) this.goToSource(hit.node);
      };
      sg.onContextMenu = (hit, ev) => this.openMenu(hit, ev.clientX, ev.clientY);
    }
  }

  private showTooltip(hit: FrameHit, x: number, y: number, graph: FlameGraph = this.graph): void {
    const l = this.loaded;
    if (!l) return;
    const lines: Array<[string, string]> = [];
    const node = hit.node;
    const all = graph === this.graph ? l.tree.total : (graph.tree?.total ?? 0);
    const zoomTotal = graph.zoomNode?.total ?? all;
    const pct = (v: number) => `${formatPercent(v, l.tree.total)} of all` + (graph.zoomNode && graph.zoomNode.parent ? `, ${formatPercent(v, zoomTotal)} of ${this.label(graph.zoomNode)}` : '');
    this.tooltip.replaceChildren();
    if (hit.merged) {
      let total = 0;
      let before = 0;
      for (const n of hit.merged) {
        total += n.total;
        before += n.baseTotal ?? 0;
      }
      const count = hit.merged.reduce((s, n) => s + (n.func === OTHER_FUNC ? (n.merged ?? 1) : 1), 0);
      this.tooltip.append(el('div', 'tt-name', `${count} small frames`));
      lines.push(['Total', `${this.fmt(total)} (${pct(total)})`]);
      if (l.base) lines.push(['Before → after', `${this.fmt(before)} → ${this.fmt(total)}`]);
      lines.push(['', 'Click to zoom into them']);
    } else {
      const name = nodeName(l.tree.data, node);
      this.tooltip.append(el('div', 'tt-name', name));
      if (node.func >= 0) {
        const file = l.tree.data.funcFile[node.func] ?? '';
        const line = node.line || l.tree.data.funcStartLine[node.func] || 0;
        if (file) this.tooltip.append(el('div', 'tt-file', line ? `${file}:${line}` : file));
        lines.push(['Package', CLASS_LABEL[this.classOf(l, node.func)]]);
      }
      lines.push(['Self', `${this.fmt(node.self)} (${pct(node.self)})`]);
      lines.push(['Total', `${this.fmt(node.total)} (${pct(node.total)})`]);
      if (l.base) {
        const before = node.baseTotal ?? 0;
        lines.push(['Before → after', `${this.fmt(before)} → ${this.fmt(node.total)} (${formatDelta(node.total - before, l.data.sampleTypes[l.sampleIndex]!.unit)}${before ? `, ${formatDelta(Math.round(((node.total - before) / before) * 1000) / 10, '%').replace(' %', '%')}` : ''})`]);
        lines.push(['Self before → after', `${this.fmt(node.baseSelf ?? 0)} → ${this.fmt(node.self)}`]);
      }
    }
    const tbl = el('table', 'tt-values');
    for (const [k, v] of lines) {
      const tr = el('tr');
      tr.append(el('th', undefined, k), el('td', undefined, v));
      tbl.append(tr);
    }
    this.tooltip.append(tbl);
    show(this.tooltip, true);
    placeNear(this.tooltip, x, y);
  }

  private openMenu(hit: FrameHit | undefined, x: number, y: number): void {
    this.menu.replaceChildren();
    const add = (label: string, enabled: boolean, action: () => void) => {
      const b = button(label, label, () => {
        show(this.menu, false);
        action();
      }, 'menu-item');
      b.disabled = !enabled;
      this.menu.append(b);
    };
    const node = hit && !hit.merged ? hit.node : undefined;
    const real = node && node.func >= 0;
    add('Go to Source', !!real && this.canOpenSource(), () => node && this.goToSource(node));
    add('Zoom', !!node, () => node && this.graph.zoomTo(node));
    add('Show Callers and Callees', !!real && node.func < (this.loaded?.data.funcName.length ?? 0), () => node && this.selectFunction(node.func, false));
    add('Reset Zoom', true, () => this.resetZoom());
    show(this.menu, true);
    placeNear(this.menu, x - 12, y - 12);
    show(this.tooltip, false);
  }

  private canOpenSource(): boolean {
    return !this.host.standalone && !!this.loaded?.msg.canOpenSource;
  }

  goToSource(node: FlameNode): void {
    const l = this.loaded;
    if (!l || node.func < 0) return;
    if (!this.canOpenSource()) {
      this.setStatus('Go to source is available when the profile is opened in VS Code.');
      return;
    }
    let func = node.func;
    let fromBase = false;
    if (l.base && func >= l.data.funcName.length) {
      const name = l.tree.data.funcName[func];
      const file = l.tree.data.funcFile[func];
      func = l.base.funcName.findIndex((n, i) => n === name && l.base!.funcFile[i] === file);
      fromBase = true;
      if (func < 0) return;
    }
    this.host.post({ type: 'openSource', func, line: node.line, ...(fromBase ? { fromBase } : {}) });
  }

  private resetZoom(): void {
    if (this.graph.tree) this.graph.zoomTo(this.graph.tree.root);
  }

  private updateBreadcrumb(): void {
    this.breadcrumb.replaceChildren();
    const z = this.graph.zoomNode;
    if (!z || !this.loaded) return;
    const chain: FlameNode[] = [];
    for (let n: FlameNode | null = z; n; n = n.parent) chain.unshift(n);
    chain.forEach((n, i) => {
      if (i > 0) this.breadcrumb.append(el('span', 'crumb-sep', '›'));
      const last = i === chain.length - 1;
      const b = button(i === 0 ? 'all' : this.label(n), nodeName(this.loaded!.tree.data, n), () => this.graph.zoomTo(n), last ? 'crumb current' : 'crumb');
      this.breadcrumb.append(b);
    });
    this.resetBtn.disabled = chain.length <= 1;
  }

  private wireKeys(): void {
    const g = this.graph;
    g.canvas.addEventListener('keydown', (ev) => {
      if (!g.tree) return;
      const cur = g.cursor ?? g.zoomNode ?? g.tree.root;
      let next: FlameNode | undefined;
      const down = g.orientation === 'icicle' ? 'ArrowDown' : 'ArrowUp';
      const up = g.orientation === 'icicle' ? 'ArrowUp' : 'ArrowDown';
      switch (ev.key) {
        case down:
          next = cur.children.find((c) => this.weight(c) > 0 && g.hitOf(c)) ?? cur.children[0];
          break;
        case up:
          next = cur.parent ?? undefined;
          break;
        case 'ArrowLeft':
          next = g.sibling(cur, -1);
          break;
        case 'ArrowRight':
          next = g.sibling(cur, 1);
          break;
        case 'Enter':
          g.zoomTo(cur);
          break;
        case 'Escape':
          show(this.menu, false);
          show(this.tooltip, false);
          this.resetZoom();
          break;
        case 'g':
          this.goToSource(cur);
          break;
        case '/':
          this.searchInput.focus();
          break;
        default:
          return;
      }
      ev.preventDefault();
      if (next) {
        g.cursor = next;
        g.scrollToDepth(g.depthOf(next));
        g.drawNow();
        const pt = g.clientPointOf(next);
        const hit = g.hitOf(next);
        if (pt && hit) this.showTooltip(hit, pt.x, pt.y);
        this.saveState();
      }
    });
  }

  private setOrientation(o: 'icicle' | 'flame'): void {
    this.ui.orientation = o;
    this.orientationBtn.textContent = o === 'icicle' ? 'Icicle' : 'Flame';
    this.graph.setOrientation(o);
    this.saveState();
  }

  private toggleTable(): void {
    this.ui.showTable = this.ui.showTable === false;
    show(this.side, this.ui.showTable);
    this.graph.requestDraw();
    this.saveState();
  }

  private toggleColorBlind(): void {
    this.ui.colorBlind = !this.ui.colorBlind;
    this.cbBtn.classList.toggle('on', this.ui.colorBlind);
    this.renderLegend();
    this.graph.drawNow();
    this.saveState();
  }

  private setSampleIndex(i: number, fromUser: boolean): void {
    const l = this.loaded;
    if (!l || !(i >= 0 && i < l.data.sampleTypes.length) || i === l.sampleIndex) return;
    const sandwichFunc = this.sandwichData?.func;
    this.build(l.msg, i);
    if (this.ui.search) this.setSearch(this.ui.search);
    if (sandwichFunc !== undefined) this.setSandwich(sandwichFunc);
    if (fromUser) this.host.post({ type: 'sampleTypeChanged', sampleIndex: i });
    this.saveState();
  }

  // ---- search ----

  setSearch(text: string): void {
    this.ui.search = text;
    const l = this.loaded;
    this.searchInput.classList.remove('invalid');
    this.searchInfo.classList.remove('invalid');
    if (!l || text === '') {
      this.graph.match = null;
      this.searchInfo.textContent = '';
      this.graph.drawNow();
      this.renderTable();
      this.saveState();
      return;
    }
    // Go (RE2) syntax, as in pprof, and linear time: a pattern like (a+)+$ cannot hang the page.
    const compiled = compilePattern(text);
    if (!compiled.ok) {
      this.searchInput.classList.add('invalid');
      this.searchInfo.classList.add('invalid');
      this.searchInfo.textContent = compiled.error.charAt(0).toUpperCase() + compiled.error.slice(1);
      return;
    }
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
    const { total, baseTotal: before, frames } = matchTotals(l.tree, match);
    this.graph.match = match;
    this.searchInfo.textContent =
      funcs === 0
        ? 'No match'
        : `${funcs} function${funcs === 1 ? '' : 's'}, ${frames} frame${frames === 1 ? '' : 's'}: ${this.fmt(total)} (${formatPercent(total, l.tree.total)})` + (l.base ? `, before ${this.fmt(before)}` : '');
    this.searchInfo.dataset.total = String(total);
    this.graph.drawNow();
    this.renderTable();
    this.saveState();
  }

  // ---- table ----

  private renderTable(): void {
    const l = this.loaded;
    this.table.replaceChildren();
    if (!l) return;
    const key = this.ui.sortKey ?? 'flat';
    const desc = this.ui.sortDescending ?? key !== 'name';
    const names = l.data.funcName;
    const flat = this.flatRows(l);
    const rows = this.graph.match ? flat.filter((r) => this.graph.match![r.func]) : flat.slice();
    const dir = desc ? -1 : 1;
    rows.sort((a, b) => {
      const c = key === 'name' ? (names[a.func]! < names[b.func]! ? -1 : names[a.func]! > names[b.func]! ? 1 : 0) : key === 'flat' ? a.flat - b.flat || a.cum - b.cum : a.cum - b.cum || a.flat - b.flat;
      return c * dir || a.func - b.func;
    });
    const thead = el('thead');
    const hr = el('tr');
    const header = (label: string, k: 'name' | 'flat' | 'cum' | undefined, title: string) => {
      const th = el('th', k ? 'sortable' : undefined, label);
      th.title = title;
      if (k) {
        if (k === key) th.classList.add(desc ? 'desc' : 'asc');
        th.addEventListener('click', () => {
          if (this.ui.sortKey === k || (k === 'flat' && !this.ui.sortKey)) this.ui.sortDescending = !desc;
          else {
            this.ui.sortKey = k;
            this.ui.sortDescending = k !== 'name';
          }
          this.ui.sortKey = k;
          this.renderTable();
          this.saveState();
        });
      }
      hr.append(th);
    };
    header('Function', 'name', 'Sort by function name');
    header('Flat', 'flat', 'Value of samples whose leaf is in this function');
    header('Flat%', undefined, '');
    header('Cum', 'cum', 'Value of samples with this function anywhere on the stack');
    header('Cum%', undefined, '');
    thead.append(hr);
    const tbody = el('tbody');
    const total = l.tree.total;
    for (const r of rows.slice(0, MAX_TABLE_ROWS)) {
      const tr = el('tr');
      tr.dataset.func = String(r.func);
      if (this.graph.selectedFunc === r.func) tr.classList.add('selected');
      const name = el('td', 'fn', shortName(names[r.func]!));
      name.title = `${names[r.func]}\n${l.data.funcFile[r.func] ?? ''}`;
      tr.append(name, el('td', 'num', this.fmt(r.flat)), el('td', 'num', formatPercent(r.flat, total)), el('td', 'num', this.fmt(r.cum)), el('td', 'num', formatPercent(r.cum, total)));
      tr.addEventListener('click', () => this.selectFunction(r.func, true));
      tr.addEventListener('dblclick', () => {
        const node = this.firstNodeOf(r.func);
        if (node) this.goToSource(node);
      });
      tbody.append(tr);
    }
    this.table.append(thead, tbody);
    this.tableNote.textContent = rows.length > MAX_TABLE_ROWS ? `Showing ${MAX_TABLE_ROWS} of ${rows.length} functions.` : `${rows.length} function${rows.length === 1 ? '' : 's'}.`;
  }

  /** Selects a function: outlines its frames, highlights its table row, opens its callers/callees. */
  selectFunction(func: number, reveal: boolean): void {
    const l = this.loaded;
    if (!l) return;
    this.graph.selectedFunc = func;
    for (const tr of this.table.querySelectorAll('tbody tr')) tr.classList.toggle('selected', (tr as HTMLElement).dataset.func === String(func));
    const node = this.firstNodeOf(func);
    if (node) {
      this.graph.cursor = node;
      if (reveal) {
        const z = this.graph.zoomNode;
        let inside = false;
        for (let n: FlameNode | null = node; n; n = n.parent) if (n === z) inside = true;
        if (!inside && this.graph.tree) this.graph.zoomTo(this.graph.tree.root, false);
        this.graph.scrollToDepth(this.graph.depthOf(node));
      }
    }
    if (func < l.data.funcName.length) this.setSandwich(func);
    this.graph.drawNow();
    this.saveState();
  }

  /** The heaviest frame of a function among its outermost ones. */
  private firstNodeOf(func: number): FlameNode | undefined {
    return this.loaded ? heaviestNodeOf(this.loaded.tree, func) : undefined;
  }

  // ---- caller / callee view ----

  private setSandwich(func: number | undefined): void {
    const l = this.loaded;
    if (!l || func === undefined || func >= l.data.funcName.length) {
      this.sandwichData = undefined;
      this.ui.sandwichFunc = undefined;
      show(this.sandwich, false);
      this.callersGraph.setTree(undefined);
      this.calleesGraph.setTree(undefined);
      this.graph.requestDraw();
      this.saveState();
      return;
    }
    const s = callersCallees(l.data, func, l.sampleIndex);
    this.sandwichData = { ...s, func };
    this.ui.sandwichFunc = l.data.funcName[func];
    const row = this.flatRows(l).find((r) => r.func === func);
    this.sandwichTitle.textContent = `${l.data.funcName[func]} · flat ${this.fmt(row?.flat ?? 0)} · cum ${this.fmt(row?.cum ?? 0)}`;
    show(this.sandwich, true);
    this.callersGraph.setTree(s.callers);
    this.calleesGraph.setTree(s.callees);
    this.graph.requestDraw();
  }

  // ---- state ----

  private pathOf(node: FlameNode | undefined): number[] {
    const path: number[] = [];
    for (let n = node; n && n.parent; n = n.parent) path.unshift(n.func);
    return path;
  }

  private followPath(path: number[]): FlameNode | undefined {
    let n = this.loaded?.tree.root;
    for (const f of path) {
      n = n?.children.find((c) => c.func === f);
      if (!n) return undefined;
    }
    return n;
  }

  private saveState(): void {
    this.ui.zoomPath = this.pathOf(this.graph.zoomNode);
    this.ui.selectedPath = this.graph.cursor ? this.pathOf(this.graph.cursor) : undefined;
    this.host.setState({ ui: this.ui, ...(this.source ? { source: this.source } : {}) });
  }

  /** For tests and the benchmark: where a function's heaviest frame is drawn. */
  debugPointOf(name: string): { x: number; y: number } | undefined {
    const l = this.loaded;
    if (!l) return undefined;
    const func = l.tree.data.funcName.indexOf(name);
    const node = func >= 0 ? this.firstNodeOf(func) : undefined;
    return node ? this.graph.clientPointOf(node) : undefined;
  }

  debugZoomTo(name: string | undefined): boolean {
    const l = this.loaded;
    if (!l) return false;
    if (name === undefined) {
      this.graph.zoomTo(l.tree.root);
      return true;
    }
    const func = l.tree.data.funcName.indexOf(name);
    const node = func >= 0 ? this.firstNodeOf(func) : undefined;
    if (node) this.graph.zoomTo(node);
    return !!node;
  }
}
