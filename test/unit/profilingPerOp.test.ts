// Per-op comparison of two benchmark runs: the factors, then a real heap profile of the
// fixture's benchmarks scaled and read back.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeProfile, readProfileData } from '../../src/pprof/decode';
import { parseBenchOutput } from '../../src/profiling/bench';
import { buildGoTestArgs } from '../../src/profiling/goTestArgs';
import { testEntryOf } from '../../src/profiling/hints';
import { isIdentity, opsByFunc, perOpDecision, scaleProfile } from '../../src/profiling/perOp';
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
  it('sums b.N per benchmark function and works out the base\'s factors', () => {
    const next = [{ func: 'BenchmarkA', iterations: 300 }, { func: 'BenchmarkS', iterations: 50 }, { func: 'BenchmarkS', iterations: 30 }, { func: 'BenchmarkOnlyNew', iterations: 9 }];
    const base = [{ func: 'BenchmarkA', iterations: 100 }, { func: 'BenchmarkS', iterations: 80 }];
    assert.deepEqual([...opsByFunc(next)], [['BenchmarkA', 300], ['BenchmarkS', 80], ['BenchmarkOnlyNew', 9]]);
    const d = perOpDecision(next, base);
    assert.ok(d.perOp);
    assert.deepEqual([...d.plan.factors], [['BenchmarkA', 3], ['BenchmarkS', 1]]);
    assert.equal(d.summary, 'BenchmarkA 100 → 300 ops (×3), BenchmarkS 80 → 80 ops');
    assert.ok(!isIdentity(d.plan));
    const same = perOpDecision(base, base);
    assert.ok(same.perOp && isIdentity(same.plan));
  });

  it('compares raw totals when a side is not a benchmark run or they share no benchmark', () => {
    assert.deepEqual(perOpDecision(undefined, [{ func: 'BenchmarkA', iterations: 1 }]), { perOp: false, reason: 'the newer profile is not from a benchmark run' });
    assert.deepEqual(perOpDecision([{ func: 'BenchmarkA', iterations: 1 }], []), { perOp: false, reason: 'the base profile is not from a benchmark run' });
    assert.deepEqual(perOpDecision([{ func: 'BenchmarkA', iterations: 1 }], [{ func: 'BenchmarkB', iterations: 1 }]), { perOp: false, reason: 'the two runs have no benchmark in common' });
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
      // As if the newer run did 4 times the ops of BenchmarkBuild and the same of BenchmarkBuildSizes.
      const next = benchmarks.map((b) => ({ func: b.func, iterations: b.func === 'BenchmarkBuild' ? b.iterations * 4 : b.iterations }));
      const d = perOpDecision(next, benchmarks);
      assert.ok(d.perOp, JSON.stringify(d));
      assert.deepEqual([...d.plan.factors], [['BenchmarkBuild', 4], ['BenchmarkBuildSizes', 1]]);

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
      assert.ok(close(a.get('BenchmarkBuild')!, 4 * b.get('BenchmarkBuild')!), `${a.get('BenchmarkBuild')} vs 4 × ${b.get('BenchmarkBuild')}`);
      assert.equal(a.get('BenchmarkBuildSizes'), b.get('BenchmarkBuildSizes'));
      assert.equal(a.get(''), b.get(''), 'samples outside the benchmarks keep their values');
      // inuse_space is not per op: untouched.
      const inuse = (p: ProfileData): number => p.values[p.sampleTypes.findIndex((s) => s.type === 'inuse_space')]!.reduce((x, y) => x + y, 0);
      assert.equal(inuse(after), inuse(before));
      // Everything else of the profile is as it was, and the scaling is noted in a comment.
      assert.deepEqual(after.funcName, before.funcName);
      assert.equal(after.stackStart.length, before.stackStart.length);
      const comments = decodeProfile(scaled.bytes).comments;
      assert.ok(comments.some((c) => c.includes('scaled per op') && c.includes('BenchmarkBuild ×4')), JSON.stringify(comments));
    } finally {
      fx.cleanup();
    }
  });
});
