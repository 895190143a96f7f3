// Allocation hot spots on a profile the Go runtime writes at test time: the figures agree with
// go tool pprof (-lines -hide='^runtime\.' -top, and -list) on the same file, and each line
// carries the compiler's reason (or a note where the compiler has none).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { attributeSamples, objectsIndexFor } from '../../src/hotspots/attribute';
import { allocatorWords, joinHotspots, sourceWords, type HotspotReport } from '../../src/hotspots/report';
import { pprofTop } from './pprofFixtures';
import { markerLine, runGo } from './profilingFixture';
import { runCli, type CliRun } from './cliRun';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'hotspots');

function cli(args: string[], cwd: string): Promise<CliRun> {
  return runCli(args, cwd, { env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } });
}

describe('allocation hot spots', function () {
  this.timeout(240_000);
  let root: string;
  let dir: string;
  let profile: string;
  const shop = () => path.join(dir, 'shop.go');
  const lineOf = (marker: string) => markerLine(shop(), marker);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-hotspots-'));
    dir = path.join(root, 'hotspots');
    fs.cpSync(FIXTURE, dir, { recursive: true });
    profile = path.join(root, 'mem.out');
    // Every allocation recorded (memprofilerate=1): the figures are exact, not sampled.
    const r = await runGo(dir, ['test', '-run', '^$', '-bench', 'BenchmarkShop', '-benchtime=300x', '-benchmem', '-memprofilerate=1', `-memprofile=${profile}`, '-o', path.join(root, 'shop.test'), '.'], 180_000);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('ranks every line with the flat figures of go tool pprof -lines -hide=^runtime\\. (bytes and objects, alloc and inuse)', async () => {
    for (const sampleIndex of ['alloc_space', 'inuse_space']) {
      const r = await cli(['hotspots', profile, '--json', '--all', '--sample-index', sampleIndex, '--dir', dir], root);
      assert.equal(r.code, 0, r.err);
      const got = JSON.parse(r.out) as HotspotReport;
      assert.equal(got.sampleType, sampleIndex);
      assert.equal(got.unit, 'bytes');
      const want = await pprofTop(profile, sampleIndex, 'B', root, ['-lines', '-hide=^runtime\\.']);
      assert.equal(got.total, want.total, `${sampleIndex} total`);
      const wantFlat = new Map([...want.rows].filter(([, v]) => v.flat !== 0).map(([k, v]) => [k, v.flat]));
      const gotFlat = new Map(got.rows.map((row) => [`${row.function} ${row.file}:${row.line}`, row.flat]));
      assert.deepEqual(gotFlat, wantFlat, `${sampleIndex}: every line's flat as pprof has it`);
      for (let i = 1; i < got.rows.length; i++) assert.ok(got.rows[i - 1]!.flat >= got.rows[i]!.flat, 'heaviest first');
      for (const row of got.rows) assert.ok(Math.abs(row.share - row.flat / got.total) < 1e-12);
      // The object counts beside the bytes are pprof's alloc_objects / inuse_objects figures.
      const objectsType = sampleIndex.replace('_space', '_objects');
      const wantObjects = await pprofTop(profile, objectsType, 'B', root, ['-lines', '-hide=^runtime\\.']);
      for (const row of got.rows) {
        const key = `${row.function} ${row.file}:${row.line}`;
        assert.equal(row.objects, wantObjects.rows.get(key)?.flat ?? 0, `${objectsType} of ${key}`);
      }
    }
  });

  it('agrees with go tool pprof -list line by line for the fixture functions', async () => {
    const r = await runGo(root, ['tool', 'pprof', '-sample_index=alloc_space', '-unit=B', '-list', 'hotspots\\.(NewUser|Describe|Counter|Collect|Index|Label|Sum)$', profile]);
    assert.equal(r.exitCode, 0, r.stderr);
    const listed = new Map<number, number>();
    let inShop = false;
    for (const l of r.stdout.split('\n')) {
      if (l.startsWith('ROUTINE')) inShop = l.endsWith(`${path.sep}shop.go`);
      const m = /^\s+(\S+)\s+\S+\s+(\d+):/.exec(l);
      if (inShop && m && m[1] !== '.') listed.set(Number(m[2]), (listed.get(Number(m[2])) ?? 0) + Number(m[1]!.replace(/B$/, '')));
    }
    const got = JSON.parse((await cli(['hotspots', profile, '--json', '--dir', dir], root)).out) as HotspotReport;
    const ours = new Map<number, number>();
    for (const row of got.rows) if (row.file === shop()) ours.set(row.line, (ours.get(row.line) ?? 0) + row.flat);
    assert.ok(listed.size >= 6, `pprof -list shows the fixture's allocating lines: ${[...listed.keys()]}`);
    assert.deepEqual(ours, listed);
  });

  it('gives each line the compiler\'s reason, or says where the allocation happens', async () => {
    const r = await cli(['hotspots', profile, '--json', '--dir', dir], root);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out) as HotspotReport;
    // Only the module's own lines by default, every one of them an absolute path.
    assert.ok(got.rows.length > 0);
    for (const row of got.rows) assert.ok(row.file.startsWith(dir + path.sep), `${row.file} is in the module`);
    const at = (line: number) => {
      const row = got.rows.find((x) => x.file === shop() && x.line === line);
      assert.ok(row, `a row for shop.go:${line}; rows: ${got.rows.map((x) => `${path.basename(x.file)}:${x.line}`).join(' ')}`);
      return row;
    };
    const messages = (line: number) => at(line).findings.map((f) => f.message);

    const pointer = at(lineOf('return &User{'));
    assert.deepEqual(messages(pointer.line), ['&User{...} escapes to heap']);
    assert.equal(pointer.findings[0]!.why, 'returned from NewUser');
    assert.equal(pointer.function, 'example.com/hotspots.NewUser');
    assert.equal(pointer.objects, 300 + 1, 'one User per benchmark iteration, plus the b.N=1 run');

    assert.deepEqual(messages(lineOf('\treturn x\n'.trim())), ['x escapes to heap']);
    assert.deepEqual(messages(lineOf('return func() int {')), ['func literal escapes to heap']);
    assert.deepEqual(messages(lineOf('m := make(map[string]int)')), ['make(map[string]int) escapes to heap']);
    assert.match(messages(lineOf('return name + "-"'))[0]!, /escapes to heap$/);

    // The append's growth: Go 1.26 reports it at the line; older compilers say nothing there.
    const grow = at(lineOf('s = append(s, i)'));
    if (grow.findings.length === 0) assert.match(grow.note!, /runtime\.growslice/);
    else assert.deepEqual(grow.findings.map((f) => f.message), ['append escapes to heap']);
    assert.equal(grow.share, Math.max(...got.rows.map((x) => x.share)), 'the growing slice is the heaviest line');

    // The map insert allocates inside the runtime: no finding, an honest note.
    const insert = at(lineOf('m[w] = i'));
    assert.deepEqual(insert.findings, []);
    assert.equal(insert.note, 'no compiler finding here: map growth inside runtime.mapassign (an insert into a map on this line)');

    // Sum's buffer stays on the stack: no row at all.
    assert.ok(!got.rows.some((x) => x.function.endsWith('.Sum')), 'Sum does not allocate');
    // Every row either has findings or says why not.
    for (const row of got.rows) assert.ok(row.findings.length > 0 || row.note, `${row.line}: findings or a note`);
  });

  it('prints a table and a Markdown report a developer can paste', async () => {
    const text = await cli(['hotspots', profile, '--dir', dir], root);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /alloc_space, total [\d.]+ (KiB|MiB)/);
    assert.match(text.out, /shop\.go:\d+\s+example\.com\/hotspots\.Collect/);
    assert.match(text.out, /&User\{\.\.\.\} escapes to heap — returned from NewUser/);
    const md = await cli(['hotspots', profile, '--markdown', '--limit', '3', '--dir', dir], root);
    assert.equal(md.code, 0, md.err);
    const rows = md.out.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /^\| 1 \| shop\.go:\d+ \| example\.com\/hotspots\.Collect \| [\d.]+ (KiB|MiB) \| [\d.]+% \|/);
  });

  it('a -trimpath profile (module paths, not files): rows are mapped to the module\'s files and joined the same way', async () => {
    const trimmed = path.join(root, 'trim.out');
    const r = await runGo(dir, ['test', '-trimpath', '-run', '^$', '-bench', 'BenchmarkShop', '-benchtime=50x', '-memprofilerate=1', `-memprofile=${trimmed}`, '-o', path.join(root, 'trim.test'), '.'], 180_000);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    const got = JSON.parse((await cli(['hotspots', trimmed, '--json', '--dir', dir], root)).out) as HotspotReport;
    const user = got.rows.find((x) => x.function === 'example.com/hotspots.NewUser');
    assert.ok(user, JSON.stringify(got.rows.map((x) => x.file)));
    assert.equal(user.file, shop(), 'example.com/hotspots/shop.go is the module\'s shop.go');
    assert.deepEqual(user.findings.map((f) => f.message), ['&User{...} escapes to heap']);
    const want = await pprofTop(trimmed, 'alloc_space', 'B', root, ['-lines', '-hide=^runtime\\.']);
    assert.equal(user.flat, want.rows.get(`example.com/hotspots.NewUser example.com/hotspots/shop.go:${user.line}`)?.flat);
  });

  it('refuses bad input with one line and a usage exit code', async () => {
    const missing = await cli(['hotspots', path.join(root, 'nope.out')], root);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^go-memory-insight hotspots: cannot read .*nope\.out: no such file\n$/);
    const garbage = path.join(root, 'garbage.out');
    fs.writeFileSync(garbage, 'not a profile at all');
    const bad = await cli(['hotspots', garbage], root);
    assert.equal(bad.code, 1);
    assert.equal(bad.err.split('\n').length, 2, bad.err);
    const idx = await cli(['hotspots', profile, '--sample-index', 'cpu'], root);
    assert.equal(idx.code, 2);
    assert.match(idx.err, /no sample type "cpu" in this profile/);
    const both = await cli(['hotspots', profile, '--json', '--markdown'], root);
    assert.equal(both.code, 2);
  });

  it('a package that does not build: the figures stay, each row says why it has no reason', async () => {
    const original = fs.readFileSync(shop(), 'utf8');
    fs.appendFileSync(shop(), '\nfunc Broken() int { return "x" }\n');
    try {
      const r = await cli(['hotspots', profile, '--json', '--dir', dir], root);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^warning: .* does not build, so the compiler said nothing about it: shop\.go:\d+: .*\n/m);
      const got = JSON.parse(r.out) as HotspotReport;
      const rows = got.rows.filter((x) => x.file === shop());
      assert.ok(rows.length >= 6);
      for (const row of rows) {
        assert.deepEqual(row.findings, []);
        assert.match(row.note!, /^not analysed: the package does not build \(shop\.go:\d+: /);
      }
    } finally {
      fs.writeFileSync(shop(), original);
    }
  });

  it('attributes a sample to its first frame outside the runtime, inlined frames included', () => {
    // A profile as other producers write it: runtime allocation frames kept at the leaf, and a
    // Location of two lines (an inlined call). Hand-built with the wire format of profile.proto.
    const data = toProfileData(decodeProfile(encodeProfile()), 'synthetic');
    const att = attributeSamples(data, 0);
    assert.equal(att.total, 700);
    assert.equal(att.unattributed, 100, 'a stack of runtime frames only counts in the total');
    assert.deepEqual(att.rows.map((r) => [r.function, r.line, r.flat, r.allocators.map((a) => a.name)]), [
      ['main.inlined', 7, 400, ['runtime.growslice']],
      ['main.caller', 20, 200, ['runtime.mapassign_faststr']],
    ]);
    assert.equal(objectsIndexFor(data, 0), -1);
    const report = joinHotspots(data, att, { findingsAt: () => ({ heap: [], onStack: [] }) });
    assert.equal(report.rows[0]!.note, 'no compiler finding here: slice growth inside runtime.growslice (append)');
    assert.equal(report.rows[1]!.note, 'no compiler finding here: map growth inside runtime.mapassign_faststr');
    assert.equal(allocatorWords('runtime.convTstring'), 'an interface conversion inside runtime.convTstring');
  });
});

// ---- a tiny profile.proto writer for the synthetic case ------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function field(no: number, payload: number[] | number): number[] {
  if (typeof payload === 'number') return [...varint(no << 3), ...varint(payload)];
  return [...varint((no << 3) | 2), ...varint(payload.length), ...payload];
}

function encodeProfile(): Uint8Array {
  const strings = ['', 'alloc_space', 'bytes', 'runtime.mallocgc', 'runtime.growslice', 'main.inlined', 'main.caller', 'runtime.mapassign_faststr', 'main.go', '/usr/local/go/src/runtime/malloc.go'];
  const s = (x: string) => strings.indexOf(x);
  const fn = (id: number, name: string, file: string) => field(5, [...field(1, id), ...field(2, s(name)), ...field(3, s(name)), ...field(4, s(file))]);
  const line = (fnId: number, ln: number) => field(4, [...field(1, fnId), ...field(2, ln)]);
  const loc = (id: number, lines: number[][]) => field(4, [...field(1, id), ...lines.flat()]);
  const sample = (locs: number[], v: number) => field(2, [...field(1, locs.flatMap(varint)), ...field(2, varint(v))]);
  return Uint8Array.from([
    ...field(1, [...field(1, s('alloc_space')), ...field(2, s('bytes'))]),
    // main.caller:20 → (inlined) main.inlined:7 → runtime.growslice → runtime.mallocgc
    ...sample([1, 2, 3], 400),
    // main.caller:20 → runtime.mapassign_faststr → runtime.mallocgc
    ...sample([1, 4, 5], 200),
    // runtime only
    ...sample([1], 100),
    ...loc(1, [line(1, 10)]),
    ...loc(2, [line(2, 30)]),
    ...loc(3, [line(3, 7), line(4, 20)]),
    ...loc(4, [line(5, 40)]),
    ...loc(5, [line(4, 20)]),
    ...fn(1, 'runtime.mallocgc', '/usr/local/go/src/runtime/malloc.go'),
    ...fn(2, 'runtime.growslice', '/usr/local/go/src/runtime/malloc.go'),
    ...fn(3, 'main.inlined', 'main.go'),
    ...fn(4, 'main.caller', 'main.go'),
    ...fn(5, 'runtime.mapassign_faststr', '/usr/local/go/src/runtime/malloc.go'),
    ...strings.flatMap((x) => field(6, [...Buffer.from(x)])),
  ]);
}

describe('allocation hot spots: what a line without a compiler finding allocates', function () {
  this.timeout(240_000);
  const NOTES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'hotspotnotes');
  let root: string;
  let dir: string;
  let profile: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-hotspotnotes-'));
    dir = path.join(root, 'hotspotnotes');
    fs.cpSync(NOTES, dir, { recursive: true });
    profile = path.join(root, 'mem.out');
    const r = await runGo(dir, ['test', '-run', '^$', '-bench', 'BenchmarkNotes', '-benchtime=200x', '-memprofilerate=1', `-memprofile=${profile}`, '-o', path.join(root, 'notes.test'), '.'], 180_000);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('says so from the source line: a string concatenation, a map literal too big for the stack, a channel', async () => {
    const r = await cli(['hotspots', profile, '--json', '--dir', dir], root);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out) as HotspotReport;
    const want = await pprofTop(profile, 'alloc_space', 'B', root, ['-lines', '-hide=^runtime\\.']);
    const notes = path.join(dir, 'notes.go');
    const row = (marker: string) => {
      const line = markerLine(notes, marker);
      const found = got.rows.find((x) => x.file === notes && x.line === line);
      assert.ok(found, `a row at notes.go:${line} (${marker}) in ${got.rows.map((x) => `${path.basename(x.file)}:${x.line}`).join(', ')}`);
      assert.equal(found.flat, want.rows.get(`${found.function} ${found.file}:${found.line}`)?.flat, `${marker}: pprof's flat`);
      assert.deepEqual(found.findings, [], `${marker}: the compiler reports no heap allocation there`);
      return found.note;
    };
    assert.equal(row('// concat'), 'no compiler finding here: string concatenation inside runtime.concatstrings (the + on this line)');
    assert.equal(row('// maplit'), 'no compiler finding here: map[string]int{...} does not escape, but only a small map fits on the stack: the runtime allocates its larger table on the heap (runtime.makemap, mapassign)');
    assert.equal(row('// chan'), 'no compiler finding here: a channel made by runtime.makechan (a channel is always on the heap)');
  });

  it('reads type assertions, type switches and goroutines from the line, ignoring strings and comments', () => {
    assert.equal(sourceWords('\tif v, ok := x.(named); ok {'), "the type assertion's cache of itabs, grown by runtime.typeAssert");
    assert.equal(sourceWords('\tswitch v := x.(type) {'), "the type switch's cache of itabs, grown by runtime.interfaceSwitch");
    assert.equal(sourceWords('\tgo worker(ch)'), 'a goroutine started on this line (runtime.newproc: its stack and closure)');
    assert.equal(sourceWords('\tn += len(xs) // s += "x" in a comment'), 'string concatenation inside runtime.concatstrings (the + on this line)', 'a += is read as a concatenation: the line allocates and nothing else on it can');
    assert.equal(sourceWords('\tlog.Print("append(x) m[k] = v")'), undefined, 'words inside a string literal are not code');
    assert.equal(sourceWords('\tx := y.Method(z)'), undefined);
  });
});
