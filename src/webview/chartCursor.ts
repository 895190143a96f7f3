// A point cursor for the line charts of the GC tab and the heap watch: the pointer or the arrow
// keys pick a point, a vertical marker shows it, and a line of text below the charts (announced
// by screen readers) says its figures. Home / End go to the first / last point, Page Up / Page
// Down ten points, Escape clears it.
import { el } from './dom';

export class ChartCursor {
  /** The figures of the point under the cursor, in words. */
  readonly readout = el('div', 'chart-readout');
  private current: number | undefined;
  /** The x of each point in CSS pixels, as the last drawing placed them. */
  private xs: number[] = [];

  constructor(
    canvases: HTMLCanvasElement[],
    private readonly describe: (index: number) => string,
    private readonly redraw: () => void,
  ) {
    this.readout.setAttribute('role', 'status');
    this.readout.setAttribute('aria-live', 'polite');
    for (const canvas of canvases) {
      canvas.tabIndex = 0;
      canvas.setAttribute('aria-keyshortcuts', 'ArrowLeft ArrowRight Home End PageUp PageDown Escape');
      canvas.addEventListener('pointermove', (e) => this.moveTo(this.nearest(e.offsetX)));
      canvas.addEventListener('keydown', (e) => this.key(e));
      canvas.addEventListener('focus', () => {
        if (this.current === undefined && this.xs.length > 0) this.moveTo(this.xs.length - 1);
      });
    }
  }

  /** The point under the cursor, if any. */
  get index(): number | undefined {
    return this.current;
  }

  /** Called by each drawing with the points' x positions; a cursor past the end is dropped. */
  setPoints(xs: number[]): void {
    this.xs = xs;
    if (this.current !== undefined && this.current >= xs.length) this.clear();
    else if (this.current !== undefined) this.readout.textContent = this.describe(this.current);
  }

  /** Draws the marker at the point under the cursor, from top to bottom. */
  mark(ctx: CanvasRenderingContext2D, top: number, bottom: number, color: string): void {
    const x = this.current !== undefined ? this.xs[this.current] : undefined;
    if (x === undefined) return;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.setLineDash([1, 2]);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, top);
    ctx.lineTo(Math.round(x) + 0.5, bottom);
    ctx.stroke();
    ctx.restore();
  }

  clear(): void {
    if (this.current === undefined) return;
    this.current = undefined;
    this.readout.textContent = '';
    this.redraw();
  }

  private nearest(x: number): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.xs.length; i++) {
      if (best === undefined || Math.abs(this.xs[i]! - x) < Math.abs(this.xs[best]! - x)) best = i;
    }
    return best;
  }

  private moveTo(index: number | undefined): void {
    if (index === undefined || index === this.current) return;
    this.current = Math.max(0, Math.min(this.xs.length - 1, index));
    this.readout.textContent = this.describe(this.current);
    this.redraw();
  }

  private key(e: KeyboardEvent): void {
    const last = this.xs.length - 1;
    if (last < 0) return;
    const at = this.current ?? last;
    const to: Record<string, number> = { ArrowLeft: at - 1, ArrowRight: at + 1, PageUp: at - 10, PageDown: at + 10, Home: 0, End: last };
    if (e.key === 'Escape') this.clear();
    else if (e.key in to) this.moveTo(Math.max(0, Math.min(last, to[e.key]!)));
    else return;
    e.preventDefault();
  }
}
