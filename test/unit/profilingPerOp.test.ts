// Per-op comparison of two benchmark runs: the factors, then a real heap profile of the
// fixture's benchmarks scaled and read back.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeProfile, readProfileData } from '../../src/pprof/decode';
import { parseBenchOutput } from '../../src/profiling/bench';
import { buildGoTestArgs } from '../../src/profiling/goTestArgs';
import { testEntryOf } from '../../src/profiling/hints';
import { benchmarkBytes, isIdentity, iterationsRun, opsByFunc, parseGoDuration, perOpDecision, runOps, scaleProfile } from '../../src/profiling/perOp';
import type { ProfileData } from '../../src/shared/profileData';
import { copyFixture, runGo } from './profilingFixture';

/** alloc_space per benchmark function (outermost benchmark frame), and of everything else under "". */
function allocByBenchmark(data: ProfileData): Map<string, number> {
  const t = data.sampleTypes.findIndex((s) => s.type === 'alloc_space');
  const out = new Map<string, number>();
  for (let s = 0; s + 1 < data.stackStart.length; s++) {
    let owner = '';
    for (let i = data.stackStart[s + 1]! - 1; i >= data.stackStart[s]!; i--) {
      const e = testEntryOf(data.funcName[data.frameFunc[data.stackFrames[i]!]!]!);
      if (e) {
        owner = e;
        break;
      }
    }
    out.set(owner, (out.get(owner) ?? 0) + data.values[t]![s]!);
  }
  return out;
}

describe('profiling: per-op comparison of benchmark runs', () => {
  it('counts the iterations a run executed: the reported b.N and the rounds go test ran to find it', () => {
    assert.equal(parseGoDuration('100ms'), 100e6);
    assert.equal(parseGoDuration('1h30m'), 5400e9);
    assert.equal(parseGoDuration('1.5s'), 1.5e9);
    assert.equal(parseGoDuration('20x'), undefined);
    // A count: run1's single iteration, then b.N.
    assert.equal(iterationsRun({ func: 'B', iterations: 20 }, '20x'), 21);
    assert.equal(iterationsRun({ func: 'B', iterations: 1 }, '1x'), 1);
    // A duration: 1, then 100 (growth is capped at 100×), then the reported round, predicted
    // from the 100-round's time (100 × 101.8 µs → 100 ms × 100 / 10.18 ms × 1.2 = 1178).
    assert.equal(iterationsRun({ func: 'B', iterations: 1178, nsPerOp: 101_800 }, '100ms'), 1178 + 100 + 1);
    // Timing noise moves the reported round; the warm-up rounds before it stay.
    assert.equal(iterationsRun({ func: 'B', iterations: 982, nsPerOp: 101_800 }, '100ms'), 982 + 100 + 1);
    // A fast op: 1, 100, 10,000, 1,000,000 (capped each time), then the reported round.
    assert.equal(iterationsRun({ func: 'B', iterations: 12_000_000, nsPerOp: 8.5 }, '100ms'), 12_000_000 + 1_000_000 + 10_000 + 100 + 1);
    // An op slower than the budget: run1 was the only round.
    assert.equal(iterationsRun({ func: 'B', iterations: 1, nsPerOp: 3e8 }, '100ms'), 1);
    // b.Loop reports every iteration it ran; without ns/op nothing can be replayed.
    assert.equal(iterationsRun({ func: 'B', iterations: 1178, nsPerOp: 101_800, usesLoop: true }, '100ms'), 1178);
    assert.equal(iterationsRun({ func: 'B', iterations: 500 }, '100ms'), 500);
    // go test's default when no -benchtime was recorded, 1s: 1, 100, then 10,000 (capped), which took 1.018 s.
    assert.equal(iterationsRun({ func: 'B', iterations: 10_000, nsPerOp: 101_800 }, undefined), 10_000 + 100 + 1);
  });

  it('sums the ops per benchmark function and works out the base\'s factors', () => {
    const next = [{ func: 'BenchmarkA', iterations: 300 }, { func: 'BenchmarkS', iterations: 50 }, { func: 'BenchmarkS', iterations: 30 }, { func: 'BenchmarkOnlyNew', iterations: 9 }];
    const base = [{ func: 'BenchmarkA', iterations: 100 }, { func: 'BenchmarkS', iterations: 80 }];
    // Without ns/op the rounds cannot be replayed: b.N; with a count, one more per result.
    assert.deepEqual([...opsByFunc(next)], [['BenchmarkA', 300], ['BenchmarkS', 80], ['BenchmarkOnlyNew', 9]]);
    assert.deepEqual([...opsByFunc(next, '50x')], [['BenchmarkA', 301], ['BenchmarkS', 82], ['BenchmarkOnlyNew', 10]]);
    const d = perOpDecision({ benchmarks: next }, { benchmarks: base });
    assert.ok(d.perOp);
    assert.deepEqual([...d.plan.factors], [['BenchmarkA', 3], ['BenchmarkS', 1]]);
    assert.equal(d.summary, 'BenchmarkA b.N 100 → 300 (base ×3.00), BenchmarkS b.N 80 → 80');
    assert.ok(!isIdentity(d.plan));
    const same = perOpDecision({ benchmarks: base, benchtime: '100ms' }, { benchmarks: base, benchtime: '100ms' });
    assert.ok(same.perOp && isIdentity(same.plan));
    // Measured: the profile's bytes under a benchmark over its reported round's bytes (b.N × B/op).
    const withBytes = (n: number, b: number) => [{ func: 'BenchmarkA', iterations: n, bytesPerOp: b }];
    const m = perOpDecision({ benchmarks: withBytes(200, 100) }, { benchmarks: withBytes(100, 100) }, { next: new Map([['BenchmarkA', 200 * 100 * 1.1]]), base: new Map([['BenchmarkA', 100 * 100 * 1.3]]) });
    assert.ok(m.perOp);
    assert.deepEqual(m.plan.next.get('BenchmarkA'), { reported: 200, ops: 220, measured: true });
    assert.ok(Math.abs(m.plan.factors.get('BenchmarkA')! - 220 / 130) < 1e-9);
    // 0 B/op or no sample under the benchmark: counted instead.
    const z = perOpDecision({ benchmarks: withBytes(200, 0) }, { benchmarks: withBytes(100, 100) }, { next: new Map([['BenchmarkA', 5]]), base: new Map() });
    assert.ok(z.perOp && !z.plan.next.get('BenchmarkA')!.measured && !z.plan.base.get('BenchmarkA')!.measured);
    // 10x against 30x: 11 and 31 iterations ran.
    const counts = perOpDecision({ benchmarks: [{ func: 'BenchmarkA', iterations: 30 }], benchtime: '30x' }, { benchmarks: [{ func: 'BenchmarkA', iterations: 10 }], benchtime: '10x' });
    assert.ok(counts.perOp);
    assert.equal(counts.summary, 'BenchmarkA b.N 10 → 30 (base ×2.82)');
  });

  it('compares raw totals when a side is not a benchmark run or they share no benchmark', () => {
    assert.deepEqual(perOpDecision({}, { benchmarks: [{ func: 'BenchmarkA', iterations: 1 }] }), { perOp: false, reason: 'the newer profile is not from a benchmark run' });
    assert.deepEqual(perOpDecision({ benchmarks: [{ func: 'BenchmarkA', iterations: 1 }] }, { benchmarks: [] }), { perOp: false, reason: 'the base profile is not from a benchmark run' });
    assert.deepEqual(perOpDecision({ benchmarks: [{ func: 'BenchmarkA', iterations: 1 }] }, { benchmarks: [{ func: 'BenchmarkB', iterations: 1 }] }), { perOp: false, reason: 'the two runs have no benchmark in common' });
  });

  it('measures the ops a profile holds from its bytes and B/op: on a real -benchtime=25x run, the 26 iterations go test ran', async function () {
    // memprofilerate=1: the profile holds every byte allocated, the warm-up round included.
    this.timeout(180_000);
    const fx = copyFixture();
    try {
      const out = path.dirname(fx.dir);
      const run = async (benchtime: string): Promise<{ benchtime: string; benchmarks: ReturnType<typeof parseBenchOutput>; file: string }> => {
        const file = path.join(out, `m-${benchtime}.pprof`);
        const res = await runGo(fx.dir, buildGoTestArgs({ target: { kind: 'benchmark', name: 'BenchmarkBuild' }, memProfile: file, memProfileRate: 1, benchtime, testBinary: path.join(out, 'p.test') }));
        assert.equal(res.exitCode, 0, res.stdout + res.stderr);
        return { benchtime, benchmarks: parseBenchOutput(res.stdout), file };
      };
      const funcs = new Set(['BenchmarkBuild']);
      const count = await run('25x');
      const counted = runOps(count, benchmarkBytes(fs.readFileSync(count.file), funcs)).get('BenchmarkBuild')!;
      assert.ok(counted.measured);
      assert.equal(counted.reported, 25);
      assert.ok(Math.abs(counted.ops - 26) < 26 * 0.02, `measured ${counted.ops} ops, go test ran 26`);
      // A duration: more rounds before the reported one; the diff of the two, per op, is flat.
      const timed = await run('100ms');
      const bytes = { next: benchmarkBytes(fs.readFileSync(timed.file), funcs), base: benchmarkBytes(fs.readFileSync(count.file), funcs) };
      const d = perOpDecision(timed, count, bytes);
      assert.ok(d.perOp, JSON.stringify(d));
      const next = d.plan.next.get('BenchmarkBuild')!;
      assert.ok(next.measured && next.ops > next.reported, JSON.stringify(next));
      const scaled = benchmarkBytes(scaleProfile(fs.readFileSync(count.file), d.plan).bytes, funcs).get('BenchmarkBuild')!;
      const bNext = timed.benchmarks[0]!.bytesPerOp!;
      const bBase = count.benchmarks[0]!.bytesPerOp!;
      // Scaled, the base holds its B/op for as many ops as the newer profile: the totals differ as the B/op do.
      const ratio = scaled / bytes.next.get('BenchmarkBuild')!;
      assert.ok(Math.abs(ratio - bBase / bNext) < 1e-3, `scaled base / newer = ${ratio}; B/op ${bBase} / ${bNext}`);
    } finally {
      fx.cleanup();
    }
  });

  it('scales a real heap profile benchmark by benchmark: alloc_* by the factor, inuse_* and the rest unchanged', async function () {
    this.timeout(120_000);
    const fx = copyFixture();
    try {
      const out = path.dirname(fx.dir);
      const mem = path.join(out, 'base.pprof');
      const res = await runGo(fx.dir, buildGoTestArgs({ target: { kind: 'package', run: 'benchmarks' }, memProfile: mem, memProfileRate: 1, benchtime: '30x', testBinary: path.join(out, 'p.test') }));
      assert.equal(res.exitCode, 0, res.stdout + res.stderr);
      const benchmarks = parseBenchOutput(res.stdout);
      // As if the newer run did 4 times the ops of BenchmarkBuild and the same of BenchmarkBuildSizes
      // (counted from b.N: no profile bytes given).
      const next = benchmarks.map((b) => ({ func: b.func, iterations: b.func === 'BenchmarkBuild' ? b.iterations * 4 : b.iterations }));
      const d = perOpDecision({ benchmarks: next, benchtime: '30x' }, { benchmarks, benchtime: '30x' });
      assert.ok(d.perOp, JSON.stringify(d));
      // 31 iterations ran of 30x, 121 of 120x.
      assert.deepEqual([...d.plan.factors], [['BenchmarkBuild', 121 / 31], ['BenchmarkBuildSizes', 1]]);

      const input = fs.readFileSync(mem);
      const scaled = scaleProfile(input, d.plan);
      assert.ok(scaled.scaledSamples > 0 && scaled.keptSamples > 0, JSON.stringify({ ...scaled, bytes: scaled.bytes.length }));
      const scaledFile = path.join(out, 'scaled.pprof');
      fs.writeFileSync(scaledFile, scaled.bytes);
      const before = await readProfileData(mem);
      const after = await readProfileData(scaledFile);
      const b = allocByBenchmark(before);
      const a = allocByBenchmark(after);
      const close = (x: number, y: number): boolean => Math.abs(x - y) <= Math.max(1, y * 1e-6) * 64;
      assert.ok(b.get('BenchmarkBuild')! > 0);
      assert.ok(close(a.get('BenchmarkBuild')!, (121 / 31) * b.get('BenchmarkBuild')!), `${a.get('BenchmarkBuild')} vs 121/31 × ${b.get('BenchmarkBuild')}`);
      assert.equal(a.get('BenchmarkBuildSizes'), b.get('BenchmarkBuildSizes'));
      assert.equal(a.get(''), b.get(''), 'samples outside the benchmarks keep their values');
      // inuse_space is not per op: untouched.
      const inuse = (p: ProfileData): number => p.values[p.sampleTypes.findIndex((s) => s.type === 'inuse_space')]!.reduce((x, y) => x + y, 0);
      assert.equal(inuse(after), inuse(before));
      // Everything else of the profile is as it was, and the scaling is noted in a comment.
      assert.deepEqual(after.funcName, before.funcName);
      assert.equal(after.stackStart.length, before.stackStart.length);
      const comments = decodeProfile(scaled.bytes).comments;
      assert.ok(comments.some((c) => c.includes('scaled per op') && c.includes('BenchmarkBuild ×3.9')), JSON.stringify(comments));
    } finally {
      fx.cleanup();
    }
  });
});
