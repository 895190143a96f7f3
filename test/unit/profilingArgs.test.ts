import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchtimeWords, buildGoTestArgs, DEFAULT_BENCHTIME, describeCommand, describeTarget, effectiveBenchtime, isValidBenchtime, mergeBuildTags, parseTestFlags, splitBuildTags } from '../../src/profiling/goTestArgs';
import { copyFixture, runGo } from './profilingFixture';

describe('profiling: go test arguments', () => {
  it('selects one test', () => {
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'test', name: 'TestBuild' }, memProfile: '/s/m.pprof' }), [
      'test', '-count=1', '-run', '^TestBuild$', '-memprofile=/s/m.pprof', '.',
    ]);
  });

  it('selects one benchmark with -benchmem and no tests', () => {
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'benchmark', name: 'BenchmarkBuild' }, memProfile: '/s/m.pprof', memProfileRate: 1, testBinary: '/s/b.test' }), [
      'test', '-count=1', '-run', '^$', '-bench', '^BenchmarkBuild$', '-benchmem', '-o', '/s/b.test', '-memprofile=/s/m.pprof', '-memprofilerate=1', '.',
    ]);
  });

  it('runs all benchmarks of a package that has some, else all tests', () => {
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: 'm', cpuProfile: 'c' }), [
      'test', '-count=1', '-run', '^$', '-bench', '.', '-benchmem', '-memprofile=m', '-cpuprofile=c', '.',
    ]);
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'package', run: 'tests' }, memProfile: 'm' }), ['test', '-count=1', '-memprofile=m', '.']);
    assert.equal(describeTarget({ kind: 'package', run: 'benchmarks' }), 'all benchmarks');
    assert.equal(describeTarget({ kind: 'test', name: 'TestX' }), 'TestX');
  });

  it('puts user flags first and respects their -count and -tags', () => {
    const args = buildGoTestArgs({ target: { kind: 'test', name: 'TestX' }, memProfile: 'm', buildTags: ['a', 'b'], testFlags: ['-v', '-count=3', '-tags=z'] });
    assert.deepEqual(args, ['test', '-v', '-count=3', '-tags=z', '-run', '^TestX$', '-memprofile=m', '.']);
    const withTags = buildGoTestArgs({ target: { kind: 'test', name: 'TestX' }, memProfile: 'm', buildTags: ['a', 'b'], testFlags: ['-benchtime=10x'] });
    assert.deepEqual(withTags.slice(0, 4), ['test', '-benchtime=10x', '-tags=a,b', '-count=1']);
  });

  it('gives benchmark runs a short -benchtime, unless the user set one; tests get none', () => {
    assert.equal(DEFAULT_BENCHTIME, '100ms');
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: 'm', benchtime: '100ms' }), [
      'test', '-count=1', '-run', '^$', '-bench', '.', '-benchmem', '-benchtime=100ms', '-memprofile=m', '.',
    ]);
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'benchmark', name: 'BenchmarkB' }, memProfile: 'm', benchtime: '50x' }).slice(2, 8), ['-run', '^$', '-bench', '^BenchmarkB$', '-benchmem', '-benchtime=50x']);
    // Tests: no -bench, no -benchtime.
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'package', run: 'tests' }, memProfile: 'm', benchtime: '100ms' }), ['test', '-count=1', '-memprofile=m', '.']);
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'test', name: 'TestX' }, memProfile: 'm', benchtime: '100ms' }), ['test', '-count=1', '-run', '^TestX$', '-memprofile=m', '.']);
    // The user's -benchtime (in either spelling) wins, and no second one is added.
    for (const flags of [['-benchtime=2s'], ['-benchtime', '2s'], ['--benchtime=2s']]) {
      const args = buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: 'm', benchtime: '100ms', testFlags: flags });
      assert.equal(args.filter((a) => a.includes('benchtime')).length, 1, args.join(' '));
      assert.equal(effectiveBenchtime(flags, '100ms'), '2s');
    }
    // Empty setting: go's default.
    assert.ok(!buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: 'm', benchtime: '' }).some((a) => a.includes('benchtime')));
    assert.equal(effectiveBenchtime([], ''), '1s');
    assert.equal(effectiveBenchtime(undefined, '100ms'), '100ms');
  });

  it('says what a run runs, in the words of the go command', () => {
    assert.equal(describeCommand({ kind: 'package', run: 'benchmarks' }, '100ms'), "go test -run '^$' -bench . -benchmem -benchtime=100ms");
    assert.equal(describeCommand({ kind: 'package', run: 'tests' }, '100ms'), 'go test');
    assert.equal(describeCommand({ kind: 'benchmark', name: 'BenchmarkB' }, '1s'), "go test -run '^$' -bench '^BenchmarkB$' -benchmem -benchtime=1s");
    assert.equal(describeCommand({ kind: 'test', name: 'TestX' }, '1s'), "go test -run '^TestX$'");
    assert.equal(describeTarget({ kind: 'package', run: 'tests' }), 'all tests');
    assert.deepEqual(['100ms', '20x', '1x'].map(benchtimeWords), ['for about 100ms', '20 times', 'once']);
    for (const ok of ['100ms', '1s', '1.5s', '2m', '1h30m', '50x', '250us', '10µs']) assert.ok(isValidBenchtime(ok), ok);
    for (const bad of ['', 'fast', '1', 'x', '-1s', '10 s', '1.5x']) assert.ok(!isValidBenchtime(bad), bad);
  });

  it('runs the real go test with the -benchtime it adds: the benchmarks run about that long', async function () {
    this.timeout(120_000);
    const fx = copyFixture();
    try {
      const mem = path.join(path.dirname(fx.dir), 'mem.pprof');
      const args = buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: mem, benchtime: DEFAULT_BENCHTIME });
      const t0 = Date.now();
      const res = await runGo(fx.dir, args);
      assert.equal(res.exitCode, 0, res.stdout + res.stderr);
      // Three benchmark results (one with two sub-benchmarks): 100ms each, not go's 1s.
      const results = res.stdout.split('\n').filter((l) => /^Benchmark\S+\s+\d+/.test(l));
      assert.equal(results.length, 3, res.stdout);
      const ran = /^ok\s+\S+\s+([\d.]+)s/m.exec(res.stdout);
      assert.ok(ran && Number(ran[1]) < 3, `the test binary ran ${ran?.[1]} s (wall clock ${Date.now() - t0} ms): ${res.stdout}`);
      assert.ok(fs.statSync(mem).size > 0);
    } finally {
      fx.cleanup();
    }
  });

  it('ignores a zero or negative memprofilerate', () => {
    for (const rate of [0, -5]) assert.ok(!buildGoTestArgs({ target: { kind: 'test', name: 'T' }, memProfile: 'm', memProfileRate: rate }).some((a) => a.startsWith('-memprofilerate')));
  });

  it('splits tag and flag settings', () => {
    assert.deepEqual(splitBuildTags('integration, linux  foo'), ['integration', 'linux', 'foo']);
    assert.deepEqual(splitBuildTags(''), []);
    assert.deepEqual(mergeBuildTags(['a', 'b'], undefined, ['b', 'c']), ['a', 'b', 'c']);
    assert.deepEqual(parseTestFlags(['-v', 3, '', '-race']), ['-v', '-race']);
    assert.deepEqual(parseTestFlags(`-v -run 'Test A' -ldflags="-s -w"`), ['-v', '-run', 'Test A', '-ldflags=-s -w']);
    assert.deepEqual(parseTestFlags(undefined), []);
  });

  it('builds arguments the real go test accepts: profile written, test binary kept out of the package', async () => {
    const fx = copyFixture();
    try {
      const out = path.join(path.dirname(fx.dir), 'out');
      fs.mkdirSync(out);
      const mem = path.join(out, 'mem.pprof');
      const cpu = path.join(out, 'cpu.pprof');
      const bin = path.join(out, 'pkg.test');
      const args = buildGoTestArgs({ target: { kind: 'test', name: 'TestBuild' }, memProfile: mem, cpuProfile: cpu, testBinary: bin, memProfileRate: 1, buildTags: ['gmi_unused_tag'], testFlags: ['-v'] });
      const res = await runGo(fx.dir, args);
      assert.equal(res.exitCode, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /--- PASS: TestBuild/);
      assert.doesNotMatch(res.stdout, /BenchmarkBuild/);
      assert.ok(fs.statSync(mem).size > 0, 'heap profile written');
      assert.ok(fs.statSync(cpu).size > 0, 'CPU profile written');
      assert.deepEqual(fs.readdirSync(fx.dir).filter((f) => f.endsWith('.test')), []);
    } finally {
      fx.cleanup();
    }
  });
});
