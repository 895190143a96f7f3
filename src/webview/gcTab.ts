// The GC tab: the run's GC trace as a chart over time (heap live, goal and in use per cycle,
// pauses below), GOGC and GOMEMLIMIT controls whose prediction is drawn over the recorded goal,
// and a one-line verdict. Used by the flame graph panel (a tab beside the graph) and by the
// "Open GC Trace…" panel (alone). Everything from the trace is drawn on canvas or set as text.
import { chartTheme, type ChartTheme } from './colors';
import { endSeconds, summarize, type GcCycle } from '../gc/gctrace';
import { chartSeries, gcVerdict } from '../gc/verdict';
import { inferGogc, type GcSettings } from '../gc/whatIf';
import type { ShowGcTraceMessage } from '../shared/webviewProtocol';
import { ChartCursor } from './chartCursor';
import { button, el, show } from './dom';

/** The series' colours, from the theme's chart colours. */
function readColors(): ChartTheme & { live: string; goal: string; inUse: string; predicted: string; limit: string; pause: string } {
  const t = chartTheme();
  return { ...t, live: t.blue, goal: t.orange, inUse: t.green, predicted: t.purple, limit: t.red, pause: t.yellow };
}

/** What the tab shows, for the page tests. */
export interface GcTabState {
  cycles: number;
  verdict: string;
  predictedCycles: number;
  target: GcSettings;
  /** Points drawn per series: live, goal, in use, predicted goal. */
  drawn: { live: number; goal: number; inUse: number; predicted: number; pauses: number };
}

export class GcTab {
  /** The toolbar button that switches to the tab (hidden until a trace arrives). */
  readonly button: HTMLButtonElement;
  readonly section = el('section', 'gc-tab hidden');
  private readonly heading = el('div', 'gc-heading');
  private readonly summaryEl = el('div', 'gc-summary');
  private readonly verdictEl = el('div', 'gc-verdict');
  private readonly gogcInput = el('input', 'gc-gogc');
  private readonly limitInput = el('input', 'gc-limit');
  private readonly chart = el('canvas', 'gc-chart');
  private readonly pauses = el('canvas', 'gc-pauses');
  private readonly legend = el('div', 'gc-legend');
  /** Pointer or arrow keys on the charts: one cycle's figures in words. */
  private readonly cursor = new ChartCursor([this.chart, this.pauses], (i) => this.describeCycle(i), () => this.draw());
  private cycles: GcCycle[] = [];
  /** The chart's series of the trace shown, and the verdict at the controls' settings (render keeps both). */
  private series: ReturnType<typeof chartSeries> | undefined;
  private verdict: ReturnType<typeof gcVerdict> | undefined;
  private containerLimitMB: number | undefined;
  private active = false;
  state: GcTabState | undefined;
  /** Called after each render with what the tab shows (the host keeps it for the tests). */
  onShown: ((s: GcTabState) => void) | undefined;

  /**
   * `others` are the elements the tab replaces while shown (the flame graph's); with none, the
   * tab is all there is (the GC trace panel).
   */
  constructor(private readonly others: HTMLElement[] = []) {
    this.button = button('GC', 'Show the GC trace of this run: heap, pauses, and what GOGC or GOMEMLIMIT would change', () => this.toggle());
    show(this.button, false);
    this.gogcInput.type = 'text';
    this.gogcInput.size = 5;
    this.gogcInput.title = 'GOGC: a percentage, or off';
    this.gogcInput.setAttribute('aria-label', 'GOGC');
    this.limitInput.type = 'text';
    this.limitInput.size = 7;
    this.limitInput.placeholder = 'none';
    this.limitInput.title = 'GOMEMLIMIT in MiB (empty: no limit)';
    this.limitInput.setAttribute('aria-label', 'GOMEMLIMIT in MiB');
    for (const i of [this.gogcInput, this.limitInput]) i.addEventListener('input', () => this.render());
    const controls = el('div', 'gc-controls');
    controls.append(el('label', undefined, 'GOGC '), this.gogcInput, el('label', undefined, ' GOMEMLIMIT (MiB) '), this.limitInput);
    this.chart.setAttribute('role', 'img');
    this.chart.setAttribute('aria-label', 'Heap live, goal and in use per GC cycle over time; the arrow keys step through the cycles');
    this.pauses.setAttribute('role', 'img');
    this.pauses.setAttribute('aria-label', 'GC pauses per cycle; the arrow keys step through the cycles');
    this.section.append(this.heading, this.summaryEl, this.verdictEl, controls, this.chart, this.pauses, this.cursor.readout, this.legend);
    new ResizeObserver(() => this.draw()).observe(this.section);
  }

  /** Shows a trace; `standalone` shows the tab at once (the GC trace panel). */
  show(msg: ShowGcTraceMessage, standalone = false): void {
    this.cursor.clear();
    this.cycles = msg.cycles;
    this.series = chartSeries(msg.cycles);
    this.containerLimitMB = msg.containerLimitMB;
    this.heading.textContent = `GC trace · ${msg.name}`;
    const s = summarize(this.cycles);
    this.summaryEl.textContent = `${s.cycles} cycles${s.forcedCycles ? ` (${s.forcedCycles} forced)` : ''} in ${s.seconds} s · GC CPU ${s.gcCpuPercent}% · pauses ${s.totalPauseMs} ms, longest ${s.maxPauseMs} ms · live ${s.liveP50MB}–${s.liveMaxMB} MB · peak goal ${s.peakGoalMB} MB · ${s.allocRateMBps ?? 0} MB/s allocated`;
    // The first question: with a container limit, the recorded GOGC under a GOMEMLIMIT of 90%
    // of it (see src/gc/cgroup.ts); without, what the verdict asks (GOGC doubled).
    const gogc = this.containerLimitMB !== undefined ? inferGogc(this.cycles) : gcVerdict(this.cycles).target.gogc;
    this.gogcInput.value = gogc !== undefined && gogc !== 'off' && gogc >= 0 ? String(gogc) : 'off';
    this.limitInput.value = this.containerLimitMB !== undefined ? String(Math.floor(this.containerLimitMB * 0.9)) : '';
    show(this.button, true);
    if (standalone) this.setActive(true);
    this.render();
  }

  private toggle(): void {
    this.setActive(!this.active);
  }

  setActive(active: boolean): void {
    this.active = active;
    show(this.section, active);
    for (const o of this.others) o.classList.toggle('gc-hidden', active);
    this.button.classList.toggle('on', active);
    this.button.setAttribute('aria-pressed', String(active));
    if (active) this.draw();
  }

  /** The settings the controls say; undefined fields are the recorded ones. */
  private target(): GcSettings | undefined {
    const g = this.gogcInput.value.trim().toLowerCase();
    const gogc = g === 'off' ? -1 : /^\d+$/.test(g) ? Number(g) : undefined;
    const l = this.limitInput.value.trim();
    const limit = /^\d+(\.\d+)?$/.test(l) && Number(l) > 0 ? Number(l) : undefined;
    this.gogcInput.classList.toggle('invalid', gogc === undefined);
    this.limitInput.classList.toggle('invalid', l !== '' && limit === undefined);
    if (gogc === undefined) return undefined;
    return limit !== undefined ? { gogc, memoryLimitMB: limit } : { gogc };
  }

  private render(): void {
    if (this.cycles.length === 0) return;
    const v = gcVerdict(this.cycles, this.target());
    this.verdict = v;
    this.verdictEl.textContent = v.text;
    this.state = { cycles: this.cycles.length, verdict: v.text, predictedCycles: v.whatIf.cycles, target: v.target, drawn: { live: 0, goal: 0, inUse: 0, predicted: 0, pauses: 0 } };
    this.draw();
    this.onShown?.(this.state);
  }

  /** One cycle in words, for the chart cursor. */
  private describeCycle(i: number): string {
    const c = this.cycles[i];
    if (!c) return '';
    const end = endSeconds(c);
    const stacks = c.stacksMB !== undefined ? `, stacks ${c.stacksMB} MB` : '';
    return `Cycle ${c.n}${c.forced ? ' (forced)' : ''} ended at ${end.toFixed(3)} s: live ${c.liveMB} MB, in use ${c.heapEndMB} MB, goal ${c.goalMB} MB${stacks}; pause ${c.pauseMs} ms; GC CPU ${c.cpuPercent}% since the start`;
  }

  private draw(): void {
    if (!this.active || this.cycles.length === 0 || !this.state) return;
    const colors = readColors();
    // Drawn again on every cursor move and resize: the series and the what-if replay are render's.
    const v = this.verdict;
    if (!this.series || !v) return;
    const { points, timeAt } = this.series;
    const predicted = v.whatIf.timeline.map((p) => ({ seconds: timeAt(p.allocatedMB), goalMB: p.goalMB }));
    const limit = v.target.memoryLimitMB;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(200, this.section.clientWidth - 16);
    const size = (c: HTMLCanvasElement, h: number): CanvasRenderingContext2D | null => {
      c.style.width = `${width}px`;
      c.style.height = `${h}px`;
      c.width = Math.round(width * dpr);
      c.height = Math.round(h * dpr);
      const ctx = c.getContext('2d');
      ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
      return ctx;
    };
    const ctx = size(this.chart, 260);
    const pctx = size(this.pauses, 70);
    if (!ctx || !pctx) return;
    const left = 48;
    const right = width - 8;
    const top = 8;
    const bottom = 260 - 22;
    const tMax = Math.max(...points.map((p) => p.seconds), ...predicted.map((p) => p.seconds), 1e-3);
    const yMax = Math.max(1, ...points.map((p) => Math.max(p.goalMB, p.inUseMB)), ...predicted.map((p) => p.goalMB), limit ?? 0, this.containerLimitMB ?? 0) * 1.08;
    const X = (t: number): number => left + (t / tMax) * (right - left);
    const Y = (mb: number): number => bottom - (mb / yMax) * (bottom - top);
    ctx.font = `11px ${colors.font}`;
    ctx.fillStyle = colors.muted;
    ctx.strokeStyle = colors.muted;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, bottom);
    ctx.lineTo(right, bottom);
    ctx.stroke();
    for (let i = 0; i <= 4; i++) {
      const mb = (yMax / 4) * i;
      ctx.fillText(`${Math.round(mb)} MB`, 2, Y(mb) + 4);
      ctx.fillText(`${((tMax / 4) * i).toFixed(2)} s`, X((tMax / 4) * i) - (i === 4 ? 34 : 12), bottom + 14);
    }
    const line = (pts: { x: number; y: number }[], color: string, dash: number[] = [], step = false): number => {
      if (pts.length === 0) return 0;
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      pts.forEach((p, i) => {
        if (i === 0) ctx.moveTo(p.x, p.y);
        else {
          if (step) ctx.lineTo(p.x, pts[i - 1]!.y);
          ctx.lineTo(p.x, p.y);
        }
      });
      ctx.stroke();
      ctx.setLineDash([]);
      return pts.length;
    };
    const drawn = this.state.drawn;
    drawn.goal = line(points.map((p) => ({ x: X(p.seconds), y: Y(p.goalMB) })), colors.goal, [], true);
    drawn.inUse = line(points.map((p) => ({ x: X(p.seconds), y: Y(p.inUseMB) })), colors.inUse);
    drawn.live = line(points.map((p) => ({ x: X(p.seconds), y: Y(p.liveMB) })), colors.live);
    drawn.predicted = line(predicted.map((p) => ({ x: X(p.seconds), y: Y(p.goalMB) })), colors.predicted, [5, 3], true);
    this.cursor.setPoints(points.map((p) => X(p.seconds)));
    this.cursor.mark(ctx, top, bottom, colors.fg);
    for (const [mb, label] of [
      [limit, 'GOMEMLIMIT'],
      [this.containerLimitMB, 'container limit'],
    ] as const) {
      if (mb === undefined) continue;
      ctx.strokeStyle = colors.limit;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.moveTo(left, Y(mb));
      ctx.lineTo(right, Y(mb));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = colors.limit;
      ctx.fillText(`${label} ${Math.round(mb)} MB`, right - 140, Y(mb) - 3);
    }
    // Pauses: one bar per cycle, on a scale of the longest.
    const pMax = Math.max(1e-3, ...points.map((p) => p.pauseMs));
    pctx.font = `11px ${colors.font}`;
    pctx.fillStyle = colors.muted;
    pctx.fillText(`pauses (longest ${pMax} ms)`, 2, 10);
    pctx.fillStyle = colors.pause;
    for (const p of points) {
      const h = Math.max(1, (p.pauseMs / pMax) * 54);
      pctx.fillRect(X(p.seconds) - 1, 68 - h, 2, h);
    }
    drawn.pauses = points.length;
    this.cursor.mark(pctx, 14, 68, colors.fg);
    this.legend.replaceChildren();
    for (const [name, color, dashed] of [
      ['live heap', colors.live, false],
      ['in use at end of mark', colors.inUse, false],
      ['heap goal', colors.goal, false],
      [`predicted goal (${v.whatIf.cycles} cycles)`, colors.predicted, true],
    ] as const) {
      const item = el('span', 'gc-legend-item');
      const swatch = el('span', `gc-swatch${dashed ? ' dashed' : ''}`);
      swatch.style.borderColor = color;
      item.append(swatch, document.createTextNode(name));
      this.legend.append(item);
    }
  }
}
