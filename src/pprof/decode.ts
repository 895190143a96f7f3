// Decodes pprof profiles (gzip-compressed or not) into a complete, validated model, and
// converts that model into the compact ProfileData the flame graph and the CLI use.
//
// How: src/pprof/profile.proto is bundled as text and parsed once with protobufjs. A first
// pass walks the top-level fields of the Profile message and records where the samples are;
// every other field (string table, functions, locations, mappings, metadata) is decoded by
// protobufjs from the schema. The samples — up to millions, each a list of location ids,
// values and labels — are read by a small reader of the Sample wire format (see
// profile.proto) straight into typed arrays: decoding them with protobufjs creates several
// objects per sample (and a Long per 64-bit number), which was the bottleneck on large
// profiles (see bench/pprof). Samples with equal locations share one location stack, and
// samples with equal labels one label set, both interned as they are read: a heap profile
// repeats each stack once per allocation size and has few distinct labels, so the model
// stores (and toProfileData walks) a fraction of what the samples spell out. Fresh memory is
// slow to fill, and so is a big table to look up in: see bench/pprof/bench.mjs for figures.
//
// 64-bit numbers: protobufjs returns Long objects (long.js is bundled with it) or numbers.
// Ids and addresses are kept exactly (bigint); periods and durations become doubles (exact up
// to 2^53); sample values are doubles too, and the few beyond 2^53 are also kept exactly
// (PprofProfile.sampleValuesExact, then ProfileData.valuesExact); string indices are
// range-checked after an exact conversion.
//
// Bounds (hostile or huge files): every decode has a memory budget (DecodeOptions). gzip data
// is inflated up to a share of it (its first kilobytes checked first, so a bomb of garbage
// stops there), the fields are counted before anything is built from them and the estimated
// memory charged, and what grows while the samples are read (location stacks, label sets) is
// charged as it grows. Past the budget, a ProfileError with code 'too-big' says about how much
// the profile needs (neededBytes). Absurd counts (sample types) are refused outright. Stacks
// deeper than MAX_STACK_DEPTH frames are cut in toProfileData (see stackDepth.ts).
import * as protobuf from 'protobufjs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { readFile, stat } from 'node:fs/promises';
import schemaText from './profile.proto';
import type { ProfileData, SampleTypeInfo } from '../shared/profileData';
import { compilePattern } from './pattern';
import { formatBytes } from './units';
import { limitStackDepth, MAX_STACK_DEPTH } from './stackDepth';

/**
 * What went wrong: 'invalid' (not a pprof profile, or a malformed one), 'too-big' (it needs
 * more memory than the budget allows; see neededBytes) or 'unsupported' (absurd counts, such
 * as millions of sample types, that no profiler writes).
 */
export type ProfileErrorCode = 'invalid' | 'too-big' | 'unsupported';

/** A malformed, unreadable or too big profile. The message is one line. */
export class ProfileError extends Error {
  readonly code: ProfileErrorCode;
  /** With code 'too-big': about how many bytes of memory opening the profile takes. */
  readonly neededBytes?: number;

  constructor(message: string, details: { code?: ProfileErrorCode; neededBytes?: number } = {}) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'ProfileError';
    this.code = details.code ?? 'invalid';
    if (details.neededBytes !== undefined) this.neededBytes = details.neededBytes;
  }
}

/** Default DecodeOptions.memoryBudgetBytes: 1 GiB, what an editor can spare for one profile. */
export const DEFAULT_MEMORY_BUDGET = 2 ** 30;

/** Profiles with more sample types are refused (Go writes at most 4; other profilers a few). */
export const MAX_SAMPLE_TYPES = 1000;

export interface DecodeOptions {
  /**
   * Memory the decoded profile may take, in bytes (DEFAULT_MEMORY_BUDGET when not set): the
   * inflated data, the model and (for toProfileData) ProfileData, estimated from the counts
   * of what the file holds as it is read. Beyond it: ProfileError with code 'too-big'.
   */
  memoryBudgetBytes?: number;
}

export interface ProfileDataOptions extends DecodeOptions {
  /** Stacks deeper than this many frames are cut (MAX_STACK_DEPTH when not set); see stackDepth.ts. */
  maxStackDepth?: number;
}

function budgetOf(opts: DecodeOptions | undefined): number {
  const b = opts?.memoryBudgetBytes;
  return b !== undefined && b > 0 ? b : DEFAULT_MEMORY_BUDGET;
}

/** The 'too-big' error. */
function tooBig(needed: number, limit: number, what = 'this profile'): ProfileError {
  const n = Math.ceil(needed);
  return new ProfileError(`${what} needs about ${formatBytes(n)} of memory to open, more than the ${formatBytes(limit)} allowed`, { code: 'too-big', neededBytes: n });
}

/**
 * The memory a decode has taken (estimated), charged as it goes. `charge` throws the
 * 'too-big' ProfileError once the total passes the limit.
 */
class MemoryBudget {
  used = 0;
  /** While something is read in order: what the total will be at this rate, for the figure. */
  project: ((used: number) => number) | undefined;
  constructor(readonly limit: number) {}

  /** Adds bytes; over the limit, throws with `projected` (at least the total so far) as the figure. */
  charge(bytes: number, projected = 0): void {
    this.used += bytes;
    if (this.used > this.limit) throw tooBig(Math.max(this.used, projected, this.project?.(this.used) ?? 0), this.limit);
  }
}

/**
 * The largest input (a file, standard input) worth reading for a budget: decoding takes the
 * data and at least as much again, so more than half the budget is too big to start.
 */
export function maxInputBytes(opts?: DecodeOptions): number {
  return Math.floor(budgetOf(opts) / 2);
}

/** The 'too-big' error for input of `size` bytes (or more) over maxInputBytes. */
export function inputTooBig(size: number, opts?: DecodeOptions, what = 'this profile'): ProfileError {
  return tooBig(size * RAW_FACTOR, budgetOf(opts), what);
}

/** Memory a profile takes per byte of its inflated data (the data, the model, ProfileData): measured on Go heap profiles. */
const RAW_FACTOR = 3;

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

// ---------------------------------------------------------------------------------------
// Schema

interface Schema {
  profile: protobuf.Type;
}
let schemaCache: Schema | undefined;

/** The parsed profile.proto (keepCase: fields are named as in the .proto). */
export function profileSchema(): { root: protobuf.Root; profile: protobuf.Type } {
  if (!schemaCache) {
    const root = protobuf.parse(schemaText, { keepCase: true }).root;
    schemaCache = { profile: root.lookupType('gomemoryinsight.pprof.Profile') };
  }
  return { root: schemaCache.profile.root, profile: schemaCache.profile };
}

// ---------------------------------------------------------------------------------------
// 64-bit conversions

interface LongLike {
  low: number;
  high: number;
}
type Int64 = number | LongLike | null | undefined;

const TWO32 = 4294967296;

function toBig(v: Int64, unsigned: boolean): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? u : BigInt.asIntN(64, u);
}

/** As a double (rounded beyond 2^53). */
function toNum(v: Int64, unsigned: boolean): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  return (unsigned ? v.high >>> 0 : v.high | 0) * TWO32 + (v.low >>> 0);
}

/** An id as a Map key: a number when it fits exactly, else a bigint. */
function idKey(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// ---------------------------------------------------------------------------------------
// Decoding

/** Input bytes inflated first (at most ~1 MB out), to check that the data looks like a profile. */
const PREFIX_INPUT = 1024;

/**
 * The bytes of a profile file inflated if they are gzip data (by the magic bytes), as
 * decodeProfile reads them. The inflated data may take at most half the memory budget (see
 * maxInputBytes): beyond it, the 'too-big' ProfileError. Its first kilobytes are inflated
 * first and checked (checkPrefix): gigabytes of zeros stop there, as not a profile.
 */
export function inflate(bytes: Uint8Array, opts: DecodeOptions = {}): Uint8Array {
  return inflateWithin(bytes, new MemoryBudget(budgetOf(opts)));
}

function inflateWithin(bytes: Uint8Array, budget: MemoryBudget): Uint8Array {
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  budget.charge(bytes.length);
  const n = bytes.length;
  const corrupt = (err: unknown) => new ProfileError(`corrupt gzip data: ${(err as Error).message}`);
  // The start: deflate turns a byte into at most 1032, so this stays small.
  if (n > PREFIX_INPUT) {
    let prefix: Uint8Array;
    try {
      prefix = gunzipSync(bytes.subarray(0, PREFIX_INPUT), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw corrupt(err);
    }
    checkPrefix(prefix);
  }
  const limit = Math.floor((budget.limit - budget.used) / 2);
  // The last four bytes of gzip data are the inflated size (mod 2^32). Output chunks that
  // big let zlib inflate into one buffer, with no copy joining chunks at the end. Only a
  // hint: it is believed up to deflate's maximum ratio (1032:1); a wrong or truncated
  // trailer costs some chunks, not correctness. Beyond the limit, the profile is too big
  // (without inflating it: a file that lies about it is not a profile anyway).
  const isize = (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
  const plausible = n >= 18 && isize <= n * 1032;
  const tooLarge = (size: number) => tooBig(budget.used + size * RAW_FACTOR, budget.limit);
  if (plausible && isize > limit) throw tooLarge(isize);
  const chunkSize = plausible && isize > 1 << 16 ? isize + 1 : 1 << 16;
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes, { maxOutputLength: Math.max(limit, 1), chunkSize });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(Math.max(limit + 1, plausible ? isize : 0));
    throw corrupt(err);
  }
  budget.charge(out.length);
  return out;
}

/**
 * Checks the start of inflated data: a legacy text profile, or top-level fields that no
 * profile has (field number 0, group or reserved wire types) throw ProfileError. Fields
 * cut by the end of the prefix are fine.
 */
function checkPrefix(prefix: Uint8Array): void {
  const text = looksLikeText(prefix);
  if (text) throw new ProfileError(text);
  let pos = 0;
  const len = prefix.length;
  const varintEnd = (at: number): number => {
    for (let i = at; i < Math.min(len, at + 10); i++) if (prefix[i]! < 0x80) return i + 1;
    return at + 10 <= len ? -2 : -1; // -2: malformed, -1: cut by the end
  };
  while (pos < len) {
    const tagEnd = varintEnd(pos);
    if (tagEnd === -1) return;
    if (tagEnd === -2) throw new ProfileError(`not a valid pprof profile: malformed varint at offset ${pos}`);
    topVarint(prefix, pos);
    const field = Math.floor(topValue / 8);
    const wire = topValue % 8;
    if (field === 0) throw new ProfileError(`not a valid pprof profile: field number 0 at offset ${pos}`);
    if (wire === 3) return; // a group (no profile has one; the decoder skips it)
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) throw new ProfileError(`not a valid pprof profile: wire type ${wire} at offset ${pos}`);
    pos = tagEnd;
    if (wire === 0) {
      const e = varintEnd(pos);
      if (e === -1) return;
      if (e === -2) throw new ProfileError(`not a valid pprof profile: malformed varint at offset ${pos}`);
      pos = e;
    } else if (wire === 2) {
      const e = varintEnd(pos);
      if (e < 0) return;
      topVarint(prefix, pos);
      pos = e + topValue;
    } else pos += wire === 1 ? 8 : 4;
  }
}

function looksLikeText(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
  if (/^(heap profile:|--- (contention|mutex|heapz|threadz)|[a-z]+ profile: total \d+|goroutine profile:|--- cpu)/.test(head)) {
    return 'this is a legacy text profile (debug=1); write it in the binary format (debug=0), e.g. go test -memprofile';
  }
  return undefined;
}

/**
 * Decodes a pprof profile (gzip-compressed or raw protobuf). Throws ProfileError for anything
 * that is not a valid profile, and for a profile that needs more memory than
 * opts.memoryBudgetBytes (code 'too-big', with neededBytes).
 */
export function decodeProfile(input: Uint8Array, opts: DecodeOptions = {}): PprofProfile {
  if (input.length === 0) throw new ProfileError('empty file: not a pprof profile');
  const budget = new MemoryBudget(budgetOf(opts));
  const bytes = inflateWithin(input, budget);
  if (bytes.length === 0) throw new ProfileError('empty profile after decompression');
  const text = looksLikeText(bytes);
  if (text) throw new ProfileError(text);
  if (bytes === input) budget.charge(bytes.length);
  try {
    return decodeRaw(bytes, budget);
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ProfileError(`not a valid pprof profile: ${message}`);
  }
}

/** Reads and decodes a profile file (a file over maxInputBytes is not read: 'too-big'). */
export async function readProfile(file: string, opts: DecodeOptions = {}): Promise<PprofProfile> {
  let bytes: Uint8Array;
  try {
    const size = (await stat(file)).size;
    if (size > maxInputBytes(opts)) throw inputTooBig(size, opts);
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ProfileError(`cannot read ${file}: ${why}`);
  }
  return decodeProfile(bytes, opts);
}

interface RawValueType {
  type?: Int64;
  unit?: Int64;
}
interface RawProfile {
  sample_type: RawValueType[];
  mapping: Array<{ id?: Int64; memory_start?: Int64; memory_limit?: Int64; file_offset?: Int64; filename?: Int64; build_id?: Int64; has_functions?: boolean; has_filenames?: boolean; has_line_numbers?: boolean; has_inline_frames?: boolean }>;
  location: Array<{ id?: Int64; mapping_id?: Int64; address?: Int64; line: Array<{ function_id?: Int64; line?: Int64; column?: Int64 }>; is_folded?: boolean }>;
  function: Array<{ id?: Int64; name?: Int64; system_name?: Int64; filename?: Int64; start_line?: Int64 }>;
  string_table: string[];
  drop_frames?: Int64;
  keep_frames?: Int64;
  time_nanos?: Int64;
  duration_nanos?: Int64;
  period_type?: RawValueType | null;
  period?: Int64;
  comment: Int64[];
  default_sample_type?: Int64;
  doc_url?: Int64;
}

/** Value of the last topVarint() (a double: exact up to 2^53). */
let topValue = 0;

/** Reads the varint of a top-level field at pos into topValue; returns the position after it. */
function topVarint(bytes: Uint8Array, pos: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new ProfileError('truncated profile: a field runs past the end of the data');
    const b = bytes[pos++]!;
    value += (b & 0x7f) * mul;
    if (b < 0x80) {
      topValue = value;
      return pos;
    }
    mul *= 128;
  }
  throw new ProfileError(`not a valid pprof profile: malformed varint at offset ${pos}`);
}

/** Value of the last varint35(): -1 when the varint did not fit in 35 bits. */
let smallValue = 0;

/**
 * Reads a varint of at most five bytes (below 2^35, so exact in a double) at pos into
 * smallValue and returns the position after it. The sample fast path uses it; its callers
 * check that the position stays inside their field. Small enough for V8 to inline.
 */
function varint35(buf: Uint8Array, pos: number): number {
  let b = buf[pos++]!;
  let v = b & 0x7f;
  if (b >= 0x80) {
    b = buf[pos++]!;
    v |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      b = buf[pos++]!;
      v |= (b & 0x7f) << 14;
      if (b >= 0x80) {
        b = buf[pos++]!;
        v |= (b & 0x7f) << 21;
        if (b >= 0x80) {
          b = buf[pos++]!;
          if (b >= 0x80) {
            smallValue = -1;
            return pos;
          }
          v += b * 268435456;
        }
      }
    }
  }
  smallValue = v;
  return pos;
}

/** Where the samples are: runs of consecutive sample fields (tags included). */
interface SampleRuns {
  /** Run r: bytes runs[2r] .. runs[2r+1]. Go writes all the samples in one run. */
  runs: number[];
  count: number;
  /** Bytes of the sample fields (tags and lengths included), and of the smallest one (without). */
  bytes: number;
  minSize: number;
}

/** How many of each top-level field (by field number, 0 for numbers above 15) pass 1 found. */
interface FieldCounts {
  field: Float64Array;
  /** Line messages in all locations. */
  lines: number;
  /** Bytes of the strings of the string table. */
  stringBytes: number;
  /** Bytes of packed comment fields (a byte at least per comment). */
  commentBytes: number;
}

/** Number of line fields (4) in the Location message bytes[pos, end); -1 when it has no id. */
function countLines(bytes: Uint8Array, pos: number, end: number): number {
  let lines = 0;
  let id = false;
  while (pos < end) {
    pos = topVarint(bytes, pos);
    const field = Math.floor(topValue / 8);
    const wire = topValue % 8;
    if (wire === 0) {
      pos = topVarint(bytes, pos);
      if (field === 1 && topValue !== 0) id = true;
    } else if (wire === 2) {
      pos = topVarint(bytes, pos);
      pos += topValue;
      if (field === 4) lines++;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new ProfileError(`not a valid pprof profile: wire type ${wire} in a location`);
  }
  if (pos > end) throw new ProfileError('not a valid pprof profile: a location runs past its end');
  return id ? lines : -1;
}

/**
 * Memory per item while protobufjs decodes it and the model and ProfileData are made from it:
 * peak RSS of the CLI on profiles of a million of each, over a million.
 */
const ITEM_BYTES = { sampleType: 256, mapping: 640, location: 560, line: 320, function: 640, string: 96, comment: 128 };

/**
 * Pass 1 over the Profile message: where the samples (field 2) are, how many of the other
 * fields there are, and every other field copied together (for protobufjs). A plain walk over
 * tags and lengths, with a fast path for the sample tag and a short length (Reader.skipType
 * for the rare fixed-size and group fields). Locations are walked too, for their lines.
 */
function findSamples(bytes: Uint8Array, budget: MemoryBudget): { samples: SampleRuns; headerBytes: Uint8Array; counts: FieldCounts } {
  const len = bytes.length;
  const runs: number[] = [];
  let nSamples = 0;
  let minSize = Infinity;
  /** Ranges of the other fields: [start, end) pairs. */
  const rest: number[] = [];
  const counts: FieldCounts = { field: new Float64Array(16), lines: 0, stringBytes: 0, commentBytes: 0 };
  // The two arrays grow with the fields (on hostile data, a field of two bytes each): charged.
  let charged = 0;
  let reader: protobuf.Reader | undefined;
  let pos = 0;
  while (pos < len) {
    const fieldStart = pos;
    let size = -1;
    if (bytes[pos] === 0x12 && pos + 3 <= len) {
      // A sample with a length of one or two bytes.
      const b1 = bytes[pos + 1]!;
      if (b1 < 0x80) {
        size = b1;
        pos += 2;
      } else {
        const b2 = bytes[pos + 2]!;
        if (b2 < 0x80) {
          size = (b1 & 0x7f) | (b2 << 7);
          pos += 3;
        }
      }
    }
    if (size < 0) {
      pos = topVarint(bytes, pos);
      const tag = topValue;
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new ProfileError(`not a valid pprof profile: field number 0 at offset ${fieldStart}`);
      if (field === 2) {
        if (wire !== 2) throw new ProfileError(`not a valid pprof profile: sample field with wire type ${wire}`);
        pos = topVarint(bytes, pos);
        size = topValue;
      } else {
        if (wire === 0) pos = topVarint(bytes, pos);
        else if (wire === 2) {
          pos = topVarint(bytes, pos);
          const size = topValue;
          if (pos + size > len) throw new ProfileError('truncated profile: a field runs past the end of the data');
          if (field === 4) {
            const lines = countLines(bytes, pos, pos + size);
            if (lines < 0) throw new ProfileError(`location ${counts.field[4]} has id 0`);
            counts.lines += lines;
          } else if (field === 6) counts.stringBytes += size;
          else if (field === 13) counts.commentBytes += size;
          pos += size;
        } else {
          reader ??= protobuf.Reader.create(bytes);
          reader.pos = pos;
          reader.skipType(wire, 0, field);
          pos = reader.pos;
        }
        counts.field[field < 16 ? field : 0]!++;
        if (rest.length > 0 && rest[rest.length - 1] === fieldStart) rest[rest.length - 1] = pos;
        else {
          rest.push(fieldStart, pos);
          if (rest.length + runs.length > charged) charged = chargeRanges(budget, charged);
        }
        continue;
      }
    }
    if (pos + size > len) throw new ProfileError('truncated profile: a sample runs past the end of the data');
    pos += size;
    nSamples++;
    if (size < minSize) minSize = size;
    if (runs.length > 0 && runs[runs.length - 1] === fieldStart) runs[runs.length - 1] = pos;
    else {
      runs.push(fieldStart, pos);
      if (rest.length + runs.length > charged) charged = chargeRanges(budget, charged);
    }
  }
  let sampleBytes = 0;
  for (let r = 0; r < runs.length; r += 2) sampleBytes += runs[r + 1]! - runs[r]!;
  let headerBytes: Uint8Array;
  if (rest.length === 2 && rest[0] === 0 && rest[1] === len) headerBytes = bytes;
  else {
    let size = 0;
    for (let r = 0; r < rest.length; r += 2) size += rest[r + 1]! - rest[r]!;
    budget.charge(size);
    headerBytes = new Uint8Array(size);
    let o = 0;
    for (let r = 0; r < rest.length; r += 2) {
      headerBytes.set(bytes.subarray(rest[r]!, rest[r + 1]!), o);
      o += rest[r + 1]! - rest[r]!;
    }
  }
  return { samples: { runs, count: nSamples, bytes: sampleBytes, minSize }, headerBytes, counts };
}

/** Charges the range arrays of findSamples for another million entries; returns the new mark. */
function chargeRanges(budget: MemoryBudget, charged: number): number {
  const step = 1 << 20;
  budget.charge(step * 8);
  return charged + step;
}

/**
 * Checks what pass 1 counted before anything is made of it: refuses absurd numbers of sample
 * types and samples too short to hold their values, and charges the memory the header (through
 * protobufjs and into the model) and the sample columns will take.
 */
function checkCounts(counts: FieldCounts, samples: SampleRuns, budget: MemoryBudget): void {
  const f = counts.field;
  const nTypes = f[1]!;
  if (nTypes > MAX_SAMPLE_TYPES) {
    throw new ProfileError(`the profile has ${nTypes.toLocaleString('en-US')} sample types; at most ${MAX_SAMPLE_TYPES.toLocaleString('en-US')} are supported (Go writes 2 to 4)`, { code: 'unsupported' });
  }
  // Each value takes a byte at least.
  if (samples.count > 0 && samples.minSize < nTypes) {
    throw new ProfileError(`not a valid pprof profile: a sample of ${samples.minSize} bytes cannot hold the values of ${nTypes} sample types`);
  }
  const header =
    nTypes * ITEM_BYTES.sampleType +
    f[3]! * ITEM_BYTES.mapping +
    f[4]! * ITEM_BYTES.location +
    counts.lines * ITEM_BYTES.line +
    f[5]! * ITEM_BYTES.function +
    f[6]! * ITEM_BYTES.string +
    counts.stringBytes +
    (f[13]! + counts.commentBytes) * ITEM_BYTES.comment;
  // Per sample: its stack and label set, and its values as 32-bit integers.
  const columns = samples.count * (8 + 4 * nTypes);
  // The location stacks, label sets and ProfileData are charged as they are made; for the
  // figure of a profile that does not fit, a guess from Go heap profiles.
  const projected = budget.used + header + columns + 1.5 * samples.bytes;
  budget.charge(header, projected);
  budget.charge(columns, projected);
}

function decodeRaw(bytes: Uint8Array, budget: MemoryBudget): PprofProfile {
  const { profile: profileType } = profileSchema();

  const { samples, headerBytes, counts } = findSamples(bytes, budget);
  checkCounts(counts, samples, budget);
  const raw = profileType.decode(headerBytes) as unknown as RawProfile;

  // Strings.
  const strings = raw.string_table;
  if (strings.length === 0) throw new ProfileError('not a valid pprof profile: the string table is missing');
  if (strings[0] !== '') throw new ProfileError('not a valid pprof profile: string_table[0] must be ""');
  const strIndex = (v: Int64, what: string): number => {
    const i = toNum(v, false);
    if (!Number.isInteger(i) || i < 0 || i >= strings.length) {
      throw new ProfileError(`${what} refers to string ${i}, but the string table has ${strings.length} entries`);
    }
    return i;
  };
  const str = (v: Int64, what: string): string => strings[strIndex(v, what)]!;
  const valueType = (v: RawValueType, what: string): SampleTypeInfo => ({ type: str(v.type, `${what} type`), unit: str(v.unit, `${what} unit`) });

  const sampleTypes = raw.sample_type.map((v, i) => valueType(v, `sample_type[${i}]`));
  if (sampleTypes.length === 0) throw new ProfileError('not a valid pprof profile: it has no sample types');

  // Mappings.
  const mappingIndex = new Map<number | bigint, number>();
  const mappings: PprofMapping[] = raw.mapping.map((m, i) => {
    const id = toBig(m.id, true);
    if (id === 0n) throw new ProfileError(`mapping ${i} has id 0`);
    const key = idKey(id);
    if (mappingIndex.has(key)) throw new ProfileError(`duplicate mapping id ${id}`);
    mappingIndex.set(key, i);
    return {
      id,
      memoryStart: toBig(m.memory_start, true),
      memoryLimit: toBig(m.memory_limit, true),
      fileOffset: toBig(m.file_offset, true),
      file: str(m.filename, `mapping ${id} filename`),
      buildId: str(m.build_id, `mapping ${id} build_id`),
      hasFunctions: !!m.has_functions,
      hasFilenames: !!m.has_filenames,
      hasLineNumbers: !!m.has_line_numbers,
      hasInlineFrames: !!m.has_inline_frames,
    };
  });

  // Functions.
  const functionIndex = new Map<number | bigint, number>();
  const functions: PprofFunction[] = raw.function.map((f, i) => {
    const id = toBig(f.id, true);
    if (id === 0n) throw new ProfileError(`function ${i} has id 0`);
    const key = idKey(id);
    if (functionIndex.has(key)) throw new ProfileError(`duplicate function id ${id}`);
    functionIndex.set(key, i);
    return {
      id,
      name: str(f.name, `function ${id} name`),
      systemName: str(f.system_name, `function ${id} system_name`),
      file: str(f.filename, `function ${id} filename`),
      startLine: toNum(f.start_line, false),
    };
  });

  // Locations.
  const locationIndex = new Map<number | bigint, number>();
  let maxSmallId = 0;
  let allSmall = true;
  const locations: PprofLocation[] = raw.location.map((l, i) => {
    const id = toBig(l.id, true);
    if (id === 0n) throw new ProfileError(`location ${i} has id 0`);
    const key = idKey(id);
    if (locationIndex.has(key)) throw new ProfileError(`duplicate location id ${id}`);
    locationIndex.set(key, i);
    if (typeof key === 'number' && key < 1 << 26) maxSmallId = Math.max(maxSmallId, key);
    else allSmall = false;
    const mappingId = toBig(l.mapping_id, true);
    let mapping = -1;
    if (mappingId !== 0n) {
      const m = mappingIndex.get(idKey(mappingId));
      if (m === undefined) throw new ProfileError(`location ${id} refers to mapping ${mappingId}, which does not exist`);
      mapping = m;
    }
    const lines: PprofLine[] = l.line.map((ln) => {
      const fid = toBig(ln.function_id, true);
      let fn = -1;
      if (fid !== 0n) {
        const f = functionIndex.get(idKey(fid));
        if (f === undefined) throw new ProfileError(`location ${id} refers to function ${fid}, which does not exist`);
        fn = f;
      }
      return { function: fn, line: toNum(ln.line, false), column: toNum(ln.column, false) };
    });
    return { id, mapping, address: toBig(l.address, true), lines, isFolded: !!l.is_folded };
  });
  // Go numbers locations 1..n: look them up in an array then.
  let denseLocations: Int32Array | null = null;
  if (allSmall && maxSmallId <= 4 * locations.length + 1024) {
    denseLocations = new Int32Array(maxSmallId + 1).fill(-1);
    for (let i = 0; i < locations.length; i++) denseLocations[Number(locations[i]!.id)] = i;
  }

  const defaultSampleType = str(raw.default_sample_type, 'default_sample_type');
  const profile: PprofProfile = {
    sampleTypes,
    sampleCount: 0,
    sampleStack: new Int32Array(0),
    stackLocStart: new Uint32Array(1),
    stackLocations: new Uint32Array(0),
    sampleValues: new Int32Array(0),
    sampleLabelSet: new Int32Array(0),
    labelSetStart: new Uint32Array(1),
    labelKey: new Int32Array(0),
    labelStr: new Int32Array(0),
    labelNum: new Float64Array(0),
    labelNumUnit: new Int32Array(0),
    strings,
    mappings,
    locations,
    functions,
    dropFrames: str(raw.drop_frames, 'drop_frames'),
    keepFrames: str(raw.keep_frames, 'keep_frames'),
    timeNanos: toBig(raw.time_nanos, false),
    durationNanos: toNum(raw.duration_nanos, false),
    period: toNum(raw.period, false),
    comments: raw.comment.map((c, i) => str(c, `comment ${i}`)),
    defaultSampleType,
    docUrl: str(raw.doc_url, 'doc_url'),
  };
  if (raw.period_type) profile.periodType = valueType(raw.period_type, 'period_type');

  decodeSamples(bytes, samples, profile, denseLocations, locationIndex, budget);
  return profile;
}

/** Scratch for varint(): [low 32 bits, high 32 bits] of the last value read. */
const VARINT = new Uint32Array(2);

/**
 * Reads the varint at pos (not past limit) into VARINT and returns the position after it.
 * Small enough to be inlined, so the callers keep their positions in registers.
 */
function varint(buf: Uint8Array, pos: number, limit: number): number {
  let lo = 0;
  let b: number;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= limit) throw new ProfileError(`truncated sample at offset ${pos}`);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      VARINT[0] = lo;
      VARINT[1] = 0;
      return pos;
    }
  }
  if (pos >= limit) throw new ProfileError(`truncated sample at offset ${pos}`);
  b = buf[pos++]!;
  lo |= (b & 0x0f) << 28;
  let hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (shift >= 32) throw new ProfileError(`malformed varint in a sample at offset ${pos}`);
      if (pos >= limit) throw new ProfileError(`truncated sample at offset ${pos}`);
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  VARINT[0] = lo;
  VARINT[1] = hi;
  return pos;
}

/** The last varint as a signed 64-bit number (a double: exact up to 2^53). */
function varintSigned(): number {
  return (VARINT[1]! | 0) * TWO32 + VARINT[0]!;
}

/** The last varint as a signed 64-bit number, exactly. */
function varintBig(): bigint {
  return BigInt.asIntN(64, (BigInt(VARINT[1]!) << 32n) | BigInt(VARINT[0]!));
}

/** Skips a field of the given wire type; returns the new position. */
function skipField(buf: Uint8Array, pos: number, limit: number, wire: number): number {
  switch (wire) {
    case 0:
      return varint(buf, pos, limit);
    case 1:
      pos += 8;
      break;
    case 2:
      pos = varint(buf, pos, limit);
      if (VARINT[1] !== 0) throw new ProfileError(`truncated sample at offset ${pos}`);
      pos += VARINT[0]!;
      break;
    case 5:
      pos += 4;
      break;
    default:
      throw new ProfileError(`unsupported wire type ${wire} in a sample at offset ${pos}`);
  }
  if (pos > limit) throw new ProfileError(`truncated sample at offset ${pos}`);
  return pos;
}

/**
 * The capacity to grow a column to: room for `need` entries, and for all the samples at the
 * rate seen so far (`used` entries for `done` of `total` samples) plus a little, so that the
 * column is copied a few times at most and ends up nearly full; at least 1.5 times the old
 * capacity, at most `bound` (unless need is more).
 */
function projectedSize(old: number, need: number, used: number, done: number, total: number, bound: number): number {
  const projected = done > 0 ? Math.ceil((used / done) * total * 1.03) + 1024 : 0;
  return Math.max(need, Math.min(Math.max(projected, Math.ceil(old * 1.5)), bound));
}

/**
 * The distinct label sets, interned as the samples are read (the Go runtime gives each heap
 * sample a "bytes" label: a million samples, a few distinct sets). A sample's labels are
 * pushed after the last set (scratch from `committed` on) and kept only when new.
 */
class LabelSets {
  key: Int32Array = new Int32Array(256);
  str: Int32Array = new Int32Array(256);
  num: Float64Array = new Float64Array(256);
  unit: Int32Array = new Int32Array(256);
  /** Labels pushed: those of the sets, then the scratch. */
  n = 0;
  /** Labels of the sets so far. */
  committed = 0;
  /** Set k: labels start[k] .. start[k+1]. */
  start: Uint32Array = new Uint32Array(64);
  private hash: Int32Array = new Int32Array(64);
  nSets = 0;
  /** Open addressing, at most half full: set id + 1 per slot, 0 when empty. */
  private table = new Int32Array(256);

  constructor(private readonly budget: MemoryBudget) {}

  push(key: number, str: number, num: number, unit: number): void {
    if (this.n === this.key.length) this.grow();
    const j = this.n++;
    this.key[j] = key;
    // A label with a string value is a string label; otherwise numeric (pprof's rule).
    this.str[j] = str !== 0 ? str : -1;
    this.num[j] = num;
    this.unit[j] = unit;
  }

  private grow(): void {
    const size = this.key.length * 2;
    this.budget.charge((size - this.key.length) * 20);
    this.key = growInt32(this.key, size, this.n);
    this.str = growInt32(this.str, size, this.n);
    this.unit = growInt32(this.unit, size, this.n);
    const num = new Float64Array(size);
    num.set(this.num.subarray(0, this.n));
    this.num = num;
  }

  /** The id of the set of the scratch labels: an existing one, or a new one made of them. */
  intern(): number {
    const lo = this.committed;
    const end = this.n;
    const len = end - lo;
    const { key, str, num, unit, start } = this;
    let h = 0x811c9dc5 | 0;
    for (let j = lo; j < end; j++) {
      const v = num[j]!;
      h = Math.imul(h ^ key[j]!, 0x01000193);
      h = Math.imul(h ^ str[j]!, 0x01000193);
      h = Math.imul(h ^ (v | 0), 0x01000193);
      h = Math.imul(h ^ ((v / TWO32) | 0), 0x01000193);
      h = Math.imul(h ^ unit[j]!, 0x01000193);
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    const table = this.table;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === 0) break;
      const k = e - 1;
      const a = start[k]!;
      if (this.hash[k] === h && start[k + 1]! - a === len) {
        let i = 0;
        while (i < len && key[a + i] === key[lo + i] && str[a + i] === str[lo + i] && num[a + i] === num[lo + i] && unit[a + i] === unit[lo + i]) i++;
        if (i === len) {
          this.n = lo;
          return k;
        }
      }
      slot = (slot + 1) & mask;
    }
    const k = this.nSets++;
    if (k + 2 > start.length) {
      this.budget.charge(start.length * 8);
      this.start = new Uint32Array(start.length * 2);
      this.start.set(start);
      const h2 = new Int32Array(start.length * 2);
      h2.set(this.hash);
      this.hash = h2;
    }
    this.start[k + 1] = end;
    this.hash[k] = h;
    this.committed = end;
    table[slot] = k + 1;
    if (this.nSets * 2 > table.length) {
      const size = table.length * 2;
      this.budget.charge(table.length * 4);
      const t2 = new Int32Array(size);
      for (let i = 0; i < this.nSets; i++) {
        let sl = this.hash[i]! & (size - 1);
        while (t2[sl] !== 0) sl = (sl + 1) & (size - 1);
        t2[sl] = i + 1;
      }
      this.table = t2;
    }
    return k;
  }
}

/**
 * The distinct location stacks, interned as the samples are read: a sample's location
 * indices are written after the last stack (locs[nLocs ..], scratch until intern()) and kept
 * only when they make a new stack. A million samples of a heap profile have a fraction as
 * many stacks, so this stores (and later walks) a fraction of the locations.
 */
class StackTable {
  locs: Uint32Array;
  /** Locations of the stacks so far; the scratch of the sample being read starts here. */
  nLocs = 0;
  /** Stack k: locs[start[k] .. start[k+1]). */
  start: Uint32Array = new Uint32Array(1024);
  private hash: Int32Array = new Int32Array(1024);
  n = 0;
  /** Open addressing, at most 2/3 full (small tables miss the cache less): stack id + 1 per slot, 0 when empty. */
  private table = new Int32Array(4096);
  /** Samples read so far (for growth). */
  done = 0;

  /** For `total` samples taking `sampleBytes` bytes: each location id takes a byte at least. */
  constructor(
    private readonly total: number,
    private readonly sampleBytes: number,
    private readonly budget: MemoryBudget,
  ) {
    this.locs = new Uint32Array(Math.min(sampleBytes, 1 << 16));
  }

  /** Room for locations up to index need (exclusive), the first `used` kept. */
  reserve(need: number, used: number): Uint32Array {
    const size = projectedSize(this.locs.length, need, this.nLocs, this.done, this.total, this.sampleBytes);
    this.budget.charge((size - this.locs.length) * 4);
    const bigger = new Uint32Array(size);
    bigger.set(this.locs.subarray(0, used));
    this.locs = bigger;
    return bigger;
  }

  /** The id of the stack locs[nLocs .. end): an existing one, or a new one made of them. */
  intern(end: number): number {
    const locs = this.locs;
    const lo = this.nLocs;
    const len = end - lo;
    const start = this.start;
    let h = 0x811c9dc5 | 0;
    for (let i = lo; i < end; i++) h = Math.imul(h ^ locs[i]!, 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    const table = this.table;
    const hashes = this.hash;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === 0) break;
      const k = e - 1;
      if (hashes[k] === h) {
        const a = start[k]!;
        if (start[k + 1]! - a === len) {
          let i = 0;
          while (i < len && locs[a + i] === locs[lo + i]) i++;
          if (i === len) return k;
        }
      }
      slot = (slot + 1) & mask;
    }
    const k = this.n++;
    if (k + 2 > start.length) {
      const size = start.length * 2;
      this.budget.charge(start.length * 8);
      const s2 = new Uint32Array(size);
      s2.set(start);
      this.start = s2;
      const h2 = new Int32Array(size);
      h2.set(hashes);
      this.hash = h2;
    }
    this.start[k + 1] = end;
    this.hash[k] = h;
    this.nLocs = end;
    table[slot] = k + 1;
    if (this.n * 3 > table.length * 2) {
      // Straight to the size the stacks seen so far project (rehashing is a walk of them all).
      const projected = Math.min((this.n / Math.max(1, this.done)) * this.total, this.total) * 1.5;
      let size = table.length * 2;
      while (size < projected) size *= 2;
      this.rehash(size);
    }
    return k;
  }

  private rehash(size: number): void {
    this.budget.charge((size - this.table.length) * 4);
    const table = new Int32Array(size);
    const mask = size - 1;
    const hashes = this.hash;
    for (let k = 0; k < this.n; k++) {
      let slot = hashes[k]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = k + 1;
    }
    this.table = table;
  }
}

/** The index of the location with the id in VARINT. */
function lookupLocation(dense: Int32Array | null, locationIndex: Map<number | bigint, number>): number {
  const lo = VARINT[0]!;
  const hi = VARINT[1]!;
  let idx: number | undefined;
  if (dense && hi === 0 && lo < dense.length) {
    idx = dense[lo]!;
    if (idx < 0) idx = undefined;
  } else {
    idx = locationIndex.get(hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo));
  }
  if (idx === undefined) throw new ProfileError(`a sample refers to location ${(BigInt(hi) << 32n) | BigInt(lo)}, which does not exist`);
  return idx;
}

/** Reads one Label message in [pos, end) into the columns (any encoding, with the errors). */
function decodeLabel(buf: Uint8Array, pos: number, end: number, c: LabelSets, nStrings: number): void {
  let key = 0;
  let str = 0;
  let num = 0;
  let unit = 0;
  while (pos < end) {
    pos = varint(buf, pos, end);
    const tag = VARINT[0]!;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (VARINT[1] !== 0 || field === 0) throw new ProfileError(`malformed field tag in a sample label at offset ${pos}`);
    if (field >= 1 && field <= 4 && wire === 0) {
      pos = varint(buf, pos, end);
      if (field === 3) {
        num = varintSigned();
        continue;
      }
      if (VARINT[1] !== 0 || VARINT[0]! >= nStrings) {
        const what = field === 1 ? 'key' : field === 2 ? 'value' : 'unit';
        throw new ProfileError(`a sample label's ${what} refers to string ${varintSigned()}, but the string table has ${nStrings} entries`);
      }
      if (field === 1) key = VARINT[0]!;
      else if (field === 2) str = VARINT[0]!;
      else unit = VARINT[0]!;
    } else {
      pos = skipField(buf, pos, end, wire);
    }
  }
  c.push(key, str, num, unit);
}

/**
 * Reads sample s in [pos, end) with the general reader (any field order, encoding and id,
 * with the errors): its location indices into st.locs from st.nLocs on (returns where they
 * end), its values into `values` (nTypes of them; those a double rounds also into `exact`,
 * at s * nTypes + t) and its labels.
 */
function decodeSampleGeneral(buf: Uint8Array, pos: number, end: number, s: number, values: Float64Array, exact: Map<number, bigint>, nTypes: number, st: StackTable, c: LabelSets, dense: Int32Array | null, locationIndex: Map<number | bigint, number>, nStrings: number): number {
  let nValues = 0;
  let nLocs = st.nLocs;
  const tooMany = () => new ProfileError(`a sample has more values than the ${nTypes} sample types`);
  while (pos < end) {
    pos = varint(buf, pos, end);
    const tag = VARINT[0]!;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (VARINT[1] !== 0 || field === 0) throw new ProfileError(`malformed field tag in a sample at offset ${pos}`);
    if (field === 1 && wire === 2) {
      pos = varint(buf, pos, end);
      const packedEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || packedEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      if (nLocs + (packedEnd - pos) > st.locs.length) st.reserve(nLocs + (packedEnd - pos), nLocs);
      const locs = st.locs;
      while (pos < packedEnd) {
        pos = varint(buf, pos, packedEnd);
        locs[nLocs++] = lookupLocation(dense, locationIndex);
      }
    } else if (field === 1 && wire === 0) {
      pos = varint(buf, pos, end);
      if (nLocs === st.locs.length) st.reserve(nLocs + 1, nLocs);
      st.locs[nLocs++] = lookupLocation(dense, locationIndex);
    } else if (field === 2 && wire === 2) {
      pos = varint(buf, pos, end);
      const packedEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || packedEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      while (pos < packedEnd) {
        pos = varint(buf, pos, packedEnd);
        if (nValues >= nTypes) throw tooMany();
        const v = varintSigned();
        if (!Number.isSafeInteger(v)) exact.set(s * nTypes + nValues, varintBig());
        values[nValues++] = v;
      }
    } else if (field === 2 && wire === 0) {
      pos = varint(buf, pos, end);
      if (nValues >= nTypes) throw tooMany();
      const v = varintSigned();
      if (!Number.isSafeInteger(v)) exact.set(s * nTypes + nValues, varintBig());
      values[nValues++] = v;
    } else if (field === 1 || field === 2) {
      throw new ProfileError(`sample field ${field} has wire type ${wire}`);
    } else if (field === 3 && wire === 2) {
      pos = varint(buf, pos, end);
      const labelEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || labelEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      decodeLabel(buf, pos, labelEnd, c, nStrings);
      pos = labelEnd;
    } else {
      pos = skipField(buf, pos, end, wire);
    }
  }
  if (nValues !== nTypes) throw new ProfileError(`sample ${s} has ${nValues} values but the profile has ${nTypes} sample types`);
  return nLocs;
}

/**
 * Reads every Sample message (location ids, values, labels) into the profile's columns, the
 * location stacks interned (StackTable).
 *
 * The loop below is the fast path for what Go writes: fields as single-byte tags, one packed
 * field of location ids found in the dense table with one to three bytes, packed values below
 * 2^35, labels of small varints. Anything else in a sample (or anything malformed) sends that
 * sample through decodeSampleGeneral, which reads it again from its start and reports the
 * errors. Location ids byte for byte those of the previous sample (Go writes a stack's
 * samples side by side, one per allocation size) are not read again: same stack. Kept free
 * of closures, so that V8 optimizes it once and for all.
 */
function decodeSamples(buf: Uint8Array, samples: SampleRuns, p: PprofProfile, dense: Int32Array | null, locationIndex: Map<number | bigint, number>, budget: MemoryBudget): void {
  const n = samples.count;
  const runs = samples.runs;
  const nTypes = p.sampleTypes.length;
  const nStrings = p.strings.length;
  const sampleBytes = samples.bytes;
  // (The columns below were charged by checkCounts.)
  const sampleStack = new Int32Array(n);
  const sampleLabelSet = new Int32Array(n);
  // Values as int32 until one does not fit (then all as doubles).
  let v32: Int32Array | null = new Int32Array(n * nTypes);
  let v64: Float64Array | null = null;
  const scratch = new Float64Array(nTypes);
  const exact = new Map<number, bigint>();
  const c = new LabelSets(budget);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const st = new StackTable(n, sampleBytes, budget);
  budget.project = projection(budget.used, n, st);
  let locs = st.locs;
  const table = dense ?? new Int32Array(0);
  const tableLen = table.length;
  // The previous sample's location ids (when read here, from one field): start and length.
  let prevLoc = -1;
  let prevLocLen = -1;

  let s = 0;
  for (let r = 0; r < runs.length; r += 2) {
    let next = runs[r]!;
    const runEnd = runs[r + 1]!;
    while (next < runEnd) {
      // The sample's tag and length (findSamples checked them).
      let start: number;
      let end: number;
      const b1 = buf[next + 1]!;
      if (buf[next] === 0x12 && b1 < 0x80) {
        start = next + 2;
        end = start + b1;
      } else {
        start = topVarint(buf, topVarint(buf, next));
        end = start + topValue;
      }
      next = end;

      const vbase = s * nTypes;
      st.done = s;
      let nLocs = st.nLocs;
      let pos = start;
      let nValues = 0;
      let locPos = -1;
      let locLen = -1;
      let same = false;
      let ok = true;
      while (pos < end) {
        const tag = buf[pos]!;
        if (tag !== 0x0a && tag !== 0x12 && tag !== 0x1a) {
          ok = false;
          break;
        }
        // Length: one or two bytes.
        if (pos + 2 > end) {
          ok = false;
          break;
        }
        let len = buf[pos + 1]!;
        pos += 2;
        if (len >= 0x80) {
          const b = pos < end ? buf[pos]! : 0x80;
          if (b >= 0x80) {
            ok = false;
            break;
          }
          len = (len & 0x7f) | (b << 7);
          pos++;
        }
        const fieldEnd = pos + len;
        if (fieldEnd > end) {
          ok = false;
          break;
        }
        if (tag === 0x0a) {
          if (locPos >= 0) {
            ok = false;
            break;
          }
          locPos = pos;
          locLen = len;
          if (len === prevLocLen) {
            let i = 0;
            while (i + 4 <= len && view.getInt32(pos + i) === view.getInt32(prevLoc + i)) i += 4;
            if (i + 4 > len) while (i < len && buf[pos + i] === buf[prevLoc + i]) i++;
            if (i === len) {
              same = true;
              pos = fieldEnd;
              continue;
            }
          }
          // Each id takes at least one byte: one capacity check per field, not per id.
          if (nLocs + len > locs.length) locs = st.reserve(nLocs + len, nLocs);
          while (pos < fieldEnd) {
            let id = buf[pos++]!;
            if (id >= 0x80) {
              let b = buf[pos++]!;
              id = (id & 0x7f) | ((b & 0x7f) << 7);
              if (b >= 0x80) {
                b = buf[pos++]!;
                if (b >= 0x80) {
                  ok = false;
                  break;
                }
                id |= b << 14;
              }
            }
            const idx = id < tableLen ? table[id]! : -1;
            if (idx < 0) {
              ok = false;
              break;
            }
            locs[nLocs++] = idx;
          }
          if (!ok || pos !== fieldEnd) {
            ok = false;
            break;
          }
        } else if (tag === 0x12) {
          while (pos < fieldEnd) {
            pos = varint35(buf, pos);
            const v = smallValue;
            if (v < 0) {
              ok = false;
              break;
            }
            if (nValues === nTypes) {
              ok = false;
              break;
            }
            const i = vbase + nValues++;
            if (v32 !== null && v <= 0x7fffffff) v32[i] = v;
            else {
              if (v64 === null) {
                budget.charge(v32!.length * 8);
                v64 = new Float64Array(v32!);
                v32 = null;
              }
              v64[i] = v;
            }
          }
          if (!ok || pos !== fieldEnd) {
            ok = false;
            break;
          }
        } else {
          // A label: fields 1-4 as varints below 2^35 (a negative num takes ten bytes: general reader).
          let key = 0;
          let str = 0;
          let num = 0;
          let unit = 0;
          while (pos < fieldEnd) {
            const t = buf[pos++]!;
            pos = varint35(buf, pos);
            const v = smallValue;
            if (v < 0) {
              ok = false;
              break;
            }
            if (t === 0x08) key = v;
            else if (t === 0x10) str = v;
            else if (t === 0x18) num = v;
            else if (t === 0x20) unit = v;
            else {
              ok = false;
              break;
            }
          }
          if (!ok || pos !== fieldEnd || key >= nStrings || str >= nStrings || unit >= nStrings) {
            ok = false;
            break;
          }
          c.push(key, str, num, unit);
        }
      }
      if (ok && nValues === nTypes) {
        sampleStack[s] = same ? sampleStack[s - 1]! : st.intern(nLocs);
        prevLoc = locPos;
        prevLocLen = locLen;
      } else {
        c.n = c.committed;
        const exactBefore = exact.size;
        nLocs = decodeSampleGeneral(buf, start, end, s, scratch, exact, nTypes, st, c, dense, locationIndex, nStrings);
        if (exact.size !== exactBefore) budget.charge((exact.size - exactBefore) * 96);
        locs = st.locs;
        sampleStack[s] = st.intern(nLocs);
        prevLocLen = -1;
        for (let t = 0; t < nTypes; t++) {
          const v = scratch[t]!;
          if (v < 0) p.hasNegativeValues = true;
          if (v32 !== null && v <= 0x7fffffff && v >= -0x80000000) v32[vbase + t] = v;
          else {
            if (v64 === null) {
              budget.charge(v32!.length * 8);
              v64 = new Float64Array(v32!);
              v32 = null;
            }
            v64[vbase + t] = v;
          }
        }
      }
      sampleLabelSet[s++] = c.intern();
    }
  }
  p.sampleCount = n;
  p.sampleStack = sampleStack;
  p.stackLocStart = st.start.slice(0, st.n + 1);
  p.stackLocations = trimmed(st.locs, st.nLocs);
  p.sampleValues = v64 ?? v32!;
  if (exact.size > 0) p.sampleValuesExact = exact;
  budget.project = undefined;
  p.sampleLabelSet = sampleLabelSet;
  p.labelSetStart = c.start.slice(0, c.nSets + 1);
  p.labelKey = c.key.slice(0, c.n);
  p.labelStr = c.str.slice(0, c.n);
  p.labelNum = c.num.slice(0, c.n);
  p.labelNumUnit = c.unit.slice(0, c.n);
}

/** MemoryBudget.project while the samples are read: what they take so far, for all of them. */
function projection(before: number, n: number, st: StackTable): (used: number) => number {
  return (used) => before + ((used - before) * n) / Math.max(1, st.done);
}

/**
 * The first n entries of a: a view when little is wasted, else a tight copy (a view keeps the
 * whole buffer alive, and postMessage would copy all of it).
 */
function trimmed<T extends Int32Array | Uint32Array | Float64Array>(a: T, n: number): T {
  if (a.length === n) return a;
  return (a.length - n > (n >> 3) + 1024 ? a.slice(0, n) : a.subarray(0, n)) as T;
}

// ---------------------------------------------------------------------------------------
// ProfileData

/** The index of the sample type to show first: default_sample_type if set, else the last. */
export function defaultSampleIndex(p: { sampleTypes: SampleTypeInfo[]; defaultSampleType: string }): number {
  if (p.defaultSampleType) {
    const i = p.sampleTypes.findIndex((t) => t.type === p.defaultSampleType);
    if (i >= 0) return i;
  }
  return p.sampleTypes.length - 1;
}

/**
 * Resolves a --sample-index style argument: a sample type name (alloc_space) or a number.
 * Throws ProfileError listing the available types otherwise.
 */
export function resolveSampleIndex(types: SampleTypeInfo[], which: string | number | undefined, fallback: number): number {
  if (which === undefined || which === '') return fallback;
  const names = types.map((t) => t.type).join(', ');
  if (typeof which === 'number' || /^\d+$/.test(which)) {
    const i = Number(which);
    if (i < types.length) return i;
    throw new ProfileError(`sample index ${i} is out of range: the profile has ${types.length} sample types (${names})`);
  }
  const i = types.findIndex((t) => t.type === which);
  if (i < 0) throw new ProfileError(`no sample type "${which}" in this profile; it has: ${names}`);
  return i;
}

/**
 * pprof's simplifyFunc: the name drop_frames/keep_frames are matched against, without a
 * leading '.' (PPC ELF v1) and without an argument list: cut at the first '(' that does not
 * start "(anonymous namespace)" and is not part of "operator()".
 */
function simplifyFunc(name: string): string {
  const f = name.startsWith('.') ? name.slice(1) : name;
  for (const m of f.matchAll(/\(anonymous namespace\)|operator\(\)|\(/g)) {
    if (m[0] === '(') return f.slice(0, m.index);
  }
  return f;
}

/**
 * Which locations the profile's drop_frames/keep_frames remove, as pprof does when it opens a
 * profile: per location, -1 = keep all lines, -2 = drop the location and its callees,
 * k >= 0 = keep lines k.. (the caller part) and drop its callees. Null when nothing is dropped.
 * The patterns have Go's syntax and match in linear time (src/pprof/pattern.ts); when one does
 * not compile, nothing is dropped (as in pprof) and a note says so.
 */
function pruneRules(p: PprofProfile, notes: string[]): Int32Array | null {
  if (!p.dropFrames) return null;
  const drop = compilePattern(p.dropFrames, 'whole');
  const keep = p.keepFrames ? compilePattern(p.keepFrames, 'whole') : undefined;
  if (!drop.ok) {
    notes.push(`drop_frames was not applied: ${drop.error}`);
    return null;
  }
  if (keep && !keep.ok) {
    notes.push(`drop_frames was not applied: keep_frames: ${keep.error}`);
    return null;
  }
  const keepPattern = keep?.pattern;
  // Per function: 0 not yet matched, 1 drop, 2 keep (pprof caches by name likewise).
  const verdict = new Uint8Array(p.functions.length);
  const dropped = (fn: number): boolean => {
    if (verdict[fn] === 0) {
      const s = simplifyFunc(p.functions[fn]!.name);
      verdict[fn] = drop.pattern.test(s) && !keepPattern?.test(s) ? 1 : 2;
    }
    return verdict[fn] === 1;
  };
  const rule = new Int32Array(p.locations.length).fill(-1);
  p.locations.forEach((loc, li) => {
    for (let i = loc.lines.length - 1; i >= 0; i--) {
      const fn = loc.lines[i]!.function;
      if (fn < 0 || !p.functions[fn]!.name) continue;
      if (dropped(fn)) {
        rule[li] = i === loc.lines.length - 1 ? -2 : i + 1;
        return;
      }
    }
  });
  return rule;
}

/**
 * The compact form of a profile for trees and the webview: one function table, frames per
 * (function, line), stacks of frames (leaf first, inlined frames expanded) with samples of
 * identical frame sequences merged (labels are not part of ProfileData).
 */
export function toProfileData(p: PprofProfile, name: string, opts: ProfileDataOptions = {}): ProfileData {
  const nTypes = p.sampleTypes.length;
  const budget = new MemoryBudget(budgetOf(opts));
  // (ProfileData takes about 0.6 times the model on Go heap profiles: for the figure.)
  const model = modelBytes(p);
  budget.charge(model, model * 1.6);
  // Functions: the profile's own, plus one per unsymbolized address / nameless line.
  const funcName = p.functions.map((f) => f.name);
  const funcFile = p.functions.map((f) => f.file);
  const funcStartLine = p.functions.map((f) => lineNumber(f.startLine));
  const extraFunc = new Map<string, number>();
  const syntheticFunc = (label: string, file: string): number => {
    let i = extraFunc.get(label);
    if (i === undefined) {
      i = funcName.length;
      extraFunc.set(label, i);
      funcName.push(label);
      funcFile.push(file);
      funcStartLine.push(0);
    }
    return i;
  };
  // Frames, deduplicated by (function, line); per location the range of its frames.
  const frameFunc: number[] = [];
  const frameLine: number[] = [];
  const frameIds = new Map<number, number>();
  const frame = (fn: number, line: number): number => {
    const key = fn * TWO32 + (line >>> 0);
    let id = frameIds.get(key);
    if (id === undefined) {
      id = frameFunc.length;
      frameIds.set(key, id);
      frameFunc.push(fn);
      frameLine.push(line);
    }
    return id;
  };
  const notes: string[] = [];
  const rules = pruneRules(p, notes);
  const locFrameStart = new Uint32Array(p.locations.length + 1);
  const locFrames: number[] = [];
  p.locations.forEach((loc, li) => {
    const mapFile = loc.mapping >= 0 ? p.mappings[loc.mapping]!.file : '';
    const rule = rules ? rules[li]! : -1;
    const first = rule >= 0 ? rule : 0;
    if (loc.lines.length === 0) {
      locFrames.push(frame(syntheticFunc(`0x${loc.address.toString(16)}`, mapFile), 0));
    } else {
      for (let i = first; i < loc.lines.length; i++) {
        const ln = loc.lines[i]!;
        const fn = ln.function >= 0 ? ln.function : syntheticFunc(`0x${loc.address.toString(16)}`, mapFile);
        locFrames.push(frame(fn, lineNumber(ln.line)));
      }
    }
    locFrameStart[li + 1] = locFrames.length;
  });
  const lf = Int32Array.from(locFrames);
  // The frame of each location that has exactly one (most have), else -1.
  const single = new Int32Array(p.locations.length);
  let maxFrames = 0;
  for (let li = 0; li < p.locations.length; li++) {
    const k = locFrameStart[li + 1]! - locFrameStart[li]!;
    single[li] = k === 1 ? lf[locFrameStart[li]!]! : -1;
    if (k > maxFrames) maxFrames = k;
  }

  // The decoder has merged samples with equal locations into location stacks; merge the
  // location stacks whose frame sequences are equal (different addresses on the same line
  // give equal frames; so may pruning). Open addressing on a hash of the frames, the table
  // sized for the worst case (every location stack distinct), at most two thirds full (a
  // smaller table is a faster one: its lookups miss the cache less).
  const { sampleCount, sampleStack, stackLocStart, stackLocations, sampleValues } = p;
  const nLocStacks = stackLocStart.length - 1;
  const stackOf = new Int32Array(nLocStacks);
  let cap = 16;
  while (cap * 2 < nLocStacks * 3) cap *= 2;
  const table = new Int32Array(cap);
  const mask = cap - 1;
  const hashes = new Int32Array(nLocStacks);
  const stackStart = new Int32Array(nLocStacks + 1);
  let nStacks = 0;
  // Room for the frames of every location stack: the exact size unless stacks merge.
  let frameBound = stackLocations.length;
  if (maxFrames > 1) {
    frameBound = 0;
    for (let i = 0; i < stackLocations.length; i++) {
      const loc = stackLocations[i]!;
      frameBound += locFrameStart[loc + 1]! - locFrameStart[loc]!;
    }
  }
  // What ProfileData takes (the frame table: a map entry and two array slots per frame).
  const pdBytes = locFrames.length * 64 + nLocStacks * 24 + cap * 4 + frameBound * 4 + nTypes * nLocStacks * 8;
  budget.charge(pdBytes);
  const stackFrames = new Int32Array(frameBound);
  let nFrames = 0;
  for (let k = 0; k < nLocStacks; k++) {
    let lo = stackLocStart[k]!;
    const hi = stackLocStart[k + 1]!;
    if (rules) lo = prunedStart(rules, stackLocations, lo, hi);
    // Copy the frames after the last stack (kept if they make a new one), hashing them.
    let h = 0x811c9dc5 | 0;
    let j = nFrames;
    for (let i = lo; i < hi; i++) {
      const loc = stackLocations[i]!;
      const fr = single[loc]!;
      if (fr >= 0) {
        stackFrames[j++] = fr;
        h = Math.imul(h ^ fr, 0x01000193);
        continue;
      }
      const fe = locFrameStart[loc + 1]!;
      for (let f = locFrameStart[loc]!; f < fe; f++) {
        const fr = lf[f]!;
        stackFrames[j++] = fr;
        h = Math.imul(h ^ fr, 0x01000193);
      }
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    const len = j - nFrames;
    let slot = h & mask;
    let id = -1;
    for (;;) {
      const e = table[slot]!;
      if (e === 0) break;
      const c = e - 1;
      if (hashes[c] === h) {
        const a = stackStart[c]!;
        if (stackStart[c + 1]! - a === len) {
          let i = 0;
          while (i < len && stackFrames[a + i] === stackFrames[nFrames + i]) i++;
          if (i === len) {
            id = c;
            break;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    if (id < 0) {
      id = nStacks++;
      table[slot] = id + 1;
      hashes[id] = h;
      nFrames = j;
      stackStart[nStacks] = nFrames;
    }
    stackOf[k] = id;
  }

  // Values per stack, summed in sample order.
  const values: Float64Array[] = [];
  for (let t = 0; t < nTypes; t++) values.push(new Float64Array(nStacks));
  if (nTypes === 1) {
    const v0 = values[0]!;
    for (let s = 0; s < sampleCount; s++) v0[stackOf[sampleStack[s]!]!]! += sampleValues[s]!;
  } else if (nTypes === 2 || nTypes === 4) {
    // Go's heap (4 types) and CPU (2 types) profiles.
    const v0 = values[0]!;
    const v1 = values[1]!;
    const v2 = nTypes === 4 ? values[2]! : v0;
    const v3 = nTypes === 4 ? values[3]! : v1;
    if (nTypes === 2) {
      for (let s = 0; s < sampleCount; s++) {
        const id = stackOf[sampleStack[s]!]!;
        v0[id]! += sampleValues[2 * s]!;
        v1[id]! += sampleValues[2 * s + 1]!;
      }
    } else {
      for (let s = 0; s < sampleCount; s++) {
        const id = stackOf[sampleStack[s]!]!;
        const b = 4 * s;
        v0[id]! += sampleValues[b]!;
        v1[id]! += sampleValues[b + 1]!;
        v2[id]! += sampleValues[b + 2]!;
        v3[id]! += sampleValues[b + 3]!;
      }
    }
  } else {
    for (let s = 0; s < sampleCount; s++) {
      const id = stackOf[sampleStack[s]!]!;
      const b = s * nTypes;
      for (let t = 0; t < nTypes; t++) values[t]![id]! += sampleValues[b + t]!;
    }
  }

  const valuesExact = exactSums(p, stackOf, nStacks, values, budget);

  const data: ProfileData = {
    name,
    sampleTypes: p.sampleTypes.map((t) => ({ ...t })),
    defaultSampleIndex: defaultSampleIndex(p),
    funcName,
    funcFile,
    funcStartLine: Int32Array.from(funcStartLine),
    frameFunc: Int32Array.from(frameFunc),
    frameLine: Int32Array.from(frameLine),
    stackStart: trimmed(stackStart, nStacks + 1),
    stackFrames: trimmed(stackFrames, nFrames),
    values,
  };
  if (p.durationNanos) data.durationNanos = p.durationNanos;
  if (p.timeNanos) data.timeNanos = Number(p.timeNanos);
  if (p.periodType) data.periodType = { ...p.periodType };
  if (p.period) data.period = p.period;
  if (p.comments.length > 0) data.comments = p.comments.slice();
  if (notes.length > 0) data.notes = notes;
  if (valuesExact) data.valuesExact = valuesExact;
  return limitStackDepth(data, opts.maxStackDepth ?? MAX_STACK_DEPTH);
}

/**
 * A line number as ProfileData keeps it (32-bit): lines outside [0, 2^31) are no source line
 * (pprof reads them as int64), so they become 0, unknown, rather than wrap onto real lines.
 */
function lineNumber(line: number): number {
  return line >= 0 && line <= 0x7fffffff ? line : 0;
}

/** About the memory a decoded profile takes (its columns, and its objects as measured). */
function modelBytes(p: PprofProfile): number {
  let lines = 0;
  for (const l of p.locations) lines += l.lines.length;
  const columns = [p.sampleStack, p.stackLocStart, p.stackLocations, p.sampleValues, p.sampleLabelSet, p.labelSetStart, p.labelKey, p.labelStr, p.labelNum, p.labelNumUnit];
  let bytes = 0;
  for (const c of columns) bytes += c.byteLength;
  return bytes + p.locations.length * 160 + lines * 100 + p.functions.length * 120 + p.mappings.length * 200 + p.strings.length * 40 + p.sampleTypes.length * 64 + (p.sampleValuesExact?.size ?? 0) * 96;
}

/**
 * The per-stack sums as exact int64 (wrapping like pprof's), when the doubles may be rounded:
 * a sample value beyond 2^53, or sums that can pass it. Undefined otherwise (real profiles).
 * With no negative value, the doubles are exact while the total is below 2^53 (each partial
 * sum is at most the total); with negative ones, while the sum of magnitudes is.
 */
function exactSums(p: PprofProfile, stackOf: Int32Array, nStacks: number, values: Float64Array[], budget: MemoryBudget): BigInt64Array[] | undefined {
  const { sampleCount, sampleStack, sampleValues } = p;
  const exact = p.sampleValuesExact;
  const nTypes = values.length;
  if (!exact) {
    let most = 0;
    if (p.hasNegativeValues) {
      for (let i = 0; i < sampleValues.length; i++) most += Math.abs(sampleValues[i]!);
    } else {
      for (const row of values) {
        let sum = 0;
        for (let s = 0; s < row.length; s++) sum += row[s]!;
        most = Math.max(most, sum);
      }
    }
    if (most < 2 ** 53) return undefined;
  }
  budget.charge(nTypes * nStacks * 8);
  const out: BigInt64Array[] = [];
  for (let t = 0; t < nTypes; t++) out.push(new BigInt64Array(nStacks));
  for (let s = 0; s < sampleCount; s++) {
    const id = stackOf[sampleStack[s]!]!;
    for (let t = 0; t < nTypes; t++) {
      const i = s * nTypes + t;
      out[t]![id]! += exact?.get(i) ?? BigInt(sampleValues[i]!);
    }
  }
  return out;
}

/** A copy of a with room for at least `need` entries, the first `used` kept. */
function growInt32(a: Int32Array, need: number, used: number): Int32Array {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a.subarray(0, used));
  return b;
}

/**
 * Applies pprof's Prune to one sample's locations [lo, hi) (leaf first): scanning from the
 * root, after the first location that is not dropped, the first dropped location cuts the
 * stack (itself included when the whole location matches). Returns the new lo.
 */
function prunedStart(rules: Int32Array, locs: Uint32Array, lo: number, hi: number): number {
  let foundUser = false;
  for (let i = hi - 1; i >= lo; i--) {
    const r = rules[locs[i]!]!;
    if (r === -1) {
      foundUser = true;
      continue;
    }
    if (!foundUser) continue;
    return r === -2 ? i + 1 : i;
  }
  return lo;
}

/** Decodes a profile file straight to ProfileData (named after the file). */
export async function readProfileData(file: string, name = file.split(/[\\/]/).pop() ?? file, opts: ProfileDataOptions = {}): Promise<ProfileData> {
  return toProfileData(await readProfile(file, opts), name, opts);
}
