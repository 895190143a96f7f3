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
// still found by its "gc N @" anchor. The runtime writes a trace line in pieces, one write per
// field and separator, so lines that the program writes meanwhile from other threads (a logger
// writes each line at once) can land inside it: such a line is put back together
// (recoverCutLine). Pure: shared by the CLI and the extension.

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
 * The pieces the runtime writes a trace line in, one write each (runtime/mgc.go,
 * gcMarkTermination: each argument of its print calls): literals and numbers, whole ('int'),
 * seconds with three decimals ('sec': itoaDiv(ms, 3)) or milliseconds ('ms': fmtNSAsMS, two
 * significant digits below 10 ms). `skip`: an optional group, which ends before that index.
 */
type NumberKind = 'int' | 'sec' | 'ms';
interface Piece {
  lit?: string;
  num?: NumberKind;
  skip?: number;
}
const PIECES: Piece[] = (() => {
  const out: Piece[] = [];
  const lit = (s: string, skip?: number) => out.push(skip === undefined ? { lit: s } : { lit: s, skip });
  const num = (k: NumberKind, skip?: number) => out.push(skip === undefined ? { num: k } : { num: k, skip });
  lit('gc ');
  num('int');
  lit(' @');
  num('sec');
  lit('s ');
  num('int');
  lit('%');
  lit(' (checking for goroutine leaks)', out.length + 1);
  lit(': ');
  num('ms');
  lit('+');
  num('ms');
  lit('+');
  num('ms');
  lit(' ms clock, ');
  num('ms');
  for (const sep of ['+', '/', '/', '+']) {
    lit(sep);
    num('ms');
  }
  lit(' ms cpu, ');
  num('int');
  lit('->');
  num('int');
  lit('->');
  num('int');
  lit(' MB, ');
  num('int');
  lit(' MB goal, ');
  // (Go 1.18 added the stacks and globals: older lines are not put back together.)
  num('int');
  lit(' MB stacks, ');
  num('int');
  lit(' MB globals, ');
  num('int');
  lit(' P');
  lit(' (forced)', out.length + 1);
  lit('\n');
  return out;
})();

/** A cut line is put together from at most this many characters of the input, and this many pieces of other output in it. */
const RECOVER_WINDOW = 16384;
const RECOVER_MAX_GAPS = 24;
/** A gap costs this plus its length: fewest gaps first, then the fewest characters of other output. */
const GAP = 1 << 20;
const INF = 1 << 30;

/** The forms of the numbers: a millisecond figure is 0, whole from 10 up, or two significant digits. */
const NUMBER_FORM: Record<NumberKind, RegExp> = {
  int: /\d+/y,
  sec: /\d+\.\d{3}/y,
  ms: /0\.0\d\d|0\.[1-9]\d|[1-9]\.\d|[1-9]\d+|0/y,
};
/** A line that begins with a date, as loggers write them: 2026/01/02 15:04:05 (package log), 2026-01-02T15:04:05. */
const DATED_LINE = /\d{4}[/-]\d\d[/-]\d\d[ T]\d\d:/y;

/**
 * The length of a number of that kind at text[at], before `end` (0: no number there). Whole
 * numbers are read to their last digit, or up to a line of other output that begins with a date
 * (a logger's line written right after the number, or in its place: then there is none).
 */
function numberLength(text: string, at: number, end: number, kind: NumberKind): number {
  const re = NUMBER_FORM[kind];
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m || at + m[0].length > end) return 0;
  if (kind === 'int') {
    for (let l = 0; l < m[0].length; l++) {
      DATED_LINE.lastIndex = at + l;
      if (DATED_LINE.test(text)) return l;
    }
  }
  return m[0].length;
}

/**
 * A trace line whose pieces whole lines of other output were written between, put back
 * together: the pieces found in order from text[start] (a "gc " piece) on, before `end`, with
 * the fewest stretches of other output between them (at most RECOVER_MAX_GAPS), each of them
 * lines that end with a newline, as a logger writes them (so a number in them cannot be taken
 * for a piece: the rest of its line would follow it); an earlier piece wins a tie. Output
 * written without its newline at once cannot be told from the pieces, and leaves the line cut.
 * Returns the line as the runtime wrote it (without its newline) and where
 * its newline ended, or undefined when the pieces are not all there. Linear in the window.
 */
export function recoverCutLine(text: string, start: number, end: number): { line: string; end: number } | undefined {
  const W = Math.min(end, start + RECOVER_WINDOW, text.length) - start;
  const k = PIECES.length;
  const atEnd = start + W === text.length;
  // best[i][p]: the least cost of placing pieces i.. with piece i at or after p (a gap before it if after);
  // here[i][p]: with piece i exactly at p (len[i][p] its length). Rows of W + 1.
  const row = W + 1;
  const here = new Int32Array((k + 1) * row).fill(INF);
  const best = new Int32Array((k + 1) * row).fill(INF);
  const from = new Int32Array((k + 1) * row); // best's choice: where piece i goes (or -1 - p: skipped at p)
  const len = new Int32Array(k * row);
  for (let p = 0; p <= W; p++) {
    best[k * row + p] = 0;
    from[k * row + p] = p;
  }
  for (let i = k - 1; i >= 0; i--) {
    const piece = PIECES[i]!;
    const next = (i + 1) * row;
    for (let p = 0; p <= W; p++) {
      if (piece.lit !== undefined) {
        let l = -1;
        if (text.startsWith(piece.lit, start + p) && p + piece.lit.length <= W) l = piece.lit.length;
        else if (piece.lit === '\n' && p === W && atEnd) l = 0; // the input ends there
        if (l >= 0) {
          here[i * row + p] = best[next + p + l]!;
          len[i * row + p] = l;
        }
      } else {
        const l = numberLength(text, start + p, start + W, piece.num!);
        if (l > 0) {
          here[i * row + p] = best[next + p + l]!;
          len[i * row + p] = l;
        }
      }
    }
    // best, from the right: piece i here, or after a gap, or its group skipped. after: the
    // least here[q] + q for q > p (a gap from p to q costs GAP + q - p).
    let after = INF;
    let afterAt = -1;
    for (let p = W; p >= 0; p--) {
      let b = here[i * row + p]!;
      let f = p;
      if (after < INF && after + GAP - p < b) {
        b = after + GAP - p;
        f = afterAt;
      }
      if (piece.skip !== undefined && best[piece.skip * row + p]! < b) {
        b = best[piece.skip * row + p]!;
        f = -1 - p;
      }
      best[i * row + p] = b;
      from[i * row + p] = f;
      // (A gap ends with a newline.)
      if (here[i * row + p]! < INF && p > 0 && text.charCodeAt(start + p - 1) === 10 && here[i * row + p]! + p <= after) {
        after = here[i * row + p]! + p;
        afterAt = p;
      }
    }
  }
  if (here[0]! >= (RECOVER_MAX_GAPS + 1) * GAP) return undefined;
  // Walk the choices: piece 0 at 0.
  let line = '';
  let i = 0;
  let p = 0;
  let f = 0;
  while (i < k) {
    if (f < 0) {
      i = PIECES[i]!.skip!;
      p = -1 - f;
    } else {
      const l = len[i * row + f]!;
      if (PIECES[i]!.lit !== '\n') line += text.slice(start + f, start + f + l);
      p = f + l;
      i++;
    }
    if (i < k) f = from[i * row + p]!;
  }
  return { line, end: start + p };
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
  // Where each line starts in text (for lines put back together across lines).
  const lineStart: number[] = [];
  const breaks = /\r?\n|\r/g;
  lineStart.push(0);
  for (let m = breaks.exec(text); m; m = breaks.exec(text)) lineStart.push(m.index + m[0].length);
  let skipUntil = 0; // lines before this were taken by a line put back together
  lines.forEach((raw, i) => {
    if (i < skipUntil) {
      otherLines++;
      return;
    }
    let c = parseGcLine(raw, i + 1);
    if (!c && raw.includes('gc ')) {
      const r = recoverAt(text, lineStart[i]!, raw);
      if (r) {
        c = parseGcLine(r.line, i + 1);
        if (c) {
          // The lines up to the one its newline ended.
          while (skipUntil < lineStart.length && lineStart[skipUntil]! < r.end) skipUntil++;
          if (skipUntil <= i) skipUntil = i + 1;
        }
      }
    }
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

/** A cut trace line starting on the line at `lineStart` (text `raw`), put back together; none when no "gc " piece of it starts one. */
function recoverAt(text: string, lineStart: number, raw: string): { line: string; end: number } | undefined {
  for (let at = raw.indexOf('gc '); at >= 0; at = raw.indexOf('gc ', at + 1)) {
    const start = lineStart + at;
    // Nothing but the program's output is written inside a trace line: the next trace line's
    // first piece (another cycle's, or another process's) ends the search.
    const next = text.indexOf('gc ', start + 3);
    const end = Math.min(next >= 0 ? next : text.length, start + RECOVER_WINDOW);
    // (A quick look first: the line's fixed words, in order, as in no other output.)
    let at2 = start;
    for (const word of [' @', ' ms clock, ', ' ms cpu, ', ' MB goal, ', ' MB globals, ', ' P']) {
      at2 = at2 < 0 ? -1 : text.indexOf(word, at2);
      if (at2 < 0 || at2 >= end) break;
    }
    if (at2 < 0 || at2 >= end) continue;
    const r = recoverCutLine(text, start, end);
    if (r) return r;
  }
  return undefined;
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
