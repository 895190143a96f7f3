// The what-if replay against real re-runs: the load program (test/fixtures/gc) is traced at
// GOGC=100, its cycles are predicted from that trace for other settings, and the program is run
// again at each of them to count its real cycles.
import * as assert from 'node:assert/strict';
import { parseGcTrace, summarize, type GcCycle } from '../../src/gc/gctrace';
import { inferGogc, whatIf, type GcSettings } from '../../src/gc/whatIf';
import { cleanupGcLoad, runGcLoad } from './gcFixture';

function cyclesOf(trace: string): GcCycle[] {
  const t = parseGcTrace(trace);
  assert.equal(t.runs.length, 1);
  return t.runs[0]!.cycles;
}

describe('GC what-if, against real re-runs', function () {
  this.timeout(600_000);
  after(cleanupGcLoad);

  let base: GcCycle[];
  before(async () => {
    base = cyclesOf((await runGcLoad({ gogc: '100' })).trace);
  });

  it('infers the recorded GOGC from the goals', () => {
    assert.equal(inferGogc(base), 100);
  });

  it('predicts the cycles of the recorded settings as recorded', () => {
    const w = whatIf(base, { gogc: 100 });
    assert.equal(w.cycles, base.length);
    assert.equal(w.recordedGogc, 100);
  });

  const cases: Array<{ env: { gogc?: string; memoryLimit?: string }; target: GcSettings; tolerance: number }> = [
    { env: { gogc: '50' }, target: { gogc: 50 }, tolerance: 0.3 },
    { env: { gogc: '200' }, target: { gogc: 200 }, tolerance: 0.3 },
    { env: { gogc: '400' }, target: { gogc: 400 }, tolerance: 0.3 },
    { env: { gogc: '100', memoryLimit: '130MiB' }, target: { gogc: 100, memoryLimitMB: 130 }, tolerance: 0.4 },
    { env: { gogc: '100', memoryLimit: '160MiB' }, target: { gogc: 100, memoryLimitMB: 160 }, tolerance: 0.4 },
    { env: { gogc: 'off', memoryLimit: '160MiB' }, target: { gogc: -1, memoryLimitMB: 160 }, tolerance: 0.4 },
  ];
  for (const { env, target, tolerance } of cases) {
    const label = `GOGC=${env.gogc}${env.memoryLimit ? ` GOMEMLIMIT=${env.memoryLimit}` : ''}`;
    it(`predicts the cycles at ${label} within ${tolerance * 100}%`, async () => {
      const predicted = whatIf(base, target);
      const real = cyclesOf((await runGcLoad(env)).trace);
      const err = predicted.cycles / real.length - 1;
      assert.ok(Math.abs(err) <= tolerance, `${label}: predicted ${predicted.cycles} cycles, real ${real.length} (${(err * 100).toFixed(0)}%)`);
      const realPeak = summarize(real).peakGoalMB;
      if (target.memoryLimitMB !== undefined) {
        // The predicted goal never exceeds what the limit leaves for the heap. (The real one
        // may, for a cycle: when the live heap itself is past it, or just after a forced cycle.)
        assert.ok(predicted.peakGoalMB <= target.memoryLimitMB, `peak goal ${predicted.peakGoalMB} MB under ${target.memoryLimitMB} MB`);
      } else if ((target.gogc ?? 0) <= 200) {
        // The peak is one cycle's goal, from a live heap inflated by what was allocated during
        // that cycle's mark: it varies from run to run by a third at GOMAXPROCS=1. At GOGC=400
        // the real peak is 1.5 to 1.8 times the predicted one (a known limit of the model: the
        // mark-phase allocation grows with the runway there), so it is only printed.
        assert.ok(Math.abs(predicted.peakGoalMB / realPeak - 1) <= 0.5, `${label}: predicted peak goal ${predicted.peakGoalMB} MB, real ${realPeak} MB`);
      }
      // GC CPU: the real share is printed in whole per cent, and it is measured in time, which a
      // busy machine stretches in both runs differently; the cycle count above is the firm check.
      const realCpu = real[real.length - 1]!.cpuPercent;
      assert.ok(Math.abs(predicted.gcCpuPercent - realCpu) <= Math.max(5, realCpu), `${label}: predicted GC CPU ${predicted.gcCpuPercent}%, real ${realCpu}%`);
      console.log(`      ${label}: ${predicted.cycles} cycles predicted, ${real.length} real; peak goal ${predicted.peakGoalMB} / ${realPeak} MB; GC CPU ${predicted.gcCpuPercent} / ${realCpu}%`);
    });
  }

  it('infers GOGC from small heaps, whose sizes the trace rounds down to whole MB', async () => {
    // A live set of 2 to 12 MB: the marked heap and the goal are printed rounded down, a
    // fraction of a MB that is a tenth of the heap, and most goals come from the 4 MB minimum.
    const runs = new Map<number, GcCycle[]>();
    for (const gogc of [50, 100, 200, 400]) {
      const cycles = cyclesOf((await runGcLoad({ gogc: String(gogc), args: ['-livescale', '0.1', '-total', '1000'] })).trace);
      assert.equal(inferGogc(cycles), gogc, `GOGC=${gogc}`);
      runs.set(gogc, cycles);
    }
    // So the prediction for another GOGC starts from the right one. (Towards a higher GOGC
    // the replay of heaps this small predicts too many cycles, 1.5 to 2 times at GOGC=200 and
    // 400: not checked here.)
    for (const [from, to] of [[100, 50], [200, 50], [50, 100], [400, 100]] as const) {
      const predicted = whatIf(runs.get(from)!, { gogc: to }).cycles;
      const real = runs.get(to)!.length;
      assert.ok(Math.abs(predicted / real - 1) <= 0.3, `GOGC=${from} → ${to}: predicted ${predicted} cycles, real ${real}`);
    }
  });

  it('predicts no cycles but the forced ones with GOGC=off and no limit', () => {
    const w = whatIf(base, { gogc: -1 });
    assert.equal(w.cycles, base.filter((c) => c.forced).length);
    assert.equal(w.gogc, 'off');
    assert.equal(w.memoryLimitMB, null);
  });
});
