// Per-op comparison of two benchmark runs. A heap profile's alloc_space and alloc_objects add
// up everything the run allocated, and a benchmark allocates in proportion to the iterations
// it ran, which go test picks from the time budget: the same code run twice (or made faster)
// runs another b.N, and a raw diff then shows every allocation as grown or shrunk. When both
// profiles come from benchmark runs whose b.N are known, the base's alloc_* values are
// scaled, benchmark by benchmark, to the newer run's number of ops, so the diff compares
// allocations per op.
//
// The scaling is done on a copy of the base profile (a pprof file), so the flame graph's diff
// reads two ordinary profiles. Samples are attributed to a benchmark by the benchmark's
// function (or its closures, e.g. BenchmarkX.func1 of a sub-benchmark) in their stack; other
// samples (runtime start-up, the test harness) and benchmarks that ran in only one of the two
// runs keep their values. inuse_* values (what was live when the profile was written) are
// not per op and are left as they are.
//
// The ops of a run are more than the b.N go test reports: the profile also holds the rounds
// go test runs first to find b.N (one iteration, then growing up to 100 times each round),
// whose number is not printed. They are measured instead: go test reports the exact bytes
// per op of the reported round (B/op, from runtime.MemStats), so b.N × B/op is what that
// round allocated, and the benchmark's share of the profile over it is how many such rounds'
// worth the profile holds: ops = b.N × profile bytes / (b.N × B/op). After scaling, each
// benchmark's total in the diff is its measured B/op times the newer run's ops, and the
// shape within comes from the samples. Where that cannot be measured (0 B/op, no sample of
// the benchmark), the rounds are counted instead: with a count (-benchtime=50x) one more
// iteration than b.N; with a duration the ramp-up replayed from the measured ns/op as go
// test's predictN does (close, not exact: the real rounds' times vary); b.Loop benchmarks
// report every iteration they ran.
import { gzipSync } from 'node:zlib';
import { decodeProfile, inflate, profileSchema, sampleLocations, type PprofProfile } from '../pprof/decode';
import { formatNumber } from './bench';
import { testEntryOf } from './hints';

/** What a per-op comparison needs of a benchmark result. */
export interface BenchOps {
  /** The top-level benchmark function, e.g. "BenchmarkBuildSizes". */
  func: string;
  /** The b.N go test reported. */
  iterations: number;
  nsPerOp?: number;
  /** Exact bytes per op of the reported round (go test -benchmem). */
  bytesPerOp?: number;
  /** The benchmark loops with b.Loop: its b.N counts every iteration it ran. */
  usesLoop?: boolean;
}

/** go test's cap on b.N. */
const MAX_BENCH_ITERS = 1e9;

/** testing.predictN: the next round's b.N from the last round's (multiply first, then divide, as Go does). */
function predictN(goalns: number, prevIters: number, prevns: number, last: number): number {
  let n = Math.floor((goalns * prevIters) / Math.max(1, prevns));
  n += Math.floor(n / 5);
  n = Math.min(n, 100 * last);
  n = Math.max(n, last + 1);
  return Math.min(n, MAX_BENCH_ITERS);
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Nanoseconds of a Go duration ("100ms", "1.5s", "1h30m"); undefined for anything else (a count such as "50x"). */
export function parseGoDuration(value: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) return undefined;
  let ns = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ns += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return ns;
}

/**
 * The iterations a benchmark result's run executed in all, the rounds go test runs to find
 * b.N included: with `-benchtime=Nx` one iteration, then N; with a duration, go test's
 * ramp-up (1, then predictN from the last round's time) replayed with the measured ns/op up
 * to the reported round. b.Loop benchmarks report what they ran.
 */
export function iterationsRun(r: BenchOps, benchtime: string | undefined): number {
  const n = r.iterations;
  if (r.usesLoop || n <= 1) return n;
  const bt = benchtime || '1s';
  if (/^\d+x$/.test(bt)) return n + 1;
  const goal = parseGoDuration(bt);
  const t = r.nsPerOp;
  if (goal === undefined || t === undefined || !(t > 0)) return n;
  let warmup = 1; // run1: one iteration
  let last = 1;
  let duration = t;
  while (duration < goal && last < MAX_BENCH_ITERS) {
    const next = predictN(goal, last, duration, last);
    if (next >= n) break; // the reported round
    warmup += next;
    last = next;
    duration = next * t;
  }
  return n + warmup;
}

/** Ops per benchmark function from b.N and -benchtime alone (the rounds counted or replayed), summed over sub-benchmarks and counts. */
export function opsByFunc(results: readonly BenchOps[], benchtime?: string): Map<string, number> {
  const ops = new Map<string, number>();
  for (const r of results) if (r.iterations > 0) ops.set(r.func, (ops.get(r.func) ?? 0) + iterationsRun(r, benchtime));
  return ops;
}

export interface FuncOps {
  /** b.N as go test reported it (summed over sub-benchmarks and counts). */
  reported: number;
  /** The iterations the profile holds. */
  ops: number;
  /** ops measured from the profile against B/op, else counted from b.N and -benchtime. */
  measured: boolean;
}

/** One side of a comparison: its benchmark results (none: not a benchmark run) and its -benchtime. */
export interface BenchRun {
  benchmarks?: readonly BenchOps[];
  benchtime?: string;
}

/**
 * The ops of each benchmark function of a run: measured when the profile's bytes under the
 * benchmark (`profileBytes`) and its exact B/op are both known and not 0, else counted.
 */
export function runOps(run: BenchRun, profileBytes?: ReadonlyMap<string, number>): Map<string, FuncOps> {
  const byFunc = new Map<string, BenchOps[]>();
  for (const r of run.benchmarks ?? []) if (r.iterations > 0) byFunc.set(r.func, [...(byFunc.get(r.func) ?? []), r]);
  const out = new Map<string, FuncOps>();
  for (const [func, rs] of byFunc) {
    const reported = rs.reduce((n, r) => n + r.iterations, 0);
    const roundBytes = rs.every((r) => r.bytesPerOp !== undefined) ? rs.reduce((b, r) => b + r.bytesPerOp! * r.iterations, 0) : 0;
    const inProfile = profileBytes?.get(func) ?? 0;
    if (roundBytes > 0 && inProfile > 0) out.set(func, { reported, ops: (reported * inProfile) / roundBytes, measured: true });
    else out.set(func, { reported, ops: rs.reduce((n, r) => n + iterationsRun(r, run.benchtime), 0), measured: false });
  }
  return out;
}

export interface PerOpPlan {
  /** Factor for the base's alloc_* values under each benchmark function both runs have. */
  factors: Map<string, number>;
  next: Map<string, FuncOps>;
  base: Map<string, FuncOps>;
}

export type PerOpDecision = { perOp: true; plan: PerOpPlan; summary: string } | { perOp: false; reason: string };

/**
 * Whether two runs can be compared per op and with which factors (the newer run's ops over
 * the base's, per benchmark function). A run without benchmark results was not a benchmark
 * run (or was recorded before b.N was kept). `bytes`: alloc_space under each benchmark in
 * each profile (benchmarkBytes), to measure the ops.
 */
export function perOpDecision(next: BenchRun, base: BenchRun, bytes?: { next?: ReadonlyMap<string, number>; base?: ReadonlyMap<string, number> }): PerOpDecision {
  if (!next.benchmarks?.length) return { perOp: false, reason: 'the newer profile is not from a benchmark run' };
  if (!base.benchmarks?.length) return { perOp: false, reason: 'the base profile is not from a benchmark run' };
  const nextOps = runOps(next, bytes?.next);
  const baseOps = runOps(base, bytes?.base);
  const factors = new Map<string, number>();
  for (const [func, n] of nextOps) {
    const b = baseOps.get(func);
    if (b !== undefined && b.ops > 0) factors.set(func, n.ops / b.ops);
  }
  if (factors.size === 0) return { perOp: false, reason: 'the two runs have no benchmark in common' };
  const parts = [...factors].map(([func, k]) => `${func} b.N ${formatNumber(baseOps.get(func)!.reported)} → ${formatNumber(nextOps.get(func)!.reported)}${k === 1 ? '' : ` (base ×${formatFactor(k)})`}`);
  return { perOp: true, plan: { factors, next: nextOps, base: baseOps }, summary: parts.join(', ') };
}

/**
 * For each sample of a profile, the benchmark of `funcs` it ran under: the outermost frame
 * whose function is that benchmark or one of its closures (undefined: none).
 */
function sampleBenchmarks(p: PprofProfile, funcs: ReadonlySet<string>): (string | undefined)[] {
  const funcBench = p.functions.map((f) => {
    const entry = testEntryOf(f.name);
    return entry !== undefined && funcs.has(entry) ? entry : undefined;
  });
  const byStack = new Map<number, string | undefined>();
  const out: (string | undefined)[] = new Array<string | undefined>(p.sampleCount);
  for (let s = 0; s < p.sampleCount; s++) {
    const k = p.sampleStack[s]!;
    if (!byStack.has(k)) {
      let found: string | undefined;
      const locs = sampleLocations(p, s);
      outer: for (let i = locs.length - 1; i >= 0; i--) {
        const lines = p.locations[locs[i]!]!.lines;
        for (let j = lines.length - 1; j >= 0; j--) {
          const fn = lines[j]!.function;
          const bench = fn >= 0 ? funcBench[fn] : undefined;
          if (bench !== undefined) {
            found = bench;
            break outer;
          }
        }
      }
      byStack.set(k, found);
    }
    out[s] = byStack.get(k);
  }
  return out;
}

/** alloc_space under each of the benchmark functions `funcs` in a profile (empty when it has no alloc_space). */
export function benchmarkBytes(input: Uint8Array, funcs: ReadonlySet<string>): Map<string, number> {
  const p = decodeProfile(input);
  const t = p.sampleTypes.findIndex((x) => x.type === 'alloc_space');
  const out = new Map<string, number>();
  if (t < 0) return out;
  const owners = sampleBenchmarks(p, funcs);
  const width = p.sampleTypes.length;
  for (let s = 0; s < p.sampleCount; s++) {
    const b = owners[s];
    if (b !== undefined) out.set(b, (out.get(b) ?? 0) + p.sampleValues[s * width + t]!);
  }
  return out;
}

function formatFactor(k: number): string {
  return k >= 100 ? String(Math.round(k)) : k.toPrecision(3);
}

/** True when scaling changes nothing (both runs did the same number of ops of every benchmark). */
export function isIdentity(plan: PerOpPlan): boolean {
  return [...plan.factors.values()].every((k) => k === 1);
}

export interface ScaledProfile {
  /** The scaled profile, gzip-compressed like go test writes it. */
  bytes: Uint8Array;
  /** Samples whose values were scaled, and samples left as they were. */
  scaledSamples: number;
  keptSamples: number;
}

type Int64 = number | { toNumber(): number };
interface RawProfileMessage {
  sample: { value: Int64[] }[];
  string_table: string[];
  comment: Int64[];
}

function num(v: Int64): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/**
 * The base profile with its alloc_* values scaled by the plan's factor of the benchmark each
 * sample ran under; a comment in the profile says what was scaled. Throws ProfileError for a
 * file that is not a profile.
 */
export function scaleProfile(input: Uint8Array, plan: PerOpPlan): ScaledProfile {
  const p = decodeProfile(input);
  const { profile: type } = profileSchema();
  const raw = type.decode(inflate(input)) as unknown as RawProfileMessage;
  if (raw.sample.length !== p.sampleCount) throw new Error(`the profile has ${raw.sample.length} samples, but ${p.sampleCount} were decoded`);
  const scaledTypes = p.sampleTypes.map((t, i) => (t.type.startsWith('alloc_') ? i : -1)).filter((i) => i >= 0);

  const owners = sampleBenchmarks(p, new Set(plan.factors.keys()));
  const factorOf = (sample: number): number | undefined => {
    const b = owners[sample];
    return b !== undefined ? plan.factors.get(b) : undefined;
  };

  let scaledSamples = 0;
  for (let s = 0; s < raw.sample.length; s++) {
    const k = factorOf(s);
    if (k === undefined) continue;
    scaledSamples++;
    const values = raw.sample[s]!.value;
    for (const t of scaledTypes) if (t < values.length) values[t] = Math.round(num(values[t]!) * k);
  }
  const note = `Go Memory Insight: alloc_* values scaled per op to the compared run: ${[...plan.factors].map(([f, k]) => `${f} ×${formatFactor(k)}`).join(', ')}`;
  raw.string_table.push(note);
  // A repeated field the file did not have is protobufjs's shared frozen empty array: replace, do not push.
  raw.comment = [...(raw.comment ?? []), raw.string_table.length - 1];
  const bytes = gzipSync(type.encode(raw as unknown as Parameters<typeof type.encode>[0]).finish());
  return { bytes, scaledSamples, keptSamples: raw.sample.length - scaledSamples };
}
