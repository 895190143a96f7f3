// The flame graph drawn on one canvas: a scroll container with a spacer as tall as the tree
// and a sticky canvas the size of the viewport, redrawn from the tree on every change. Only
// frames at least MIN_FRAME_PX wide are drawn one by one; runs of narrower siblings are merged
// into one block, so a 100k-node tree costs only what is visible.
import type { FlameNode, FlameTree } from '../shared/flameTree';
import { OTHER_FUNC } from '../pprof/tree';
import { type Palette, type Rgb, textOn, toCss } from './colors';

export type Orientation = 'icicle' | 'flame';

/** Something drawn: a frame, or a run of tiny siblings merged into one block. */
export interface FrameHit {
  node: FlameNode;
  /** Set for merged blocks: the siblings it stands for (node is the first of them). */
  merged?: FlameNode[];
  /** Sum of weights of what the block stands for. */
  weight: number;
  /** Start in weight units from the root's left edge. */
  start: number;
  depth: number;
  x: number;
  w: number;
}

export interface FlameGraphOptions {
  /** Widths are proportional to this (total, or before+after in diff mode). */
  weight: (n: FlameNode) => number;
  fill: (n: FlameNode) => Rgb;
  label: (n: FlameNode) => string;
  palette: () => Palette;
  rowHeight?: number;
  /** Performance mark name for draw timing. */
  measureName?: string;
}

const MIN_FRAME_PX = 2;
const ANIMATION_MS = 180;

interface Row {
  x0: number[];
  x1: number[];
  hits: FrameHit[];
}

export class FlameGraph {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private readonly ctx: CanvasRenderingContext2D;
  tree: FlameTree | undefined;
  orientation: Orientation = 'icicle';
  /** Visible range in weight units. */
  private viewStart = 0;
  private viewEnd = 1;
  /** The frame the view is zoomed to (the root when not zoomed). */
  zoomNode: FlameNode | undefined;
  /** Per function: 1 when it matches the search. Null: no search. */
  match: Uint8Array | null = null;
  /** Function whose frames are outlined (table selection), -1 for none. */
  selectedFunc = -1;
  /** Keyboard cursor. */
  cursor: FlameNode | undefined;
  private maxDepth = 0;
  private rows: Row[] = [];
  private animation = 0;
  private drawQueued = 0;
  private charWidth = 7;
  private readonly rowH: number;
  private cssWidth = 1;
  /** Size of the scroll container at the last draw: a resize to the same size needs no new one. */
  private drawnSize = [0, 0];
  /** Duration of the last draw in ms, and what it drew. */
  lastDrawMs = 0;
  lastDrawStats = { visited: 0, frames: 0, labels: 0 };

  onHover: (hit: FrameHit | undefined, ev: MouseEvent) => void = () => {};
  onClick: (hit: FrameHit, ev: MouseEvent) => void = () => {};
  onDblClick: (hit: FrameHit, ev: MouseEvent) => void = () => {};
  onContextMenu: (hit: FrameHit | undefined, ev: MouseEvent) => void = () => {};
  /** After every zoom change (animation end included). */
  onZoom: () => void = () => {};

  constructor(private readonly opts: FlameGraphOptions) {
    this.rowH = opts.rowHeight ?? 18;
    this.element = document.createElement('div');
    this.element.className = 'flame-scroll';
    this.spacer = document.createElement('div');
    this.spacer.className = 'flame-spacer';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'flame-canvas';
    this.element.append(this.canvas, this.spacer);
    const ctx = this.canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('This webview cannot draw on a canvas (no 2D context).');
    this.ctx = ctx;
    this.element.addEventListener('scroll', () => this.requestDraw(), { passive: true });
    new ResizeObserver(() => {
      if (this.element.clientWidth !== this.drawnSize[0] || this.element.clientHeight !== this.drawnSize[1]) this.requestDraw();
    }).observe(this.element);
    this.canvas.addEventListener('mousemove', (ev) => this.onHover(this.hitAt(ev), ev));
    this.canvas.addEventListener('mouseleave', (ev) => this.onHover(undefined, ev));
    this.canvas.addEventListener('click', (ev) => {
      const hit = this.hitAt(ev);
      if (hit) this.onClick(hit, ev);
    });
    this.canvas.addEventListener('dblclick', (ev) => {
      const hit = this.hitAt(ev);
      if (hit) this.onDblClick(hit, ev);
    });
    this.canvas.addEventListener('contextmenu', (ev) => {
      ev.preventDefault();
      this.onContextMenu(this.hitAt(ev), ev);
    });
  }

  setTree(tree: FlameTree | undefined): void {
    this.tree = tree;
    this.cursor = undefined;
    this.maxDepth = tree ? tree.maxDepth : 0;
    this.zoomNode = tree?.root;
    this.viewStart = 0;
    this.viewEnd = tree ? Math.max(this.opts.weight(tree.root), 1e-9) : 1;
    this.drawNow();
    if (this.orientation === 'flame') {
      this.element.scrollTop = this.element.scrollHeight;
      this.drawNow();
    }
  }

  setOrientation(o: Orientation): void {
    if (o === this.orientation) return;
    this.orientation = o;
    this.element.scrollTop = o === 'flame' ? this.element.scrollHeight : 0;
    this.drawNow();
  }

  /** Start offset and depth of a node, from its ancestors' earlier siblings. */
  rangeOf(node: FlameNode): { start: number; depth: number } {
    let start = 0;
    let depth = 0;
    for (let n = node; n.parent; n = n.parent) {
      depth++;
      for (const sib of n.parent.children) {
        if (sib === n) break;
        start += this.opts.weight(sib);
      }
    }
    return { start, depth };
  }

  depthOf(node: FlameNode): number {
    let d = 0;
    for (let n = node; n.parent; n = n.parent) d++;
    return d;
  }

  /** Zooms the view to a node (the root resets), animated unless animate is false. */
  zoomTo(node: FlameNode, animate = true, range?: { start: number; weight: number }): void {
    if (!this.tree) return;
    const { start, depth } = this.rangeOf(node);
    const s = range ? range.start : start;
    const w = Math.max(range ? range.weight : this.opts.weight(node), 1e-9);
    this.zoomNode = node;
    this.scrollToDepth(depth);
    const from = [this.viewStart, this.viewEnd];
    const to = [s, s + w];
    cancelAnimationFrame(this.animation);
    if (!animate || (from[0] === to[0] && from[1] === to[1])) {
      this.viewStart = to[0]!;
      this.viewEnd = to[1]!;
      this.drawNow();
      this.onZoom();
      return;
    }
    const t0 = performance.now();
    const step = (now: number) => {
      const t = Math.min(1, (now - t0) / ANIMATION_MS);
      const e = 1 - (1 - t) ** 3;
      this.viewStart = from[0]! + (to[0]! - from[0]!) * e;
      this.viewEnd = from[1]! + (to[1]! - from[1]!) * e;
      this.drawNow();
      if (t < 1) this.animation = requestAnimationFrame(step);
      else this.onZoom();
    };
    this.animation = requestAnimationFrame(step);
  }

  /** Makes the row of a depth visible. */
  scrollToDepth(depth: number): void {
    const el = this.element;
    const y = this.rowTop(depth) + el.scrollTop;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + this.rowH > el.scrollTop + el.clientHeight) el.scrollTop = y + this.rowH - el.clientHeight;
  }

  requestDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = requestAnimationFrame(() => {
      this.drawQueued = 0;
      this.drawNow();
    });
  }

  /** Canvas y (CSS px) of a depth's row top, for the current scroll position. */
  private rowTop(depth: number): number {
    const el = this.element;
    const rows = this.maxDepth + 1;
    if (this.orientation === 'icicle') return depth * this.rowH - el.scrollTop;
    const offset = Math.max(0, el.clientHeight - rows * this.rowH);
    return offset + (rows - 1 - depth) * this.rowH - el.scrollTop;
  }

  drawNow(): void {
    const t0 = performance.now();
    const el = this.element;
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(1, el.clientWidth);
    const H = Math.max(1, el.clientHeight);
    this.cssWidth = W;
    this.drawnSize = [el.clientWidth, el.clientHeight];
    const spacer = `${Math.max(0, (this.tree ? this.maxDepth + 1 : 0) * this.rowH - H)}px`;
    if (this.spacer.style.height !== spacer) this.spacer.style.height = spacer;
    if (this.canvas.width !== Math.round(W * dpr) || this.canvas.height !== Math.round(H * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(H * dpr);
      this.canvas.style.width = `${W}px`;
      this.canvas.style.height = `${H}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    this.rows = [];
    const tree = this.tree;
    if (!tree) return;
    const p = this.opts.palette();
    const fontPx = Math.round(this.rowH * 0.66);
    ctx.font = `${fontPx}px ${p.font}`;
    ctx.textBaseline = 'middle';
    this.charWidth = ctx.measureText('MMMMMMMMMM').width / 10 || 7;
    const scale = W / (this.viewEnd - this.viewStart);
    const weight = this.opts.weight;
    const rowH = this.rowH;
    const icicle = this.orientation === 'icicle';
    const rowTop = (d: number) => this.rowTop(d);

    const stats = { visited: 0, frames: 0, labels: 0 };
    this.lastDrawStats = stats;
    // Depth first with a stack of its own (a stack thousands of frames deep would overflow
    // the call stack): a node is drawn when entered, then its children one by one, runs of
    // narrow ones merged into one block. Rows get their frames left to right.
    interface Visit {
      node: FlameNode;
      depth: number;
      children: FlameNode[];
      next: number;
      /** Start of the next child. */
      cs: number;
      run: FlameNode[];
      runStart: number;
      runWeight: number;
    }
    const stack: Visit[] = [];
    const enter = (node: FlameNode, start: number, depth: number): void => {
      stats.visited++;
      const w = weight(node) * scale;
      const x = (start - this.viewStart) * scale;
      if (x >= W || x + w <= 0 || w <= 0) return;
      const y = rowTop(depth);
      // Deeper rows lie further down (icicle) or up (flame): prune once past the viewport.
      if (icicle ? y >= H : y + rowH <= 0) return;
      if (icicle ? y + rowH > 0 : y < H) this.drawFrame({ node, weight: weight(node), start, depth, x, w }, y, p);
      stack.push({ node, depth, children: node.children, next: 0, cs: start, run: [], runStart: 0, runWeight: 0 });
    };
    const flush = (v: Visit) => {
      if (v.run.length === 0) return;
      const rw = v.runWeight * scale;
      const rx = (v.runStart - this.viewStart) * scale;
      if (rw >= 0.5 && rx < W && rx + rw > 0) {
        const cy = rowTop(v.depth + 1);
        if (cy + rowH > 0 && cy < H) this.drawFrame({ node: v.run[0]!, merged: v.run, weight: v.runWeight, start: v.runStart, depth: v.depth + 1, x: rx, w: rw }, cy, p);
      }
      v.run = [];
      v.runWeight = 0;
    };
    enter(tree.root, 0, 0);
    while (stack.length > 0) {
      const v = stack[stack.length - 1]!;
      if (v.next === v.children.length) {
        flush(v);
        stack.pop();
        continue;
      }
      const child = v.children[v.next++]!;
      const cw = weight(child);
      const cs = v.cs;
      v.cs += cw;
      if (cw * scale < MIN_FRAME_PX || child.func === OTHER_FUNC) {
        if (v.run.length === 0) v.runStart = cs;
        v.run.push(child);
        v.runWeight += cw;
      } else {
        flush(v);
        enter(child, cs, v.depth + 1);
      }
    }
    this.lastDrawMs = performance.now() - t0;
    if (this.opts.measureName) performance.measure(this.opts.measureName, { start: t0, end: t0 + this.lastDrawMs });
  }

  private drawFrame(hit: FrameHit, y: number, p: Palette): void {
    const ctx = this.ctx;
    let row = this.rows[hit.depth];
    if (!row) row = this.rows[hit.depth] = { x0: [], x1: [], hits: [] };
    row.x0.push(hit.x);
    row.x1.push(hit.x + hit.w);
    row.hits.push(hit);
    this.lastDrawStats.frames++;
    const node = hit.node;
    const x = Math.max(hit.x, -1);
    const w = Math.min(hit.x + hit.w, this.cssWidth + 1) - x;
    const h = this.rowH - 1;
    const fill = hit.merged ? p.other : this.opts.fill(node);
    const dim = this.match !== null && (!!hit.merged || node.func < 0 || !this.match[node.func]);
    ctx.fillStyle = this.css(fill, dim);
    const gap = w > 3 ? 1 : 0;
    ctx.fillRect(x, y, w - gap, h);
    if (p.border && w > 3) {
      ctx.strokeStyle = p.border;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, w - gap - 1, h - 1);
    }
    const selected = !hit.merged && node.func >= 0 && node.func === this.selectedFunc;
    const matched = this.match !== null && !dim;
    if (selected || matched || this.cursor === node) {
      ctx.strokeStyle = p.focus;
      ctx.lineWidth = this.cursor === node && !hit.merged ? 3 : 2;
      ctx.strokeRect(x + 1, y + 1, Math.max(w - gap - 2, 1), h - 2);
    }
    if (w > 24) {
      const label = hit.merged ? `${hit.merged.length} small` : this.opts.label(node);
      const room = Math.floor((w - 8) / this.charWidth);
      if (room >= 2) {
        const text = label.length <= room ? label : label.slice(0, room - 1) + '…';
        ctx.fillStyle = dim ? p.foreground : textOn(p, fill);
        ctx.globalAlpha = dim ? 0.6 : 1;
        ctx.fillText(text, x + 4, y + h / 2 + 0.5);
        this.lastDrawStats.labels++;
        ctx.globalAlpha = 1;
      }
    }
  }

  private readonly cssCache = new Map<number, string>();

  /** CSS colour strings, cached: a draw sets fillStyle once per frame. */
  private css(c: Rgb, dim: boolean): string {
    const key = ((Math.round(c.r) << 16) | (Math.round(c.g) << 8) | Math.round(c.b)) * 2 + (dim ? 1 : 0);
    let v = this.cssCache.get(key);
    if (v === undefined) {
      if (this.cssCache.size > 4096) this.cssCache.clear();
      v = toCss(c, dim ? 0.3 : 1);
      this.cssCache.set(key, v);
    }
    return v;
  }

  /** The drawn frame under a mouse event. */
  hitAt(ev: MouseEvent): FrameHit | undefined {
    const r = this.canvas.getBoundingClientRect();
    return this.hitAtPoint(ev.clientX - r.left, ev.clientY - r.top);
  }

  hitAtPoint(x: number, y: number): FrameHit | undefined {
    for (let d = 0; d < this.rows.length; d++) {
      const row = this.rows[d];
      if (!row) continue;
      const top = this.rowTop(d);
      if (y < top || y >= top + this.rowH) continue;
      let lo = 0;
      let hi = row.x0.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (x < row.x0[mid]!) hi = mid - 1;
        else if (x >= row.x1[mid]!) lo = mid + 1;
        else return row.hits[mid];
      }
    }
    return undefined;
  }

  /** The drawn frame of a node, if it is visible. */
  hitOf(node: FlameNode): FrameHit | undefined {
    for (const row of this.rows) {
      if (!row) continue;
      for (const h of row.hits) if (h.node === node && !h.merged) return h;
    }
    return undefined;
  }

  /** Centre of a node's drawn frame in client coordinates (for tests and keyboard tooltips). */
  clientPointOf(node: FlameNode): { x: number; y: number } | undefined {
    const hit = this.hitOf(node);
    if (!hit) return undefined;
    const r = this.canvas.getBoundingClientRect();
    const x0 = Math.max(hit.x, 0);
    const x1 = Math.min(hit.x + hit.w, r.width);
    return { x: r.left + (x0 + x1) / 2, y: r.top + this.rowTop(hit.depth) + this.rowH / 2 };
  }

  /** The neighbour of a drawn node in its row (dir -1 left, +1 right). */
  sibling(node: FlameNode, dir: -1 | 1): FlameNode | undefined {
    const depth = this.depthOf(node);
    const row = this.rows[depth];
    if (!row) return undefined;
    const i = row.hits.findIndex((h) => h.node === node && !h.merged);
    if (i < 0) return undefined;
    for (let j = i + dir; j >= 0 && j < row.hits.length; j += dir) {
      if (!row.hits[j]!.merged) return row.hits[j]!.node;
    }
    return undefined;
  }

  get rowHeight(): number {
    return this.rowH;
  }

  get depth(): number {
    return this.maxDepth;
  }
}
