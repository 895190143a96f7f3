// The decoded profile (PprofProfile): the profile's tables as objects, its samples in columns.
import type { SampleTypeInfo } from '../../shared/profileData';

export interface PprofLabel {
  key: string;
  /** Set for string labels. */
  str?: string;
  /** Set for numeric labels. */
  num?: number;
  /** Unit of num, e.g. "bytes"; "" when not given. */
  numUnit?: string;
}

export interface PprofMapping {
  id: bigint;
  memoryStart: bigint;
  memoryLimit: bigint;
  fileOffset: bigint;
  file: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

export interface PprofLine {
  /** Index into PprofProfile.functions; -1 when the line names no function. */
  function: number;
  line: number;
  column: number;
}

export interface PprofLocation {
  id: bigint;
  /** Index into PprofProfile.mappings; -1 when unknown. */
  mapping: number;
  address: bigint;
  /** Frames at this address: lines[0] is the innermost inlined function, the last its caller. */
  lines: PprofLine[];
  isFolded: boolean;
}

export interface PprofFunction {
  id: bigint;
  name: string;
  systemName: string;
  file: string;
  startLine: number;
}

/** A decoded profile. Samples are stored in columns (typed arrays), not one object each. */
export interface PprofProfile {
  sampleTypes: SampleTypeInfo[];
  sampleCount: number;
  /**
   * The location stack of sample i: samples with the same location ids share one entry of the
   * stack table below (heap profiles repeat a stack once per allocation size).
   */
  sampleStack: Int32Array;
  /**
   * Distinct location stacks, numbered in order of first appearance: the locations of stack k
   * are stackLocations[stackLocStart[k] .. stackLocStart[k+1]), leaf first, indices into
   * locations. See sampleLocations() for one sample's.
   */
  stackLocStart: Uint32Array;
  stackLocations: Uint32Array;
  /**
   * Value of sample type t for sample i: sampleValues[i * sampleTypes.length + t]. An
   * Int32Array when every value fits in 32 bits (half the memory to fill), else doubles.
   */
  sampleValues: Int32Array | Float64Array;
  /**
   * The sample values that doubles round (beyond 2^53 in magnitude), exactly: key
   * i * sampleTypes.length + t. Not set when there are none (real profiles).
   */
  sampleValuesExact?: Map<number, bigint>;
  /** Set when some sample value is negative (diff profiles; never in what the Go runtime writes). */
  hasNegativeValues?: boolean;
  /** The labels of sample i: label set sampleLabelSet[i] (samples with equal labels share one). */
  sampleLabelSet: Int32Array;
  /** Distinct label sets: set k is label columns labelSetStart[k] .. labelSetStart[k+1]. See sampleLabels(). */
  labelSetStart: Uint32Array;
  /** String-table indices resolved through `strings`; labelStr -1 for numeric labels. */
  labelKey: Int32Array;
  labelStr: Int32Array;
  labelNum: Float64Array;
  labelNumUnit: Int32Array;
  strings: string[];
  mappings: PprofMapping[];
  locations: PprofLocation[];
  functions: PprofFunction[];
  dropFrames: string;
  keepFrames: string;
  /** Nanoseconds since the Unix epoch, exact. */
  timeNanos: bigint;
  durationNanos: number;
  periodType?: SampleTypeInfo;
  period: number;
  comments: string[];
  /** "" when not set (then the last sample type is the default). */
  defaultSampleType: string;
  docUrl: string;
}

/** The locations of one sample, leaf first (indices into p.locations; a view, not a copy). */
export function sampleLocations(p: PprofProfile, sample: number): Uint32Array {
  const k = p.sampleStack[sample]!;
  return p.stackLocations.subarray(p.stackLocStart[k]!, p.stackLocStart[k + 1]!);
}

/** The labels of one sample as objects (for display; the columns are the storage). */
export function sampleLabels(p: PprofProfile, sample: number): PprofLabel[] {
  const out: PprofLabel[] = [];
  const k = p.sampleLabelSet[sample]!;
  for (let j = p.labelSetStart[k]!; j < p.labelSetStart[k + 1]!; j++) {
    const key = p.strings[p.labelKey[j]!]!;
    if (p.labelStr[j]! >= 0) out.push({ key, str: p.strings[p.labelStr[j]!]! });
    else out.push({ key, num: p.labelNum[j]!, numUnit: p.strings[p.labelNumUnit[j]!]! });
  }
  return out;
}
