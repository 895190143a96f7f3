// Per-line figures of a profile, for the end-of-line annotations: the value of each file:line
// (the innermost frame of each sample that is in the user's code, so that an allocation made
// through runtime helpers lands on the line that asked for it), and the heaviest call paths
// through a given line, for its hover.
import type { ProfileData, SampleTypeInfo } from '../shared/profileData';
import { formatPercent, formatValue } from '../pprof/units';

export interface LineAggregationOptions {
  /**
   * Which files a sample may be attributed to (e.g. files of the workspace). The innermost
   * frame of a sample whose file passes and whose line is known gets the sample's value;
   * samples with no such frame are not attributed. Default: every file.
   */
  include?: (file: string) => boolean;
}

export interface LineAggregation {
  sampleIndex: number;
  /** Sum of the sample type over all samples (the 100% of the percentages). */
  total: number;
  /** file → line (1-based) → value. */
  byFile: Map<string, Map<number, number>>;
  /** Sum of attributed values (≤ total). */
  attributed: number;
}

export interface LineCost {
  file: string;
  line: number;
  value: number;
}

export interface PathFrame {
  func: string;
  file: string;
  line: number;
}

export interface CallPath {
  value: number;
  /** Root first; the last frame is the line asked about. */
  frames: PathFrame[];
}

export interface LineCallPaths {
  /** Value of every sample whose stack goes through the line (cumulative). */
  through: number;
  paths: CallPath[];
  /** How many distinct paths there were in all (paths holds the heaviest `limit`). */
  distinct: number;
}

function checkSampleIndex(data: ProfileData, sampleIndex: number): Float64Array {
  const values = data.values[sampleIndex];
  if (!values) throw new RangeError(`sample index ${sampleIndex} is out of range: the profile has ${data.sampleTypes.length} sample types`);
  return values;
}

/** Per function index: does its file pass `include`? */
function includedFunctions(data: ProfileData, include: ((file: string) => boolean) | undefined): Uint8Array {
  const ok = new Uint8Array(data.funcFile.length);
  const cache = new Map<string, boolean>();
  for (let f = 0; f < data.funcFile.length; f++) {
    const file = data.funcFile[f];
    let v = cache.get(file);
    if (v === undefined) {
      v = file.length > 0 && (include ? include(file) : true);
      cache.set(file, v);
    }
    ok[f] = v ? 1 : 0;
  }
  return ok;
}

export function aggregateLines(data: ProfileData, sampleIndex: number, opts: LineAggregationOptions = {}): LineAggregation {
  const values = checkSampleIndex(data, sampleIndex);
  const ok = includedFunctions(data, opts.include);
  const byFile = new Map<string, Map<number, number>>();
  let total = 0;
  let attributed = 0;
  const stackCount = data.stackStart.length - 1;
  for (let s = 0; s < stackCount; s++) {
    const v = values[s] ?? 0;
    if (v === 0) continue;
    total += v;
    for (let k = data.stackStart[s]; k < data.stackStart[s + 1]; k++) {
      const frame = data.stackFrames[k];
      const fn = data.frameFunc[frame];
      const line = data.frameLine[frame];
      if (line <= 0 || !ok[fn]) continue;
      const file = data.funcFile[fn];
      let lines = byFile.get(file);
      if (!lines) byFile.set(file, (lines = new Map()));
      lines.set(line, (lines.get(line) ?? 0) + v);
      attributed += v;
      break;
    }
  }
  return { sampleIndex, total, byFile, attributed };
}

/** Every attributed line, heaviest first (ties by file and line, so the order is stable). */
export function heaviestLines(agg: LineAggregation, limit = Infinity): LineCost[] {
  const out: LineCost[] = [];
  for (const [file, lines] of agg.byFile) for (const [line, value] of lines) out.push({ file, line, value });
  out.sort((a, b) => b.value - a.value || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return out.slice(0, limit);
}

/**
 * The heaviest call paths through file:line: for each sample whose stack contains a frame at
 * that line, the path from the root to that frame (its innermost occurrence); equal paths merged.
 */
export function callPathsThrough(data: ProfileData, sampleIndex: number, file: string, line: number, limit = 5): LineCallPaths {
  const values = checkSampleIndex(data, sampleIndex);
  const byKey = new Map<string, { value: number; frames: number[] }>();
  let through = 0;
  const stackCount = data.stackStart.length - 1;
  for (let s = 0; s < stackCount; s++) {
    const v = values[s] ?? 0;
    if (v === 0) continue;
    const start = data.stackStart[s];
    const end = data.stackStart[s + 1];
    let at = -1;
    for (let k = start; k < end; k++) {
      const frame = data.stackFrames[k];
      if (data.frameLine[frame] === line && data.funcFile[data.frameFunc[frame]] === file) {
        at = k;
        break;
      }
    }
    if (at < 0) continue;
    through += v;
    // Root first: from the last frame of the stack down to the line's frame.
    const frames: number[] = [];
    for (let k = end - 1; k >= at; k--) frames.push(data.stackFrames[k]);
    const key = frames.join(',');
    const entry = byKey.get(key);
    if (entry) entry.value += v;
    else byKey.set(key, { value: v, frames });
  }
  const sorted = [...byKey.values()].sort((a, b) => b.value - a.value);
  return {
    through,
    distinct: sorted.length,
    paths: sorted.slice(0, limit).map((e) => ({
      value: e.value,
      frames: e.frames.map((f) => {
        const fn = data.frameFunc[f];
        return { func: data.funcName[fn], file: data.funcFile[fn], line: data.frameLine[f] };
      }),
    })),
  };
}

/** "github.com/a/b.(*T).Method" → "b.(*T).Method" (the package name stays, as pprof shows it). */
export function shortFuncName(name: string): string {
  // The import path ends at the last slash before the first dot-separated symbol.
  const paren = name.indexOf('(');
  const head = paren < 0 ? name : name.slice(0, paren);
  const slash = head.lastIndexOf('/');
  return slash < 0 ? name : name.slice(slash + 1);
}

/** What the annotation calls a sample type: "alloc", "allocs", "in use", "CPU". */
export function sampleTypeLabel(type: string): string {
  switch (type) {
    case 'alloc_space':
      return 'alloc';
    case 'alloc_objects':
      return 'allocs';
    case 'inuse_space':
      return 'in use';
    case 'inuse_objects':
      return 'objects in use';
    case 'cpu':
      return 'CPU';
    case 'samples':
      return 'samples';
    default:
      return type.replace(/_/g, ' ');
  }
}

/** The end-of-line annotation: "▲ 1.2 GiB alloc · 34%". */
export function formatLineAnnotation(value: number, total: number, sampleType: SampleTypeInfo): string {
  return `▲ ${formatValue(value, sampleType.unit)} ${sampleTypeLabel(sampleType.type)} · ${formatPercent(value, total)}`;
}
