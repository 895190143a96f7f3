// Allocation hot spots, part one: which source line each allocation sample belongs to.
//
// A heap sample's innermost frames may be the runtime's allocation functions
// (runtime.mallocgc, runtime.newobject, runtime.growslice, …). The Go runtime strips them
// when it writes a heap profile, but other producers (and older runtimes) keep them. Either
// way a sample is attributed to its first frame outside the runtime: the frames whose
// function name or file name matches `^runtime\.` are hidden, exactly as
// `go tool pprof -lines -hide='^runtime\.'` hides them, and the innermost remaining frame
// (inlined frames count: a Location with several lines is several frames, innermost first)
// gets the sample's value as its line's `flat`. The hidden runtime frame just below it, when
// the profile has one, says how the line allocated.
//
// Rows are keyed by function, file and line, as pprof's line granularity keys them, so the
// figures agree with pprof's on the same profile. Pure: no vscode, shared with the CLI.
import { compilePattern, type Pattern } from '../pprof/pattern';
import type { ProfileData } from '../shared/profileData';

/** pprof's -hide for these reports: the runtime's own functions. */
export const RUNTIME_HIDE = '^runtime\\.';

export interface AttributedLine {
  function: string;
  /** The file as the profile names it (absolute, or module-relative with -trimpath). */
  file: string;
  /** 1-based; 0 when the profile does not know the line. */
  line: number;
  /** Sum of the sample type over the samples attributed here. */
  flat: number;
  /** The matching count (alloc_objects for alloc_space, inuse_objects for inuse_space), when the profile has one. */
  objects?: number;
  /** The runtime function the line called to allocate (from hidden frames), heaviest first, when the profile kept any. */
  allocators: { name: string; value: number }[];
}

export interface Attribution {
  sampleIndex: number;
  /** The index of the matching object count, or -1. */
  objectsIndex: number;
  /** Sum of the sample type over every sample (pprof's total: hidden frames do not change it). */
  total: number;
  /** Samples whose every frame is hidden (the runtime's own allocations): in the total, in no row. */
  unattributed: number;
  /** Every line with a non-zero flat, heaviest first (ties by file, line, function). */
  rows: AttributedLine[];
}

export interface AttributeOptions {
  /** Frames to hide (default `^runtime\.`); matched anywhere in the function's name or file, as pprof does. */
  hide?: Pattern;
}

let runtimeHide: Pattern | undefined;

/** The default hide pattern, compiled once. */
export function runtimeHidePattern(): Pattern {
  if (!runtimeHide) {
    const r = compilePattern(RUNTIME_HIDE);
    if (!r.ok) throw new Error(r.error);
    runtimeHide = r.pattern;
  }
  return runtimeHide;
}

/** The sample type that counts the objects of `sampleIndex`'s bytes (alloc_space → alloc_objects), or -1. */
export function objectsIndexFor(data: ProfileData, sampleIndex: number): number {
  const t = data.sampleTypes[sampleIndex];
  if (!t) return -1;
  if (t.unit === 'count' || /_objects$/.test(t.type)) return sampleIndex;
  const m = /^(.*)_space$/.exec(t.type);
  if (!m) return -1;
  return data.sampleTypes.findIndex((s) => s.type === `${m[1]}_objects`);
}

export function attributeSamples(data: ProfileData, sampleIndex: number, opts: AttributeOptions = {}): Attribution {
  const values = data.values[sampleIndex];
  if (!values) throw new RangeError(`sample index ${sampleIndex} is out of range: the profile has ${data.sampleTypes.length} sample types`);
  const objectsIndex = objectsIndexFor(data, sampleIndex);
  const objects = objectsIndex >= 0 ? data.values[objectsIndex] : undefined;
  const hide = opts.hide ?? runtimeHidePattern();
  const hidden = new Uint8Array(data.funcName.length);
  for (let f = 0; f < hidden.length; f++) hidden[f] = hide.test(data.funcName[f]!) || hide.test(data.funcFile[f]!) ? 1 : 0;

  interface Acc {
    fn: number;
    line: number;
    flat: number;
    objects: number;
    allocators: Map<number, number>;
  }
  const byKey = new Map<string, Acc>();
  let total = 0;
  let unattributed = 0;
  const stackCount = data.stackStart.length - 1;
  for (let s = 0; s < stackCount; s++) {
    const v = values[s] ?? 0;
    const o = objects ? (objects[s] ?? 0) : 0;
    if (v === 0 && o === 0) continue;
    total += v;
    const start = data.stackStart[s]!;
    const end = data.stackStart[s + 1]!;
    let k = start;
    while (k < end && hidden[data.frameFunc[data.stackFrames[k]!]!]) k++;
    if (k === end) {
      unattributed += v;
      continue;
    }
    const frame = data.stackFrames[k]!;
    const fn = data.frameFunc[frame]!;
    const line = data.frameLine[frame]!;
    // By name, file and line, as pprof keys its nodes: two functions of one name (generic
    // copies whose names differ only in what pprof leaves out) are one row.
    const key = `${data.funcName[fn]}\u0000${data.funcFile[fn]}\u0000${line}`;
    let acc = byKey.get(key);
    if (!acc) byKey.set(key, (acc = { fn, line, flat: 0, objects: 0, allocators: new Map() }));
    acc.flat += v;
    acc.objects += o;
    if (k > start) {
      // The hidden frame the line called: the runtime function that allocated for it.
      const callee = data.frameFunc[data.stackFrames[k - 1]!]!;
      acc.allocators.set(callee, (acc.allocators.get(callee) ?? 0) + v);
    }
  }
  const rows: AttributedLine[] = [];
  for (const acc of byKey.values()) {
    if (acc.flat === 0) continue;
    const row: AttributedLine = {
      function: data.funcName[acc.fn]!,
      file: data.funcFile[acc.fn]!,
      line: acc.line,
      flat: acc.flat,
      allocators: [...acc.allocators].sort((a, b) => b[1] - a[1]).map(([f, value]) => ({ name: data.funcName[f]!, value })),
    };
    if (objects) row.objects = acc.objects;
    rows.push(row);
  }
  rows.sort((a, b) => b.flat - a.flat || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.function < b.function ? -1 : a.function > b.function ? 1 : 0)));
  return { sampleIndex, objectsIndex, total, unattributed, rows };
}
