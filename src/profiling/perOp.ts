// Per-op comparison of two benchmark runs. A heap profile's alloc_space and alloc_objects add
// up everything the run allocated, and a benchmark allocates in proportion to b.N, which
// go test picks from the time budget: the same code run twice (or made faster) gives another
// b.N, and a raw diff then shows every allocation as grown or shrunk. When both profiles come
// from benchmark runs whose b.N are known, the base's alloc_* values are scaled, benchmark by
// benchmark, to the newer run's number of ops, so the diff compares allocations per op.
//
// The scaling is done on a copy of the base profile (a pprof file), so the flame graph's diff
// reads two ordinary profiles. Samples are attributed to a benchmark by the benchmark's
// function (or its closures, e.g. BenchmarkX.func1 of a sub-benchmark) in their stack; other
// samples (runtime start-up, the test harness) and benchmarks that ran in only one of the two
// runs keep their values. inuse_* values (what was live when the profile was written) are
// not per op and are left as they are.
//
// The ops of a run are the b.N go test reports (summed over sub-benchmarks and -count). The
// profile also holds the warm-up rounds go test runs before the reported one (b.N = 1, then
// growing): with a time -benchtime they add a share of a few to a few tens of percent, usually
// alike in both runs; with a count (-benchtime=Nx) they add exactly one op.
import { gzipSync } from 'node:zlib';
import { decodeProfile, inflate, profileSchema, sampleLocations } from '../pprof/decode';
import { formatNumber } from './bench';
import { testEntryOf } from './hints';

/** What a per-op comparison needs of a benchmark result. */
export interface BenchOps {
  /** The top-level benchmark function, e.g. "BenchmarkBuildSizes". */
  func: string;
  iterations: number;
}

/** Ops per benchmark function: b.N summed over its sub-benchmarks and repeated counts. */
export function opsByFunc(results: readonly BenchOps[]): Map<string, number> {
  const ops = new Map<string, number>();
  for (const r of results) if (r.iterations > 0) ops.set(r.func, (ops.get(r.func) ?? 0) + r.iterations);
  return ops;
}

export interface PerOpPlan {
  /** Factor for the base's alloc_* values under each benchmark function both runs have. */
  factors: Map<string, number>;
  nextOps: Map<string, number>;
  baseOps: Map<string, number>;
}

export type PerOpDecision = { perOp: true; plan: PerOpPlan; summary: string } | { perOp: false; reason: string };

/**
 * Whether two runs can be compared per op and with which factors. `undefined` results: the
 * run was not a benchmark run (or was recorded before b.N was kept).
 */
export function perOpDecision(next: readonly BenchOps[] | undefined, base: readonly BenchOps[] | undefined): PerOpDecision {
  if (!next?.length) return { perOp: false, reason: 'the newer profile is not from a benchmark run' };
  if (!base?.length) return { perOp: false, reason: 'the base profile is not from a benchmark run' };
  const nextOps = opsByFunc(next);
  const baseOps = opsByFunc(base);
  const factors = new Map<string, number>();
  for (const [func, n] of nextOps) {
    const b = baseOps.get(func);
    if (b !== undefined && b > 0) factors.set(func, n / b);
  }
  if (factors.size === 0) return { perOp: false, reason: 'the two runs have no benchmark in common' };
  const parts = [...factors].map(([func, k]) => `${func} ${formatNumber(baseOps.get(func)!)} → ${formatNumber(nextOps.get(func)!)} ops${k === 1 ? '' : ` (×${formatFactor(k)})`}`);
  return { perOp: true, plan: { factors, nextOps, baseOps }, summary: parts.join(', ') };
}

function formatFactor(k: number): string {
  return k >= 100 ? String(Math.round(k)) : String(Number(k.toPrecision(3)));
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

  // The factor of each distinct stack: the outermost frame that is a benchmark of the plan.
  const funcFactor = p.functions.map((f) => {
    const entry = testEntryOf(f.name);
    return entry !== undefined ? plan.factors.get(entry) : undefined;
  });
  const stackFactor = new Map<number, number | undefined>();
  const factorOf = (sample: number): number | undefined => {
    const k = p.sampleStack[sample]!;
    if (stackFactor.has(k)) return stackFactor.get(k);
    let found: number | undefined;
    const locs = sampleLocations(p, sample);
    outer: for (let i = locs.length - 1; i >= 0; i--) {
      const lines = p.locations[locs[i]!]!.lines;
      for (let j = lines.length - 1; j >= 0; j--) {
        const fn = lines[j]!.function;
        const factor = fn >= 0 ? funcFactor[fn] : undefined;
        if (factor !== undefined) {
          found = factor;
          break outer;
        }
      }
    }
    stackFactor.set(k, found);
    return found;
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
