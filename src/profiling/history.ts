// The list of recent profiling runs kept in workspace storage: pure bookkeeping (adding with
// a limit, dropping, describing); the extension stores the list and deletes dropped files.
import { formatNumber } from './bench';

export interface HistoryEntry {
  /** Unique id, also the stem of the profile file names. */
  id: string;
  /** When the run finished (ms since the epoch). */
  time: number;
  /** "Profile Package Memory", "Profile benchmark"... */
  command: string;
  /** What ran: "BenchmarkBuild", "all tests"... */
  target: string;
  /** Package directory (absolute) and import path when known. */
  packageDir: string;
  packagePath?: string;
  /** Heap profile file (absolute). */
  memProfile?: string;
  /** CPU profile file (absolute). */
  cpuProfile?: string;
  /** The test binary's GC trace (GODEBUG=gctrace=1 lines), absolute; see src/gc/capture.ts. */
  gcTrace?: string;
  /** Sample types of the heap profile ("alloc_objects", "alloc_space", ...). */
  sampleTypes: string[];
  /** The run did not pass, but wrote a profile anyway. */
  failed?: string;
  /** Benchmark results of the run (b.N and the per-op figures), for per-op comparisons. */
  benchmarks?: HistoryBench[];
  /** The -benchtime of a benchmark run ("100ms", "20x"). */
  benchtime?: string;
}

/** What the history keeps of one benchmark result line. */
export interface HistoryBench {
  /** "BenchmarkBuildSizes/small" */
  name: string;
  /** "BenchmarkBuildSizes" */
  func: string;
  /** b.N of the reported round. */
  iterations: number;
  nsPerOp?: number;
  bytesPerOp?: number;
  allocsPerOp?: number;
  /** The benchmark loops with b.Loop (its b.N is every iteration it ran). */
  usesLoop?: boolean;
}

function optNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function readBenches(raw: unknown): HistoryBench[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: HistoryBench[] = [];
  for (const r of raw as unknown[]) {
    if (typeof r !== 'object' || r === null) continue;
    const b = r as Record<string, unknown>;
    if (typeof b.name !== 'string' || typeof b.func !== 'string' || typeof b.iterations !== 'number' || !(b.iterations >= 0)) continue;
    out.push({ name: b.name, func: b.func, iterations: b.iterations, nsPerOp: optNumber(b.nsPerOp), bytesPerOp: optNumber(b.bytesPerOp), allocsPerOp: optNumber(b.allocsPerOp), usesLoop: b.usesLoop === true ? true : undefined });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The history's record of benchmark results (the metrics beyond the three usual ones left
 * out); `loops`: the benchmark functions written with b.Loop.
 */
export function historyBenches(results: readonly HistoryBench[], loops?: ReadonlySet<string>): HistoryBench[] {
  return results.map((r) => ({ name: r.name, func: r.func, iterations: r.iterations, nsPerOp: r.nsPerOp, bytesPerOp: r.bytesPerOp, allocsPerOp: r.allocsPerOp, usesLoop: loops?.has(r.func) ? true : undefined }));
}

export interface HistoryUpdate {
  kept: HistoryEntry[];
  dropped: HistoryEntry[];
}

/** Adds an entry in front (newest first), keeping at most `limit` entries. */
export function addToHistory(list: readonly HistoryEntry[], entry: HistoryEntry, limit: number): HistoryUpdate {
  const max = Math.max(1, Math.floor(limit));
  const all = [entry, ...list.filter((e) => e.id !== entry.id)];
  return { kept: all.slice(0, max), dropped: all.slice(max) };
}

export function removeFromHistory(list: readonly HistoryEntry[], id: string): HistoryUpdate {
  return { kept: list.filter((e) => e.id !== id), dropped: list.filter((e) => e.id === id) };
}

/** Applies a new limit (after the setting changed). */
export function limitHistory(list: readonly HistoryEntry[], limit: number): HistoryUpdate {
  const max = Math.max(1, Math.floor(limit));
  return { kept: list.slice(0, max), dropped: list.slice(max) };
}

/** Files that belong to entries (to delete when the entries are dropped). */
export function entryFiles(entries: readonly HistoryEntry[]): string[] {
  return entries.flatMap((e) => [e.memProfile, e.cpuProfile, e.gcTrace].filter((f): f is string => typeof f === 'string'));
}

/** Validates what came back from storage (it may be from an older version, or edited). */
export function readHistory(raw: unknown): HistoryEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: HistoryEntry[] = [];
  for (const r of raw as unknown[]) {
    if (typeof r !== 'object' || r === null) continue;
    const e = r as Record<string, unknown>;
    if (typeof e.id !== 'string' || typeof e.time !== 'number' || typeof e.packageDir !== 'string') continue;
    out.push({
      id: e.id,
      time: e.time,
      command: typeof e.command === 'string' ? e.command : 'Profile',
      target: typeof e.target === 'string' ? e.target : '',
      packageDir: e.packageDir,
      packagePath: typeof e.packagePath === 'string' ? e.packagePath : undefined,
      memProfile: typeof e.memProfile === 'string' ? e.memProfile : undefined,
      cpuProfile: typeof e.cpuProfile === 'string' ? e.cpuProfile : undefined,
      gcTrace: typeof e.gcTrace === 'string' ? e.gcTrace : undefined,
      sampleTypes: Array.isArray(e.sampleTypes) ? e.sampleTypes.filter((s): s is string => typeof s === 'string') : [],
      failed: typeof e.failed === 'string' ? e.failed : undefined,
      benchmarks: readBenches(e.benchmarks),
      benchtime: typeof e.benchtime === 'string' ? e.benchtime : undefined,
    });
  }
  return out;
}

/** A new id that sorts by time: "20261123-014959-3f2a". */
export function newHistoryId(now: Date, random: number): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${Math.floor(random * 0x10000).toString(16).padStart(4, '0')}`;
}

/** An entry of the "Compare Profiles…" pickers: a history entry, or "Browse…" (always last). */
export type CompareChoice = { kind: 'entry'; entry: HistoryEntry } | { kind: 'browse' };

/**
 * The choices of a compare picker: the history entries with a heap profile (newest first),
 * then "Browse…". For the base (`after` given), the newer profile itself is left out and the
 * earlier runs of the same target in the same package come first: the usual comparison is a
 * run against the one before it.
 */
export function compareChoices(list: readonly HistoryEntry[], after?: HistoryEntry): CompareChoice[] {
  let entries = list.filter((e) => e.memProfile !== undefined && e.id !== after?.id);
  if (after) {
    const same = (e: HistoryEntry): boolean => e.target === after.target && e.packageDir === after.packageDir;
    entries = [...entries.filter(same), ...entries.filter((e) => !same(e))];
  }
  return [...entries.map((entry): CompareChoice => ({ kind: 'entry', entry })), { kind: 'browse' }];
}

/** "BenchmarkBuild 12,000 ops · 96 B/op" for the benchmarks of a history entry (at most `max`). */
export function describeBenches(benches: readonly HistoryBench[] | undefined, max = 2): string | undefined {
  if (!benches?.length) return undefined;
  const parts = benches.slice(0, max).map((b) => `${b.name} ${formatNumber(b.iterations)} ops${b.bytesPerOp !== undefined ? ` · ${formatNumber(b.bytesPerOp)} B/op` : ''}`);
  if (benches.length > max) parts.push(`${benches.length - max} more`);
  return parts.join(', ');
}
