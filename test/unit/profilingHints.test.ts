// The hint for a (nearly) empty heap profile: worked out from figures, then on the real heap
// profile of a benchmark that allocates nothing (test/fixtures/profiling/cases/noalloc).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProfileData } from '../../src/pprof/decode';
import { parseBenchLine, parseBenchOutput } from '../../src/profiling/bench';
import { buildGoTestArgs, DEFAULT_BENCHTIME } from '../../src/profiling/goTestArgs';
import { heapProfileStats, profileHint, testEntryOf, type HeapProfileStats } from '../../src/profiling/hints';
import { copyFixture, runGo } from './profilingFixture';

const KIB = 1024;

function stats(extra: Partial<HeapProfileStats>): HeapProfileStats {
  return { totalBytes: 512 * KIB, stacks: 1, ownBytes: 0, period: 512 * KIB, ...extra };
}

describe('profiling: hints for nearly empty profiles', () => {
  it('finds the test or benchmark a function belongs to', () => {
    assert.equal(testEntryOf('example.com/m.BenchmarkX'), 'BenchmarkX');
    assert.equal(testEntryOf('example.com/m.BenchmarkX.func1.2'), 'BenchmarkX');
    assert.equal(testEntryOf('gopkg.in/yaml.v3.TestDecode'), 'TestDecode');
    assert.equal(testEntryOf('example.com/m_test.BenchmarkG[...]'), 'BenchmarkG');
    for (const f of ['runtime.main', 'testing.(*B).runN', 'testing.runExamples', 'example.com/m.Benchmarker', 'example.com/m.build']) {
      assert.equal(testEntryOf(f), undefined, f);
    }
  });

  it('explains a zero-alloc benchmark at the default rate and offers memProfileRate=1', () => {
    const bench = parseBenchLine('BenchmarkSum-8  31192545  8.77 ns/op  0 B/op  0 allocs/op')!;
    const hint = profileHint({ stats: stats({}), memProfileRate: 0, benchmarks: [bench] })!;
    assert.equal(hint.kind, 'thin-profile');
    assert.ok(hint.offerFullRate);
    assert.equal(
      hint.message,
      'The heap profile is nearly empty (1 sample, 512 KiB in total, none of it from the tests or benchmarks): BenchmarkSum allocates nothing per op (0 B/op), so what is left is the runtime\'s own allocations, and Go samples one allocation per 512 KiB allocated by default. Re-run with memProfileRate=1 to record every allocation (the setting goMemoryInsight.memProfileRate keeps it).',
    );
  });

  it('explains a benchmark that allocates too little to be sampled, and tests likewise', () => {
    const bench = parseBenchLine('BenchmarkSmall-8  1000  500 ns/op  96 B/op  1 allocs/op')!;
    const h = profileHint({ stats: stats({ totalBytes: 1024 * KIB, stacks: 2, ownBytes: 512 * KIB }), memProfileRate: 0, benchmarks: [bench] })!;
    assert.match(h.message, /^The heap profile is nearly empty \(2 samples, 1 MiB in total\): the benchmarks allocated about 93.8 KiB in their timed runs \(96 B\/op × 1,000\)/);
    const t = profileHint({ stats: stats({ totalBytes: 1536 * KIB, stacks: 3, ownBytes: 1024 * KIB }), memProfileRate: 0, benchmarks: [] })!;
    assert.match(t.message, /\(3 samples, 1.5 MiB in total\): the tests allocate little, and Go samples one allocation per 512 KiB/);
    // A custom rate is named.
    const c = profileHint({ stats: stats({ period: 4 * 1024 * KIB, totalBytes: 8 * 1024 * KIB, stacks: 2 }), memProfileRate: 4 * 1024 * KIB, benchmarks: [] })!;
    assert.match(c.message, /memProfileRate is 4,194,304: Go samples one allocation per 4 MiB allocated/);
  });

  it('says nothing about a profile with enough samples, and at rate 1 only that a benchmark allocates nothing', () => {
    const bench = parseBenchLine('BenchmarkBig-8  1000  500 ns/op  96000 B/op  10 allocs/op')!;
    assert.equal(profileHint({ stats: stats({ totalBytes: 200 * 1024 * KIB, stacks: 3, ownBytes: 199 * 1024 * KIB }), memProfileRate: 0, benchmarks: [bench] }), undefined);
    assert.equal(profileHint({ stats: stats({ totalBytes: 10 * KIB, stacks: 40, ownBytes: 5 * KIB, period: 1 }), memProfileRate: 1, benchmarks: [bench] }), undefined);
    const zero = parseBenchLine('BenchmarkSum-8  100  8 ns/op  0 B/op  0 allocs/op')!;
    const h = profileHint({ stats: stats({ totalBytes: 60 * KIB, stacks: 300, ownBytes: 0, period: 1 }), memProfileRate: 1, benchmarks: [zero] })!;
    assert.equal(h.kind, 'no-allocations');
    assert.equal(h.offerFullRate, false);
    assert.match(h.message, /^BenchmarkSum allocates nothing per op \(0 B\/op\)/);
  });

  it('on the real profile of a zero-alloc benchmark: one runtime sample, the hint; with memprofilerate=1, only the no-allocation note', async function () {
    this.timeout(120_000);
    const fx = copyFixture();
    try {
      const dir = path.join(fx.dir, 'cases', 'noalloc');
      const out = path.dirname(fx.dir);
      const run = async (rate: number): Promise<{ hint: ReturnType<typeof profileHint>; stats: HeapProfileStats }> => {
        const mem = path.join(out, `mem-${rate}.pprof`);
        const res = await runGo(dir, buildGoTestArgs({ target: { kind: 'benchmark', name: 'BenchmarkSum' }, memProfile: mem, memProfileRate: rate, benchtime: DEFAULT_BENCHTIME, testBinary: path.join(out, 'noalloc.test') }));
        assert.equal(res.exitCode, 0, res.stdout + res.stderr);
        const benchmarks = parseBenchOutput(res.stdout);
        assert.equal(benchmarks.length, 1, res.stdout);
        assert.equal(benchmarks[0]!.bytesPerOp, 0, res.stdout);
        assert.ok(fs.statSync(mem).size > 0);
        const s = heapProfileStats(await readProfileData(mem))!;
        return { hint: profileHint({ stats: s, memProfileRate: rate, benchmarks }), stats: s };
      };
      const sampled = await run(0);
      assert.equal(sampled.stats.ownBytes, 0, JSON.stringify(sampled.stats));
      assert.ok(sampled.stats.stacks <= 2, JSON.stringify(sampled.stats));
      assert.equal(sampled.hint?.kind, 'thin-profile');
      assert.match(sampled.hint!.message, /BenchmarkSum allocates nothing per op/);
      const every = await run(1);
      assert.ok(every.stats.stacks > sampled.stats.stacks, JSON.stringify(every.stats));
      assert.equal(every.hint?.kind, 'no-allocations');
    } finally {
      fx.cleanup();
    }
  });
});
