// What another GOGC or GOMEMLIMIT would have done to a recorded run: the recorded live heap and
// allocation volume replayed through the pacer model of the Go GC guide
// (https://go.dev/doc/gc-guide) and runtime/mgcpacer.go. Pure: shared by the CLI and the extension.
//
// The replay walks the run's allocation volume (MB allocated since the program started), not
// its clock: a program does the same work at any GOGC, and what it keeps alive at a point of
// that work does not depend on when the collector ran. From the trace it takes, along that
// axis (see allocatedBetween in gctrace.ts for how the volume is read):
//   - the true live heap: a cycle's marked bytes L count everything allocated during its mark
//     (allocated black), E − S, so the heap live when the mark began is about L − (E − S);
//   - the mark-phase allocation per MB of live heap, which depends on how fast the program
//     allocates while the collector marks, not on GOGC;
//   - the GC roots (stacks and globals scanned), and the cycles forced by runtime.GC(), which
//     happen at the same point of the work whatever the settings.
// Each simulated cycle then has the goal of the pacer,
//   goal = L + (L + stacks + globals) × GOGC/100, at least 4 MB × GOGC/100,
// capped by the memory limit: limit − non-heap memory, less 3% headroom (at least 1 MB), never
// below the live heap. The pacer starts the cycle so that the mark ends at the goal, but never
// before 70% nor after 95% of the way from L to the goal; a mark that needs more runway than
// is left is held at the goal by assists. The next cycle's L is the live heap where its mark
// began plus what was allocated during the mark.
//
// The replay also runs at the recorded settings, and the ratio of the recorded cycle count to
// that replay's corrects the prediction for what the model leaves out (the pacer's estimation
// error, the trace's rounding to whole MB).
import { allocatedBetween, endSeconds, gcCpuMs, type GcCycle } from './gctrace';

export interface GcSettings {
  /** GOGC; undefined or a negative number means off. */
  gogc?: number;
  /** GOMEMLIMIT in MB; undefined means none. */
  memoryLimitMB?: number;
}

export interface WhatIfOptions {
  /** The settings of the recorded run; by default GOGC is inferred from the goals and no limit assumed. */
  recorded?: GcSettings;
  /**
   * Memory the runtime counts against GOMEMLIMIT besides the heap (stacks, runtime metadata,
   * fragmentation, free spans it keeps), in MB. Default: an estimate (see nonHeapEstimateMB).
   */
  nonHeapMB?: number;
}

export interface WhatIfResult {
  gogc: number | 'off';
  memoryLimitMB: number | null;
  /** Predicted number of completed GC cycles, forced ones included. */
  cycles: number;
  /** Largest heap goal of the replay (MB). */
  peakGoalMB: number;
  /** Predicted GC CPU share of the program, in percent. */
  gcCpuPercent: number;
}

export interface WhatIfDetails extends WhatIfResult {
  /** GOGC of the recorded run, as given or inferred. */
  recordedGogc: number | 'off';
  /** Replay of the recorded settings: cycles it predicts for them (before the correction). */
  replayRecordedCycles: number;
  /** Non-heap memory assumed against the memory limit (MB). */
  nonHeapMB: number;
  /** The predicted cycles: position (MB allocated) at the end of each mark, goal and live heap. */
  timeline: { allocatedMB: number; goalMB: number; liveMB: number; forced: boolean }[];
}

/** Trace sizes are rounded down to whole MB: half a MB is the unbiased estimate of what was cut. */
const ROUNDING_MB = 0.5;
const HEAP_MINIMUM_MB = 4;
const TRIGGER_MIN = 0.7;
const TRIGGER_MAX = 0.95;
const OVERSHOOT = 0.05;

interface Point {
  /** MB allocated since the start, where the mark began. */
  x: number;
  /** True live heap there (MB). */
  live: number;
  /** Allocation during the mark (MB). */
  mark: number;
  roots: number;
  forced: boolean;
}

/** The recorded run along its allocation volume. */
interface Profile {
  points: Point[];
  /** MB allocated to the end of the last mark, plus the expected allocation after it. */
  endX: number;
  /** Mark-phase allocation per MB of live heap. */
  markPerLive: number;
  /** GC CPU ms per cycle: fixed part and part per MB of marked heap. */
  cpuFixedMs: number;
  cpuPerMB: number;
  /** CPU capacity of the recorded run up to its last cycle (GOMAXPROCS × wall time), ms. */
  capacityMs: number;
}

function roots(c: GcCycle): number {
  return (c.stacksMB ?? 0) + (c.globalsMB ?? 0) + (c.stacksMB === undefined ? 0 : 2 * ROUNDING_MB);
}

/**
 * GOGC the recorded goals were paced for. The trace prints each size rounded down to whole MB,
 * so a cycle's goal G (paced from the previous cycle's marked heap L and roots R: stacks plus
 * globals) says only that the true goal, L' + (L' + R') × GOGC/100 with L' in [L, L + 1) and R'
 * in [R, R + 2), lies in [G, G + 1), and it is at least the heap minimum, 4 MB × GOGC/100. The
 * GOGC that agrees with the most cycles is taken (of several, the roundest: a multiple of 100,
 * 50, 25, 10 or 5, then the middle one).
 */
export function inferGogc(cycles: readonly GcCycle[]): number | 'off' {
  if (cycles.length < 2) return 100;
  // GOGC=off: the goal is "never" (see NO_GOAL_MB), or, under a memory limit, far above the
  // marked heap (50 times the heap or more is taken as that).
  const ratios: number[] = [];
  for (let i = 1; i < cycles.length; i++) {
    const L = cycles[i - 1]!.liveMB + ROUNDING_MB;
    if (L >= 8) ratios.push((cycles[i]!.goalMB + ROUNDING_MB - L) / (L + roots(cycles[i - 1]!)));
  }
  ratios.sort((a, b) => a - b);
  if (ratios.length > 0 && ratios[ratios.length >> 1]! > 50) return 'off';
  const MAX = 5000;
  const agree = new Int32Array(MAX + 1);
  for (let i = 1; i < cycles.length; i++) {
    const p = cycles[i - 1]!;
    const G = cycles[i]!.goalMB;
    const L = p.liveMB;
    const R = (p.stacksMB ?? 0) + (p.globalsMB ?? 0);
    const rootsSpan = p.stacksMB === undefined ? 0 : 2;
    for (let g = 1; g <= MAX; g++) {
      // The goal's least and greatest true value at this GOGC (the heap minimum included).
      const floor = (HEAP_MINIMUM_MB * g) / 100;
      const least = Math.max(L + ((L + R) * g) / 100, floor);
      const most = Math.max(L + 1 + ((L + 1 + R + rootsSpan) * g) / 100, floor);
      if (least < G + 1 && most >= G) agree[g]!++;
      if (least >= G + 1) break; // (and for every larger g)
    }
  }
  let most = 0;
  for (let g = 1; g <= MAX; g++) most = Math.max(most, agree[g]!);
  if (most === 0) return 100;
  const best: number[] = [];
  for (let g = 1; g <= MAX; g++) if (agree[g] === most) best.push(g);
  for (const step of [100, 50, 25, 10, 5]) {
    const round = best.filter((g) => g % step === 0);
    if (round.length > 0) return round[(round.length - 1) >> 1]!;
  }
  return best[(best.length - 1) >> 1]!;
}

/**
 * Non-heap memory the runtime counts against a memory limit of `limitMB`: stacks, runtime
 * metadata (span structures, mark and pointer bitmaps: a few per cent of the heap) and the
 * free space inside partly used spans (fragmentation, a few per cent with Go's size classes).
 * The trace does not show it; we take the stacks scanned, 2 MB of fixed runtime structures and
 * 5% of the heap, the heap being what the limit leaves: nh = stacks + 2 + 5% × (limit − nh).
 */
export function nonHeapEstimateMB(cycles: readonly GcCycle[], limitMB: number): number {
  let stacks = 0;
  for (const c of cycles) stacks = Math.max(stacks, c.stacksMB ?? 0);
  return Math.round(((stacks + 2 + 0.05 * limitMB) / 1.05) * 10) / 10;
}

function buildProfile(cycles: readonly GcCycle[]): Profile {
  const points: Point[] = [];
  let x = 0;
  let liveSum = 0;
  let markSum = 0;
  for (let i = 0; i < cycles.length; i++) {
    const c = cycles[i]!;
    x += allocatedBetween(i === 0 ? undefined : cycles[i - 1], c);
    const mark = Math.max(0, c.heapEndMB - c.heapStartMB);
    const live = Math.max(0, c.liveMB + ROUNDING_MB - mark);
    points.push({ x: x - mark, live, mark, roots: roots(c), forced: c.forced });
    if (!c.forced) {
      liveSum += live;
      markSum += mark;
    }
  }
  // CPU per cycle against the heap it marked: least squares of cpu = a + b × L.
  const xs = cycles.map((c) => c.liveMB + ROUNDING_MB);
  const ys = cycles.map(gcCpuMs);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const my = ys.reduce((a, b) => a + b, 0) / Math.max(1, n);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  let cpuPerMB = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  let cpuFixedMs = my - cpuPerMB * mx;
  if (cpuFixedMs < 0) {
    // The fit went through zero from below: all of it is per MB.
    cpuFixedMs = 0;
    cpuPerMB = mx > 0 ? my / mx : 0;
  }
  const last = cycles[cycles.length - 1];
  const capacityMs = last ? last.procs * endSeconds(last) * 1000 : 0;
  return { points, endX: x, markPerLive: liveSum > 0 ? markSum / liveSum : 0, cpuFixedMs, cpuPerMB, capacityMs };
}

/** Linear interpolation of a point field at allocation volume x (held constant beyond the ends). */
function at(points: readonly Point[], x: number, field: 'live' | 'roots'): number {
  if (points.length === 0) return 0;
  if (x <= points[0]!.x) return points[0]![field];
  let lo = 0;
  let hi = points.length - 1;
  if (x >= points[hi]!.x) return points[hi]![field];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x <= x) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[hi]!;
  const t = b.x > a.x ? (x - a.x) / (b.x - a.x) : 0;
  return a[field] + t * (b[field] - a[field]);
}

/** The pacer's heap goal (MB) after a cycle that marked `live` with `rootsMB` of roots. */
export function heapGoalMB(live: number, rootsMB: number, s: GcSettings, nonHeapMB: number): number {
  const gogc = s.gogc !== undefined && s.gogc >= 0 ? s.gogc : undefined;
  let goal = gogc === undefined ? Infinity : Math.max(live + ((live + rootsMB) * gogc) / 100, (HEAP_MINIMUM_MB * gogc) / 100);
  if (s.memoryLimitMB !== undefined) {
    let limitGoal = s.memoryLimitMB - nonHeapMB;
    const headroom = Math.max(limitGoal * 0.03, 1);
    limitGoal = limitGoal < 2 * headroom ? headroom : limitGoal - headroom;
    goal = Math.min(goal, Math.max(limitGoal, live));
  }
  return goal;
}

interface Replay {
  cycles: number;
  peakGoal: number;
  cpuMs: number;
  timeline: WhatIfDetails['timeline'];
}

/** Replays the recorded work at settings `s`. */
function replay(p: Profile, s: GcSettings, nonHeapMB: number): Replay {
  const forcedAt = p.points.filter((q) => q.forced);
  let nextForced = 0;
  let x = 0; // volume at the last mark termination
  let L = 0; // heap marked by the last cycle
  let rootsMB = p.points[0]?.roots ?? 0;
  let cycles = 0;
  let peakGoal = 0;
  let cpuMs = 0;
  const timeline: WhatIfDetails['timeline'] = [];
  const done = (markStart: number, mark: number, goal: number, forced: boolean): void => {
    x = markStart + mark;
    L = at(p.points, markStart, 'live') + mark;
    rootsMB = at(p.points, markStart, 'roots');
    cycles++;
    peakGoal = Math.max(peakGoal, goal);
    cpuMs += p.cpuFixedMs + p.cpuPerMB * L;
    timeline.push({ allocatedMB: Math.round(x * 10) / 10, goalMB: Math.round(goal * 10) / 10, liveMB: Math.round(L * 10) / 10, forced });
  };
  for (let guard = 0; guard < 1_000_000; guard++) {
    const goal = heapGoalMB(L, rootsMB, s, nonHeapMB);
    const runway = goal - L;
    let markStart = Infinity;
    let mark = 0;
    if (Number.isFinite(goal)) {
      const wanted = p.markPerLive * at(p.points, x, 'live');
      const trigger = Math.min(Math.max(goal - wanted, L + TRIGGER_MIN * runway), L + TRIGGER_MAX * runway);
      // Assists hold the heap at the goal, but once it is past the goal they aim at 1.1 × the
      // goal (revise in mgcpacer.go): half of that overshoot on average.
      mark = Math.max(0, Math.min(wanted, Math.max(goal - trigger, OVERSHOOT * goal)));
      // Each cycle allocates at least a little: the runtime's minimum runway is 64 KiB.
      markStart = x + Math.max(trigger - L, 1 / 16);
    }
    const f = forcedAt[nextForced];
    if (f && f.x <= markStart) {
      nextForced++;
      done(f.x, f.mark, goal, true);
      continue;
    }
    if (markStart + mark > p.endX) break;
    done(markStart, mark, goal, false);
  }
  return { cycles, peakGoal, cpuMs, timeline };
}

/** Predicts the run of `cycles` (one process's trace, from its first cycle) at `target`. */
export function whatIf(cycles: readonly GcCycle[], target: GcSettings, opts: WhatIfOptions = {}): WhatIfDetails {
  const p = buildProfile(cycles);
  const nonHeap = (s: GcSettings): number => opts.nonHeapMB ?? (s.memoryLimitMB === undefined ? 0 : nonHeapEstimateMB(cycles, s.memoryLimitMB));
  const inferred = inferGogc(cycles);
  const recorded: GcSettings = opts.recorded ?? { gogc: inferred === 'off' ? -1 : inferred };
  // The allocation after the last cycle is not in the trace: unless that cycle was forced (a
  // program that ends with runtime.GC()), the program ended somewhere before its next cycle
  // would have ended, half a cycle on average.
  const last = cycles[cycles.length - 1];
  if (last && !last.forced) p.endX += replayTail(p, recorded, nonHeap(recorded)) / 2;
  const base = replay(p, recorded, nonHeap(recorded));
  const next = replay(p, target, nonHeap(target));
  const forced = cycles.filter((c) => c.forced).length;
  const scale = base.cycles - forced > 0 ? (cycles.length - forced) / (base.cycles - forced) : 1;
  const predicted = forced + Math.round((next.cycles - forced) * scale);
  const baseCpu = cycles.reduce((a, c) => a + gcCpuMs(c), 0);
  // The program's own work does not change: its CPU time is the capacity less the GC's share.
  const capacity = p.capacityMs > 0 ? p.capacityMs - baseCpu + next.cpuMs * scale : 0;
  const gcCpuPercent = capacity > 0 ? Math.round(((next.cpuMs * scale) / capacity) * 1000) / 10 : 0;
  return {
    gogc: target.gogc !== undefined && target.gogc >= 0 ? target.gogc : 'off',
    memoryLimitMB: target.memoryLimitMB ?? null,
    cycles: predicted,
    peakGoalMB: Number.isFinite(next.peakGoal) ? Math.round(next.peakGoal) : 0,
    gcCpuPercent,
    recordedGogc: recorded.gogc !== undefined && recorded.gogc >= 0 ? recorded.gogc : 'off',
    replayRecordedCycles: base.cycles,
    nonHeapMB: nonHeap(target),
    timeline: next.timeline,
  };
}

/** Allocation of the cycle that would have followed the last one at the recorded settings (MB). */
function replayTail(p: Profile, s: GcSettings, nonHeapMB: number): number {
  const last = p.points[p.points.length - 1];
  if (!last) return 0;
  const L = last.live + last.mark;
  const goal = heapGoalMB(L, last.roots, s, nonHeapMB);
  return Number.isFinite(goal) ? goal - L : 0;
}
