// The flame graph panel: it wires the parts together. Trees are built here from ProfileData
// (sample type switches, search and selection are local), drawn by FlameGraph on canvas.
// The parts: view.ts (the shown profile and its helpers), layout.ts (the elements), search.ts,
// table.ts (the function table), tooltip.ts (tooltip and context menu), refineBar.ts (the
// refinements: chips, label filters, granularity, undo; applied by src/pprof/refine.ts).
import type { FlameNode, FlameTree } from '../shared/flameTree';
import type { ProfileData } from '../shared/profileData';
import type { FlameSource, FlameUiState, HostMessage, RefinementStep, ShowProfileMessage } from '../shared/webviewProtocol';
import { MAX_UNDO_STEPS, parseHostMessage } from '../shared/webviewProtocol';
import { buildTree, callersCallees, diffTree, heaviestNodeOf, nodeName, ROOT_FUNC, sampleTotal as sampleSum } from '../pprof/tree';
import { limitStackDepth, truncationNote } from '../pprof/stackDepth';
import { type Palette, type Rgb, hashString, mix, readPalette } from './colors';
import { button, el, show } from './dom';
import { FlameGraph, type FrameHit } from './flameGraph';
import type { HostBridge } from './host';
import { GcTab } from './gcTab';
import { Layout } from './layout';
import { RefineBar } from './refineBar';
import { compileChips, exactPattern, hasRefinements, labelKeys, refineProfile, regroup, type Granularity, type LabelKeyInfo, type RefinementChip } from '../pprof/refine';
import { SearchBox, searchTree } from './search';
import { markSelectedRow, renderTable, type SortKey } from './table';
import { openMenu, showTooltip } from './tooltip';
import { classOf, flatRows, followPath, formatIn, frameLabel, type Loaded, newLoaded, originOf, pathOf } from './view';

export class FlameApp {
  private readonly layout: Layout;
  private readonly search: SearchBox;
  private readonly refineBar: RefineBar;
  /** The label keys of the profile shown (for the label filter), computed once per profile. */
  private labelInfo: { data: unknown; keys: LabelKeyInfo[] } = { data: undefined, keys: [] };
  private refineBarShown = false;
  readonly graph: FlameGraph;
  /** The GC tab (src/webview/gcTab.ts): in place of the graph and the legend while shown. */
  readonly gc: GcTab;
  private readonly callersGraph: FlameGraph;
  private readonly calleesGraph: FlameGraph;
  private palette: Palette;
  private loaded: Loaded | undefined;
  private ui: FlameUiState;
  private source: FlameSource | undefined;
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
    const label = (n: FlameNode) => frameLabel(this.loaded, n);
    this.graph = new FlameGraph({
      weight: (n) => this.weight(n),
      fill: (n) => this.fill(n),
      label,
      palette: paletteFn,
      measureName: 'flame-draw',
    });
    this.graph.canvas.tabIndex = 0;
    this.graph.canvas.setAttribute('role', 'img');
    this.graph.canvas.setAttribute('aria-label', 'Flame graph');
    this.callersGraph = new FlameGraph({ weight: (n) => n.total, fill: (n) => this.fill(n), label, palette: paletteFn, rowHeight: 16 });
    this.calleesGraph = new FlameGraph({ weight: (n) => n.total, fill: (n) => this.fill(n), label, palette: paletteFn, rowHeight: 16 });
    this.callersGraph.orientation = 'flame';

    this.layout = new Layout({
      toggleOrientation: () => this.setOrientation(this.graph.orientation === 'icicle' ? 'flame' : 'icicle'),
      resetZoom: () => this.resetZoom(),
      toggleTable: () => this.toggleTable(),
      toggleColorBlind: () => this.toggleColorBlind(),
      closeSandwich: () => this.setSandwich(undefined),
    });
    this.search = new SearchBox(this.ui.search ?? '', (text) => this.setSearch(text), () => this.graph.canvas.focus());
    this.refineBar = new RefineBar({
      add: (chip) => this.addRefinement(chip, true),
      remove: (i) => this.changeRefinements((this.ui.refinements ?? []).filter((_, j) => j !== i), this.granularity()),
      undo: () => this.undo(),
      setGranularity: (g) => this.changeRefinements(this.ui.refinements ?? [], g),
      toggle: () => {
        this.ui.refineOpen = !this.refineBarShown;
        this.renderRefineBar();
        this.saveState();
      },
    });
    this.gc = new GcTab([this.layout.content, this.layout.breadcrumb, this.layout.legend, this.refineBar.element]);
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
      if (!this.layout.menu.contains(ev.target as Node)) show(this.layout.menu, false);
    });
  }

  private buildDom(): void {
    const ly = this.layout;
    ly.sampleSelect.addEventListener('change', () => this.setSampleIndex(Number(ly.sampleSelect.value), true));
    ly.assemble(this.root, this.graph, this.callersGraph, this.calleesGraph, {
      search: [this.search.input, this.search.info, this.refineBar.toggleBtn],
      toolbarEnd: [this.gc.button],
      belowToolbar: [this.refineBar.element],
      afterContent: [this.gc.section],
    });
    this.renderRefineBar();
    this.graph.orientation = this.ui.orientation ?? 'icicle';
    ly.orientationBtn.textContent = this.graph.orientation === 'icicle' ? 'Icicle' : 'Flame';
    show(ly.side, this.ui.showTable !== false);
    this.setStatus('Waiting for a profile…');
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
        this.setStatus(msg.message);
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
    const ly = this.layout;
    this.receivedAt = performance.now();
    this.firstPaintReported = false;
    delete this.root.dataset.ready;
    show(ly.errorBox, false);
    // Stacks too deep to draw are cut here too, whoever sent them (the host and the CLI already do).
    const limited = limitStackDepth(received.data);
    const limitedBase = received.base && limitStackDepth(received.base);
    const msg = limited === received.data && limitedBase === received.base ? received : { ...received, data: limited, ...(limitedBase ? { base: limitedBase } : {}) };
    if (msg.source) this.source = msg.source;
    const data = msg.data;
    const types = data.sampleTypes;
    let sampleIndex = msg.sampleIndex ?? this.ui.sampleIndex ?? data.defaultSampleIndex;
    if (!(sampleIndex >= 0 && sampleIndex < types.length)) sampleIndex = data.defaultSampleIndex;
    ly.sampleSelect.replaceChildren(
      ...types.map((t, i) => {
        const o = el('option', undefined, `${t.type} (${t.unit})`);
        o.value = String(i);
        return o;
      }),
    );
    ly.titleEl.textContent = msg.title;
    document.title = msg.title;
    // Stacks cut, drop_frames refused: what the profile on screen is not quite.
    const own = [truncationNote(data), ...(data.notes ?? [])];
    const base = msg.base ? [truncationNote(msg.base), ...(msg.base.notes ?? [])] : [];
    ly.showNotes([...own.filter((n): n is string => !!n), ...base.filter((n): n is string => !!n).map((n) => `Base profile: ${n}`)]);
    show(ly.cbBtn, !!msg.base);
    ly.cbBtn.classList.toggle('on', !!this.ui.colorBlind);
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

  /** The profile (and base) as the refinements and granularity show it. */
  private viewOf(msg: ShowProfileMessage): { data: ProfileData; base?: ProfileData; origin?: Int32Array; baseOrigin?: Int32Array } {
    let data = msg.data;
    let base = msg.base;
    const chips = this.ui.refinements ?? [];
    if (chips.length > 0) {
      const compiled = compileChips(chips, msg.data.labels);
      if (compiled.ok && hasRefinements(compiled.refinements)) {
        data = refineProfile(data, compiled.refinements);
        if (base) base = refineProfile(base, compiled.refinements);
      } else if (!compiled.ok) {
        this.refineBar.showError(`Refinement ${compiled.index + 1} not applied: ${compiled.error}`);
      }
    }
    const g = this.granularity();
    if (g === 'functions') return { data, ...(base ? { base } : {}) };
    const view: { data: ProfileData; base?: ProfileData; origin?: Int32Array; baseOrigin?: Int32Array } = { data: regroup(data, g) };
    view.origin = originOf(msg.data, view.data);
    if (base && msg.base) {
      view.base = regroup(base, g);
      view.baseOrigin = originOf(msg.base, view.base);
    }
    return view;
  }

  private build(msg: ShowProfileMessage, sampleIndex: number): void {
    const ly = this.layout;
    const view = this.viewOf(msg);
    const data = view.data;
    const t0 = performance.now();
    const tree = view.base ? diffTree(view.base, data, { sampleIndex }) : buildTree(data, { sampleIndex });
    performance.measure('flame-build-tree', { start: t0, end: performance.now() });
    const prevZoom = this.loaded ? pathOf(this.graph.zoomNode) : [];
    this.loaded = newLoaded(msg, view, tree, sampleIndex);
    this.ui.sampleIndex = sampleIndex;
    ly.sampleSelect.value = String(sampleIndex);
    // Legend and status first: they take their height before the graph measures its own.
    ly.renderLegend(this.loaded, !!this.ui.colorBlind);
    const st = data.sampleTypes[sampleIndex]!;
    const refined = (this.ui.refinements ?? []).length > 0 ? ` (refined, of ${this.fmt(sampleSum(msg.data, sampleIndex))})` : '';
    this.setStatus(`${msg.base ? 'Diff: ' : ''}${st.type} total ${this.fmt(tree.total)}${refined}` + (msg.base ? ` (before ${this.fmt(tree.root.baseTotal ?? 0)})` : '') + ` · ${tree.nodeCount} frames`);
    this.renderRefineBar();
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
    ly.table.replaceChildren();
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

  private reportFirstPaint(): void {
    if (this.firstPaintReported || !this.loaded) return;
    this.firstPaintReported = true;
    const ms = performance.now() - this.receivedAt;
    this.root.dataset.rendered = String(this.loaded.tree.nodeCount);
    this.host.post({ type: 'rendered', sampleIndex: this.loaded.sampleIndex, nodeCount: this.loaded.tree.nodeCount, ms });
  }

  showError(message: string): void {
    const ly = this.layout;
    this.loaded = undefined;
    show(ly.notesBox, false);
    this.graph.setTree(undefined);
    ly.table.replaceChildren();
    ly.errorBox.textContent = message;
    show(ly.errorBox, true);
    this.setStatus('');
  }

  private setStatus(text: string): void {
    this.layout.setStatus(text);
  }

  // ---- values and colours ----

  private fmt(v: number): string {
    return formatIn(this.loaded, v);
  }

  private weight(n: FlameNode): number {
    const v = this.loaded?.base ? Math.abs(n.total) + Math.abs(n.baseTotal ?? 0) : n.total;
    return v > 0 ? v : 0;
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
    const cls = classOf(l, n.func);
    const h = hashString(l.tree.data.funcName[n.func]!);
    return mix(p.pkg[cls], p.background, ((h % 7) / 7) * 0.28);
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
    const tooltip = this.layout.tooltip;
    g.onHover = (hit, ev) => {
      if (!hit) {
        show(tooltip, false);
        return;
      }
      this.showTooltip(hit, ev.clientX, ev.clientY);
    };
    g.onClick = (hit) => {
      show(this.layout.menu, false);
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
      sg.onHover = (hit, ev) => (hit ? this.showTooltip(hit, ev.clientX, ev.clientY, sg) : show(tooltip, false));
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
    const all = graph === this.graph ? l.tree.total : (graph.tree?.total ?? 0);
    showTooltip(this.layout.tooltip, l, hit, x, y, all, graph.zoomNode);
  }

  private openMenu(hit: FrameHit | undefined, x: number, y: number): void {
    const node = hit && !hit.merged ? hit.node : undefined;
    const real = !!node && node.func >= 0;
    openMenu(
      this.layout.menu,
      [
        { label: 'Go to Source', enabled: real && this.canOpenSource(), action: () => node && this.goToSource(node) },
        { label: 'Zoom', enabled: !!node, action: () => node && this.graph.zoomTo(node) },
        { label: 'Show Callers and Callees', enabled: real && node.func < (this.loaded?.data.funcName.length ?? 0), action: () => node && this.selectFunction(node.func, false) },
        { label: 'Reset Zoom', enabled: true, action: () => this.resetZoom() },
        { label: 'Focus on This', enabled: real, action: () => node && this.refineByFrame('focus', node.func), group: true },
        { label: 'Ignore This', enabled: real, action: () => node && this.refineByFrame('ignore', node.func) },
        { label: 'Hide This', enabled: real, action: () => node && this.refineByFrame('hide', node.func) },
        { label: 'Show Only This', enabled: real, action: () => node && this.refineByFrame('show', node.func) },
      ],
      x,
      y,
    );
    show(this.layout.tooltip, false);
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
    // A merged node (granularity): the function of the profile it stands for, and for a line its line.
    const line = node.line || (this.granularity() === 'lines' ? (l.tree.data.funcStartLine[node.func] ?? 0) : 0);
    const origin = fromBase ? l.baseOrigin : l.origin;
    if (origin) func = origin[func]!;
    if (func < 0) return;
    this.host.post({ type: 'openSource', func, line, ...(fromBase ? { fromBase } : {}) });
  }

  private resetZoom(): void {
    if (this.graph.tree) this.graph.zoomTo(this.graph.tree.root);
  }

  private updateBreadcrumb(): void {
    const { breadcrumb, resetBtn } = this.layout;
    breadcrumb.replaceChildren();
    const z = this.graph.zoomNode;
    const l = this.loaded;
    if (!z || !l) return;
    const chain: FlameNode[] = [];
    for (let n: FlameNode | null = z; n; n = n.parent) chain.unshift(n);
    chain.forEach((n, i) => {
      if (i > 0) breadcrumb.append(el('span', 'crumb-sep', '›'));
      const last = i === chain.length - 1;
      const b = button(i === 0 ? 'all' : frameLabel(l, n), nodeName(l.tree.data, n), () => this.graph.zoomTo(n), last ? 'crumb current' : 'crumb');
      breadcrumb.append(b);
    });
    resetBtn.disabled = chain.length <= 1;
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
          show(this.layout.menu, false);
          show(this.layout.tooltip, false);
          this.resetZoom();
          break;
        case 'g':
          this.goToSource(cur);
          break;
        case '/':
          this.search.focus();
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
    this.layout.orientationBtn.textContent = o === 'icicle' ? 'Icicle' : 'Flame';
    this.graph.setOrientation(o);
    this.saveState();
  }

  private toggleTable(): void {
    this.ui.showTable = this.ui.showTable === false;
    show(this.layout.side, this.ui.showTable);
    this.graph.requestDraw();
    this.saveState();
  }

  private toggleColorBlind(): void {
    this.ui.colorBlind = !this.ui.colorBlind;
    this.layout.cbBtn.classList.toggle('on', this.ui.colorBlind);
    this.layout.renderLegend(this.loaded, this.ui.colorBlind);
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

  // ---- refinements ----

  private granularity(): Granularity {
    return this.ui.granularity ?? 'functions';
  }

  private renderRefineBar(): void {
    const data = this.loaded?.msg.data;
    if (this.labelInfo.data !== data) this.labelInfo = { data, keys: data?.labels ? labelKeys(data.labels) : [] };
    const shown = this.refineBar.render(this.ui.refinements ?? [], this.granularity(), (this.ui.undo?.length ?? 0) > 0, this.labelInfo.keys, !!this.ui.refineOpen);
    if (shown !== this.refineBarShown) {
      this.refineBarShown = shown;
      this.graph.requestDraw(); // the graph's room changed
    }
  }

  /** A chip for a frame: its function's exact name (its file's, when merged by file). */
  private refineByFrame(kind: 'focus' | 'ignore' | 'hide' | 'show', func: number): void {
    const l = this.loaded;
    if (!l || func < 0) return;
    const g = this.granularity();
    const name = l.tree.data.funcName[func]!;
    let pattern: string;
    if (g === 'files') pattern = exactPattern(l.tree.data.funcFile[func] ?? '');
    else if (g === 'functions') pattern = exactPattern(name);
    else {
      // A node merged by function and file or by line: the function it stands for.
      let orig: string | undefined;
      if (func < l.data.funcName.length) orig = l.msg.data.funcName[l.origin![func]!];
      else if (l.base && l.msg.base) orig = l.msg.base.funcName[l.baseOrigin![l.base.funcName.indexOf(name)]!];
      if (orig === undefined) return;
      pattern = exactPattern(orig);
    }
    this.addRefinement({ kind, pattern }, false);
  }

  /** Adds a chip after checking its pattern (an error is shown beside the box instead). */
  private addRefinement(chip: RefinementChip, fromBox: boolean): void {
    const chips = [...(this.ui.refinements ?? []), chip];
    const compiled = compileChips(chips, this.loaded?.msg.data.labels);
    if (!compiled.ok) {
      this.refineBar.showError(compiled.error.charAt(0).toUpperCase() + compiled.error.slice(1));
      return;
    }
    if (fromBox) this.refineBar.clearInput();
    this.changeRefinements(chips, this.granularity());
  }

  private changeRefinements(refinements: RefinementChip[], granularity: Granularity, undoing = false): void {
    if (!undoing) {
      // Kept in the saved state, so Undo still works after the panel is restored.
      const step: RefinementStep = { refinements: this.ui.refinements ?? [] };
      if (this.granularity() !== 'functions') step.granularity = this.granularity();
      this.ui.undo = [...(this.ui.undo ?? []), step].slice(-MAX_UNDO_STEPS);
    }
    this.ui.refinements = refinements.length > 0 ? refinements : undefined;
    this.ui.granularity = granularity === 'functions' ? undefined : granularity;
    this.refineBar.showError('');
    this.rebuild();
  }

  private undo(): void {
    const prev = this.ui.undo?.pop();
    if (this.ui.undo?.length === 0) delete this.ui.undo;
    if (prev) this.changeRefinements(prev.refinements, prev.granularity ?? 'functions', true);
  }

  /** Builds the view again (refinements changed), keeping the search and the caller/callee view. */
  private rebuild(): void {
    const l = this.loaded;
    if (!l) {
      this.renderRefineBar();
      this.saveState();
      return;
    }
    const sandwich = this.ui.sandwichFunc;
    delete this.root.dataset.ready; // set again once the function table is rendered
    this.graph.zoomTo(l.tree.root, false);
    this.graph.cursor = undefined;
    this.graph.selectedFunc = -1;
    this.build(l.msg, l.sampleIndex);
    if (this.ui.search) this.setSearch(this.ui.search);
    const f = sandwich ? this.loaded!.data.funcName.indexOf(sandwich) : -1;
    this.setSandwich(f >= 0 ? f : undefined);
    this.graph.drawNow();
    this.saveState();
  }

  // ---- search ----

  setSearch(text: string): void {
    this.ui.search = text;
    const l = this.loaded;
    if (!l || text === '') {
      this.graph.match = null;
      this.search.showResult(l, undefined);
      this.graph.drawNow();
      this.renderTable();
      this.saveState();
      return;
    }
    const r = searchTree(l, text);
    this.search.showResult(l, r);
    if (!r.ok) return;
    this.graph.match = r.match;
    this.graph.drawNow();
    this.renderTable();
    this.saveState();
  }

  // ---- table ----

  private renderTable(): void {
    const key: SortKey = this.ui.sortKey ?? 'flat';
    renderTable(this.layout.table, this.layout.tableNote, this.loaded, {
      sortKey: key,
      descending: this.ui.sortDescending ?? key !== 'name',
      match: this.graph.match,
      selectedFunc: this.graph.selectedFunc,
      onSort: (k) => this.sortBy(k),
      onSelect: (func) => this.selectFunction(func, true),
      onOpen: (func) => {
        const node = this.firstNodeOf(func);
        if (node) this.goToSource(node);
      },
    });
  }

  private sortBy(k: SortKey): void {
    const key = this.ui.sortKey ?? 'flat';
    const desc = this.ui.sortDescending ?? key !== 'name';
    if (this.ui.sortKey === k || (k === 'flat' && !this.ui.sortKey)) this.ui.sortDescending = !desc;
    else this.ui.sortDescending = k !== 'name';
    this.ui.sortKey = k;
    this.renderTable();
    this.saveState();
  }

  /** Selects a function: outlines its frames, highlights its table row, opens its callers/callees. */
  selectFunction(func: number, reveal: boolean): void {
    const l = this.loaded;
    if (!l) return;
    this.graph.selectedFunc = func;
    markSelectedRow(this.layout.table, func);
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
    const ly = this.layout;
    if (!l || func === undefined || func >= l.data.funcName.length) {
      this.sandwichData = undefined;
      this.ui.sandwichFunc = undefined;
      show(ly.sandwich, false);
      this.callersGraph.setTree(undefined);
      this.calleesGraph.setTree(undefined);
      this.graph.requestDraw();
      this.saveState();
      return;
    }
    const s = callersCallees(l.data, func, l.sampleIndex);
    this.sandwichData = { ...s, func };
    this.ui.sandwichFunc = l.data.funcName[func];
    const row = flatRows(l).find((r) => r.func === func);
    ly.sandwichTitle.textContent = `${l.data.funcName[func]} · flat ${this.fmt(row?.flat ?? 0)} · cum ${this.fmt(row?.cum ?? 0)}`;
    show(ly.sandwich, true);
    this.callersGraph.setTree(s.callers);
    this.calleesGraph.setTree(s.callees);
    this.graph.requestDraw();
  }

  // ---- state ----

  private followPath(path: number[]): FlameNode | undefined {
    return followPath(this.loaded?.tree.root, path);
  }

  private saveState(): void {
    this.ui.zoomPath = pathOf(this.graph.zoomNode);
    this.ui.selectedPath = this.graph.cursor ? pathOf(this.graph.cursor) : undefined;
    this.host.setState({ ui: this.ui, ...(this.source ? { source: this.source } : {}) });
  }

  /** Where a function's heaviest frame is drawn (client coordinates), if it is. */
  pointOfFunction(name: string): { x: number; y: number } | undefined {
    const l = this.loaded;
    if (!l) return undefined;
    const func = l.tree.data.funcName.indexOf(name);
    const node = func >= 0 ? this.firstNodeOf(func) : undefined;
    return node ? this.graph.clientPointOf(node) : undefined;
  }

  /** Zooms to a function's heaviest frame (undefined: the root); false when it has none. */
  zoomToFunction(name: string | undefined): boolean {
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
