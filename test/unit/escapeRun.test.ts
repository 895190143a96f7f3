import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EscapeRunError, runEscapeAnalysis, sanitizeGoFlags, type EscapeRunOptions, type EscapeRunResult } from '../../src/escape/run';
import { main } from '../../src/cli/main';
import { escapeCommand } from '../../src/cli/escape';
import type { CliIO } from '../../src/cli/command';
import { FINDING_KINDS } from '../../src/escape/types';
import { copyFixture, goBinary, markerLine, SAMPLES, testEnv, testRunner } from './escapeFixture';

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof EscapeRunError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

describe('escape: running the compiler', function () {
  this.timeout(240_000);
  let fx: ReturnType<typeof copyFixture>;
  const opts = (extra: Partial<EscapeRunOptions> = {}): EscapeRunOptions => ({ goBinary: goBinary(), dir: path.join(fx.dir, 'alloc'), env: testEnv(), runner: testRunner, ...extra });

  before(() => {
    fx = copyFixture();
  });
  after(() => fx.cleanup());

  it('analyses a package with its tests (package p and p_test), and a warm re-run is replayed from the cache', async () => {
    const first = await runEscapeAnalysis(opts());
    const second = await runEscapeAnalysis(opts());
    const dir = path.join(fx.dir, 'alloc');
    const file = path.join(dir, 'alloc.go');
    assert.ok(first.model.findingsAt(file, markerLine(file, 'u := User{Name: name}')).some((f) => f.kind === 'moved-to-heap'));
    assert.ok(first.model.findingsForFile(path.join(dir, 'alloc_test.go')).length > 0);
    assert.ok(first.model.findingsForFile(path.join(dir, 'ext_test.go')).length > 0);
    // `p` compiled alone and as `p [p.test]`: reported once.
    assert.ok([...first.model.all()].every((f) => f.count === Math.max(1, f.instantiations?.length ?? 0) + (f.wrappers ?? []).reduce((n, w) => n + w.count, 0) || f.synthetic || f.kind === 'inlined-call'), 'no duplicates');
    assert.ok(!first.model.fileNames().some((f) => f.endsWith('_testmain.go')));
    assert.deepEqual(first.packages.map((p) => [p.importPath, p.hasTests]), [['example.com/escapefx/alloc', true]]);
    assert.equal([...second.model.all()].length, [...first.model.all()].length);
    const compile = (r: typeof first): number => r.invocations.find((i) => i.args[0] === 'list')!.durationMs;
    console.log(`      first run ${first.durationMs} ms (compile ${compile(first)} ms), warm re-run ${second.durationMs} ms (compile ${compile(second)} ms)`);
    assert.ok(second.durationMs < 3000, `warm re-run took ${second.durationMs} ms`);
    assert.ok(!first.invocations.some((i) => i.args.some((a) => a.startsWith('-gcflags') && a !== '-gcflags=-m=2')));
  });

  it('the package\'s own findings come first (onPackages), the test files\' after; each file from one compile', async () => {
    const dir = path.join(fx.dir, 'alloc');
    let partial: Awaited<ReturnType<typeof runEscapeAnalysis>> | undefined;
    const full = await runEscapeAnalysis(opts({ onPackages: (r) => (partial = r) }));
    assert.ok(partial, 'onPackages was called');
    assert.ok(partial.model.findingsAt(path.join(dir, 'alloc.go'), markerLine(path.join(dir, 'alloc.go'), 'u := User{Name: name}')).some((f) => f.kind === 'moved-to-heap'));
    assert.ok(!partial.model.fileNames().some((f) => f.endsWith('_test.go')), 'no test file in the first part');
    // The package's own files keep exactly the findings of its own compile.
    for (const file of partial.model.fileNames()) assert.deepEqual(full.model.findingsForFile(file).map((f) => `${f.line}:${f.column}:${f.message}`), partial.model.findingsForFile(file).map((f) => `${f.line}:${f.column}:${f.message}`), file);
    assert.ok(full.model.findingsForFile(path.join(dir, 'alloc_test.go')).length > 0);
    assert.deepEqual(full.testErrors, []);
    assert.deepEqual(full.invocations.filter((i) => i.args[0] === 'list').map((i) => i.args.includes('-test')), [false, true]);
  });

  it('a test file that does not compile: the package\'s own findings stay, with the test file\'s error', async () => {
    const dir = path.join(fx.dir, 'testbroken');
    const r = await runEscapeAnalysis(opts({ dir }));
    const store = path.join(dir, 'store.go');
    assert.ok(r.model.findingsAt(store, markerLine(store, 'it := Item{ID: id}')).some((f) => f.kind === 'moved-to-heap'), 'moved to heap: it');
    assert.deepEqual(r.errors, []);
    const testFile = path.join(dir, 'store_test.go');
    assert.equal(r.testErrors.length, 1, JSON.stringify(r.testErrors));
    assert.equal(r.testErrors[0]!.file, testFile);
    assert.equal(r.testErrors[0]!.line, markerLine(testFile, 'the compile error of the test file'));
    assert.match(r.testErrors[0]!.message, /cannot use "not a number"/);
  });

  it('code inlined from other files of the module is placed in those files, whichever directory go ran in and filled the cache from', async () => {
    // inlined/log's compile reports its callees' closures at their own lines: ../log.go, which
    // the go command prints as `log.go` (from inlined/) or `..go` (from inlined/log/), and
    // ../other.go (`./other.go`, `../other.go`). Cached output is replayed with the paths of
    // the directory that filled the cache.
    const root = path.join(fx.dir, 'inlined');
    const logDir = path.join(root, 'log');
    const own = path.join(logDir, 'log.go');
    const check = (r: EscapeRunResult, how: string): void => {
      for (const [file, marker] of [[path.join(root, 'log.go'), 'closure: Panic'], [path.join(root, 'other.go'), 'closure: Fatal']] as const) {
        const line = markerLine(file, marker);
        const kinds = r.model.findingsAt(file, line).map((f) => f.kind);
        assert.ok(kinds.includes('leaking-param') && kinds.includes('escapes-to-heap'), `${how}: ${file}:${line} has ${kinds.join(', ')}`);
      }
      assert.deepEqual(r.model.findingsForFile(path.join(logDir, 'other.go')).map((f) => f.message), [], `${how}: nothing in log/other.go, which does not exist`);
      assert.deepEqual(r.model.findingsForFile(own).filter((f) => /msg/.test(f.message)).map((f) => `${f.line}: ${f.message}`), [], `${how}: the closures' findings are not log/log.go's`);
      assert.ok(r.model.findingsForFile(own).some((f) => f.kind === 'escapes-to-heap'), `${how}: log/log.go keeps its own findings`);
    };
    for (const [first, second] of [[root, logDir], [logDir, root]] as const) {
      // A new comment changes the package's cache key: the first run compiles, the second replays.
      fs.appendFileSync(own, `// compiled in ${path.basename(first)}\n`);
      const pkg = (d: string): string => (d === root ? './log' : '.');
      check(await runEscapeAnalysis(opts({ dir: first, packages: [pkg(first)], includeTests: false })), `compiled in ${first}`);
      check(await runEscapeAnalysis(opts({ dir: second, packages: [pkg(second)], includeTests: false })), `replayed in ${second}`);
    }
  });

  it('bounds checks only when asked', async () => {
    const off = await runEscapeAnalysis(opts({ includeTests: false }));
    const on = await runEscapeAnalysis(opts({ includeTests: false, boundsChecks: true }));
    assert.ok(![...off.model.all()].some((f) => f.kind === 'bounds-check'));
    assert.ok([...on.model.all()].some((f) => f.kind === 'bounds-check'));
  });

  it('a package that does not build: structured compiler errors, nothing half-parsed', async () => {
    const r = await runEscapeAnalysis(opts({ dir: fx.dir, packages: ['./broken', './plain'] }));
    const file = path.join(fx.dir, 'broken', 'broken.go');
    assert.ok(r.errors.length >= 1);
    assert.deepEqual([r.errors[0]!.file, r.errors[0]!.line, r.errors[0]!.column], [file, 4, 9]);
    assert.match(r.errors[0]!.message, /undefined: undefinedThing/);
    assert.equal(r.model.findingsForFile(file).length, 0);
    assert.ok(r.model.findingsForFile(path.join(fx.dir, 'plain', 'plain.go')).some((f) => f.kind === 'escapes-to-heap'));
  });

  it('build tags, from the option and from GOFLAGS; GOFLAGS that would change the output are dropped', async () => {
    const extra = path.join(fx.dir, 'tagged', 'extra.go');
    const plain = await runEscapeAnalysis(opts({ dir: path.join(fx.dir, 'tagged') }));
    assert.equal(plain.model.findingsForFile(extra).length, 0);
    const tagged = await runEscapeAnalysis(opts({ dir: path.join(fx.dir, 'tagged'), tags: ['gmiextra'] }));
    assert.ok(tagged.model.findingsForFile(extra).some((f) => f.kind === 'moved-to-heap'));
    const viaEnv = await runEscapeAnalysis(opts({ dir: path.join(fx.dir, 'tagged'), env: testEnv({ GOFLAGS: '-tags=gmiextra -json -gcflags=-N -mod=mod' }) }));
    assert.ok(viaEnv.model.findingsForFile(extra).some((f) => f.kind === 'moved-to-heap'));
    assert.deepEqual(sanitizeGoFlags("-tags=a,b -json -gcflags=all=-N -mod=mod '-ldflags=-s -w'"), { goflags: "-mod=mod '-ldflags=-s -w'", tags: ['a', 'b'], dropped: ['-json', '-gcflags=all=-N'] });
  });

  it('GOFLAGS from `go env -w` (the GOENV file) that would change the output are dropped, not read back', async () => {
    // -toolexec=false would make every compile fail. Dropping it must not leave GOFLAGS empty:
    // the go command would then read the file's value again.
    const goenv = path.join(fx.root, 'goenv');
    fs.writeFileSync(goenv, 'GOFLAGS=-toolexec=false\n');
    const env = testEnv({ GOENV: goenv });
    delete env.GOFLAGS;
    // A package the go command's cache has never seen, so that the compiler really runs.
    const dir = path.join(fx.dir, `fresh${process.pid}x${Date.now()}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, 'fresh.go');
    fs.writeFileSync(file, `package fresh\n\n// ${Date.now()}\nfunc P() *int {\n\tx := ${process.pid}\n\treturn &x\n}\n`);
    for (const e of [env, { ...env, GOFLAGS: '' }]) {
      const r = await runEscapeAnalysis(opts({ dir, env: e, includeTests: false }));
      assert.ok(r.model.findingsForFile(file).some((f) => f.kind === 'moved-to-heap'), JSON.stringify(r.errors));
      fs.appendFileSync(file, `\n// ${Date.now()}\n`);
    }
  });

  it('go.work workspaces', async () => {
    const r = await runEscapeAnalysis(opts({ dir: path.join(fx.dir, 'workspace', 'app') }));
    assert.ok(r.model.findingsForFile(path.join(fx.dir, 'workspace', 'app', 'app.go')).some((f) => f.kind === 'escapes-to-heap'));
  });

  it('clear errors: no go binary, outside a module, cgo without a C compiler, no such package, not a directory', async () => {
    await rejectsWith(runEscapeAnalysis(opts({ goBinary: path.join(os.tmpdir(), 'no-such-go-binary') })), 'no-go', /go binary was not found/);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-nomod-'));
    try {
      fs.writeFileSync(path.join(outside, 'x.go'), 'package x\n');
      await rejectsWith(runEscapeAnalysis(opts({ dir: outside })), 'outside-module', /not inside a Go module/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
    await rejectsWith(runEscapeAnalysis(opts({ dir: path.join(fx.dir, 'cgo'), env: testEnv({ CC: '/nonexistent', CGO_ENABLED: '1' }) })), 'cgo-no-compiler', /C compiler/);
    await rejectsWith(runEscapeAnalysis(opts({ dir: fx.dir, packages: ['./nothing'] })), 'go-failed', /nothing/);
    await rejectsWith(runEscapeAnalysis(opts({ dir: path.join(fx.dir, 'missing') })), 'no-dir', /not a directory/);
  });

  it('cancellation kills the go command', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-gocache-'));
    try {
      const ac = new AbortController();
      const p = runEscapeAnalysis(opts({ env: testEnv({ GOCACHE: cache }), signal: ac.signal }));
      setTimeout(() => ac.abort(), 400);
      const started = Date.now();
      await rejectsWith(p, 'cancelled', /cancelled/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});

function captureIO(cwd: string, env: NodeJS.ProcessEnv = testEnv()): { io: CliIO; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: fs.createReadStream(path.join(SAMPLES, 'escape-go125-in-for.txt')), cwd, env }, out: () => out.join(''), err: () => err.join('') };
}

describe('escape: CLI', function () {
  this.timeout(240_000);
  let fx: ReturnType<typeof copyFixture>;
  before(() => {
    fx = copyFixture();
  });
  after(() => fx.cleanup());

  it('--from-output FILE --json: one finding per summary line, explanation steps with their positions', async () => {
    const c = captureIO(fx.dir);
    assert.equal(await main(['escape', '--from-output', path.join(SAMPLES, 'escape-go120-equals.txt'), '--json', '--dir', '/m'], c.io), 0, c.err());
    const json = JSON.parse(c.out()) as { findings: { kind: string; file: string; line: number; column: number | null; message: string; explanation: { file: string; line: number; column: number | null; text: string }[] }[] };
    assert.equal(json.findings.length, 5);
    assert.ok(json.findings.every((f) => FINDING_KINDS.includes(f.kind as never)));
    const t = json.findings.find((f) => f.message === 'moved to heap: t')!;
    assert.equal(t.file, path.resolve('/m', 'old.go'));
    assert.deepEqual(t.explanation.map((s) => [s.line, s.column]), [[6, 2], [7, 9], [7, 2]]);
    assert.equal(t.explanation[1]!.text, 'from &t (address-of) at ./old.go:7:9');
  });

  it('--from-output - reads stdin; without --json prints a readable listing', async () => {
    const c = captureIO(fx.dir);
    assert.equal(await main(['escape', '--from-output', '-', '--dir', '/m'], c.io), 0, c.err());
    assert.match(c.out(), /newer\.go/);
    assert.match(c.out(), /buf is allocated on the heap/);
    assert.match(c.out(), /too large for the stack/);
  });

  it('runs the compiler on packages', async () => {
    const c = captureIO(fx.dir);
    assert.equal(await escapeCommand({ runner: testRunner }).run(['--json', '--dir', fx.dir, './plain'], c.io), 0, c.err());
    const json = JSON.parse(c.out()) as { findings: { kind: string; file: string }[] };
    assert.ok(json.findings.some((f) => f.kind === 'escapes-to-heap' && f.file === path.join(fx.dir, 'plain', 'plain.go')));
  });

  it('a test file that does not compile: the package\'s findings, then the test file\'s error, and a failure', async () => {
    const c = captureIO(fx.dir);
    const cmd = escapeCommand({ runner: testRunner });
    await assert.rejects(cmd.run(['--json', '--dir', path.join(fx.dir, 'testbroken')], c.io), /the test files do not build \(1 compiler error\): the findings above are those of the packages' own files/);
    const json = JSON.parse(c.out()) as { findings: { kind: string; file: string }[]; testErrors: { file: string; message: string }[] };
    assert.ok(json.findings.some((f) => f.kind === 'moved-to-heap' && f.file === path.join(fx.dir, 'testbroken', 'store.go')));
    assert.equal(json.testErrors[0]?.file, path.join(fx.dir, 'testbroken', 'store_test.go'));
    assert.match(c.err(), /store_test\.go:6:\d+: cannot use "not a number"/);
  });

  it('fails with one line and a non-zero status', async () => {
    let c = captureIO(fx.dir);
    assert.equal(await main(['escape', '--from-output', path.join(fx.dir, 'nope.txt')], c.io), 1);
    assert.match(c.err(), /^go-memory-insight escape: cannot read .*nope\.txt.*\n$/);
    c = captureIO(fx.dir);
    assert.equal(await main(['escape', '--bogus'], c.io), 2);
    assert.match(c.err(), /unknown flag --bogus/);
    c = captureIO(fx.dir);
    const cmd = escapeCommand({ runner: testRunner });
    await assert.rejects(cmd.run(['--dir', fx.dir, './broken'], c.io), /compiler error/);
    assert.match(c.err(), /broken\.go:4:9: undefined: undefinedThing/);
  });
});
