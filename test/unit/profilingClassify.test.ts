import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBenchOutput } from '../../src/profiling/bench';
import { classifyRun, type RunOutcomeInput } from '../../src/profiling/classify';
import { buildGoTestArgs, type ProfileTarget } from '../../src/profiling/goTestArgs';
import { checkGoVersion, parseGoVersion } from '../../src/profiling/goVersion';
import { copyFixture, runGo } from './profilingFixture';

describe('profiling: why a run failed, from real go test output', function () {
  this.timeout(180000);
  let fx: ReturnType<typeof copyFixture>;
  before(() => {
    fx = copyFixture();
  });
  after(() => fx.cleanup());

  /** Runs the real go test the extension would run, and classifies it. */
  async function run(subdir: string, target: ProfileTarget, extra: string[] = []): Promise<{ input: RunOutcomeInput; profile: string }> {
    const profile = path.join(path.dirname(fx.dir), `${subdir.replace(/\W/g, '_')}-${target.kind}.pprof`);
    const args = buildGoTestArgs({ target, memProfile: profile, testFlags: extra });
    const res = await runGo(path.join(fx.dir, subdir), args);
    const expectBenchmarks = target.kind === 'benchmark' || (target.kind === 'package' && target.run === 'benchmarks');
    return { input: { ...res, cancelled: false, timedOut: false, expectBenchmarks, benchmarkCount: parseBenchOutput(res.stdout).length }, profile };
  }

  it('passes a good run', async () => {
    const { input, profile } = await run('.', { kind: 'test', name: 'TestBuild' });
    assert.deepEqual(classifyRun(input), { kind: 'ok', message: 'ok' });
    assert.ok(fs.existsSync(profile));
  });

  it('reports a package that does not compile, with the first compiler error', async () => {
    const { input, profile } = await run('cases/broken', { kind: 'package', run: 'tests' });
    const o = classifyRun(input);
    assert.equal(o.kind, 'build-failed');
    assert.match(o.firstError!, /broken\.go:9:\d+: undefined: totl/);
    assert.equal(o.message, `The package does not build: ${o.firstError}`);
    assert.equal(fs.existsSync(profile), false, 'no profile from a build failure');
  });

  it('names the failing test, and the profile is written anyway', async () => {
    const { input, profile } = await run('cases/failing', { kind: 'package', run: 'tests' });
    const o = classifyRun(input);
    assert.deepEqual([o.kind, o.message, o.failed], ['test-failed', 'FAIL TestFails', ['TestFails']]);
    assert.ok(fs.existsSync(profile));
  });

  it('reports a package with no test files', async () => {
    const { input } = await run('cases/notests', { kind: 'package', run: 'tests' });
    assert.equal(classifyRun(input).kind, 'no-test-files');
  });

  it('reports a test or a benchmark that matched nothing', async () => {
    const t = await run('.', { kind: 'test', name: 'TestRenamedAway' });
    assert.deepEqual(classifyRun(t.input), { kind: 'no-tests', message: 'No tests to run: nothing matched.' });
    const b = await run('.', { kind: 'benchmark', name: 'BenchmarkRenamedAway' });
    assert.equal(b.input.exitCode, 0);
    assert.deepEqual(classifyRun(b.input), { kind: 'no-tests', message: 'No benchmarks ran: nothing matched.' });
  });

  it("reports go test's own timeout on a test that never finishes", async () => {
    const { input } = await run('slow', { kind: 'test', name: 'TestHangs' }, ['-timeout=2s']);
    const o = classifyRun(input);
    assert.equal(o.kind, 'timeout');
    assert.match(o.message, /timed out \(test timed out after 2s\)/);
  });

  it('stops a benchmark that never finishes at our timeout (go test -timeout does not apply to benchmarks), leaving no process', async function () {
    if (process.platform === 'win32') this.skip(); // lists processes with ps
    const profile = path.join(path.dirname(fx.dir), 'forever.pprof');
    const args = buildGoTestArgs({ target: { kind: 'benchmark', name: 'BenchmarkForever' }, memProfile: profile, testFlags: ['-timeout=1s'] });
    const res = await runGo(path.join(fx.dir, 'slow'), args, 6000);
    assert.equal(res.timedOut, true, 'go test -timeout=1s did not stop the benchmark; our 6 s limit did');
    const o = classifyRun({ ...res, timeoutMs: 6000 });
    assert.deepEqual(o, { kind: 'timeout', message: 'go test timed out after 6 s (setting goMemoryInsight.profileTimeout).' });
    assert.equal(fs.existsSync(profile), false);
    const left = (): string[] => execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('BenchmarkForever') && l.includes(fx.dir.split(path.sep).at(-2)!));
    const deadline = Date.now() + 5000;
    while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(left(), []);
  });

  it('reports our own timeout, cancellation and a go that could not start', () => {
    const base: RunOutcomeInput = { exitCode: null, stdout: 'goos: linux\n', stderr: '', cancelled: false, timedOut: false };
    assert.equal(classifyRun({ ...base, timedOut: true, timeoutMs: 90000 }).message, 'go test timed out after 1 min 30 s (setting goMemoryInsight.profileTimeout).');
    assert.equal(classifyRun({ ...base, cancelled: true }).kind, 'cancelled');
    assert.equal(classifyRun({ ...base, spawnError: 'ENOENT: spawn /nope/go' }).message, 'go could not be started: ENOENT: spawn /nope/go');
  });

  it('reports a go command error outside a module', async () => {
    const outside = path.join(path.dirname(fx.dir), 'nomodule');
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'x_test.go'), 'package x\n');
    const res = await runGo(outside, buildGoTestArgs({ target: { kind: 'package', run: 'tests' }, memProfile: path.join(outside, 'm.pprof') }));
    const o = classifyRun({ ...res, cancelled: false, timedOut: false });
    assert.notEqual(o.kind, 'ok');
    assert.match(o.message, /go: |cannot find|go\.mod/);
  });
});

describe('profiling: go version', () => {
  it('parses go version output', () => {
    assert.deepEqual(parseGoVersion('go version go1.26.8 linux/amd64'), { major: 1, minor: 26, patch: 8, devel: false, text: 'go1.26.8' });
    assert.deepEqual(parseGoVersion('go version go1.22rc1 darwin/arm64')?.minor, 22);
    assert.equal(parseGoVersion('go version devel go1.24-abcdef Tue Jan 1 linux/amd64')?.devel, true);
    assert.equal(parseGoVersion('nonsense'), undefined);
  });

  it('requires go1.21 or newer', () => {
    assert.equal(checkGoVersion('go version go1.21.0 linux/amd64'), undefined);
    assert.equal(checkGoVersion('go version devel +abc linux/amd64'), undefined);
    assert.equal(checkGoVersion('go version go1.20.14 linux/amd64'), 'go1.20.14 is too old: profiling needs go1.21 or newer.');
    assert.match(checkGoVersion(undefined)!, /could not tell the Go version/);
  });

  it('accepts the installed go', async () => {
    const res = await runGo(process.cwd(), ['version']);
    assert.equal(checkGoVersion(res.stdout), undefined, res.stdout);
  });
});
