// Says why a heap profile is (nearly) empty. Go records one allocation per MemProfileRate
// bytes (512 KiB by default) on average, so a benchmark that allocates nothing, or a test that
// allocates a few hundred KiB, gives a profile of one or two samples, usually the runtime's
// own. Rather than an empty-looking flame graph with no word, the run says so and offers
// memProfileRate=1 (every allocation recorded).
import type { ProfileData } from '../shared/profileData';
import { formatBytes } from '../pprof/units';
import type { BenchResult } from './bench';
import { formatNumber } from './bench';

/** Go's default runtime.MemProfileRate. */
export const DEFAULT_MEM_PROFILE_RATE = 512 * 1024;

/** Below this many samples (estimated) a heap profile taken at a sampling rate is "nearly empty". */
export const THIN_PROFILE_SAMPLES = 8;

export interface HeapProfileStats {
  /** Sum of alloc_space (bytes) over all samples. */
  totalBytes: number;
  /** Sampled stacks with allocations. */
  stacks: number;
  /** Bytes allocated under a Test/Benchmark/Example/Fuzz function of the package. */
  ownBytes: number;
  /** Sampling period of the profile (its MemProfileRate), when it says. */
  period?: number;
}

/**
 * The test, benchmark, example or fuzz function a function name belongs to (itself or one of
 * its closures): "example.com/m.BenchmarkX.func1" → "BenchmarkX". As go test, "Benchmarker"
 * is not a benchmark (a lowercase letter after the prefix).
 */
export function testEntryOf(funcName: string): string | undefined {
  const tail = funcName.slice(funcName.lastIndexOf('/') + 1);
  const m = /\.((?:Test|Benchmark|Example|Fuzz)(?!\p{Ll})[\p{L}\p{Nd}_]*)(?=$|[.[])/u.exec(tail);
  return m?.[1];
}

/** The figures of a heap profile that the hint needs (undefined when it has no alloc_space). */
export function heapProfileStats(data: ProfileData): HeapProfileStats | undefined {
  const t = data.sampleTypes.findIndex((s) => s.type === 'alloc_space');
  if (t < 0) return undefined;
  const values = data.values[t]!;
  const own = new Uint8Array(data.funcName.length);
  for (let f = 0; f < own.length; f++) own[f] = testEntryOf(data.funcName[f]!) ? 1 : 0;
  let totalBytes = 0;
  let stacks = 0;
  let ownBytes = 0;
  for (let s = 0; s + 1 < data.stackStart.length; s++) {
    const v = values[s]!;
    if (v <= 0) continue;
    totalBytes += v;
    stacks++;
    for (let i = data.stackStart[s]!; i < data.stackStart[s + 1]!; i++) {
      if (own[data.frameFunc[data.stackFrames[i]!]!]) {
        ownBytes += v;
        break;
      }
    }
  }
  const period = data.periodType?.type === 'space' && data.period && data.period > 0 ? data.period : undefined;
  return { totalBytes, stacks, ownBytes, period };
}

export interface ProfileHintInput {
  stats: HeapProfileStats;
  /** The memProfileRate the run asked for (0: Go's default). */
  memProfileRate: number;
  /** Benchmark results of the run (empty for tests). */
  benchmarks: readonly BenchResult[];
}

export interface ProfileHint {
  kind: 'thin-profile' | 'no-allocations';
  message: string;
  /** Re-running with memProfileRate=1 would show more. */
  offerFullRate: boolean;
}

function plural(n: number, word: string): string {
  return `${formatNumber(n)} ${word}${n === 1 ? '' : 's'}`;
}

function names(benchmarks: readonly BenchResult[]): string {
  const funcs = [...new Set(benchmarks.map((b) => b.func))];
  return funcs.length <= 2 ? funcs.join(' and ') : `${funcs.slice(0, 2).join(', ')} and ${funcs.length - 2} more`;
}

/**
 * A hint for a profile that shows (almost) nothing of the code that ran, or undefined when
 * the profile is fine. Benchmark results say whether the benchmarks allocate at all.
 */
export function profileHint(input: ProfileHintInput): ProfileHint | undefined {
  const { stats, benchmarks } = input;
  const rate = input.memProfileRate > 0 ? input.memProfileRate : (stats.period ?? DEFAULT_MEM_PROFILE_RATE);
  const noAllocs = benchmarks.length > 0 && benchmarks.every((b) => b.allocsPerOp === 0 || b.bytesPerOp === 0);
  if (rate <= 1) {
    if (!noAllocs) return undefined;
    const who = names(benchmarks);
    return {
      kind: 'no-allocations',
      message: `${who} ${benchmarks.length === 1 ? 'allocates' : 'allocate'} nothing per op (0 B/op): the profile holds only the allocations of the runtime and of the test harness around ${benchmarks.length === 1 ? 'it' : 'them'}.`,
      offerFullRate: false,
    };
  }
  const samples = Math.max(stats.stacks, Math.round(stats.totalBytes / rate));
  if (samples >= THIN_PROFILE_SAMPLES) return undefined;
  const rateText = rate === DEFAULT_MEM_PROFILE_RATE ? 'Go samples one allocation per 512 KiB allocated by default' : `memProfileRate is ${formatNumber(rate)}: Go samples one allocation per ${formatBytes(rate)} allocated`;
  const head = `The heap profile is nearly empty (${samples === 0 ? 'no samples' : `${plural(samples, 'sample')}, ${formatBytes(stats.totalBytes)} in total`}${stats.totalBytes > 0 && stats.ownBytes === 0 ? ', none of it from the tests or benchmarks' : ''})`;
  let why: string;
  if (noAllocs) {
    const who = names(benchmarks);
    why = `${who} ${benchmarks.length === 1 ? 'allocates' : 'allocate'} nothing per op (0 B/op), so what is left is the runtime's own allocations, and ${rateText}.`;
  } else if (benchmarks.length > 0) {
    const measured = benchmarks.reduce((sum, b) => sum + (b.bytesPerOp ?? 0) * b.iterations, 0);
    const first = benchmarks[0]!;
    const detail = benchmarks.length === 1 && first.bytesPerOp !== undefined ? ` (${formatNumber(first.bytesPerOp)} B/op × ${formatNumber(first.iterations)})` : '';
    why = `the benchmarks allocated about ${formatBytes(measured)} in their timed runs${detail}, and ${rateText}.`;
  } else {
    why = `the tests allocate little, and ${rateText}.`;
  }
  return {
    kind: 'thin-profile',
    message: `${head}: ${why} Re-run with memProfileRate=1 to record every allocation (the setting goMemoryInsight.memProfileRate keeps it).`,
    offerFullRate: true,
  };
}
