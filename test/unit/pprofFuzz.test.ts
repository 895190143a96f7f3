// Fuzzing the pprof decoder, for a bounded time (see fuzzHarness.ts): real profiles mutated
// (bits flipped, bytes set, cut short, varints inserted, the length of a field changed, ranges
// deleted or copied elsewhere, a field repeated up to thousands of times), raw or gzipped, must decode (and become ProfileData, as opening
// a file does) or throw ProfileError with a one-line message: never another exception, never
// for long, never with a runaway allocation.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeProfile, ProfileError, toProfileData } from '../../src/pprof/decode';
import { fuzzInWorker, FUZZ_SECONDS_EACH, HANG_MS, isFuzzWorker, runFuzzWorker } from './fuzzHarness';

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The real profiles in the tree, inflated. */
function corpus(): Buffer[] {
  const files = [path.join(ROOT, 'test', 'fixtures', 'flame', 'heap.pprof')];
  const samples = path.join(ROOT, 'test', 'unit', 'samples');
  for (const f of fs.readdirSync(samples)) if (/\.(pprof|prof|pb\.gz)$/.test(f)) files.push(path.join(samples, f));
  return files.map((f) => {
    const b = fs.readFileSync(f);
    return b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b;
  });
}

// ---------------------------------------------------------------------------------------
// Mutations

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'insertVarint'; at: number; value: bigint }
  | { op: 'length'; field: number; value: bigint; relative: boolean }
  | { op: 'delete'; at: number; count: number }
  | { op: 'copy'; from: number; count: number; to: number }
  /** A whole field (a sample, a location, a line, a string...) repeated `times` times in place. */
  | { op: 'repeatField'; field: number; times: number };

interface Case {
  source: number;
  mutations: Mutation[];
  /** gzip the mutated profile; 'bytes': mutate the gzipped bytes themselves. */
  gzip: boolean | 'bytes';
}

function varint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? b | 0x80 : b);
  } while (x > 0n);
  return out;
}

interface LengthField {
  /** Where the field's tag starts. */
  tagAt: number;
  /** Where the length varint starts and how many bytes it has. */
  at: number;
  size: number;
  value: number;
}

/** The length-delimited fields of a protobuf message in b[start, end), and of the messages nested in them. */
function lengthFields(b: Uint8Array, start = 0, end = b.length, out: LengthField[] = [], depth = 0): LengthField[] {
  let pos = start;
  const readVarint = (): number | undefined => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= end) return undefined;
      const byte = b[pos++]!;
      if (shift < 49) v += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return v;
    }
    return undefined;
  };
  while (pos < end) {
    const tagAt = pos;
    const tag = readVarint();
    if (tag === undefined || tag >>> 3 === 0) return out;
    const wire = tag & 7;
    if (wire === 0) {
      if (readVarint() === undefined) return out;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 2) {
      const at = pos;
      const n = readVarint();
      if (n === undefined || pos + n > end) return out;
      out.push({ tagAt, at, size: pos - at, value: n });
      // Maybe a message (samples, locations, lines...): its own fields too.
      if (depth < 3 && n > 0) lengthFields(b, pos, pos + n, out, depth + 1);
      pos += n;
    } else {
      return out;
    }
  }
  return out;
}

function mutate(input: Buffer, m: Mutation): Buffer {
  const n = input.length;
  const at = (k: number): number => (n === 0 ? 0 : k % (n + 1));
  switch (m.op) {
    case 'flip': {
      if (n === 0) return input;
      const copy = Buffer.from(input);
      copy[m.at % n]! ^= 1 << m.bit;
      return copy;
    }
    case 'set': {
      if (n === 0) return input;
      const copy = Buffer.from(input);
      copy[m.at % n] = m.byte;
      return copy;
    }
    case 'truncate':
      return input.subarray(0, at(m.at));
    case 'insertVarint': {
      const i = at(m.at);
      return Buffer.concat([input.subarray(0, i), Buffer.from(varint(m.value)), input.subarray(i)]);
    }
    case 'length': {
      const fields = lengthFields(input);
      if (fields.length === 0) return input;
      const f = fields[m.field % fields.length]!;
      const value = m.relative ? BigInt(f.value) + m.value : m.value;
      return Buffer.concat([input.subarray(0, f.at), Buffer.from(varint(value)), input.subarray(f.at + f.size)]);
    }
    case 'delete': {
      const i = at(m.at);
      return Buffer.concat([input.subarray(0, i), input.subarray(Math.min(n, i + m.count))]);
    }
    case 'copy': {
      const from = at(m.from);
      const piece = input.subarray(from, Math.min(n, from + m.count));
      const to = at(m.to);
      return Buffer.concat([input.subarray(0, to), piece, input.subarray(to)]);
    }
    case 'repeatField': {
      const fields = lengthFields(input);
      if (fields.length === 0) return input;
      const f = fields[m.field % fields.length]!;
      const end = f.at + f.size + f.value;
      const field = input.subarray(f.tagAt, end);
      return Buffer.concat([input.subarray(0, f.tagAt), ...Array<Buffer>(m.times).fill(field), input.subarray(end)]);
    }
  }
}

/** Varint values around every boundary of the format: 7-bit groups, 32 bits, 2^53, 64 bits. */
const varintValue = fc.oneof(
  fc.bigInt({ min: -2n, max: 300n }),
  fc.constantFrom(...[7n, 14n, 21n, 28n, 31n, 32n, 35n, 53n, 63n, 64n].flatMap((e) => [(1n << e) - 1n, 1n << e, (1n << e) + 1n])),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(0, 0x7f, 0x80, 0xff), fc.nat(255)) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insertVarint' as const), at: fc.nat(), value: varintValue }),
  fc.record({ op: fc.constant('length' as const), field: fc.nat(), value: varintValue, relative: fc.boolean() }),
  fc.record({ op: fc.constant('length' as const), field: fc.nat(), value: fc.bigInt({ min: -16n, max: 16n }), relative: fc.constant(true) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('copy' as const), from: fc.nat(), count: fc.integer({ min: 1, max: 4096 }), to: fc.nat() }),
  fc.record({ op: fc.constant('repeatField' as const), field: fc.nat(), times: fc.oneof(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 100, max: 3000 })) }),
);

function bytesOf(c: Case, profiles: Buffer[]): Buffer {
  let b = profiles[c.source % profiles.length]!;
  if (c.gzip === 'bytes') b = gzipSync(b, { level: 1 });
  for (const m of c.mutations) b = mutate(b, m);
  return c.gzip === true ? gzipSync(b, { level: 1 }) : b;
}

/** Each decode, however long the run is loaded: far more than a real profile of this size takes. */
const DECODE_LIMIT_MS = 3000;
/**
 * Growth of the resident set over what the process held when the fuzz worker started: mocha
 * runs every unit test in one process, and earlier suites leave their own memory behind.
 */
const RSS_GROWTH_LIMIT = 2 ** 30;

if (isFuzzWorker('pprof')) {
  const baseline = process.memoryUsage.rss();
  const profiles = corpus();
  const cases = fc.record({
    source: fc.nat(profiles.length - 1),
    // One mutation most often: a profile that still decodes goes on to the deeper code.
    mutations: fc.oneof({ arbitrary: fc.array(mutation, { minLength: 1, maxLength: 1 }), weight: 3 }, { arbitrary: fc.array(mutation, { minLength: 2, maxLength: 6 }), weight: 2 }),
    gzip: fc.oneof({ arbitrary: fc.boolean(), weight: 4 }, { arbitrary: fc.constant('bytes' as const), weight: 1 }),
  });
  runFuzzWorker<Case>({
    arbitrary: cases,
    bytes: (c) => bytesOf(c, profiles),
    check: (_c, bytes, stats) => {
      const t0 = performance.now();
      try {
        toProfileData(decodeProfile(bytes), 'fuzz');
        stats.decoded = (stats.decoded ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof ProfileError)) throw err;
        assert.ok(!err.message.includes('\n'), `a one-line message: ${err.message}`);
        stats.profileErrors = (stats.profileErrors ?? 0) + 1;
      }
      const ms = performance.now() - t0;
      assert.ok(ms < DECODE_LIMIT_MS, `decoding ${bytes.length} bytes took ${ms.toFixed(0)} ms`);
      const growth = process.memoryUsage.rss() - baseline;
      assert.ok(growth < RSS_GROWTH_LIMIT, `RSS grew by ${(growth / 2 ** 20).toFixed(0)} MiB after decoding ${bytes.length} bytes`);
    },
  });
} else {
  describe('fuzz: the pprof decoder on mutated real profiles', function () {
    this.timeout(FUZZ_SECONDS_EACH * 1000 + HANG_MS + 60_000);

    it(`decodes or throws a one-line ProfileError, quickly and in bounded memory (${FUZZ_SECONDS_EACH} s; GMI_FUZZ_SECONDS for more)`, async () => {
      const report = await fuzzInWorker(__filename, 'pprof');
      if (report.failure) assert.fail(`pprof decoder fuzz: ${report.failure}`);
      console.log(`      ${report.runs} mutated profiles (seed ${report.seed}): ${report.stats.decoded ?? 0} decoded, ${report.stats.profileErrors ?? 0} ProfileErrors`);
      assert.ok(report.runs > 0);
    });

    it('the mutations reach inside: length fields of nested messages are found', () => {
      const profiles = corpus();
      assert.ok(profiles.length >= 1);
      const fields = lengthFields(profiles[0]!);
      // Samples, locations with their lines, functions, strings: many of each.
      assert.ok(fields.length > 50, `${fields.length} length fields`);
      assert.ok(fields.some((f) => f.at > 0 && profiles[0]![f.at - 1] === 0x12), 'a sample (field 2)');
      const changed = mutate(profiles[0]!, { op: 'length', field: 3, value: 1n << 40n, relative: false });
      assert.notDeepEqual(changed, profiles[0]);
    });
  });
}
