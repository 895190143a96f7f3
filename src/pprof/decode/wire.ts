// The protobuf wire format: the bundled schema, 64-bit conversions, and the varint readers the
// hand-written passes (top-level fields, samples) use.
import * as protobuf from 'protobufjs';
import schemaText from '../profile.proto';
import { ProfileError } from './budget';

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
export type Int64 = number | LongLike | null | undefined;

export const TWO32 = 4294967296;

export function toBig(v: Int64, unsigned: boolean): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? u : BigInt.asIntN(64, u);
}

/** As a double (rounded beyond 2^53). */
export function toNum(v: Int64, unsigned: boolean): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  return (unsigned ? v.high >>> 0 : v.high | 0) * TWO32 + (v.low >>> 0);
}

/** An id as a Map key: a number when it fits exactly, else a bigint. */
export function idKey(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export interface RawValueType {
  type?: Int64;
  unit?: Int64;
}
export interface RawProfile {
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

/** Value of the last topVarint() (a double: exact up to 2^53). Importers read it through the live binding; only this module assigns it. */
export let topValue = 0;

/** Reads the varint of a top-level field at pos into topValue; returns the position after it. */
export function topVarint(bytes: Uint8Array, pos: number): number {
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
export let smallValue = 0;

/**
 * Reads a varint of at most five bytes (below 2^35, so exact in a double) at pos into
 * smallValue and returns the position after it. The sample fast path uses it; its callers
 * check that the position stays inside their field. Small enough for V8 to inline.
 */
export function varint35(buf: Uint8Array, pos: number): number {
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

/** Scratch for varint(): [low 32 bits, high 32 bits] of the last value read. */
export const VARINT = new Uint32Array(2);

/**
 * Reads the varint at pos (not past limit) into VARINT and returns the position after it.
 * Small enough to be inlined, so the callers keep their positions in registers.
 */
export function varint(buf: Uint8Array, pos: number, limit: number): number {
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
export function varintSigned(): number {
  return (VARINT[1]! | 0) * TWO32 + VARINT[0]!;
}

/** The last varint as a signed 64-bit number, exactly. */
export function varintBig(): bigint {
  return BigInt.asIntN(64, (BigInt(VARINT[1]!) << 32n) | BigInt(VARINT[0]!));
}

/** Skips a field of the given wire type; returns the new position. */
export function skipField(buf: Uint8Array, pos: number, limit: number, wire: number): number {
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
