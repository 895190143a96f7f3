import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goProfiles, pprofTop, runGo } from './pprofFixtures';
import { runCli, type CliRun } from './cliRun';

function cli(args: string[], cwd: string, stdin: Buffer = Buffer.alloc(0)): Promise<CliRun> {
  return runCli(args, cwd, { stdin });
}

interface TopJson {
  sampleType: string;
  unit: string;
  total: number;
  rows: Array<{ function: string; flat: number; cum: number }>;
}

describe('go-memory-insight pprof top', function () {
  this.timeout(180_000);

  it('--json gives the totals and per-function values of go tool pprof -top, for heap and CPU profiles', async () => {
    const g = await goProfiles();
    const cases: Array<[string, string | undefined, string, 'B' | 'ns']> = [
      ['mem.out', undefined, 'alloc_space', 'B'],
      ['mem.out', 'alloc_objects', 'alloc_objects', 'B'],
      ['mem.out', '3', 'inuse_space', 'B'],
      ['cpu.out', undefined, 'cpu', 'ns'],
      ['cpu.out', 'samples', 'samples', 'ns'],
    ];
    for (const [file, index, type, unit] of cases) {
      const r = await cli(['pprof', 'top', file, '--json', ...(index ? ['--sample-index', index] : [])], g.dir);
      assert.equal(r.code, 0, r.err);
      const got = JSON.parse(r.out) as TopJson;
      assert.equal(got.sampleType, type);
      const want = await pprofTop(join(g.dir, file), type, unit, g.dir);
      assert.equal(got.total, want.total, `${file} ${type} total`);
      assert.deepEqual(new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), want.rows, `${file} ${type} rows`);
      for (let i = 1; i < got.rows.length; i++) assert.ok(got.rows[i - 1]!.flat >= got.rows[i]!.flat, 'heaviest flat first');
    }
  });

  it('--tagfocus, --tagignore, --show and --granularity give the totals and rows of go tool pprof with the same flags', async () => {
    const g = await goProfiles();
    // [file, sample type, unit, our flags, go tool pprof's flags]
    const cases: Array<[string, string, 'B' | 'ns', string[], string[]]> = [
      // The Go runtime gives every heap sample a numeric "bytes" label (the block size).
      ['mem.out', 'alloc_space', 'B', ['--tagfocus', 'bytes=64kb:'], ['-tagfocus=bytes=64kb:']],
      ['mem.out', 'alloc_space', 'B', ['--tagfocus', 'bytes=:1kb'], ['-tagfocus=bytes=:1kb']],
      ['mem.out', 'alloc_objects', 'B', ['--tagfocus', 'bytes=1kb:64kb'], ['-tagfocus=bytes=1kb:64kb']],
      ['mem.out', 'alloc_space', 'B', ['--tagfocus', '48b'], ['-tagfocus=48b']],
      ['mem.out', 'alloc_space', 'B', ['--tagignore', 'bytes=:32b'], ['-tagignore=bytes=:32b']],
      ['mem.out', 'alloc_space', 'B', ['--tagfocus', 'bytes=16b:1mb', '--tagignore', 'bytes=48'], ['-tagfocus=bytes=16b:1mb', '-tagignore=bytes=48']],
      ['mem.out', 'inuse_space', 'B', ['--granularity', 'files'], ['-files']],
      ['mem.out', 'alloc_space', 'B', ['--granularity', 'lines'], ['-lines']],
      ['mem.out', 'alloc_space', 'B', ['--granularity', 'filenames'], ['-filefunctions']],
      ['mem.out', 'alloc_space', 'B', ['--granularity', 'functions', '--tagfocus', 'bytes=:1kb', '--focus', 'Build|Even'], ['-functions', '-tagfocus=bytes=:1kb', '-focus=Build|Even']],
      ['mem.out', 'alloc_space', 'B', ['--granularity', 'lines', '--hide', 'runtime\\.', '--tagignore', 'bytes=64kb:'], ['-lines', '-hide=runtime\\.', '-tagignore=bytes=64kb:']],
      ['mem.out', 'alloc_space', 'B', ['--show', 'workload\\.go', '--granularity', 'files'], ['-show=workload\\.go', '-files']],
      // CPU samples taken under pprof.Do carry string labels (phase, worker).
      ['cpu.out', 'cpu', 'ns', ['--tagfocus', 'phase=hot'], ['-tagfocus=phase=hot']],
      ['cpu.out', 'cpu', 'ns', ['--tagfocus', 'phase=warm,hot'], ['-tagfocus=phase=warm,hot']],
      ['cpu.out', 'cpu', 'ns', ['--tagfocus', 'worker:w1'], ['-tagfocus=worker:w1']],
      ['cpu.out', 'cpu', 'ns', ['--tagignore', 'phase=warm', '--granularity', 'lines'], ['-tagignore=phase=warm', '-lines']],
    ];
    let labelled = 0;
    for (const [file, type, unit, ours, theirs] of cases) {
      const what = `${file} ${ours.join(' ')}`;
      const r = await cli(['pprof', 'top', file, '--json', '--sample-index', type, ...ours], g.dir);
      assert.equal(r.code, 0, r.err);
      const got = JSON.parse(r.out) as TopJson;
      const files = theirs.includes('-files');
      const want = await pprofTop(join(g.dir, file), type, unit, g.dir, theirs, files);
      assert.equal(got.total, want.total, `${what}: total`);
      assert.equal(got.rows.reduce((s, x) => s + x.flat, 0), want.shown, `${what}: shown`);
      if (files) {
        // go tool pprof lists a file once per function start line in it; we list it once: its
        // flat is the sum of those rows', its cum (each sample once) between their largest and their sum.
        const byFile = new Map<string, { flat: number; maxCum: number; sumCum: number }>();
        for (const x of want.list) {
          const e = byFile.get(x.name) ?? { flat: 0, maxCum: 0, sumCum: 0 };
          byFile.set(x.name, { flat: e.flat + x.flat, maxCum: Math.max(e.maxCum, x.cum), sumCum: e.sumCum + x.cum });
        }
        assert.deepEqual(got.rows.map((x) => x.function).sort(), [...byFile.keys()].sort(), `${what}: files`);
        for (const x of got.rows) {
          const e = byFile.get(x.function)!;
          assert.equal(x.flat, e.flat, `${what}: flat of ${x.function}`);
          assert.ok(x.cum >= e.maxCum && x.cum <= e.sumCum, `${what}: cum of ${x.function}: ${x.cum} not in [${e.maxCum}, ${e.sumCum}]`);
        }
        assert.ok(want.list.length > byFile.size, 'go tool pprof named some file twice');
      } else {
        assert.deepEqual(new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), want.rows, `${what}: rows`);
      }
      if (ours.some((a) => a.startsWith('--tag')) && want.shown > 0 && want.shown < want.total) labelled++;
    }
    // The label filters kept some samples and dropped others, in most cases.
    assert.ok(labelled >= 8, `cases where the label filters split the samples: ${labelled}`);
  });

  it('--focus, --ignore, --hide and --show match the object file (the binary of the mapping) as go tool pprof does', async () => {
    const g = await goProfiles();
    // go test runs the test binary from its build directory, /tmp/go-build…/b001/workload.test:
    // these patterns match that file name and no function or source file name.
    const cases: Array<[string, string, 'B' | 'ns', string[], string[]]> = [
      ['mem.out', 'alloc_space', 'B', ['--focus', '\\.test$'], ['-focus=\\.test$']],
      ['mem.out', 'alloc_space', 'B', ['--ignore', 'go-build'], ['-ignore=go-build']],
      ['mem.out', 'alloc_objects', 'B', ['--hide', '\\.test$', '--granularity', 'lines'], ['-hide=\\.test$', '-lines']],
      ['mem.out', 'alloc_space', 'B', ['--show', 'go-build'], ['-show=go-build']],
      ['mem.out', 'alloc_space', 'B', ['--focus', 'Build', '--ignore', 'b001/'], ['-focus=Build', '-ignore=b001/']],
      ['cpu.out', 'cpu', 'ns', ['--focus', '\\.test$', '--hide', 'runtime'], ['-focus=\\.test$', '-hide=runtime']],
    ];
    for (const [file, type, unit, ours, theirs] of cases) {
      const what = `${file} ${ours.join(' ')}`;
      const r = await cli(['pprof', 'top', file, '--json', '--sample-index', type, ...ours], g.dir);
      assert.equal(r.code, 0, r.err);
      const got = JSON.parse(r.out) as TopJson;
      const want = await pprofTop(join(g.dir, file), type, unit, g.dir, theirs, false, true);
      assert.equal(got.total, want.total, `${what}: total`);
      assert.equal(got.rows.reduce((s, x) => s + x.flat, 0), want.shown, `${what}: shown`);
      assert.deepEqual(new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), want.rows, `${what}: rows`);
    }
  });

  it('gives the totals of go tool pprof for profiles with negative values (pprof -proto -base / -diff_base)', async () => {
    const g = await goProfiles();
    // go tool pprof writes the difference of two real heap profiles: with -base the base's
    // samples negated, with -diff_base also labelled pprof::base=true. pprof's total is then the
    // sum of the samples' magnitudes (of the base's only, for -diff_base), not their sum.
    for (const flag of ['-base', '-diff_base']) {
      const out = join(g.dir, `diff${flag}.pb.gz`);
      const w = await runGo(['tool', 'pprof', '-proto', `${flag}=${g.memAlloc}`, `-output=${out}`, g.mem], g.dir);
      assert.equal(w.exitCode, 0, w.stderr);
      for (const [type, ours, theirs] of [
        ['alloc_space', [], []],
        ['inuse_objects', [], []],
        ['alloc_space', ['--focus', 'Build'], ['-focus=Build']],
        ['alloc_space', ['--tagfocus', 'bytes=:1kb', '--granularity', 'lines'], ['-tagfocus=bytes=:1kb', '-lines']],
      ] as Array<[string, string[], string[]]>) {
        const what = `${flag} ${type} ${ours.join(' ')}`;
        const r = await cli(['pprof', 'top', out, '--json', '--sample-index', type, ...ours], g.dir);
        assert.equal(r.code, 0, r.err);
        const got = JSON.parse(r.out) as TopJson;
        const want = await pprofTop(out, type, 'B', g.dir, theirs, false, true);
        assert.equal(got.total, want.total, `${what}: total`);
        assert.equal(got.rows.reduce((s, x) => s + x.flat, 0), want.shown, `${what}: shown`);
        assert.deepEqual(new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), want.rows, `${what}: rows`);
        if (ours.length === 0) assert.ok(got.rows.some((x) => x.flat < 0), `${what}: some flat below 0`);
      }
    }
  });

  it('refuses a bad --granularity or --tagfocus pattern in one line', async () => {
    const g = await goProfiles();
    for (const [args, message] of [
      [['--granularity', 'words'], /--granularity: expected one of functions, filenames, files, lines, got "words"/],
      [['--tagfocus', 'phase=(?=x)'], /--tagfocus: invalid pattern "\(\?=x\)"/],
    ] as const) {
      const r = await cli(['pprof', 'top', 'mem.out', ...args], g.dir);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message);
      assert.equal(r.out, '');
    }
  });

  it('prints a table like go tool pprof -top, also from standard input', async () => {
    const g = await goProfiles();
    const r = await cli(['pprof', 'top', '-', '--sample-index=alloc_space'], g.dir, g.memBytes);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse((await cli(['pprof', 'top', 'mem.out', '--json'], g.dir)).out) as TopJson;
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[1]!, /^Type: alloc_space \(bytes\)$/);
    assert.match(lines[3]!, /flat\s+flat%\s+sum%\s+cum\s+cum%\s+function/);
    assert.equal(lines.length, 4 + json.rows.length);
    assert.ok(lines[4]!.endsWith(json.rows[0]!.function));
  });

  it('fails with one line and a non-zero status on bad input', async () => {
    const g = await goProfiles();
    writeFileSync(join(g.dir, 'garbage.out'), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]));
    const cases: Array<[string[], number, RegExp]> = [
      [['pprof', 'top', 'missing.out'], 1, /cannot read missing\.out: no such file/],
      [['pprof', 'top', 'garbage.out'], 1, /garbage\.out: corrupt gzip data/],
      [['pprof', 'top', 'go.mod'], 1, /go\.mod: not a valid pprof profile/],
      [['pprof', 'top', 'mem.out', '--sample-index', 'nope'], 2, /no sample type "nope".*alloc_objects, alloc_space/],
      [['pprof', 'top', 'mem.out', '--sample-index', '9'], 2, /sample index 9 is out of range/],
      [['pprof', 'top', 'mem.out', '--bogus'], 2, /unknown flag --bogus/],
      [['pprof', 'top'], 2, /missing profile file/],
      [['pprof', 'nope'], 2, /unknown subcommand "nope"/],
      [['pprof', 'top', 'mem.out', '--focus', '('], 2, /--focus: invalid pattern "\(": missing closing \)/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args, g.dir);
      assert.equal(r.code, code, args.join(' '));
      assert.match(r.err, message);
      assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
      assert.equal(r.out, '');
    }
    // The built CLI: same one line, no stack trace.
    const built = spawnSync(process.execPath, [join(__dirname, '..', '..', '..', 'dist', 'cli.js'), 'pprof', 'top', 'garbage.out'], { cwd: g.dir, encoding: 'utf8' });
    assert.equal(built.status, 1);
    assert.match(built.stderr, /^go-memory-insight pprof: garbage\.out: corrupt gzip data[^\n]*\n$/);
  });
});
