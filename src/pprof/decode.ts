// Decodes pprof profiles (gzip-compressed or not) into a complete, validated model, and
// converts that model into the compact ProfileData the flame graph and the CLI use.
//
// How: src/pprof/profile.proto is bundled as text and parsed once with protobufjs. A first
// pass walks the top-level fields of the Profile message with protobufjs' Reader and
// records where the samples are; every other field (string table, functions, locations,
// mappings, metadata) is decoded by protobufjs from the schema. The samples — up to millions,
// each a list of location ids, values and labels — are read by a small reader of the Sample
// wire format (see profile.proto) straight into typed arrays: decoding them with protobufjs
// creates several objects per sample (and a Long per 64-bit number), which was the
// bottleneck on large profiles (see bench/pprof).
//
// 64-bit numbers: protobufjs returns Long objects (long.js is bundled with it) or numbers.
// Ids and addresses are kept exactly (bigint); sample values, periods and durations become
// doubles (exact up to 2^53); string indices are range-checked after an exact conversion.
import * as protobuf from 'protobufjs';
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import schemaText from './profile.proto';
import type { ProfileData, SampleTypeInfo } from '../shared/profileData';

/** A malformed or unreadable profile. The message is one line. */
export class ProfileError extends Error {
  constructor(message: string) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'ProfileError';
  }
}

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
  /** Locations of sample i: sampleLocations[sampleLocStart[i] .. sampleLocStart[i+1]), leaf first, indices into locations. */
  sampleLocStart: Uint32Array;
  sampleLocations: Uint32Array;
  /** Value of sample type t for sample i: sampleValues[i * sampleTypes.length + t]. */
  sampleValues: Float64Array;
  /** Labels of sample i: label columns labelStart[i] .. labelStart[i+1]. */
  labelStart: Uint32Array;
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

/** The labels of one sample as objects (for display; the columns are the storage). */
export function sampleLabels(p: PprofProfile, sample: number): PprofLabel[] {
  const out: PprofLabel[] = [];
  for (let j = p.labelStart[sample]!; j < p.labelStart[sample + 1]!; j++) {
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

/** Maximum size of an inflated profile. */
const MAX_INFLATED = 1 << 30;

function inflate(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new ProfileError('the profile inflates to more than 1 GiB');
      throw new ProfileError(`corrupt gzip data: ${(err as Error).message}`);
    }
  }
  return bytes;
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
 * that is not a valid profile.
 */
export function decodeProfile(input: Uint8Array): PprofProfile {
  if (input.length === 0) throw new ProfileError('empty file: not a pprof profile');
  const bytes = inflate(input);
  if (bytes.length === 0) throw new ProfileError('empty profile after decompression');
  const text = looksLikeText(bytes);
  if (text) throw new ProfileError(text);
  try {
    return decodeRaw(bytes);
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ProfileError(`not a valid pprof profile: ${message}`);
  }
}

/** Reads and decodes a profile file. */
export async function readProfile(file: string): Promise<PprofProfile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ProfileError(`cannot read ${file}: ${why}`);
  }
  return decodeProfile(bytes);
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

function decodeRaw(bytes: Uint8Array): PprofProfile {
  const { profile: profileType } = profileSchema();

  // Pass 1: find the samples (field 2); every other field goes to protobufjs. A plain walk
  // over tags and lengths (Reader.skipType for the rare fixed-size and group fields).
  const reader = protobuf.Reader.create(bytes);
  const len = bytes.length;
  let sampleStart = new Int32Array(1024);
  let sampleEnd = new Int32Array(1024);
  let nSamples = 0;
  const rest: Array<[number, number]> = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= len) throw new ProfileError('truncated profile: a field runs past the end of the data');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * mul;
      if (b < 0x80) return value;
      mul *= 128;
    }
    throw new ProfileError(`not a valid pprof profile: malformed varint at offset ${pos}`);
  };
  while (pos < len) {
    const fieldStart = pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new ProfileError(`not a valid pprof profile: field number 0 at offset ${fieldStart}`);
    if (field === 2) {
      if (wire !== 2) throw new ProfileError(`not a valid pprof profile: sample field with wire type ${wire}`);
      const size = varint();
      if (pos + size > len) throw new ProfileError('truncated profile: a sample runs past the end of the data');
      if (nSamples === sampleStart.length) {
        const a = new Int32Array(nSamples * 2);
        a.set(sampleStart);
        sampleStart = a;
        const b = new Int32Array(nSamples * 2);
        b.set(sampleEnd);
        sampleEnd = b;
      }
      sampleStart[nSamples] = pos;
      sampleEnd[nSamples++] = pos + size;
      pos += size;
      continue;
    }
    if (wire === 0) varint();
    else if (wire === 2) {
      const size = varint();
      if (pos + size > len) throw new ProfileError('truncated profile: a field runs past the end of the data');
      pos += size;
    } else {
      reader.pos = pos;
      reader.skipType(wire, 0, field);
      pos = reader.pos;
    }
    const last = rest[rest.length - 1];
    if (last && last[1] === fieldStart) last[1] = pos;
    else rest.push([fieldStart, pos]);
  }
  let headerBytes: Uint8Array;
  if (rest.length === 1 && rest[0]![0] === 0 && rest[0]![1] === bytes.length) headerBytes = bytes;
  else {
    let size = 0;
    for (const [a, b] of rest) size += b - a;
    headerBytes = new Uint8Array(size);
    let o = 0;
    for (const [a, b] of rest) {
      headerBytes.set(bytes.subarray(a, b), o);
      o += b - a;
    }
  }
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
    sampleLocStart: new Uint32Array(1),
    sampleLocations: new Uint32Array(0),
    sampleValues: new Float64Array(0),
    labelStart: new Uint32Array(1),
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

  decodeSamples(bytes, sampleStart.subarray(0, nSamples), sampleEnd.subarray(0, nSamples), profile, denseLocations, locationIndex);
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

/** Growable typed-array columns for samples' locations and labels. */
class SampleColumns {
  locs: Uint32Array;
  labelKey: Int32Array;
  labelStr: Int32Array;
  labelNum: Float64Array;
  labelUnit: Int32Array;
  nLabels = 0;
  /**
   * n samples occupying sampleBytes bytes in all. Their location ids take at least a byte
   * each, so sampleBytes bounds the number of locations: small profiles get that at once,
   * large ones a small start that growLocs extrapolates from (no 2x overshoot, few copies).
   */
  constructor(
    n: number,
    private readonly sampleBytes: number,
  ) {
    this.locs = new Uint32Array(Math.max(16, sampleBytes <= 1 << 22 ? sampleBytes : 1 << 16));
    const l = Math.max(16, n);
    this.labelKey = new Int32Array(l);
    this.labelStr = new Int32Array(l);
    this.labelNum = new Float64Array(l);
    this.labelUnit = new Int32Array(l);
  }
  /**
   * Room for at least `need` locations, nLocs of them used after `doneBytes` bytes of
   * samples: the locations per byte so far times all the bytes, plus a little slack (and at
   * least 1.5x, for profiles whose first samples are unrepresentative).
   */
  growLocs(need: number, nLocs: number, doneBytes: number): Uint32Array {
    const old = this.locs;
    const projected = doneBytes > 0 ? Math.ceil((nLocs / doneBytes) * this.sampleBytes * 1.02) + 4096 : 0;
    const size = Math.min(Math.max(need, projected, Math.ceil(old.length * 1.5)), Math.max(need, this.sampleBytes));
    const bigger = new Uint32Array(size);
    bigger.set(old.subarray(0, nLocs));
    this.locs = bigger;
    return bigger;
  }
  growLabels(): void {
    const size = this.labelKey.length * 2;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.labelKey = g32(this.labelKey);
    this.labelStr = g32(this.labelStr);
    this.labelUnit = g32(this.labelUnit);
    const num = new Float64Array(size);
    num.set(this.labelNum);
    this.labelNum = num;
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

/** Reads one Label message in [pos, end) into the columns. */
function decodeLabel(buf: Uint8Array, pos: number, end: number, c: SampleColumns, nStrings: number): void {
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
  if (c.nLabels === c.labelKey.length) c.growLabels();
  const j = c.nLabels++;
  c.labelKey[j] = key;
  // A label with a string value is a string label; otherwise numeric (pprof's rule).
  c.labelStr[j] = str !== 0 ? str : -1;
  c.labelNum[j] = num;
  c.labelUnit[j] = unit;
}

/**
 * Reads sample s in [pos, end) with the general reader (any field order, encoding and id,
 * with the errors): its locations from nLocs on (returns the new count), its values and labels.
 */
function decodeSampleGeneral(buf: Uint8Array, pos: number, end: number, s: number, values: Float64Array, nTypes: number, c: SampleColumns, nLocs: number, doneBytes: number, dense: Int32Array | null, locationIndex: Map<number | bigint, number>, nStrings: number): number {
  let nValues = 0;
  const valueBase = s * nTypes;
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
      if (nLocs + (packedEnd - pos) > c.locs.length) c.growLocs(nLocs + (packedEnd - pos), nLocs, doneBytes);
      const locs = c.locs;
      while (pos < packedEnd) {
        pos = varint(buf, pos, packedEnd);
        locs[nLocs++] = lookupLocation(dense, locationIndex);
      }
    } else if (field === 1 && wire === 0) {
      pos = varint(buf, pos, end);
      if (nLocs === c.locs.length) c.growLocs(nLocs + 1, nLocs, doneBytes);
      c.locs[nLocs++] = lookupLocation(dense, locationIndex);
    } else if (field === 2 && wire === 2) {
      pos = varint(buf, pos, end);
      const packedEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || packedEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      while (pos < packedEnd) {
        pos = varint(buf, pos, packedEnd);
        if (nValues >= nTypes) throw tooMany();
        values[valueBase + nValues++] = varintSigned();
      }
    } else if (field === 2 && wire === 0) {
      pos = varint(buf, pos, end);
      if (nValues >= nTypes) throw tooMany();
      values[valueBase + nValues++] = varintSigned();
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
 * Reads every Sample message (location ids, values, labels) into the profile's columns.
 *
 * The loop below is the fast path for what Go writes: fields as single-byte tags, packed
 * location ids found in the dense table with one or two bytes, packed values below 2^35 and
 * labels. Anything else in a sample (or anything malformed) sends that sample through
 * decodeSampleGeneral, which reads it again from its start and reports the errors. Kept
 * small and free of closures, so that V8 optimizes it once and for all.
 */
function decodeSamples(buf: Uint8Array, starts: Int32Array, ends: Int32Array, p: PprofProfile, dense: Int32Array | null, locationIndex: Map<number | bigint, number>): void {
  const n = starts.length;
  const nTypes = p.sampleTypes.length;
  const nStrings = p.strings.length;
  const locStart = new Uint32Array(n + 1);
  const labelStart = new Uint32Array(n + 1);
  const values = new Float64Array(n * nTypes);
  let sampleBytes = 0;
  for (let s = 0; s < n; s++) sampleBytes += ends[s]! - starts[s]!;
  const c = new SampleColumns(n, sampleBytes);
  let locs = c.locs;
  let nLocs = 0;
  let doneBytes = 0;
  const table = dense ?? new Int32Array(0);
  const tableLen = table.length;

  for (let s = 0; s < n; s++) {
    const start = starts[s]!;
    const end = ends[s]!;
    const vbase = s * nTypes;
    let pos = start;
    let nValues = 0;
    let ok = true;
    while (ok && pos < end) {
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
        // Each id takes at least one byte: one capacity check per field, not per id.
        if (nLocs + len > locs.length) locs = c.growLocs(nLocs + len, nLocs, doneBytes);
        while (pos < fieldEnd) {
          const b = buf[pos]!;
          let id = b;
          let size = 1;
          if (b >= 0x80) {
            const b1 = pos + 1 < fieldEnd ? buf[pos + 1]! : 0x80;
            if (b1 >= 0x80) break;
            id = (b & 0x7f) | (b1 << 7);
            size = 2;
          }
          const idx = id < tableLen ? table[id]! : -1;
          if (idx < 0) break;
          locs[nLocs++] = idx;
          pos += size;
        }
        if (pos !== fieldEnd) ok = false;
      } else if (tag === 0x12) {
        while (pos < fieldEnd) {
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
                  if (b >= 0x80) break;
                  v += b * 268435456; // below 2^35: exact
                }
              }
            }
          }
          if (nValues === nTypes) {
            ok = false;
            break;
          }
          values[vbase + nValues++] = v;
        }
        if (pos !== fieldEnd) ok = false;
      } else {
        decodeLabel(buf, pos, fieldEnd, c, nStrings);
        pos = fieldEnd;
      }
    }
    if (!ok || nValues !== nTypes) {
      nLocs = locStart[s]!;
      c.nLabels = labelStart[s]!;
      nLocs = decodeSampleGeneral(buf, start, end, s, values, nTypes, c, nLocs, doneBytes, dense, locationIndex, nStrings);
      locs = c.locs;
    }
    locStart[s + 1] = nLocs;
    labelStart[s + 1] = c.nLabels;
    doneBytes += end - start;
  }
  // Past a quarter of waste, a tight copy (a subarray keeps the whole buffer alive).
  if (locs.length - nLocs > (nLocs >> 2) + 4096) locs = locs.slice(0, nLocs);
  p.sampleCount = n;
  p.sampleLocStart = locStart;
  p.sampleLocations = locs.subarray(0, nLocs);
  p.sampleValues = values;
  p.labelStart = labelStart;
  p.labelKey = c.labelKey.subarray(0, c.nLabels);
  p.labelStr = c.labelStr.subarray(0, c.nLabels);
  p.labelNum = c.labelNum.subarray(0, c.nLabels);
  p.labelNumUnit = c.labelUnit.subarray(0, c.nLabels);
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
 * Which locations the profile's drop_frames/keep_frames remove, as pprof does when it opens a
 * profile: per location, -1 = keep all lines, -2 = drop the location and its callees,
 * k >= 0 = keep lines k.. (the caller part) and drop its callees. Null when nothing is dropped.
 */
function pruneRules(p: PprofProfile): Int32Array | null {
  if (!p.dropFrames) return null;
  let drop: RegExp;
  let keep: RegExp | null = null;
  try {
    drop = new RegExp(`^(?:${p.dropFrames})$`);
    if (p.keepFrames) keep = new RegExp(`^(?:${p.keepFrames})$`);
  } catch {
    return null; // pprof also carries on when the expressions do not compile
  }
  const simplify = (name: string) => {
    const f = name.startsWith('.') ? name.slice(1) : name;
    const paren = f.indexOf('(');
    return paren >= 0 ? f.slice(0, paren) : f;
  };
  const rule = new Int32Array(p.locations.length).fill(-1);
  p.locations.forEach((loc, li) => {
    for (let i = loc.lines.length - 1; i >= 0; i--) {
      const fn = loc.lines[i]!.function;
      const name = fn >= 0 ? p.functions[fn]!.name : '';
      if (!name) continue;
      const s = simplify(name);
      if (drop.test(s) && !(keep && keep.test(s))) {
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
export function toProfileData(p: PprofProfile, name: string): ProfileData {
  const nTypes = p.sampleTypes.length;
  // Functions: the profile's own, plus one per unsymbolized address / nameless line.
  const funcName = p.functions.map((f) => f.name);
  const funcFile = p.functions.map((f) => f.file);
  const funcStartLine = p.functions.map((f) => f.startLine);
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
  const rules = pruneRules(p);
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
        locFrames.push(frame(fn, ln.line));
      }
    }
    locFrameStart[li + 1] = locFrames.length;
  });

  // Merge samples whose frame sequences are equal (open addressing on a hash of the frames;
  // different addresses on the same line give equal frames). Everything in typed arrays,
  // grown geometrically; plain arrays only for the result.
  const { sampleCount, sampleLocStart, sampleLocations, sampleValues } = p;
  const lf = Int32Array.from(locFrames);
  // The table grows with the distinct stacks (fresh memory is slow to touch), at most half full.
  let cap = 1024;
  while (cap < sampleCount * 2 && cap < 1 << 16) cap *= 2;
  let table: Int32Array = new Int32Array(cap);
  let mask = cap - 1;
  let stackStart: Int32Array = new Int32Array(1024);
  let nStacks = 0;
  let stackFrames: Int32Array = new Int32Array(1 << 16);
  let nFrames = 0;
  let merged = new Float64Array(1024 * nTypes); // values, row-major per stack
  let prevLo = -1;
  let prevHi = -1;
  let prevId = -1;
  for (let s = 0; s < sampleCount; s++) {
    let lo = sampleLocStart[s]!;
    const hi = sampleLocStart[s + 1]!;
    if (rules) lo = prunedStart(rules, sampleLocations, lo, hi);
    // The Go runtime writes one record per (stack, allocation size), usually side by side:
    // the same locations as the previous sample need no hashing.
    let id = -1;
    if (prevId >= 0 && hi - lo === prevHi - prevLo) {
      let i = 0;
      while (i < hi - lo && sampleLocations[lo + i] === sampleLocations[prevLo + i]) i++;
      if (i === hi - lo) id = prevId;
    }
    if (id < 0) {
      let h = 0x811c9dc5 | 0;
      let len = 0;
      for (let i = lo; i < hi; i++) {
        const loc = sampleLocations[i]!;
        const fe = locFrameStart[loc + 1]!;
        for (let f = locFrameStart[loc]!; f < fe; f++) {
          h = Math.imul(h ^ lf[f]!, 0x01000193);
          len++;
        }
      }
      h ^= h >>> 16;
      let slot = h & mask;
      for (;;) {
        const e = table[slot]!;
        if (e === 0) break;
        const c = e - 1;
        const j = stackStart[c]!;
        if (stackStart[c + 1]! - j === len && sameFrames(sampleLocations, lo, hi, locFrameStart, lf, stackFrames, j)) {
          id = c;
          break;
        }
        slot = (slot + 1) & mask;
      }
      if (id < 0) {
        id = nStacks++;
        table[slot] = id + 1;
        if (nStacks * 2 > cap) {
          cap *= 2;
          mask = cap - 1;
          table = rehashStacks(stackStart, stackFrames, nStacks - 1, cap, h);
        }
        if (nFrames + len > stackFrames.length) stackFrames = growInt32(stackFrames, nFrames + len, nFrames);
        for (let i = lo; i < hi; i++) {
          const loc = sampleLocations[i]!;
          const fe = locFrameStart[loc + 1]!;
          for (let f = locFrameStart[loc]!; f < fe; f++) stackFrames[nFrames++] = lf[f]!;
        }
        if (nStacks + 1 >= stackStart.length) stackStart = growInt32(stackStart, nStacks + 2, nStacks + 1);
        stackStart[nStacks] = nFrames;
        if (nStacks * nTypes > merged.length) {
          const bigger = new Float64Array(merged.length * 2);
          bigger.set(merged);
          merged = bigger;
        }
      }
      prevLo = lo;
      prevHi = hi;
      prevId = id;
    }
    const base = id * nTypes;
    const vbase = s * nTypes;
    for (let t = 0; t < nTypes; t++) merged[base + t]! += sampleValues[vbase + t]!;
  }
  const values: number[][] = [];
  for (let t = 0; t < nTypes; t++) {
    const col = new Array<number>(nStacks);
    for (let k = 0; k < nStacks; k++) col[k] = merged[k * nTypes + t]!;
    values.push(col);
  }

  const data: ProfileData = {
    name,
    sampleTypes: p.sampleTypes.map((t) => ({ ...t })),
    defaultSampleIndex: defaultSampleIndex(p),
    funcName,
    funcFile,
    funcStartLine,
    frameFunc,
    frameLine,
    stackStart: toArray(stackStart, nStacks + 1),
    stackFrames: toArray(stackFrames, nFrames),
    values,
  };
  if (p.durationNanos) data.durationNanos = p.durationNanos;
  if (p.timeNanos) data.timeNanos = Number(p.timeNanos);
  if (p.periodType) data.periodType = { ...p.periodType };
  if (p.period) data.period = p.period;
  if (p.comments.length > 0) data.comments = p.comments.slice();
  return data;
}

/** Whether the frames of locations [lo, hi) equal frames[j ..] (the lengths are equal). */
function sameFrames(locs: Uint32Array, lo: number, hi: number, locFrameStart: Uint32Array, lf: Int32Array, frames: Int32Array, j: number): boolean {
  for (let i = lo; i < hi; i++) {
    const loc = locs[i]!;
    const fe = locFrameStart[loc + 1]!;
    for (let f = locFrameStart[loc]!; f < fe; f++) if (frames[j++] !== lf[f]) return false;
  }
  return true;
}

/**
 * A stack table of the given capacity holding stacks 0..n-1 (their frames in place) and
 * stack n, whose frames are not stored yet, under hash hn.
 */
function rehashStacks(stackStart: Int32Array, stackFrames: Int32Array, n: number, cap: number, hn: number): Int32Array {
  const table = new Int32Array(cap);
  const mask = cap - 1;
  const put = (id: number, h: number) => {
    let slot = h & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = id + 1;
  };
  for (let c = 0; c < n; c++) {
    let h = 0x811c9dc5 | 0;
    const e = stackStart[c + 1]!;
    for (let j = stackStart[c]!; j < e; j++) h = Math.imul(h ^ stackFrames[j]!, 0x01000193);
    put(c, h ^ (h >>> 16));
  }
  put(n, hn);
  return table;
}

/** A copy of a with room for at least `need` entries, the first `used` kept. */
function growInt32(a: Int32Array, need: number, used: number): Int32Array {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a.subarray(0, used));
  return b;
}

/** The first n entries of a as a plain array (preallocated: faster than push or Array.from). */
function toArray(a: Int32Array, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = a[i]!;
  return out;
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
export async function readProfileData(file: string, name = file.split(/[\\/]/).pop() ?? file): Promise<ProfileData> {
  return toProfileData(await readProfile(file), name);
}
