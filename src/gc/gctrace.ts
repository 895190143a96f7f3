// Parser for the Go runtime's GC trace (GODEBUG=gctrace=1): one line per completed cycle, on
// the program's standard error, in the form printed by runtime/mgc.go (gcMarkTermination):
//
//   gc 7 @0.049s 3%: 0.091+3.8+0.002 ms clock, 0.18+0.5/3.7/1.2+0.004 ms cpu, 64->80->53 MB,
//     73 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
//
// (one line in the trace). Go 1.18 added "K MB stacks, M MB globals"; older runtimes print
// neither. Go 1.26 may add " (checking for goroutine leaks)" after the percentage. Everything
// else in the input (the program's own output, scavenger lines "scav …"/"scvg…", "GC forced")
// is skipped, and a trace line glued to the end of the program's output on the same line is
// still found by its "gc N @" anchor. Pure: shared by the CLI and the extension.

/** One GC cycle as the runtime printed it. Sizes are in MB as printed (bytes >> 20). */
export interface GcCycle {
  /** The cycle number (runtime.MemStats.NumGC after it). */
  n: number;
  /** When the cycle began, in seconds since the program started. */
  atSeconds: number;
  /** GC CPU use since the program started, in percent of the CPU available to it (cumulative). */
  cpuPercent: number;
  /** Wall-clock phases in ms: stop-the-world sweep termination, concurrent mark, stop-the-world mark termination. */
  clockMs: [number, number, number];
  /** CPU time in ms: STW sweep termination, mark assists, background mark, idle mark, STW mark termination. */
  cpuMs: { sweepTermination: number; assist: number; background: number; idle: number; markTermination: number };
  /** Stop-the-world time: sweep termination plus mark termination (clockMs[0] + clockMs[2]). */
  pauseMs: number;
  /** Heap in use when the cycle began (MB). */
  heapStartMB: number;
  /** Heap in use when marking ended (MB): heapStartMB plus what was allocated during the mark. */
  heapEndMB: number;
  /** Heap marked live by this cycle (MB), including objects allocated during the mark. */
  liveMB: number;
  /** The heap goal this cycle was paced for (MB). */
  goalMB: number;
  /** Stack bytes scanned (MB); undefined before Go 1.18. */
  stacksMB?: number;
  /** Global (data and bss) bytes scanned (MB); undefined before Go 1.18. */
  globalsMB?: number;
  /** GOMAXPROCS. */
  procs: number;
  /** Started by runtime.GC() (or debug.FreeOSMemory), not by the pacer. */
  forced: boolean;
  /** Go 1.26: the cycle also looked for leaked goroutines (GOEXPERIMENT=goroutineleakprofile). */
  leakCheck: boolean;
  /** 1-based line of the input it was read from. */
  line: number;
}

/** One process's cycles: a trace can hold several (go test of many packages, nested go commands). */
export interface GcRun {
  cycles: GcCycle[];
}

export interface GcTrace {
  /** Runs in the order their first cycle appears; cycles of interleaved processes are told apart by their numbers. */
  runs: GcRun[];
  /** Scavenger lines ("scav …", "scvg…") skipped. */
  scavengerLines: number;
  /** Lines with a "gc N @" anchor that did not read as a trace line (cut by other output, say). */
  malformedLines: number[];
  /** Other lines (the program's own output). */
  otherLines: number;
}

const NUM = String.raw`(\d+(?:\.\d+)?)`;
// The anchor: "gc N @Ts P%" anywhere on the line, then the fixed fields.
const GC_LINE = new RegExp(
  String.raw`gc (\d+) @${NUM}s (\d+)%( \(checking for goroutine leaks\))?: ` +
    String.raw`${NUM}\+${NUM}\+${NUM} ms clock, ` +
    String.raw`${NUM}\+${NUM}/${NUM}/${NUM}\+${NUM} ms cpu, ` +
    String.raw`(\d+)->(\d+)->(\d+) MB, (\d+) MB goal, ` +
    String.raw`(?:(\d+) MB stacks, (\d+) MB globals, )?` +
    String.raw`(\d+) P( \(forced\))?`,
);
const GC_ANCHOR = /gc \d+ @\d/;
const SCAVENGER = /^\s*(scav |scvg)/;

/** Reads one trace line's fields, or undefined when `text` holds none. */
export function parseGcLine(text: string, line = 1): GcCycle | undefined {
  const m = GC_LINE.exec(text);
  if (!m) return undefined;
  const f = (i: number): number => Number(m[i]);
  const clockMs: [number, number, number] = [f(5), f(6), f(7)];
  return {
    n: f(1),
    atSeconds: f(2),
    cpuPercent: f(3),
    clockMs,
    cpuMs: { sweepTermination: f(8), assist: f(9), background: f(10), idle: f(11), markTermination: f(12) },
    pauseMs: round3(clockMs[0] + clockMs[2]),
    heapStartMB: f(13),
    heapEndMB: f(14),
    liveMB: f(15),
    goalMB: f(16),
    ...(m[17] !== undefined ? { stacksMB: f(17), globalsMB: f(18) } : {}),
    procs: f(19),
    forced: m[20] !== undefined,
    leakCheck: m[4] !== undefined,
    line,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Parses a whole trace. Each cycle joins the run whose last cycle is numbered one less and did
 * not begin later; a cycle numbered 1 (or one that fits no run) begins a new run, so that the
 * traces of processes writing to the same stream are kept apart.
 */
export function parseGcTrace(text: string): GcTrace {
  const runs: GcRun[] = [];
  const malformedLines: number[] = [];
  let scavengerLines = 0;
  let otherLines = 0;
  const lines = text.split(/\r?\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const c = parseGcLine(raw, i + 1);
    if (!c) {
      if (GC_ANCHOR.test(raw)) malformedLines.push(i + 1);
      else if (SCAVENGER.test(raw)) scavengerLines++;
      else otherLines++;
      return;
    }
    // The run this cycle continues, if any (see continues).
    let run: GcRun | undefined;
    let best = Infinity;
    for (let r = runs.length - 1; r >= 0; r--) {
      const score = continues(runs[r]!.cycles, c);
      if (score < best) {
        best = score;
        run = runs[r];
      }
    }
    if (!run) runs.push((run = { cycles: [] }));
    run.cycles.push(c);
  });
  return { runs, scavengerLines, malformedLines, otherLines };
}

/** (goal − L) / L from one cycle to the next: about GOGC/100 while the pacer's GOGC holds. */
function goalRatio(prev: GcCycle, c: GcCycle): number {
  return (c.goalMB - prev.liveMB) / Math.max(1, prev.liveMB);
}

/**
 * How well `c` continues a run's `cycles`: Infinity when it cannot (the number does not follow,
 * time goes back, GOMAXPROCS differs, or the heap is below what the last cycle left live: the
 * heap only grows between cycles and the goal is never below the live heap), else a score, lower
 * being better: how far its goal's ratio to the live heap is from the run's last one, so that
 * two processes at the same cycle number but different settings or heaps are told apart.
 */
function continues(cycles: readonly GcCycle[], c: GcCycle): number {
  const last = cycles[cycles.length - 1]!;
  if (last.n !== c.n - 1 || last.atSeconds > c.atSeconds || last.procs !== c.procs) return Infinity;
  if (c.heapStartMB < last.liveMB || c.goalMB < last.liveMB) return Infinity;
  const before = cycles[cycles.length - 2];
  // Between equals, the run whose last cycle is nearest in time.
  const gap = (c.atSeconds - last.atSeconds) * 1e-6;
  return (before ? Math.abs(goalRatio(last, c) - goalRatio(before, last)) : 0) + gap;
}

/** The run to analyse when there is a choice: the one with the most cycles (the first of equals). */
export function mainRun(trace: GcTrace): GcRun | undefined {
  let best: GcRun | undefined;
  for (const r of trace.runs) if (!best || r.cycles.length > best.cycles.length) best = r;
  return best;
}

/** CPU time of a cycle's collector work in ms, idle marking left out (as the runtime's GC CPU share leaves it out). */
export function gcCpuMs(c: GcCycle): number {
  const u = c.cpuMs;
  return u.sweepTermination + u.assist + u.background + u.markTermination;
}

export interface GcSummary {
  cycles: number;
  forcedCycles: number;
  /** The program's GC CPU share when the last cycle ended: that cycle's cumulative percentage. */
  gcCpuPercent: number;
  totalPauseMs: number;
  maxPauseMs: number;
  /** Largest goal a cycle was paced for (goals of GOGC=off without a limit left out). */
  peakGoalMB: number;
  liveP50MB: number;
  liveMaxMB: number;
  /**
   * Heap allocated from the program's start (or, for an excerpt, from the first cycle's end)
   * to the last cycle's end, in MB: see allocatedBetween.
   */
  allocatedMB: number;
  /** allocatedMB over the time it took, in MB/s; undefined when the trace spans no time. */
  allocRateMBps?: number;
  /** Seconds from the program's start (or the first cycle's end, for an excerpt) to the last cycle's end. */
  seconds: number;
}

/**
 * Heap allocated between the end of marking of `prev` and the end of marking of `c`, in MB.
 *
 * The runtime's gctrace sizes are its heapLive counter at three moments: S when the cycle
 * starts, E at mark termination, and L, the bytes marked. heapLive only grows by allocation
 * during a cycle, so E − S is what was allocated during the mark. At mark termination heapLive
 * is reset to the marked bytes, L (objects allocated during the mark are allocated black, so L
 * counts them), and grows by allocation from there: the next cycle's S − L is what was
 * allocated between the two cycles. So from prev's mark termination to c's:
 *   (S_c − L_prev) + (E_c − S_c) = E_c − L_prev.
 * A first cycle (n = 1) starts from an empty heap: all of E was allocated since the start.
 * The sizes are printed rounded down to whole MB, so each figure is within 1 MB.
 */
export function allocatedBetween(prev: GcCycle | undefined, c: GcCycle): number {
  return prev ? Math.max(0, c.heapEndMB - prev.liveMB) : c.heapEndMB;
}

/** When marking of `c` ended, in seconds since the program started. */
export function endSeconds(c: GcCycle): number {
  return c.atSeconds + (c.clockMs[0] + c.clockMs[1] + c.clockMs[2]) / 1000;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * With GOGC=off and no memory limit the goal is "never": the runtime prints ^uint64(0) >> 20
 * (17592186044415 MB). Goals from 2^40 MB up are taken as that.
 */
export const NO_GOAL_MB = 2 ** 40;

export function summarize(cycles: readonly GcCycle[]): GcSummary {
  const last = cycles[cycles.length - 1];
  let allocated = 0;
  for (let i = 0; i < cycles.length; i++) {
    if (i === 0 && cycles[0]!.n !== 1) continue; // an excerpt: nothing known before its first cycle
    allocated += allocatedBetween(i === 0 ? undefined : cycles[i - 1], cycles[i]!);
  }
  const from = cycles.length > 0 && cycles[0]!.n !== 1 ? endSeconds(cycles[0]!) : 0;
  const seconds = last ? Math.max(0, endSeconds(last) - from) : 0;
  const pauses = cycles.map((c) => c.pauseMs);
  const live = cycles.map((c) => c.liveMB);
  return {
    cycles: cycles.length,
    forcedCycles: cycles.filter((c) => c.forced).length,
    gcCpuPercent: last?.cpuPercent ?? 0,
    totalPauseMs: round3(pauses.reduce((a, b) => a + b, 0)),
    maxPauseMs: Math.max(0, ...pauses),
    peakGoalMB: Math.max(0, ...cycles.map((c) => c.goalMB).filter((g) => g < NO_GOAL_MB)),
    liveP50MB: median(live),
    liveMaxMB: Math.max(0, ...live),
    allocatedMB: allocated,
    ...(seconds > 0 ? { allocRateMBps: Math.round((allocated / seconds) * 10) / 10 } : {}),
    seconds: round3(seconds),
  };
}
