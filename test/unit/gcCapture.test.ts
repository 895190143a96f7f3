// Recording the GC trace of a profiling run: go test with the -exec that gives the test binary
// (and only it) GODEBUG=gctrace=1, on the profiling fixture, and the trace taken back out of
// go test's output.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cycleCount, gcTraceEnv, gcTraceExec, mergeGodebug, separateGcTrace, withoutGcTrace } from '../../src/gc/capture';
import { parseGcTrace } from '../../src/gc/gctrace';
import { parseBenchOutput } from '../../src/profiling/bench';
import { buildGoTestArgs } from '../../src/profiling/goTestArgs';
import { copyFixture, goEnv, goPath, runGo } from './profilingFixture';
import { runTool } from '../../src/goenv/run';

describe('GC trace of a profiling run', function () {
  this.timeout(300_000);

  it('adds gctrace=1 to GODEBUG, keeping what is there', () => {
    assert.equal(mergeGodebug(undefined), 'gctrace=1');
    assert.equal(mergeGodebug(''), 'gctrace=1');
    assert.equal(mergeGodebug('madvdontneed=1, http2debug=2'), 'madvdontneed=1,http2debug=2,gctrace=1');
    assert.equal(mergeGodebug('gctrace=2,x=1'), 'gctrace=2,x=1');
    assert.equal(gcTraceExec('linux'), `sh -c 'GODEBUG="$GMI_GCTRACE_GODEBUG" exec "$0" "$@" 2>>"$GMI_GCTRACE_STDERR"'`);
    assert.equal(gcTraceExec('win32'), undefined);
    assert.deepEqual(gcTraceEnv('x=1,gctrace=1', '/tmp/a b.txt'), { GMI_GCTRACE_GODEBUG: 'x=1,gctrace=1', GMI_GCTRACE_STDERR: '/tmp/a b.txt' });
  });

  it('records the test binary\'s trace in a file of its own, not the go command\'s, and leaves the benchmark lines whole', async () => {
    const fx = copyFixture();
    try {
      const common = { target: { kind: 'package', run: 'benchmarks' } as const, benchtime: '100ms' };
      const exec = gcTraceExec(process.platform);
      assert.ok(exec);
      const args = buildGoTestArgs({ ...common, memProfile: path.join(fx.dir, 'mem.out'), testBinary: path.join(fx.dir, 'p.test'), exec });
      assert.deepEqual(args.slice(args.indexOf('-exec'), args.indexOf('-exec') + 2), ['-exec', exec]);
      // A file name with a space and a quote: the script reads it from the environment.
      const stderrFile = path.join(fx.dir, "test's stderr.txt");
      const traced = await runTool(goPath(), args, { cwd: fx.dir, env: { ...goEnv(), ...gcTraceEnv(mergeGodebug('madvdontneed=1'), stderrFile) }, timeoutMs: 120000 });
      assert.equal(traced.exitCode, 0, traced.stderr);
      // The go command, the compiler and vet got no GODEBUG, and the test's output holds no trace.
      assert.doesNotMatch(traced.stderr, /gc \d+ @/);
      assert.doesNotMatch(traced.stdout, /gc \d+ @/);
      const { trace, rest } = separateGcTrace(fs.readFileSync(stderrFile, 'utf8'));
      assert.equal(rest.trim(), '', 'nothing else on the benchmarks\' standard error');
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
      assert.deepEqual(names(traced.stdout), names(plain.stdout));
      const shape = (out: string) => out.split('\n').filter((l) => l.startsWith('Benchmark')).map((l) => l.replace(/\d+(\.\d+)?/g, 'N').replace(/\s+/g, ' '));
      assert.deepEqual(shape(traced.stdout), shape(plain.stdout));
      assert.equal(withoutGcTrace(trace.split('\n')[0]!), undefined);
      assert.equal(withoutGcTrace('PASS'), 'PASS');
    } finally {
      fx.cleanup();
    }
  });
});
