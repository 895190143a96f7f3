// Correctness check for decoder changes: prints a digest of what decodeProfile and
// toProfileData make of each profile given (and of a few generated edge-case profiles), so
// that two versions of the decoder can be compared byte for byte. Typed and plain arrays
// hash the same (every column goes through Array.from).
// bench.mjs builds it: node bench/out/pprof-digest.js FILE... [--verbose]
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as protobuf from 'protobufjs';
import { decodeProfile, profileSchema, sampleLabels, sampleLocations, toProfileData, type PprofProfile } from '../../src/pprof/decode';
import type { ProfileData } from '../../src/shared/profileData';

const jsonOf = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    return x;
  });
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The model, sample by sample (independent of how the columns are laid out). */
function modelDigest(p: PprofProfile): string {
  const h = createHash('sha256');
  const { sampleTypes, strings, mappings, locations, functions, dropFrames, keepFrames, timeNanos, durationNanos, periodType, period, comments, defaultSampleType, docUrl } = p;
  h.update(jsonOf({ sampleTypes, strings, mappings, locations, functions, dropFrames, keepFrames, timeNanos, durationNanos, periodType, period, comments, defaultSampleType, docUrl }));
  const n = sampleTypes.length;
  for (let s = 0; s < p.sampleCount; s++) {
    h.update(jsonOf([Array.from(sampleLocations(p, s)), Array.from(p.sampleValues.subarray(s * n, (s + 1) * n)), sampleLabels(p, s)]));
  }
  return h.digest('hex').slice(0, 16);
}

function dataDigest(d: ProfileData): string {
  return hash(jsonOf(d));
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
  };
}

/** Generated profiles that exercise the rarer paths: pruning, labels, big ids and values, nameless lines. */
function generated(): Array<[string, Uint8Array]> {
  const { profile } = profileSchema();
  const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned?: boolean): unknown };
  const out: Array<[string, Uint8Array]> = [];
  for (const variant of ['dense', 'bigids', 'prune', 'prune-keep', 'unpacked-bigvalues']) {
    const r = rng(variant.length * 7919 + 17);
    const strings = ['', 'alloc_objects', 'count', 'alloc_space', 'bytes', 'bytes', 'runtime.malg', 'runtime\\..*', 'runtime\\.mallocgc', 'thread'];
    const nFuncs = 60;
    for (let i = 0; i < nFuncs; i++) strings.push(i % 7 === 0 ? `runtime.f${i}` : `pkg/x.F${i}`, `/src/f${i % 9}.go`);
    const big = variant === 'bigids';
    const id = (i: number) => (big ? Long.fromString(((1n << 60n) + BigInt(i) * 1000003n).toString(), true) : i + 1);
    const functions = Array.from({ length: nFuncs }, (_, i) => ({ id: id(i), name: 10 + 2 * i, system_name: 10 + 2 * i, filename: 11 + 2 * i, start_line: 1 + r(500) }));
    const mappings = [{ id: id(0), memory_start: 0x400000, memory_limit: 0x800000, filename: 9, has_functions: true }];
    const nLocs = 300;
    const locations = Array.from({ length: nLocs }, (_, i) => ({
      id: id(i),
      mapping_id: i % 5 === 0 ? 0 : id(0),
      address: 0x401000 + i * 16,
      line: i % 41 === 0 ? [] : Array.from({ length: 1 + (r(4) === 0 ? r(3) : 0) }, () => ({ function_id: r(10) === 0 && i % 3 === 0 ? 0 : id(r(nFuncs)), line: 1 + r(50) })),
    }));
    const sample = Array.from({ length: 3000 }, () => {
      const depth = 1 + r(25);
      const locs = Array.from({ length: depth }, () => id(r(nLocs)));
      const v = () => (variant === 'unpacked-bigvalues' ? Long.fromString(String(BigInt(r(1000)) * (1n << 40n) - 7n), false) : r(4) === 0 ? -r(100) : r(100000));
      const label = r(3) === 0 ? [{ key: 9, str: 10 + r(20) }, { key: 2, num: r(1000), num_unit: 4 }] : [];
      return { location_id: locs, value: [v(), v()], label };
    });
    // Repeats (equal stacks side by side and apart).
    for (let i = 0; i < 500; i++) sample.push({ ...sample[r(sample.length)]!, value: [r(10), r(1000)] });
    const msg: Record<string, unknown> = {
      sample_type: [{ type: 1, unit: 2 }, { type: 3, unit: 4 }],
      string_table: strings,
      function: functions,
      mapping: mappings,
      location: locations,
      sample,
      period_type: { type: 3, unit: 4 },
      period: 524288,
      comment: [9, 6],
      default_sample_type: 1,
      time_nanos: 1700000000123456789n.toString(),
      duration_nanos: 1234567,
    };
    if (variant.startsWith('prune')) msg.drop_frames = 7;
    if (variant === 'prune-keep') msg.keep_frames = 8;
    let bytes = profile.encode(profile.fromObject(msg)).finish();
    if (variant === 'unpacked-bigvalues') bytes = unpack(bytes);
    out.push([`generated:${variant}`, variant === 'prune' ? gzipSync(bytes) : bytes]);
  }
  return out;
}

/** Rewrites every sample with its location ids and values as unpacked fields (valid protobuf). */
function unpack(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  const rd = (buf: Uint8Array, pos: number): [bigint, number] => {
    let v = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[pos++]!;
      v |= BigInt(b & 0x7f) << s;
      s += 7n;
      if (b < 0x80) return [v, pos];
    }
  };
  const wr = (o: number[], v: bigint) => {
    v = BigInt.asUintN(64, v);
    while (v >= 0x80n) {
      o.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    o.push(Number(v));
  };
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, p1] = rd(bytes, pos);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [, p2] = rd(bytes, p1);
      out.push(...bytes.subarray(pos, p2));
      pos = p2;
      continue;
    }
    const [len, p2] = rd(bytes, p1);
    const end = p2 + Number(len);
    if (tag >> 3n !== 2n) {
      out.push(...bytes.subarray(pos, end));
      pos = end;
      continue;
    }
    const s: number[] = [];
    let q = p2;
    while (q < end) {
      const [t, q1] = rd(bytes, q);
      const [l, q2] = rd(bytes, q1);
      const fe = q2 + Number(l);
      if (t === 0x0an || t === 0x12n) {
        let r = q2;
        while (r < fe) {
          const [v, r1] = rd(bytes, r);
          wr(s, t === 0x0an ? 0x08n : 0x10n);
          wr(s, v);
          r = r1;
        }
      } else s.push(...bytes.subarray(q, fe));
      q = fe;
    }
    wr(out, tag);
    wr(out, BigInt(s.length));
    out.push(...s);
    pos = end;
  }
  return Uint8Array.from(out);
}

function main(): void {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const verbose = process.argv.includes('--verbose');
  const inputs: Array<[string, Uint8Array]> = [...files.map((f): [string, Uint8Array] => [f, readFileSync(f)]), ...generated()];
  for (const [name, bytes] of inputs) {
    const p = decodeProfile(bytes);
    const d = toProfileData(p, 'x');
    const types = Object.entries(d)
      .filter(([, v]) => Array.isArray(v) || ArrayBuffer.isView(v))
      .map(([k, v]) => `${k}:${ArrayBuffer.isView(v) ? (v as object).constructor.name : Array.isArray(v) && v.length > 0 && ArrayBuffer.isView(v[0]) ? `${(v[0] as object).constructor.name}[]` : 'Array'}`);
    console.log(`${name}: model ${modelDigest(p)} data ${dataDigest(d)} samples ${p.sampleCount} stacks ${d.stackStart.length - 1} frames ${d.frameFunc.length}`);
    if (verbose) console.log(`  ${types.join(' ')}`);
  }
}

main();
