// Crafted pprof profiles that make a naive decoder allocate without bound, written by a few
// lines of protobuf encoding (as the red-team cases of issue 11). Small on disk, huge decoded.
// Used by the worker tests (plain Node) and the integration suite (inside VS Code).
import { gzipSync } from 'node:zlib';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A length-delimited field: tag, length, body. */
function field(num: number, body: number[]): number[] {
  return [...varint((num << 3) | 2), ...varint(body.length), ...body];
}

function varintField(num: number, v: number): number[] {
  return [...varint(num << 3), ...varint(v)];
}

/**
 * `count` sample types (each `type: 1, unit: 2`, "alloc"/"bytes" in the string table), one
 * sample and no functions: 5,000,000 types gzip to about 50 KB and cost gigabytes decoded.
 */
export function manySampleTypesProfile(count: number): Buffer {
  const vt = field(1, [...varintField(1, 1), ...varintField(2, 2)]);
  const chunk = Buffer.from(vt);
  const body = Buffer.alloc(chunk.length * count);
  for (let i = 0; i < count; i++) chunk.copy(body, i * chunk.length);
  const strings = Buffer.from([...field(6, []), ...field(6, [...Buffer.from('alloc')]), ...field(6, [...Buffer.from('bytes')])]);
  return gzipSync(Buffer.concat([body, strings]), { level: 9 });
}

/** One sample whose stack is `depth` frames of one location (one function): a tiny file, a huge stack. */
export function deepStackProfile(depth: number): Buffer {
  const ids = Buffer.alloc(depth, 1); // location id 1, one byte each
  const packed = Buffer.concat([Buffer.from([0x0a, ...varint(depth)]), ids]);
  const sample = Buffer.concat([Buffer.from([0x12, ...varint(packed.length + 3)]), packed, Buffer.from([0x12, 0x01, 0x01])]);
  const header = [
    ...field(1, [...varintField(1, 1), ...varintField(2, 2)]),
    ...field(4, [...varintField(1, 1), ...field(4, [...varintField(1, 1), ...varintField(2, 7)])]),
    ...field(5, [...varintField(1, 1), ...varintField(2, 3), ...varintField(4, 4)]),
    ...field(6, []),
    ...field(6, [...Buffer.from('alloc')]),
    ...field(6, [...Buffer.from('bytes')]),
    ...field(6, [...Buffer.from('main.f')]),
    ...field(6, [...Buffer.from('main.go')]),
  ];
  return gzipSync(Buffer.concat([Buffer.from(header), sample]), { level: 9 });
}

/**
 * A decompression bomb: `members` gzip members of 16 MiB of zeros each, concatenated (gunzip
 * reads them as one stream), so 64 members are 1 GiB inflated from about 1 MB.
 */
export function gzipBomb(members: number): Buffer {
  // Valid protobuf all the way: empty string_table entries (field 6, length 0), so the
  // decoder cannot tell it from a real profile by its first bytes and must inflate it.
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024, Buffer.from([0x32, 0x00])), { level: 9 });
  return Buffer.concat(Array.from({ length: members }, () => member));
}
