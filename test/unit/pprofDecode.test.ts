import * as assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { decodeProfile, profileSchema, ProfileError, sampleLabels, sampleLocations, toProfileData, type PprofProfile } from '../../src/pprof/decode';
import { goProfiles, runGo } from './pprofFixtures';

/** `go tool pprof -raw` parsed: the reference for the decoded model. */
interface RawDump {
  periodType: string;
  period: string;
  timeNanos: string;
  types: string[];
  defaultType: string;
  samples: Array<{ values: number[]; locs: string[]; labels: string[] }>;
  locations: Map<string, { address: string; mapping: string; lines: string[] }>;
  mappings: Map<string, string>;
}

async function pprofRaw(file: string, cwd: string): Promise<RawDump> {
  const r = await runGo(['tool', 'pprof', '-raw', file], cwd);
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const dump: RawDump = { periodType: '', period: '', timeNanos: '', types: [], defaultType: '', samples: [], locations: new Map(), mappings: new Map() };
  let section = '';
  let lastLoc: { address: string; mapping: string; lines: string[] } | undefined;
  for (const line of lines) {
    if (line.startsWith('PeriodType: ')) dump.periodType = line.slice(12);
    else if (line.startsWith('Period: ')) dump.period = line.slice(8);
    else if (line.startsWith('Time: ')) dump.timeNanos = (/:\d\d(?:\.(\d+))? /.exec(line)?.[1] ?? '').padEnd(9, '0');
    else if (line === 'Samples:' || line === 'Locations' || line === 'Mappings') section = line;
    else if (section === 'Samples:' && dump.types.length === 0) {
      dump.types = line.trim().split(/\s+/).map((t) => {
        if (t.endsWith('[dflt]')) dump.defaultType = t.slice(0, -6).split('/')[0]!;
        return t.replace('[dflt]', '');
      });
    } else if (section === 'Samples:') {
      const m = /^\s+([-\d\s]+):((?: \d+)*)\s*$/.exec(line);
      if (m) dump.samples.push({ values: m[1]!.trim().split(/\s+/).map(Number), locs: m[2]!.trim().split(/\s+/).filter(Boolean), labels: [] });
      // A sample's labels: one line for its string labels and one for its numeric labels, each "key:[value] key:[value]".
      else if (line.trim()) dump.samples[dump.samples.length - 1]!.labels.push(...Array.from(line.matchAll(/(\S+?):\[([^\]]*)\]/g), (l) => `${l[1]}:[${l[2]}]`));
    } else if (section === 'Locations') {
      const m = /^\s+(\d+): (0x[0-9a-f]+) M=(\d+) (.*)$/.exec(line);
      if (m) {
        lastLoc = { address: m[2]!, mapping: m[3]!, lines: m[4]! ? [m[4]!.trim()] : [] };
        dump.locations.set(m[1]!, lastLoc);
      } else if (line.trim()) lastLoc!.lines.push(line.trim());
    } else if (section === 'Mappings') {
      const m = /^(\d+): (.*)$/.exec(line);
      if (m) dump.mappings.set(m[1]!, m[2]!.trim());
    }
  }
  return dump;
}

function compareWithRaw(p: PprofProfile, raw: RawDump): void {
  assert.deepEqual(p.sampleTypes.map((t) => `${t.type}/${t.unit}`), raw.types);
  assert.equal(p.defaultSampleType, raw.defaultType);
  assert.equal(`${p.periodType!.type} ${p.periodType!.unit}`, raw.periodType);
  assert.equal(String(p.period), raw.period);
  // time_nanos is beyond 2^53: the nanosecond digits survive only with exact 64-bit decoding.
  assert.equal(String(p.timeNanos % 1_000_000_000n).padStart(9, '0'), raw.timeNanos);
  assert.equal(p.sampleCount, raw.samples.length);
  const n = p.sampleTypes.length;
  for (let s = 0; s < p.sampleCount; s++) {
    const want = raw.samples[s]!;
    assert.deepEqual(Array.from(p.sampleValues.subarray(s * n, (s + 1) * n)), want.values, `sample ${s} values`);
    const locs = Array.from(sampleLocations(p, s)).map((i) => String(p.locations[i]!.id));
    assert.deepEqual(locs, want.locs, `sample ${s} locations`);
    const labels = sampleLabels(p, s).map((l) => (l.str !== undefined ? `${l.key}:[${l.str}]` : `${l.key}:[${l.num}${l.numUnit ? ' ' + l.numUnit : ''}]`));
    assert.deepEqual(labels, want.labels, `sample ${s} labels`);
  }
  assert.equal(p.locations.length, raw.locations.size);
  for (const loc of p.locations) {
    const want = raw.locations.get(String(loc.id))!;
    assert.ok(want, `location ${loc.id} in pprof -raw`);
    assert.equal(`0x${loc.address.toString(16)}`, want.address);
    assert.equal(loc.mapping >= 0 ? String(p.mappings[loc.mapping]!.id) : '0', want.mapping);
    const lines = loc.lines.map((l) => {
      const f = p.functions[l.function]!;
      return `${f.name} ${f.file}:${l.line}:${l.column} s=${f.startLine}`;
    });
    assert.deepEqual(lines, want.lines, `location ${loc.id} lines`);
  }
  assert.equal(p.mappings.length, raw.mappings.size);
  for (const m of p.mappings) {
    // pprof's symbolizer may set [FN] on mappings it looked at: compare the other flags exactly.
    const flags = (m.hasFilenames ? '[FL]' : '') + (m.hasLineNumbers ? '[LN]' : '') + (m.hasInlineFrames ? '[IN]' : '');
    const text = `0x${m.memoryStart.toString(16)}/0x${m.memoryLimit.toString(16)}/0x${m.fileOffset.toString(16)} ${m.file} ${m.buildId}`;
    const want = raw.mappings.get(String(m.id))!;
    const bits = /(\[[A-Z]{2}\])*$/.exec(want)![0];
    assert.equal(want.slice(0, want.length - bits.length).trim(), text.trim(), `mapping ${m.id}`);
    assert.equal(bits.replace('[FN]', ''), flags, `mapping ${m.id} flags`);
    if (m.hasFunctions) assert.ok(bits.includes('[FN]'));
  }
}

function expectProfileError(bytes: Uint8Array, pattern?: RegExp): void {
  assert.throws(
    () => decodeProfile(bytes),
    (err: unknown) => {
      assert.ok(err instanceof ProfileError, `expected ProfileError, got ${String(err)}`);
      assert.ok(!err.message.includes('\n'), 'one-line message');
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('pprof decoder', function () {
  this.timeout(180_000);

  it('decodes a heap profile written by go test exactly as go tool pprof -raw reads it', async () => {
    const g = await goProfiles();
    const p = decodeProfile(g.memBytes);
    compareWithRaw(p, await pprofRaw(g.mem, g.dir));
    // What the Go runtime writes for -memprofile: the allocs profile, opened at alloc_space.
    assert.equal(p.defaultSampleType, 'alloc_space');
    assert.equal(toProfileData(p, 'mem.out').sampleTypes[toProfileData(p, 'mem.out').defaultSampleIndex]!.type, 'alloc_space');
    // Inlined frames are kept: some location has more than one line.
    assert.ok(p.locations.some((l) => l.lines.length > 1));
    // Mappings above 2^53 (the vsyscall page) keep their exact address.
    assert.ok(p.mappings.some((m) => m.memoryStart > BigInt(Number.MAX_SAFE_INTEGER)));
  });

  it('decodes a CPU profile written by go test exactly as go tool pprof -raw reads it', async () => {
    const g = await goProfiles();
    const p = decodeProfile(g.cpuBytes);
    compareWithRaw(p, await pprofRaw(g.cpu, g.dir));
    assert.equal(p.sampleTypes[p.sampleTypes.length - 1]!.type, 'cpu');
    assert.ok(p.durationNanos > 0);
  });

  it('reads the same profile with or without gzip', async () => {
    const g = await goProfiles();
    assert.deepEqual(toProfileData(decodeProfile(gunzipSync(g.memBytes)), 'x'), toProfileData(decodeProfile(g.memBytes), 'x'));
  });

  it('merges samples with identical stacks and expands inlined frames in ProfileData', async () => {
    const g = await goProfiles();
    const p = decodeProfile(g.memBytes);
    const d = toProfileData(p, 'mem.out');
    const stacks = new Set<string>();
    for (let s = 0; s + 1 < d.stackStart.length; s++) stacks.add(d.stackFrames.slice(d.stackStart[s], d.stackStart[s + 1]).join(','));
    assert.equal(stacks.size, d.stackStart.length - 1, 'no two stacks are equal');
    for (let t = 0; t < p.sampleTypes.length; t++) {
      let want = 0;
      for (let s = 0; s < p.sampleCount; s++) want += p.sampleValues[s * p.sampleTypes.length + t]!;
      assert.equal(d.values[t]!.reduce((a, b) => a + b, 0), want);
    }
    let frames = 0;
    for (let s = 0; s < p.sampleCount; s++) {
      for (const i of sampleLocations(p, s)) frames += p.locations[i]!.lines.length;
    }
    assert.ok(d.stackFrames.length <= frames && d.stackFrames.length > d.stackStart.length - 1);
  });

  it('rejects bad input with a one-line ProfileError', async () => {
    const g = await goProfiles();
    expectProfileError(new Uint8Array(0), /empty/);
    expectProfileError(g.memBytes.subarray(0, g.memBytes.length >> 1), /gzip/);
    expectProfileError(gzipSync(Buffer.from('definitely not a protocol buffer')));
    expectProfileError(Buffer.from('heap profile: 1: 2 [3: 4] @ heap/1048576\n'), /legacy text profile/);
    const raw = gunzipSync(g.memBytes);
    expectProfileError(raw.subarray(0, raw.length - 3));
  });

  it('rejects out-of-range indices and dangling ids', () => {
    const { profile } = profileSchema();
    const encode = (o: object) => profile.encode(profile.fromObject(o)).finish();
    const ok = { sample_type: [{ type: 1, unit: 2 }], string_table: ['', 'space', 'bytes', 'f'], function: [{ id: 1, name: 3 }], location: [{ id: 1, line: [{ function_id: 1, line: 3 }] }], sample: [{ location_id: [1], value: [5] }] };
    assert.equal(decodeProfile(encode(ok)).sampleCount, 1);
    expectProfileError(encode({ ...ok, sample_type: [{ type: 9, unit: 2 }] }), /string 9/);
    expectProfileError(encode({ ...ok, function: [{ id: 1, name: -1 }] }), /string -1/);
    expectProfileError(encode({ ...ok, sample: [{ location_id: [7], value: [5] }] }), /location 7/);
    expectProfileError(encode({ ...ok, location: [{ id: 1, line: [{ function_id: 4 }] }] }), /function 4/);
    expectProfileError(encode({ ...ok, location: [{ id: 1, mapping_id: 2 }] }), /mapping 2/);
    expectProfileError(encode({ ...ok, location: [{ id: 1 }, { id: 1 }] }), /duplicate location/);
    expectProfileError(encode({ ...ok, sample: [{ location_id: [1], value: [5, 6] }] }), /more values/);
    expectProfileError(encode({ ...ok, sample: [{ location_id: [1], value: [] }] }), /0 values/);
    expectProfileError(encode({ ...ok, string_table: ['x', 'space', 'bytes', 'f'] }), /string_table\[0\]/);
    expectProfileError(encode({ ...ok, sample_type: [] }), /no sample types/);
    expectProfileError(encode({ ...ok, sample: [{ location_id: [1], value: [5], label: [{ key: 77, num: 1 }] }] }), /string 77/);
    expectProfileError(encode({ ...ok, default_sample_type: 1000 }), /default_sample_type/);
  });

  it('reads samples in any valid encoding: repeated and unpacked fields, ids out of the dense range, wide values', () => {
    const { profile } = profileSchema();
    const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned?: boolean): unknown };
    const header = {
      sample_type: [{ type: 1, unit: 2 }, { type: 3, unit: 2 }],
      string_table: ['', 'space', 'bytes', 'objects', 'f', 'g', 'k', 'v'],
      function: [{ id: 1, name: 4 }, { id: 2, name: 5 }],
      location: [
        { id: 1, line: [{ function_id: 1, line: 3 }] },
        { id: 2, line: [{ function_id: 2, line: 4 }] },
        { id: Long.fromString('18446744073709551615', true), line: [{ function_id: 2, line: 9 }] },
      ],
    };
    // A Sample's body: the concatenation of two encoded Samples is one Sample with both lists.
    const Sample = profile.root.lookupType('gomemoryinsight.pprof.Sample');
    const body = (...parts: object[]) => Buffer.concat(parts.map((o) => Sample.encode(Sample.fromObject(o)).finish()));
    const field = (b: Uint8Array) => {
      const len: number[] = [];
      let n = b.length;
      while (n >= 0x80) {
        len.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      len.push(n);
      return Buffer.concat([Buffer.from([0x12, ...len]), b]);
    };
    const unpacked = Buffer.from([0x08, 0x02, 0x08, 0x01, 0x10, 0x07, 0x10, 0x08]); // location_id 2, 1; value 7, 8
    const samples = [
      body({ location_id: [1, 2], value: [5] }, { location_id: [2, 1], value: [6], label: [{ key: 6, str: 7 }] }),
      body({ location_id: [1, 2], value: [5] }, { location_id: [2, 1], value: [6], label: [{ key: 6, str: 7 }] }),
      unpacked,
      unpacked,
      body({ location_id: [Long.fromString('18446744073709551615', true), 1], value: [Long.fromString('9007199254740993', false), -3] }),
      body({ location_id: [1, 2, 1, 2], value: [3000000000, 1] }),
      body({ location_id: [1, 2, 1, 2], value: [1, 2], label: [{ key: 6, num: -5, num_unit: 2 }] }),
    ];
    const bytes = Buffer.concat([profile.encode(profile.fromObject(header)).finish(), ...samples.map(field)]);
    const p = decodeProfile(bytes);
    const ids = (s: number) => Array.from(sampleLocations(p, s)).map((i) => String(p.locations[i]!.id));
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(ids), [
      ['1', '2', '2', '1'],
      ['1', '2', '2', '1'],
      ['2', '1'],
      ['2', '1'],
      ['18446744073709551615', '1'],
      ['1', '2', '1', '2'],
      ['1', '2', '1', '2'],
    ]);
    assert.equal(p.stackLocStart.length - 1, 4, 'equal location lists share a stack');
    // 2^53 + 1 is not a double: it rounds; 3e9 does not fit in 32 bits.
    assert.ok(p.sampleValues instanceof Float64Array);
    assert.deepEqual(Array.from(p.sampleValues), [5, 6, 5, 6, 7, 8, 7, 8, 9007199254740992, -3, 3000000000, 1, 1, 2]);
    assert.deepEqual(sampleLabels(p, 0), [{ key: 'k', str: 'v' }]);
    assert.deepEqual(sampleLabels(p, 1), [{ key: 'k', str: 'v' }]);
    assert.deepEqual(sampleLabels(p, 2), []);
    assert.deepEqual(sampleLabels(p, 6), [{ key: 'k', num: -5, numUnit: 'bytes' }]);
    assert.equal(p.labelSetStart.length - 1, 3, 'equal label lists share a set');
    const d = toProfileData(p, 'x');
    assert.deepEqual(d.values.map((v) => Array.from(v)), [
      [10, 14, 9007199254740992, 3000000001],
      [12, 16, -3, 3],
    ]);
    assert.ok(d.stackFrames instanceof Int32Array && d.values[0] instanceof Float64Array);
    // Small values stay 32-bit.
    const small = decodeProfile(Buffer.concat([profile.encode(profile.fromObject(header)).finish(), field(body({ location_id: [1], value: [2147483647, -2147483648] }))]));
    assert.ok(small.sampleValues instanceof Int32Array);
    assert.deepEqual(Array.from(small.sampleValues), [2147483647, -2147483648]);
  });

  it('inflates gzip whatever its size trailer says: several members, a wrong size, a size beyond the limit', async () => {
    const g = await goProfiles();
    const raw = gunzipSync(g.memBytes);
    const want = toProfileData(decodeProfile(raw), 'x');
    // Two members: the trailer of the last one gives only its own size.
    const half = raw.length >> 1;
    const twoMembers = Buffer.concat([gzipSync(raw.subarray(0, half)), gzipSync(raw.subarray(half))]);
    assert.deepEqual(toProfileData(decodeProfile(twoMembers), 'x'), want);
    // A trailer claiming another size: zlib checks it and rejects the data.
    for (const size of [0, 70000, 0xffffffff]) {
      const wrong = Buffer.from(g.memBytes);
      wrong.writeUInt32LE(size, wrong.length - 4);
      expectProfileError(wrong, /gzip/);
    }
  });

  it('handles a huge string table and deep recursive stacks quickly', () => {
    const { profile } = profileSchema();
    const strings = [''];
    for (let i = 0; i < 200_000; i++) strings.push(`pkg.f${i}`);
    const depth = 5000;
    const loc = Array.from({ length: depth }, (_, i) => i % 2 === 0 ? 1 : 2);
    const bytes = profile
      .encode(
        profile.fromObject({
          sample_type: [{ type: 1, unit: 2 }],
          string_table: strings,
          function: [{ id: 1, name: 3 }, { id: 2, name: 4 }],
          location: [{ id: 1, line: [{ function_id: 1 }] }, { id: 2, line: [{ function_id: 2 }] }],
          sample: [{ location_id: loc, value: [-3] }],
        }),
      )
      .finish();
    const t0 = performance.now();
    const d = toProfileData(decodeProfile(bytes), 'big', { maxStackDepth: depth });
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(d.stackFrames.length, depth);
    assert.deepEqual(d.values.map((v) => Array.from(v)), [[-3]]);
    assert.equal(d.truncatedStacks, undefined);
  });

  it('never throws anything but ProfileError on random bytes, gzip of random bytes, or corrupted real profiles', async () => {
    const g = await goProfiles();
    const raw = gunzipSync(g.memBytes);
    const check = (bytes: Uint8Array) => {
      try {
        decodeProfile(bytes);
      } catch (err) {
        if (!(err instanceof ProfileError)) throw err;
        assert.ok(!err.message.includes('\n'));
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => check(b)), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => check(gzipSync(b))), { numRuns: 300 });
    fc.assert(
      fc.property(fc.nat(raw.length - 1), fc.nat(255), fc.nat(raw.length), (at, byte, cut) => {
        const copy = Buffer.from(raw);
        copy[at] = byte;
        check(copy.subarray(0, Math.max(cut, 1)));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes generated profiles encoded with protobufjs back to the same model', () => {
    const { profile } = profileSchema();
    const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned?: boolean): unknown } | null;
    assert.ok(Long, 'protobufjs is bundled with long.js');
    const u64 = (v: bigint) => Long.fromString(v.toString(), true);
    const i64 = (v: bigint) => Long.fromString(v.toString(), false);
    const idArb = fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }));
    const gen = fc
      .record({
        nStrings: fc.integer({ min: 1, max: 30 }),
        nTypes: fc.integer({ min: 1, max: 4 }),
        funcIds: fc.uniqueArray(idArb, { minLength: 1, maxLength: 8 }),
        locIds: fc.uniqueArray(idArb, { minLength: 1, maxLength: 8 }),
        mapIds: fc.uniqueArray(idArb, { maxLength: 3 }),
        seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        values: fc.array(fc.bigInt({ min: -(1n << 45n), max: 1n << 45n }), { minLength: 1, maxLength: 200 }),
        time: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        samples: fc.array(fc.array(fc.nat(), { maxLength: 12 }), { maxLength: 20 }),
      })
      .map((r) => {
        let k = 0;
        const pick = (n: number) => r.seed[k++ % r.seed.length]! % n;
        const strings = ['', ...Array.from({ length: r.nStrings }, (_, i) => `s${i}${'é'.repeat(i % 3)}`)];
        const si = () => pick(strings.length);
        let vi = 0;
        const value = () => r.values[vi++ % r.values.length]!;
        return {
          strings,
          types: Array.from({ length: r.nTypes }, () => ({ type: si(), unit: si() })),
          mappings: r.mapIds.map((id) => ({ id, memory_start: id * 7n % (1n << 64n), memory_limit: (1n << 64n) - 1n, file_offset: 4096n, filename: si(), build_id: si(), has_functions: pick(2) === 1 })),
          functions: r.funcIds.map((id) => ({ id, name: si(), system_name: si(), filename: si(), start_line: BigInt(pick(1000)) })),
          locations: r.locIds.map((id) => ({
            id,
            mapping_id: r.mapIds.length > 0 && pick(2) === 1 ? r.mapIds[pick(r.mapIds.length)]! : 0n,
            address: id ^ 0xfff0n,
            lines: Array.from({ length: pick(4) }, () => ({ function_id: r.funcIds[pick(r.funcIds.length)]!, line: BigInt(pick(5000)), column: BigInt(pick(80)) })),
          })),
          samples: r.samples.map((ls) => ({
            locs: ls.map((x) => r.locIds[x % r.locIds.length]!),
            values: Array.from({ length: r.nTypes }, value),
            labels: Array.from({ length: pick(3) }, () => (pick(2) === 0 ? { key: si(), str: 1 + pick(strings.length - 1) } : { key: si(), num: value(), num_unit: si() })),
          })),
          time: r.time,
          defaultType: pick(2) === 0 ? 0 : si(),
          comments: Array.from({ length: pick(3) }, si),
        };
      });
    fc.assert(
      fc.property(gen, (m) => {
        const msg = {
          sample_type: m.types,
          string_table: m.strings,
          mapping: m.mappings.map((x) => ({ ...x, id: u64(x.id), memory_start: u64(x.memory_start), memory_limit: u64(x.memory_limit), file_offset: u64(x.file_offset) })),
          function: m.functions.map((f) => ({ ...f, id: u64(f.id), start_line: i64(f.start_line) })),
          location: m.locations.map((l) => ({ id: u64(l.id), mapping_id: u64(l.mapping_id), address: u64(l.address), line: l.lines.map((x) => ({ function_id: u64(x.function_id), line: i64(x.line), column: i64(x.column) })) })),
          sample: m.samples.map((s) => ({ location_id: s.locs.map(u64), value: s.values.map(i64), label: s.labels.map((l) => ('str' in l ? l : { ...l, num: i64(l.num) })) })),
          time_nanos: i64(m.time),
          default_sample_type: m.defaultType,
          comment: m.comments,
        };
        const p = decodeProfile(profile.encode(profile.fromObject(msg)).finish());
        const S = m.strings;
        assert.deepEqual(p.sampleTypes, m.types.map((t) => ({ type: S[t.type], unit: S[t.unit] })));
        assert.equal(p.timeNanos, m.time);
        assert.equal(p.defaultSampleType, S[m.defaultType]);
        assert.deepEqual(p.comments, m.comments.map((c) => S[c]));
        assert.deepEqual(
          p.mappings.map((x) => [x.id, x.memoryStart, x.memoryLimit, x.fileOffset, x.file, x.buildId, x.hasFunctions]),
          m.mappings.map((x) => [x.id, x.memory_start, x.memory_limit, x.file_offset, S[x.filename], S[x.build_id], x.has_functions]),
        );
        assert.deepEqual(
          p.functions.map((f) => [f.id, f.name, f.systemName, f.file, f.startLine]),
          m.functions.map((f) => [f.id, S[f.name], S[f.system_name], S[f.filename], Number(f.start_line)]),
        );
        assert.deepEqual(
          p.locations.map((l) => [l.id, l.mapping < 0 ? 0n : p.mappings[l.mapping]!.id, l.address, l.lines.map((x) => [p.functions[x.function]!.id, x.line, x.column])]),
          m.locations.map((l) => [l.id, l.mapping_id, l.address, l.lines.map((x) => [x.function_id, Number(x.line), Number(x.column)])]),
        );
        assert.equal(p.sampleCount, m.samples.length);
        m.samples.forEach((s, i) => {
          const locs = Array.from(sampleLocations(p, i)).map((x) => p.locations[x]!.id);
          assert.deepEqual(locs, s.locs);
          const n = m.types.length;
          assert.deepEqual(Array.from(p.sampleValues.subarray(i * n, (i + 1) * n)), s.values.map(Number));
          assert.deepEqual(
            sampleLabels(p, i),
            s.labels.map((l) => ('str' in l ? { key: S[l.key], str: S[l.str as number] } : { key: S[l.key], num: Number(l.num), numUnit: S[l.num_unit as number] })),
          );
        });
        // And the compact form keeps every value.
        const d = toProfileData(p, 'gen');
        for (let t = 0; t < m.types.length; t++) {
          assert.equal(d.values[t]!.reduce((a, b) => a + b, 0), m.samples.reduce((a, s) => a + Number(s.values[t]!), 0));
        }
      }),
      { numRuns: 300 },
    );
  });
});
