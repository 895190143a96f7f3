// The compact form of a decoded pprof profile that crosses boundaries: from the extension
// to the flame graph webview (through postMessage, never embedded in HTML), into the
// self-contained HTML written by `go-memory-insight pprof flame`, and into tree building.
// Strings in plain arrays, numbers in typed arrays: structured clone copies a typed array as one
// block of memory (postMessage of a million-frame profile costs milliseconds, not hundreds of
// them), and the webview checks its indexes with tight loops. JSON (the CLI's HTML page) goes
// through encodeProfileData/decodeProfileData in src/shared/profileJson.ts.

export interface SampleTypeInfo {
  /** e.g. "alloc_space", "inuse_objects", "cpu", "samples". */
  type: string;
  /** e.g. "bytes", "count", "nanoseconds". */
  unit: string;
}

export interface ProfileData {
  /** Shown in the panel title: usually the file name. */
  name: string;
  sampleTypes: SampleTypeInfo[];
  /** Index into sampleTypes that opens first: default_sample_type if set, else the last one (as pprof does). */
  defaultSampleIndex: number;
  /** Function table: functions[i] = [name, systemName, file, startLine] split into columns. */
  funcName: string[];
  funcFile: string[];
  funcStartLine: Int32Array;
  /**
   * Frames: one per (location, inlined line). frameFunc[i] indexes the function table,
   * frameLine[i] is the source line (0 when unknown).
   */
  frameFunc: Int32Array;
  frameLine: Int32Array;
  /**
   * The object file (the location's mapping: the binary or shared library) of each frame, as
   * an index into objfiles, -1 when none. pprof's focus, ignore, hide and show patterns match
   * it as well as the function's name and file: `-focus=server` keeps every sample of a binary
   * named server. Absent when no location has a mapping with a file name.
   */
  frameObjfile?: Int32Array;
  objfiles?: string[];
  /**
   * Stacks, leaf first, flattened: the frames of stack s are
   * stackFrames[stackStart[s] .. stackStart[s+1]). stackStart has stackCount + 1 entries.
   * Inlined frames are expanded in place (innermost first, as in a Location's lines).
   */
  stackStart: Int32Array;
  stackFrames: Int32Array;
  /** values[t][s]: the value of sample type t for stack s (samples with equal stacks merged). */
  values: Float64Array[];
  /** Optional metadata. */
  durationNanos?: number;
  timeNanos?: number;
  periodType?: SampleTypeInfo;
  period?: number;
  comments?: string[];
  /** What the reader could not do as pprof would, one line each (e.g. "drop_frames was not applied: …"); shown with the profile. */
  notes?: string[];
  /** Main module path (from the workspace's go.mod) used to colour user code; set by the host. */
  mainModule?: string;
  /**
   * Set when stacks deeper than maxDepth frames were cut (src/pprof/stackDepth.ts): each keeps
   * its innermost frames under one synthetic outermost frame. stacks: how many were cut;
   * deepest: the frames of the deepest one.
   */
  truncatedStacks?: { maxDepth: number; stacks: number; deepest: number };
  /**
   * values again as exact 64-bit integers (summed with int64 wraparound, like pprof), set only
   * when the doubles of `values` may be rounded: a sample value or a sum beyond 2^53. The CLI
   * prints these; the page does not need them (and the JSON of the CLI's page leaves them out).
   */
  valuesExact?: BigInt64Array[];
  /**
   * pprof's total per sample type where it is not the sum of `values`: in a profile with
   * negative values (what `go tool pprof -proto -base` or `-diff_base` writes) pprof totals each
   * sample's magnitude, and only the samples labelled pprof::base=true when there are any
   * (-diff_base). Percentages and "of N total" are taken of this. Kept as the whole profile's
   * total through refinements, as pprof computes it before its filters.
   */
  totals?: number[];
  /** totals as exact int64 (summed with wraparound, like pprof's), set with totals. */
  totalsExact?: BigInt64Array;
  /**
   * The samples again, split by label set, for label filters (pprof's tagfocus/tagignore): set
   * only when the profile's samples carry labels (Go heap profiles: a numeric "bytes" label).
   */
  labels?: ProfileLabels;
}

/**
 * Samples by stack and label set. Label set k holds the entries setStart[k] ..
 * setStart[k + 1]: a key (index into strings), a string value (index into strings; -1 for a
 * numeric label) or a number, and the number's unit (index into strings; -1 when not given).
 */
export interface ProfileLabels {
  strings: string[];
  setStart: Int32Array;
  key: Int32Array;
  str: Int32Array;
  num: Float64Array;
  unit: Int32Array;
  /**
   * Group g: samples of stack groupStack[g] with label set groupSet[g], values[t][g] their sum
   * (the decoder makes one group per sample; two groups may have the same stack and set).
   */
  groupStack: Int32Array;
  groupSet: Int32Array;
  values: Float64Array[];
}
