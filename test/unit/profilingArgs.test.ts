import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildGoTestArgs, describeTarget, mergeBuildTags, parseTestFlags, splitBuildTags } from '../../src/profiling/goTestArgs';
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
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'package', hasBenchmarks: true }, memProfile: 'm', cpuProfile: 'c' }), [
      'test', '-count=1', '-run', '^$', '-bench', '.', '-benchmem', '-memprofile=m', '-cpuprofile=c', '.',
    ]);
    assert.deepEqual(buildGoTestArgs({ target: { kind: 'package', hasBenchmarks: false }, memProfile: 'm' }), ['test', '-count=1', '-memprofile=m', '.']);
    assert.equal(describeTarget({ kind: 'package', hasBenchmarks: true }), 'all benchmarks');
    assert.equal(describeTarget({ kind: 'test', name: 'TestX' }), 'TestX');
  });

  it('puts user flags first and respects their -count and -tags', () => {
    const args = buildGoTestArgs({ target: { kind: 'test', name: 'TestX' }, memProfile: 'm', buildTags: ['a', 'b'], testFlags: ['-v', '-count=3', '-tags=z'] });
    assert.deepEqual(args, ['test', '-v', '-count=3', '-tags=z', '-run', '^TestX$', '-memprofile=m', '.']);
    const withTags = buildGoTestArgs({ target: { kind: 'test', name: 'TestX' }, memProfile: 'm', buildTags: ['a', 'b'], testFlags: ['-benchtime=10x'] });
    assert.deepEqual(withTags.slice(0, 4), ['test', '-benchtime=10x', '-tags=a,b', '-count=1']);
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
