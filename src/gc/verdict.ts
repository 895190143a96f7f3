// The GC tab's one-line verdict and the chart's series: pure, so the webview, the extension and
// the tests share them.
import { allocatedBetween, endSeconds, summarize, type GcCycle, type GcSummary } from './gctrace';
import { whatIf, type GcSettings, type WhatIfDetails } from './whatIf';

function signed(n: number, unit = ''): string {
  return `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n))}${unit}`;
}

function settingsText(s: GcSettings): string {
  const gogc = s.gogc === undefined || s.gogc < 0 ? 'off' : String(s.gogc);
  return `GOGC=${gogc}${s.memoryLimitMB !== undefined ? `,GOMEMLIMIT=${Math.round(s.memoryLimitMB)}MiB` : ''}`;
}

/**
 * "GC used 6% CPU over 47 cycles; GOGC=200 would cut the cycles by 47% (25) for +137 MB peak
 * goal." `target` is what the controls say; when it is the recorded setting, GOGC doubled is
 * the question asked.
 */
export function gcVerdict(cycles: readonly GcCycle[], target?: GcSettings): { text: string; whatIf: WhatIfDetails; target: GcSettings } {
  const s: GcSummary = summarize(cycles);
  const base = whatIf(cycles, { gogc: 100 });
  const recorded: GcSettings = { gogc: base.recordedGogc === 'off' ? -1 : base.recordedGogc };
  const same = !target || (target.gogc === recorded.gogc && target.memoryLimitMB === undefined);
  const t: GcSettings = same ? { gogc: recorded.gogc !== undefined && recorded.gogc > 0 ? recorded.gogc * 2 : 100 } : target!;
  const w = whatIf(cycles, t);
  const head = `GC used ${s.gcCpuPercent}% CPU over ${s.cycles} cycles`;
  let tail: string;
  if (w.cycles === s.cycles) {
    tail = `${settingsText(t)} would change little (${w.cycles} cycles, peak goal ${w.peakGoalMB} MB)`;
  } else {
    const change = w.cycles < s.cycles ? `cut the cycles by ${Math.round((1 - w.cycles / s.cycles) * 100)}%` : `add ${Math.round((w.cycles / s.cycles - 1) * 100)}% more cycles`;
    tail = `${settingsText(t)} would ${change} (${w.cycles}) for ${signed(w.peakGoalMB - s.peakGoalMB, ' MB')} peak goal and ${w.gcCpuPercent}% GC CPU`;
  }
  return { text: `${head}; ${tail}.`, whatIf: w, target: t };
}

export interface GcChartPoint {
  seconds: number;
  liveMB: number;
  goalMB: number;
  /** Heap in use at the end of the mark. */
  inUseMB: number;
  pauseMs: number;
  forced: boolean;
}

/** The recorded cycles along time, and a map from allocation volume to time for predictions. */
export function chartSeries(cycles: readonly GcCycle[]): { points: GcChartPoint[]; timeAt(allocatedMB: number): number } {
  const points: GcChartPoint[] = cycles.map((c) => ({ seconds: endSeconds(c), liveMB: c.liveMB, goalMB: c.goalMB, inUseMB: c.heapEndMB, pauseMs: c.pauseMs, forced: c.forced }));
  const xs: number[] = [];
  let x = 0;
  cycles.forEach((c, i) => {
    x += allocatedBetween(i === 0 ? undefined : cycles[i - 1], c);
    xs.push(x);
  });
  const timeAt = (mb: number): number => {
    if (points.length === 0) return 0;
    if (mb <= xs[0]!) return xs[0]! > 0 ? (points[0]!.seconds * mb) / xs[0]! : points[0]!.seconds;
    for (let i = 1; i < xs.length; i++) {
      if (mb <= xs[i]!) {
        const f = xs[i]! > xs[i - 1]! ? (mb - xs[i - 1]!) / (xs[i]! - xs[i - 1]!) : 0;
        return points[i - 1]!.seconds + f * (points[i]!.seconds - points[i - 1]!.seconds);
      }
    }
    return points[points.length - 1]!.seconds;
  };
  return { points, timeAt };
}
