// What grew between two heap snapshots of a service: each line's in-use bytes in the newest
// snapshot minus the first, heaviest growth first. A sample counts for its first frame outside
// the runtime (src/hotspots/attribute.ts), as `go tool pprof -lines -hide='^runtime\.'` counts
// it, so a line's figures are pprof's `-diff_base first.pb.gz newest.pb.gz` figures for it.
// Pure: shared by the extension and the CLI.
import { attributeSamples, type AttributedLine } from '../hotspots/attribute';
import type { ProfileData } from '../shared/profileData';

export interface GrowthRow {
  function: string;
  /** As the profile names it. */
  file: string;
  /** 1-based; 0 when the profile does not know it. */
  line: number;
  firstBytes: number;
  newestBytes: number;
  growthBytes: number;
  /** inuse_objects, when both profiles have it. */
  firstObjects?: number;
  newestObjects?: number;
  growthObjects?: number;
}

export interface HeapGrowth {
  /** inuse_space over the whole profile. */
  firstBytes: number;
  newestBytes: number;
  growthBytes: number;
  /** The lines that grew (growth > 0), heaviest growth first, at most `limit`. */
  rows: GrowthRow[];
  /** How many lines grew in all (rows holds the first `limit`). */
  grown: number;
}

export type GrowthGranularity = 'line' | 'function';

export interface GrowthOptions {
  /** Rows kept (default 20). */
  limit?: number;
  /** Rank lines (default) or whole functions. */
  by?: GrowthGranularity;
}

/** The index of inuse_space in a heap profile, or -1. */
export function inuseSpaceIndex(data: ProfileData): number {
  return data.sampleTypes.findIndex((t) => t.type === 'inuse_space');
}

/** Sum of inuse_space (and inuse_objects) over a heap profile. */
export function inuseTotals(data: ProfileData): { bytes: number; objects?: number } {
  const i = inuseSpaceIndex(data);
  if (i < 0) throw new Error(`${data.name} is not a heap profile: it has no inuse_space (${data.sampleTypes.map((t) => t.type).join(', ')})`);
  const sum = (row: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < row.length; k++) s += row[k]!;
    return s;
  };
  const o = data.sampleTypes.findIndex((t) => t.type === 'inuse_objects');
  const out: { bytes: number; objects?: number } = { bytes: sum(data.values[i]!) };
  if (o >= 0) out.objects = sum(data.values[o]!);
  return out;
}

/** The total of a profile's first sample type: the goroutine count of a goroutine (or goroutineleak) profile. */
export function countTotal(data: ProfileData): number {
  const row = data.values[0];
  if (!row) return 0;
  let s = 0;
  for (let k = 0; k < row.length; k++) s += row[k]!;
  return s;
}

interface Acc {
  function: string;
  file: string;
  line: number;
  bytes: number;
  objects?: number;
}

function byKey(rows: AttributedLine[], by: GrowthGranularity): Map<string, Acc> {
  const out = new Map<string, Acc>();
  for (const r of rows) {
    const line = by === 'line' ? r.line : 0;
    const key = `${r.function}\u0000${r.file}\u0000${line}`;
    let acc = out.get(key);
    if (!acc) {
      acc = { function: r.function, file: r.file, line, bytes: 0 };
      out.set(key, acc);
    }
    acc.bytes += r.flat;
    if (r.objects !== undefined) acc.objects = (acc.objects ?? 0) + r.objects;
  }
  return out;
}

/** What grew from `first` to `newest` (both heap profiles of the same program). */
export function heapGrowth(first: ProfileData, newest: ProfileData, opts: GrowthOptions = {}): HeapGrowth {
  const limit = opts.limit ?? 20;
  const by = opts.by ?? 'line';
  const fi = inuseSpaceIndex(first);
  const ni = inuseSpaceIndex(newest);
  if (fi < 0 || ni < 0) throw new Error(`${fi < 0 ? first.name : newest.name} is not a heap profile: it has no inuse_space`);
  const a = attributeSamples(first, fi);
  const b = attributeSamples(newest, ni);
  const before = byKey(a.rows, by);
  const after = byKey(b.rows, by);
  const rows: GrowthRow[] = [];
  for (const [key, n] of after) {
    const f = before.get(key);
    const growth = n.bytes - (f?.bytes ?? 0);
    if (!(growth > 0)) continue;
    const row: GrowthRow = { function: n.function, file: n.file, line: n.line, firstBytes: f?.bytes ?? 0, newestBytes: n.bytes, growthBytes: growth };
    if (n.objects !== undefined && (f === undefined || f.objects !== undefined)) {
      row.firstObjects = f?.objects ?? 0;
      row.newestObjects = n.objects;
      row.growthObjects = n.objects - (f?.objects ?? 0);
    }
    rows.push(row);
  }
  rows.sort((x, y) => y.growthBytes - x.growthBytes || (x.function < y.function ? -1 : x.function > y.function ? 1 : 0) || (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) || x.line - y.line);
  return { firstBytes: a.total, newestBytes: b.total, growthBytes: b.total - a.total, rows: rows.slice(0, Math.max(0, limit)), grown: rows.length };
}
