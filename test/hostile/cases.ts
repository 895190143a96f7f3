// Crafted pprof profiles that try to make a decoder hang, crash or eat memory, as file bytes
// (gzip-compressed like the Go runtime writes them). Plain Node: a few protobuf helpers and
// node:zlib, no vscode. Used by bench/hostile/run.mjs (figures) and test/unit/pprofHostile.test.ts.
//
// The big ones are small files: repeated content is deflated once and the compressed block
// repeated (deflate output flushed at a byte boundary can be concatenated; back references
// stay inside each copy), so writing a 1 GiB bomb takes a megabyte of memory, not a gigabyte.
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { redosProfileBytes } from '../unit/patternProfiles';

// ---- protobuf encoding (profile.proto field numbers) ----

/** Bytes of a varint (uint64, or int64 as two's complement). */
export function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

/** A varint field. */
export function vfield(field: number, v: number | bigint): number[] {
  return [...varint(field * 8), ...varint(v)];
}

/** A length-delimited field. */
export function lfield(field: number, body: ArrayLike<number>): number[] {
  return [...varint(field * 8 + 2), ...varint(body.length), ...Array.from(body)];
}

/** A packed repeated varint field. */
export function packed(field: number, values: Array<number | bigint>): number[] {
  return lfield(field, values.flatMap((v) => varint(v)));
}

export interface CaseFunction {
  id: number;
  name: string;
  file?: string;
}

export interface CaseLocation {
  id: number;
  /** [function id, line] per line, innermost first. */
  lines: Array<[number, number | bigint]>;
}

export interface CaseSample {
  /** Location ids, leaf first. */
  locations: number[];
  values: Array<number | bigint>;
}

/** Everything but the samples: sample types, functions, locations and the string table. */
export function header(sampleTypes: Array<[string, string]>, functions: CaseFunction[], locations: CaseLocation[], extra: number[] = []): Buffer {
  const strings = [''];
  const str = (s: string): number => {
    let i = strings.indexOf(s);
    if (i < 0) i = strings.push(s) - 1;
    return i;
  };
  const out: number[] = [];
  for (const [type, unit] of sampleTypes) out.push(...lfield(1, [...vfield(1, str(type)), ...vfield(2, str(unit))]));
  for (const f of functions) out.push(...lfield(5, [...vfield(1, f.id), ...vfield(2, str(f.name)), ...vfield(3, str(f.name)), ...vfield(4, str(f.file ?? 'main.go'))]));
  for (const l of locations) out.push(...lfield(4, [...vfield(1, l.id), ...l.lines.flatMap(([fn, line]) => lfield(4, [...vfield(1, fn), ...vfield(2, line)]))]));
  for (const s of strings) out.push(...lfield(6, Buffer.from(s)));
  out.push(...extra);
  return Buffer.from(out);
}

export function sample(s: CaseSample): number[] {
  return lfield(2, [...packed(1, s.locations), ...packed(2, s.values)]);
}

// ---- gzip ----

/**
 * A gzip file of head, then `copies` times body, then tail, without holding the inflated
 * data: body is deflated once (flushed at a byte boundary) and the block repeated.
 */
export function gzipRepeated(head: Uint8Array, body: Uint8Array, copies: number, tail: Uint8Array = new Uint8Array(0)): Buffer {
  const flush = { finishFlush: constants.Z_SYNC_FLUSH };
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])];
  parts.push(deflateRawSync(head, flush));
  const block = deflateRawSync(body, flush);
  for (let i = 0; i < copies; i++) parts.push(block);
  parts.push(deflateRawSync(tail)); // ends with the final block
  // (zlib.crc32 of an empty array returns 0, whatever the running value: skip those.)
  const more = (data: Uint8Array, crc: number) => (data.length > 0 ? crc32(data, crc) : crc);
  let crc = more(head, 0);
  for (let i = 0; i < copies; i++) crc = more(body, crc);
  crc = more(tail, crc);
  const size = head.length + body.length * copies + tail.length;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

// ---- the cases ----

const HEAP_TYPES: Array<[string, string]> = [
  ['alloc_objects', 'count'],
  ['alloc_space', 'bytes'],
];

/**
 * One sample whose stack is `depth` frames: main.alloc (leaf), depth - 2 frames of
 * main.recurse, main.main (root). The location ids are one byte each.
 */
function deep(depth: number): Buffer {
  const fns: CaseFunction[] = [
    { id: 1, name: 'main.alloc' },
    { id: 2, name: 'main.recurse' },
    { id: 3, name: 'main.main' },
  ];
  const locs: CaseLocation[] = [
    { id: 1, lines: [[1, 10]] },
    { id: 2, lines: [[2, 20]] },
    { id: 3, lines: [[3, 30]] },
  ];
  const h = header(HEAP_TYPES, fns, locs);
  const values = packed(2, [3, 4096]);
  // Sample: tag, length, then location ids as one packed field of depth bytes, then values.
  const locBody = depth; // bytes of location ids
  const locField = [...varint(1 * 8 + 2), ...varint(locBody)];
  const sampleLen = locField.length + locBody + values.length;
  const head = Buffer.concat([h, Buffer.from([...varint(2 * 8 + 2), ...varint(sampleLen), ...locField, 1])]);
  const chunk = 1 << 20;
  const middle = depth - 2;
  const body = Buffer.alloc(chunk, 2);
  const copies = Math.floor(middle / chunk);
  const rest = middle - copies * chunk;
  return gzipRepeated(head, body, copies, Buffer.concat([Buffer.alloc(rest, 2), Buffer.from([3]), Buffer.from(values)]));
}

/** A 1,000,000-frame stack in about a kilobyte. */
export function deep1M(): Buffer {
  return deep(1_000_000);
}

/** A 10,000,000-frame stack in about ten kilobytes. */
export function deep10M(): Buffer {
  return deep(10_000_000);
}

/** n sample types (each an empty-named pair of strings 1 and 2) and no sample. */
function sampleTypes(n: number): Buffer {
  const one = Buffer.from(lfield(1, [...vfield(1, 1), ...vfield(2, 2)]));
  const per = 1 << 14;
  const body = Buffer.concat(Array.from({ length: per }, () => one));
  const copies = Math.floor(n / per);
  const tail = Buffer.concat([...Array.from({ length: n - copies * per }, () => one), Buffer.from([...lfield(6, []), ...lfield(6, Buffer.from('t')), ...lfield(6, Buffer.from('count'))])]);
  return gzipRepeated(new Uint8Array(0), body, copies, tail);
}

/** 5,000,000 sample types in a few dozen kilobytes. */
export function sampleTypes5M(): Buffer {
  return sampleTypes(5_000_000);
}

/** 8,000,000 sample types. */
export function sampleTypes8M(): Buffer {
  return sampleTypes(8_000_000);
}

/** About 1 MB of gzip that inflates to 1 GiB of zeros. */
export function gzipZeros(): Buffer {
  return gzipRepeated(new Uint8Array(0), Buffer.alloc(1 << 20), 1024);
}

/**
 * About 1.5 MB of gzip holding a valid profile of 131 million tiny samples (8 bytes each: one
 * location, one value) that inflates to 1 GB (just under 1 GiB).
 */
export function tinySamples1_5MB(): Buffer {
  const h = header([['samples', 'count']], [{ id: 1, name: 'main.tiny' }], [{ id: 1, lines: [[1, 1]] }]);
  const one = Buffer.from(sample({ locations: [1], values: [1] }));
  const per = 1 << 17;
  const body = Buffer.concat(Array.from({ length: per }, () => one));
  return gzipRepeated(h, body, 1000);
}

/**
 * 1,500,000 locations (each with an id and one line) in about 5 MB of gzip: objects for each
 * in the decoder would take about 1.3 GB.
 */
export function locations1_5M(): Buffer {
  const n = 1_500_000;
  const h = header([['samples', 'count']], [{ id: 1, name: 'main.f' }], []);
  const out = Buffer.alloc(n * 16);
  let o = 0;
  for (let i = 1; i <= n; i++) {
    for (const b of lfield(4, [...vfield(1, i), ...lfield(4, [...vfield(1, 1), ...vfield(2, (i % 1000) + 1)])])) out[o++] = b;
  }
  return gzipSync(Buffer.concat([h, out.subarray(0, o), Buffer.from(sample({ locations: [1], values: [1] }))]));
}

export const BIG_VALUES = { a: 2n ** 53n + 1n, b: 2n ** 60n + 3n, c: 7n } as const;

/**
 * Sample values above 2^53 (exact as int64, rounded as doubles): main.big (2^53 + 1),
 * main.bigger (2^60 + 3, itself the sum of two samples) and main.small (7), all called by main.main.
 */
export function bigValues(): Buffer {
  const fns: CaseFunction[] = [
    { id: 1, name: 'main.big' },
    { id: 2, name: 'main.bigger' },
    { id: 3, name: 'main.small' },
    { id: 4, name: 'main.main' },
  ];
  const locs: CaseLocation[] = [1, 2, 3, 4].map((i) => ({ id: i, lines: [[i, i * 10]] }));
  const h = header([['things', 'count']], fns, locs);
  const samples = [
    sample({ locations: [1, 4], values: [BIG_VALUES.a] }),
    sample({ locations: [2, 4], values: [2n ** 60n] }),
    sample({ locations: [3, 4], values: [BIG_VALUES.c] }),
    sample({ locations: [2, 4], values: [3n] }),
  ];
  return gzipSync(Buffer.concat([h, Buffer.from(samples.flat())]));
}

/**
 * Line numbers at and above 2^32 in one function: main.lines at line 5, 2^32 + 5 and 2^40
 * (distinct lines that 32-bit arithmetic would merge), called by main.main.
 */
export function bigLines(): Buffer {
  const fns: CaseFunction[] = [
    { id: 1, name: 'main.lines' },
    { id: 2, name: 'main.main' },
  ];
  const locs: CaseLocation[] = [
    { id: 1, lines: [[1, 5]] },
    { id: 2, lines: [[1, 2n ** 32n + 5n]] },
    { id: 3, lines: [[1, 2n ** 40n]] },
    { id: 4, lines: [[2, 3]] },
  ];
  const h = header([['things', 'count']], fns, locs);
  const samples = [sample({ locations: [1, 4], values: [1] }), sample({ locations: [2, 4], values: [10] }), sample({ locations: [3, 4], values: [100] })];
  return gzipSync(Buffer.concat([h, Buffer.from(samples.flat())]));
}

export interface HostileCase {
  name: string;
  bytes: () => Buffer;
  /** What a bounded reader does with it. */
  expect: 'output' | 'error';
  /** go tool pprof -top reads it in reasonable time: its totals can be compared. */
  comparable: boolean;
}

export const CASES: HostileCase[] = [
  { name: 'deep1M', bytes: deep1M, expect: 'output', comparable: true },
  { name: 'deep10M', bytes: deep10M, expect: 'output', comparable: false },
  { name: 'sampleTypes5M', bytes: sampleTypes5M, expect: 'error', comparable: false },
  { name: 'sampleTypes8M', bytes: sampleTypes8M, expect: 'error', comparable: false },
  { name: 'gzipZeros', bytes: gzipZeros, expect: 'error', comparable: false },
  { name: 'tinySamples1_5MB', bytes: tinySamples1_5MB, expect: 'error', comparable: false },
  { name: 'locations1_5M', bytes: locations1_5M, expect: 'error', comparable: false },
  { name: 'bigValues', bytes: bigValues, expect: 'output', comparable: true },
  { name: 'bigLines', bytes: bigLines, expect: 'output', comparable: true },
  // drop_frames `(a+)+` against a name of 40 a's then b: minutes with a backtracking engine.
  { name: 'redosDropFrames', bytes: () => Buffer.from(redosProfileBytes()), expect: 'output', comparable: true },
];
