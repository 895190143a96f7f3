// The heap watch panel: in-use bytes and goroutines of a running service over time (two canvas
// charts), the newest figures with their change since the first snapshot, and the lines whose
// in-use bytes grew most. Every string from the service (function and file names, errors) is
// set as text. When the newest poll failed or the watch ended on an error, the figures line
// shows that error instead of figures: nothing on screen passes for the service's current state.
import { chartTheme, type ChartTheme } from './colors';
import { formatBytes } from '../pprof/units';
import type { ShowWatchMessage, WatchActionMessage } from '../shared/webviewProtocol';
import type { WatchPoint } from '../watch/watcher';
import { ChartCursor } from './chartCursor';
import { button, el, show } from './dom';

/** The series' colours, from the theme's chart colours. */
function readColors(): ChartTheme & { bytes: string; goroutines: string; leaked: string; error: string } {
  const t = chartTheme();
  return { ...t, bytes: t.blue, goroutines: t.green, leaked: t.orange, error: t.red };
}

/** What the panel shows, for the page tests and the host. */
export interface WatchViewState {
  phase: string;
  /** Points drawn per series. */
  drawn: { bytes: number; goroutines: number; leaked: number; errors: number };
  rows: number;
  figures: string;
}

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function signed(n: number, format: (v: number) => string): string {
  return `${n >= 0 ? '+' : '−'}${format(Math.abs(n))}`;
}

const count = (n: number): string => String(Math.round(n));

const PHASE_TEXT: Record<ShowWatchMessage['phase'], string> = {
  starting: 'Connecting',
  watching: 'Watching',
  retrying: 'Retrying',
  done: 'Done',
  stopped: 'Stopped',
  failed: 'Failed',
};

export class WatchView {
  readonly root = el('section', 'watch');
  private readonly heading = el('div', 'watch-heading');
  private readonly statusEl = el('div', 'watch-status');
  private readonly figuresEl = el('div', 'watch-figures');
  private readonly stopBtn: HTMLButtonElement;
  private readonly restartBtn: HTMLButtonElement;
  private readonly diffBtn: HTMLButtonElement;
  private readonly charts = el('div', 'watch-charts');
  private readonly bytesChart = el('canvas', 'watch-bytes');
  private readonly goroutineChart = el('canvas', 'watch-goroutines');
  private readonly legend = el('div', 'gc-legend');
  /** Pointer or arrow keys on the charts: one poll's figures in words. */
  private readonly cursor = new ChartCursor([this.bytesChart, this.goroutineChart], (i) => this.describePoint(i), () => this.draw());
  private readonly growthHead = el('div', 'watch-growth-head');
  private readonly table = el('table', 'functions watch-growth');
  private readonly tbody = el('tbody');
  private msg: ShowWatchMessage | undefined;
  state: WatchViewState | undefined;
  /** Called after each render (the page posts it to the host). */
  onShown: ((s: WatchViewState) => void) | undefined;

  constructor(
    private readonly act: (action: WatchActionMessage['action']) => void,
    private readonly openLine: (row: number) => void,
  ) {
    this.stopBtn = button('Stop', 'Stop polling the service', () => this.act('stop'));
    this.restartBtn = button('Watch Again', 'Start a new watch of the same service, from a new first snapshot', () => this.act('restart'));
    this.diffBtn = button('Open Growth in Flame Graph', 'The newest heap snapshot against the first, as a diff flame graph (inuse_space)', () => this.act('openDiff'));
    const toolbar = el('div', 'toolbar');
    toolbar.append(this.heading, this.stopBtn, this.restartBtn, this.diffBtn);
    this.bytesChart.setAttribute('role', 'img');
    this.bytesChart.setAttribute('aria-label', 'In-use heap bytes over time; the arrow keys step through the polls');
    this.goroutineChart.setAttribute('role', 'img');
    this.goroutineChart.setAttribute('aria-label', 'Goroutines over time; the arrow keys step through the polls');
    this.charts.append(this.bytesChart, this.goroutineChart, this.cursor.readout, this.legend);
    const head = el('thead');
    const tr = el('tr');
    for (const [label, cls] of [
      ['Growth', 'num'],
      ['In use now', 'num'],
      ['Objects', 'num'],
      ['Function', ''],
      ['Line', ''],
    ] as const) tr.append(el('th', cls || undefined, label));
    head.append(tr);
    this.table.append(head, this.tbody);
    const body = el('div', 'watch-body');
    body.append(this.statusEl, this.figuresEl, this.charts, this.growthHead, this.table);
    this.root.append(toolbar, body);
    new ResizeObserver(() => this.draw()).observe(this.root);
  }

  show(m: ShowWatchMessage): void {
    this.msg = m;
    this.heading.textContent = `Heap of ${m.title}`;
    this.heading.title = m.base;
    const running = m.phase === 'starting' || m.phase === 'watching' || m.phase === 'retrying';
    show(this.stopBtn, running);
    show(this.restartBtn, !running);
    this.diffBtn.disabled = !m.growth;
    const every = m.intervalMs >= 60_000 ? `${+(m.intervalMs / 60_000).toFixed(1)} min` : `${+(m.intervalMs / 1000).toFixed(1)} s`;
    const leak = m.leakProfile === 'not served' ? ' · no goroutineleak profile (Go 1.26 with GOEXPERIMENT=goroutineleakprofile serves one)' : '';
    const status = `${PHASE_TEXT[m.phase]} · ${m.base} every ${every} · ${m.polls} snapshot${m.polls === 1 ? '' : 's'}${leak}`;
    // A retry says why; the end of a watch is said by its phase (and a failure in the figures line).
    this.statusEl.textContent = m.message && m.phase === 'retrying' ? `${status} · ${m.message}` : status;

    const good = m.points.filter((p) => p.error === undefined);
    const last = m.points.at(-1);
    const failed = m.phase === 'failed' || (last?.error !== undefined);
    this.figuresEl.classList.toggle('error', failed);
    if (failed) {
      const why = m.phase === 'failed' ? m.message : last?.error;
      this.figuresEl.textContent = `${m.phase === 'failed' ? 'The watch failed' : `Poll failed at ${clock(last!.at)}`}: ${why ?? 'unknown error'}`;
    } else if (last && good.length > 0) {
      const first = good[0]!;
      const parts = [`In use ${formatBytes(last.inuseBytes!)}`];
      if (good.length > 1) parts[0] += ` (${signed(last.inuseBytes! - first.inuseBytes!, formatBytes)} since ${clock(first.at)})`;
      parts.push(`${last.goroutines} goroutines${good.length > 1 ? ` (${signed(last.goroutines! - first.goroutines!, count)})` : ''}`);
      if (last.leakedGoroutines !== undefined) parts.push(`${last.leakedGoroutines} leaked${good.length > 1 && first.leakedGoroutines !== undefined ? ` (${signed(last.leakedGoroutines - first.leakedGoroutines, count)})` : ''}`);
      this.figuresEl.textContent = `${parts.join(' · ')} at ${clock(last.at)}`;
    } else {
      this.figuresEl.textContent = 'Waiting for the first snapshot…';
    }
    show(this.charts, good.length > 0);

    this.tbody.replaceChildren();
    const g = m.growth;
    show(this.table, !!g && g.rows.length > 0);
    show(this.growthHead, good.length > 0);
    if (!g) {
      this.growthHead.textContent = good.length > 0 ? 'What grew: after the second snapshot.' : '';
    } else {
      this.growthHead.textContent =
        `What grew from ${clock(g.firstAt)} to ${clock(g.newestAt)}: ${signed(g.growthBytes, formatBytes)} in use in all; ` +
        (g.grown === 0 ? 'no line grew.' : `${g.grown} line${g.grown === 1 ? '' : 's'} grew${g.grown > g.rows.length ? ` (the ${g.rows.length} largest shown)` : ''}.`);
      g.rows.forEach((r, i) => {
        const row = el('tr');
        const file = r.file.split(/[\\/]/).pop() ?? r.file;
        row.append(
          el('td', 'num', signed(r.growthBytes, formatBytes)),
          el('td', 'num', formatBytes(r.newestBytes)),
          el('td', 'num', r.growthObjects !== undefined ? signed(r.growthObjects, count) : ''),
          el('td', 'fn', r.function),
          el('td', undefined, r.line > 0 ? `${file}:${r.line}` : file),
        );
        row.title = `${r.function}\n${r.file}${r.line > 0 ? `:${r.line}` : ''}\n${formatBytes(r.firstBytes)} → ${formatBytes(r.newestBytes)}\nClick to open the line`;
        row.tabIndex = 0;
        row.addEventListener('click', () => this.openLine(i));
        row.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') this.openLine(i);
        });
        this.tbody.append(row);
      });
    }
    this.state = { phase: m.phase, drawn: { bytes: 0, goroutines: 0, leaked: 0, errors: 0 }, rows: g?.rows.length ?? 0, figures: this.figuresEl.textContent };
    this.draw();
    this.onShown?.(this.state);
  }

  /** One poll in words, for the chart cursor. */
  private describePoint(i: number): string {
    const p = this.msg?.points[i];
    if (!p) return '';
    if (p.error !== undefined) return `${clock(p.at)}: the poll failed: ${p.error}`;
    const parts: string[] = [];
    if (p.inuseBytes !== undefined) parts.push(`in use ${formatBytes(p.inuseBytes)}`);
    if (p.goroutines !== undefined) parts.push(`${count(p.goroutines)} goroutines`);
    if (p.leakedGoroutines !== undefined) parts.push(`${count(p.leakedGoroutines)} leaked`);
    return `${clock(p.at)}: ${parts.join(', ')}`;
  }

  private draw(): void {
    const m = this.msg;
    if (!m || !this.state) return;
    const good = m.points.filter((p) => p.error === undefined);
    if (good.length === 0) return;
    const colors = readColors();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(240, this.root.clientWidth - 24);
    const t0 = m.points[0]!.at;
    const tMax = Math.max(1, m.points.at(-1)!.at - t0);
    const drawn = this.state.drawn;
    // Both charts share the time axis: left 70 px, right 8 px from the edge.
    this.cursor.setPoints(m.points.map((p) => 70 + ((p.at - t0) / tMax) * (width - 8 - 70)));
    const chart = (canvas: HTMLCanvasElement, height: number, series: { values: (p: WatchPoint) => number | undefined; color: string; dash?: number[] }[], label: (v: number) => string): number[] => {
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      const ctx = canvas.getContext('2d');
      if (!ctx) return series.map(() => 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const left = 70;
      const right = width - 8;
      const top = 8;
      const bottom = height - 20;
      let yMax = 0;
      for (const s of series) for (const p of good) yMax = Math.max(yMax, s.values(p) ?? 0);
      yMax = Math.max(1, yMax * 1.1);
      const X = (at: number): number => left + ((at - t0) / tMax) * (right - left);
      const Y = (v: number): number => bottom - (v / yMax) * (bottom - top);
      ctx.font = `11px ${colors.font}`;
      ctx.fillStyle = colors.muted;
      ctx.strokeStyle = colors.muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(left, top);
      ctx.lineTo(left, bottom);
      ctx.lineTo(right, bottom);
      ctx.stroke();
      for (let i = 0; i <= 3; i++) {
        const v = (yMax / 3) * i;
        ctx.fillText(label(v), 2, Y(v) + 4);
      }
      ctx.fillText(clock(t0), left, bottom + 14);
      if (m.points.length > 1) ctx.fillText(clock(t0 + tMax), right - 50, bottom + 14);
      const counts = series.map((s) => {
        ctx.strokeStyle = s.color;
        ctx.fillStyle = s.color;
        ctx.setLineDash(s.dash ?? []);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        let n = 0;
        let drawing = false;
        for (const p of m.points) {
          const v = p.error === undefined ? s.values(p) : undefined;
          // A failed poll breaks the line: no value is made up across it.
          if (v === undefined) {
            drawing = false;
            continue;
          }
          if (drawing) ctx.lineTo(X(p.at), Y(v));
          else ctx.moveTo(X(p.at), Y(v));
          drawing = true;
          n++;
        }
        ctx.stroke();
        ctx.setLineDash([]);
        if (good.length === 1) {
          const v = s.values(good[0]!);
          if (v !== undefined) ctx.fillRect(X(good[0]!.at) - 2, Y(v) - 2, 4, 4);
        }
        return n;
      });
      // Failed polls: a red tick on the time axis.
      ctx.fillStyle = colors.error;
      for (const p of m.points) if (p.error !== undefined) ctx.fillRect(X(p.at) - 1, bottom - 8, 3, 8);
      this.cursor.mark(ctx, top, bottom, colors.fg);
      return counts;
    };
    [drawn.bytes] = chart(this.bytesChart, 180, [{ values: (p) => p.inuseBytes, color: colors.bytes }], (v) => formatBytes(v));
    const gSeries = [{ values: (p: WatchPoint) => p.goroutines, color: colors.goroutines }];
    if (m.leakProfile === 'served') gSeries.push({ values: (p: WatchPoint) => p.leakedGoroutines, color: colors.leaked, dash: [5, 3] } as (typeof gSeries)[number]);
    const [gor, leaked] = chart(this.goroutineChart, 120, gSeries, (v) => count(v));
    drawn.goroutines = gor ?? 0;
    drawn.leaked = leaked ?? 0;
    drawn.errors = m.points.length - good.length;
    this.legend.replaceChildren();
    const items: [string, string, boolean][] = [
      ['in-use heap (after a GC)', colors.bytes, false],
      ['goroutines', colors.goroutines, false],
    ];
    if (m.leakProfile === 'served') items.push(['leaked goroutines (goroutineleak)', colors.leaked, true]);
    if (drawn.errors > 0) items.push(['failed poll', colors.error, false]);
    for (const [name, color, dashed] of items) {
      const item = el('span', 'gc-legend-item');
      const swatch = el('span', `gc-swatch${dashed ? ' dashed' : ''}`);
      swatch.style.borderColor = color;
      item.append(swatch, document.createTextNode(name));
      this.legend.append(item);
    }
  }
}
