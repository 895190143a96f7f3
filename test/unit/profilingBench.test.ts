import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { formatBenchSummary, formatNumber, parseBenchLine, parseBenchOutput, percentChange } from '../../src/profiling/bench';
import { buildGoTestArgs } from '../../src/profiling/goTestArgs';
import { copyFixture, runGo } from './profilingFixture';

describe('profiling: benchmark results', () => {
  it('parses a -benchmem line', () => {
    const r = parseBenchLine('BenchmarkBuild-8        	    1882	    647972 ns/op	  266672 B/op	     193 allocs/op');
    assert.deepEqual(r, {
      name: 'BenchmarkBuild', func: 'BenchmarkBuild', sub: '', procs: 8, iterations: 1882,
      nsPerOp: 647972, bytesPerOp: 266672, allocsPerOp: 193,
      metrics: { 'ns/op': 647972, 'B/op': 266672, 'allocs/op': 193 },
    });
  });

  it('parses sub-benchmarks, fractional ns/op, custom metrics and lines without a procs suffix', () => {
    const r = parseBenchLine('BenchmarkBuildSizes/large_n-2 \t 1000000000\t         0.2551 ns/op\t  12.50 MB/s\t       3.000 hits/op');
    assert.equal(r?.name, 'BenchmarkBuildSizes/large_n');
    assert.equal(r?.func, 'BenchmarkBuildSizes');
    assert.equal(r?.sub, 'large_n');
    assert.equal(r?.nsPerOp, 0.2551);
    assert.equal(r?.bytesPerOp, undefined);
    assert.deepEqual(r?.metrics, { 'ns/op': 0.2551, 'MB/s': 12.5, 'hits/op': 3 });
    const noProcs = parseBenchLine('BenchmarkX \t 10\t 5 ns/op');
    assert.equal(noProcs?.name, 'BenchmarkX');
    assert.equal(noProcs?.procs, undefined);
  });

  it('joins a name printed alone (-v, or a benchmark that logs) with its result line', () => {
    const out = ['BenchmarkLogs', '    x_test.go:9: hello', 'BenchmarkLogs-4   \t     100\t     1234 ns/op', 'BenchmarkQuiet', '    x_test.go:12: starting', '     200\t      55 ns/op\t      16 B/op\t       1 allocs/op', 'PASS', 'ok  \tx\t0.1s'].join('\n');
    const rs = parseBenchOutput(out);
    assert.deepEqual(rs.map((r) => [r.name, r.iterations, r.bytesPerOp]), [['BenchmarkLogs', 100, undefined], ['BenchmarkQuiet', 200, 16]]);
  });

  it('ignores everything that is not a result', () => {
    assert.deepEqual(parseBenchOutput('goos: linux\ngoarch: amd64\npkg: x\ncpu: AMD\n--- FAIL: BenchmarkX\nPASS\nok  \tx\t1s\n    12 things happened'), []);
  });

  it('formats the code lens with the change against the previous run', () => {
    const before = parseBenchLine('BenchmarkB-8  100  400 ns/op  128 B/op  4 allocs/op')!;
    const now = parseBenchLine('BenchmarkB-8  100  412 ns/op  96 B/op  3 allocs/op')!;
    assert.equal(formatBenchSummary(now), '412 ns/op · 96 B/op · 3 allocs/op');
    assert.equal(formatBenchSummary(now, before), '412 ns/op · 96 B/op · 3 allocs/op (−25% B/op, −25% allocs/op)');
    assert.equal(formatBenchSummary(now, now), '412 ns/op · 96 B/op · 3 allocs/op (unchanged)');
    const slower = parseBenchLine('BenchmarkB/sub-8  100  900 ns/op  192 B/op  3 allocs/op')!;
    assert.equal(formatBenchSummary(slower, now), 'sub: 900 ns/op · 192 B/op · 3 allocs/op (+118% ns/op, +100% B/op)');
    assert.equal(formatNumber(266672), '266,672');
    assert.equal(formatNumber(0.25514), '0.255');
    assert.equal(percentChange(5, 0), undefined);
    assert.equal(percentChange(0, 0), 0);
  });

  it('parses what the real go test -bench -benchmem prints, sub-benchmarks included', async () => {
    const fx = copyFixture();
    try {
      const args = buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: path.join(path.dirname(fx.dir), 'mem.pprof'), testFlags: ['-benchtime=20x'] });
      const res = await runGo(fx.dir, args);
      assert.equal(res.exitCode, 0, res.stdout + res.stderr);
      const rs = parseBenchOutput(res.stdout);
      assert.deepEqual(rs.map((r) => r.name).sort(), ['BenchmarkBuild', 'BenchmarkBuildSizes/large', 'BenchmarkBuildSizes/small']);
      for (const r of rs) {
        assert.equal(r.iterations, 20);
        assert.ok(r.nsPerOp! > 0 && r.bytesPerOp! > 0 && r.allocsPerOp! > 0, JSON.stringify(r));
      }
      // Build(n) makes n 4 KiB payloads: more records, more bytes per op.
      const large = rs.find((r) => r.sub === 'large')!;
      const small = rs.find((r) => r.sub === 'small')!;
      assert.ok(large.bytesPerOp! > 128 * 4096 && small.bytesPerOp! < large.bytesPerOp!);
      assert.ok(large.allocsPerOp! > small.allocsPerOp!);
    } finally {
      fx.cleanup();
    }
  });
});
