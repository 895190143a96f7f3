// Recording the GC trace of a profiling run: go test with the -exec that gives the test binary
// (and only it) GODEBUG=gctrace=1, on the profiling fixture, and the trace taken back out of
// go test's output.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { cycleCount, gcTraceExec, mergeGodebug, separateGcTrace, withoutGcTrace } from '../../src/gc/capture';
import { parseGcTrace } from '../../src/gc/gctrace';
import { parseBenchOutput } from '../../src/profiling/bench';
import { buildGoTestArgs } from '../../src/profiling/goTestArgs';
import { copyFixture, runGo } from './profilingFixture';

describe('GC trace of a profiling run', function () {
  this.timeout(300_000);

  it('adds gctrace=1 to GODEBUG, keeping what is there', () => {
    assert.equal(mergeGodebug(undefined), 'gctrace=1');
    assert.equal(mergeGodebug(''), 'gctrace=1');
    assert.equal(mergeGodebug('madvdontneed=1, http2debug=2'), 'madvdontneed=1,http2debug=2,gctrace=1');
    assert.equal(mergeGodebug('gctrace=2,x=1'), 'gctrace=2,x=1');
    assert.equal(gcTraceExec('gctrace=1', 'linux'), 'env GODEBUG=gctrace=1');
    assert.equal(gcTraceExec('gctrace=1', 'win32'), undefined);
  });

  it('records the test binary\'s trace, not the go command\'s, and gives the benchmark lines back whole', async () => {
    const fx = copyFixture();
    try {
      const common = { target: { kind: 'package', run: 'benchmarks' } as const, benchtime: '100ms' };
      const exec = gcTraceExec(mergeGodebug('madvdontneed=1'), process.platform);
      assert.ok(exec);
      const args = buildGoTestArgs({ ...common, memProfile: path.join(fx.dir, 'mem.out'), testBinary: path.join(fx.dir, 'p.test'), exec });
      assert.deepEqual(args.slice(args.indexOf('-exec'), args.indexOf('-exec') + 2), ['-exec', 'env GODEBUG=madvdontneed=1,gctrace=1']);
      const traced = await runGo(fx.dir, args);
      assert.equal(traced.exitCode, 0, traced.stderr);
      // The go command, the compiler and vet got no GODEBUG: nothing on go test's stderr.
      assert.doesNotMatch(traced.stderr, /gc \d+ @/);
      assert.match(traced.stdout, /gc \d+ @/);
      const { trace, rest } = separateGcTrace(traced.stdout);
      assert.doesNotMatch(rest, /gc \d+ @/);
      const t = parseGcTrace(trace);
      assert.equal(t.runs.length, 1, 'one test binary');
      assert.ok(t.runs[0]!.cycles.length > 0);
      assert.equal(cycleCount(trace), t.runs[0]!.cycles.length);
      assert.equal(t.otherLines, 0);
      // The same benchmarks, line for line in the same form, as a run without the trace.
      const plain = await runGo(fx.dir, buildGoTestArgs({ ...common, memProfile: path.join(fx.dir, 'mem2.out'), testBinary: path.join(fx.dir, 'p2.test') }));
      assert.equal(plain.exitCode, 0, plain.stderr);
      const names = (out: string) => parseBenchOutput(out).map((b) => b.name);
      assert.ok(names(plain.stdout).length > 0);
      assert.deepEqual(names(rest), names(plain.stdout));
      const shape = (out: string) => out.split('\n').filter((l) => l.startsWith('Benchmark')).map((l) => l.replace(/\d+(\.\d+)?/g, 'N').replace(/\s+/g, ' '));
      assert.deepEqual(shape(rest), shape(plain.stdout));
      // A glued line shown in the output channel keeps its program part.
      const glued = traced.stdout.split('\n').find((l) => /^Benchmark\S+\s+gc \d+ @/.test(l));
      if (glued) assert.match(withoutGcTrace(glued)!, /^Benchmark\S+\s*$/);
      assert.equal(withoutGcTrace(trace.split('\n')[0]!), undefined);
      assert.equal(withoutGcTrace('PASS'), 'PASS');
    } finally {
      fx.cleanup();
    }
  });
});
