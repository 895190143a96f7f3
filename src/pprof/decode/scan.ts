// Pass 1: the top-level fields counted and the samples located, with the memory they will take
// charged before anything is built from them.
import * as protobuf from 'protobufjs';
import { MAX_SAMPLE_TYPES, MemoryBudget, ProfileError } from './budget';
import { topValue, topVarint } from './wire';

/** Where the samples are: runs of consecutive sample fields (tags included). */
export interface SampleRuns {
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
export function findSamples(bytes: Uint8Array, budget: MemoryBudget): { samples: SampleRuns; headerBytes: Uint8Array; counts: FieldCounts } {
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
export function checkCounts(counts: FieldCounts, samples: SampleRuns, budget: MemoryBudget): void {
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
