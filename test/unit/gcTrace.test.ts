// The gctrace parser on traces the Go runtime writes at test time, compared field by field with
// the runtime's own counters, which the load program (test/fixtures/gc) prints at exit.
import * as assert from 'node:assert/strict';
import { mainRun, parseGcLine, parseGcTrace, summarize, type GcCycle } from '../../src/gc/gctrace';
import { heapGoalMB } from '../../src/gc/whatIf';
import { cleanupGcLoad, runGcLoad, type GcLoadRun } from './gcFixture';

const MB = 1 << 20;

function onlyRun(r: GcLoadRun): GcCycle[] {
  const t = parseGcTrace(r.trace);
  assert.equal(t.runs.length, 1, 'one process');
  assert.deepEqual(t.malformedLines, []);
  return t.runs[0]!.cycles;
}

/** The checks every trace of the load program passes against the runtime's counters. */
function checkAgainstRuntime(cycles: GcCycle[], stats: GcLoadRun['stats'], label: string, procs = 1): void {
  assert.equal(cycles.length, stats.numGC, `${label}: one line per cycle (NumGC)`);
  cycles.forEach((c, i) => assert.equal(c.n, i + 1, `${label}: cycles numbered from 1`));
  assert.equal(cycles.filter((c) => c.forced).length, stats.numForcedGC, `${label}: (forced) cycles (NumForcedGC)`);
  const last = cycles[cycles.length - 1]!;
  assert.ok(last.forced, `${label}: the program ends with runtime.GC()`);
  // After that last cycle, the runtime's metrics describe it: the live heap, the roots.
  assert.equal(last.liveMB, Math.floor(stats.liveBytes / MB), `${label}: live heap (/gc/heap/live:bytes)`);
  assert.equal(last.stacksMB, Math.floor(stats.stackScanBytes / MB), `${label}: stacks (/gc/scan/stack:bytes)`);
  assert.equal(last.globalsMB, Math.floor(stats.globalsScanBytes / MB), `${label}: globals (/gc/scan/globals:bytes)`);
  assert.equal(last.procs, procs);
  // Pauses: the trace's two stop-the-world phases against MemStats.PauseNs, cycle by cycle.
  // The trace prints two significant digits (1.29 ms as 1.2), and PauseNs is timed from other
  // moments (from the request to stop the world): most cycles within 10% and 3 µs, all within
  // 50% and 50 µs — a thread preempted between the two clocks' readings, which a busy machine
  // does now and then, moves one pause by tens of µs; the totals agree within 10% regardless.
  assert.equal(stats.pausesNs.length, cycles.length);
  let traceTotal = 0;
  let runtimeTotal = 0;
  let close = 0;
  cycles.forEach((c, i) => {
    const ns = stats.pausesNs[i]!;
    const diff = Math.abs(c.pauseMs * 1e6 - ns);
    assert.ok(diff <= 0.5 * ns + 50_000, `${label}: cycle ${c.n} pause ${c.pauseMs} ms, runtime ${ns} ns`);
    if (diff <= 0.1 * ns + 3000) close++;
    traceTotal += c.pauseMs * 1e6;
    runtimeTotal += ns;
  });
  assert.ok(close >= 0.75 * cycles.length, `${label}: ${close} of ${cycles.length} pauses within 10%`);
  // PauseNs also counts the time it takes to stop the world (from stw.startedStopping), which the
  // trace's two phases leave out and which grows on a loaded machine: the trace's total is at most
  // the runtime's, and near it.
  assert.ok(traceTotal <= runtimeTotal * 1.05 && traceTotal >= 0.75 * runtimeTotal, `${label}: total pause ${traceTotal} vs ${runtimeTotal} ns`);
  // The allocation volume read from the heap sizes (see allocatedBetween) against
  // MemStats.TotalAlloc: the trace covers the whole run, which ends with a forced cycle.
  const s = summarize(cycles);
  const total = stats.totalAlloc / MB;
  assert.ok(Math.abs(s.allocatedMB - total) <= 0.03 * total, `${label}: allocated ${s.allocatedMB} MB, TotalAlloc ${total.toFixed(1)} MB`);
  // Heap sizes are consistent: the start of a cycle is the end of the previous one's mark
  // plus allocation, and the heap marked by a cycle is no more than the heap at its end.
  for (const c of cycles) assert.ok(c.liveMB <= c.heapEndMB && c.heapStartMB <= c.heapEndMB, `${label}: cycle ${c.n} sizes`);
  assert.ok(cycles.every((c, i) => i === 0 || c.atSeconds >= cycles[i - 1]!.atSeconds));
  assert.ok(s.gcCpuPercent === last.cpuPercent);
}

describe('gctrace parser, on traces the Go runtime writes', function () {
  this.timeout(600_000);
  after(cleanupGcLoad);

  it('reads every cycle of runs at GOGC=100, 50 and 400 and with GOMEMLIMIT, as the runtime counted them', async () => {
    for (const [gogc, memoryLimit] of [['100', undefined], ['50', undefined], ['400', undefined], ['off', '160MiB']] as const) {
      const label = `GOGC=${gogc}${memoryLimit ? ` GOMEMLIMIT=${memoryLimit}` : ''}`;
      const r = await runGcLoad({ gogc, memoryLimit });
      checkAgainstRuntime(onlyRun(r), r.stats, label);
      if (gogc === 'off') {
        assert.equal(r.stats.gogc, -1);
        assert.equal(r.stats.memoryLimit, 160 * MB);
      } else {
        assert.equal(r.stats.gogc, Number(gogc));
      }
    }
  });

  it('computes the heap goal as the runtime does: live + (live + stacks + globals) × GOGC/100', async () => {
    for (const gogc of [50, 100, 300]) {
      const r = await runGcLoad({ gogc: String(gogc) });
      // /gc/heap/goal:bytes after the last cycle is the goal the pacer set from it.
      const want = r.stats.goalBytes / MB;
      const got = heapGoalMB(r.stats.liveBytes / MB, (r.stats.stackScanBytes + r.stats.globalsScanBytes) / MB, { gogc }, 0);
      assert.ok(Math.abs(got - want) < 0.01, `GOGC=${gogc}: ${got} MB, runtime ${want} MB`);
    }
  });

  it('finds trace lines between and glued to the program\'s own output', async () => {
    const r = await runGcLoad({ args: ['-chatter'], merged: true });
    const t = parseGcTrace(r.trace);
    const glued = r.trace.split('\n').filter((l) => /^step \d+ gc \d+ @/.test(l));
    assert.ok(glued.length > 0, 'some trace lines begin after program output on the same line');
    assert.ok(t.otherLines > 0);
    assert.deepEqual(t.malformedLines, []);
    assert.equal(t.runs.length, 1);
    checkAgainstRuntime(t.runs[0]!.cycles, r.stats, 'chatter');
  });

  it('puts back together the trace lines that log lines of other goroutines landed inside', async () => {
    // The runtime writes a trace line a piece at a time (one write per field); with two Ps a
    // goroutine's log line, written at once, lands between two pieces, and the rest of the
    // trace line follows on the next line.
    const r = await runGcLoad({ args: ['-loggers', '1', '-total', '1500'], merged: true, procs: 2 });
    const whole = r.trace.split('\n').filter((l) => parseGcLine(l) !== undefined).length;
    assert.ok(whole < r.stats.numGC, `some trace lines were cut (${r.stats.numGC - whole} of ${r.stats.numGC})`);
    const t = parseGcTrace(r.trace);
    assert.deepEqual(t.malformedLines, []);
    assert.equal(t.runs.length, 1);
    checkAgainstRuntime(t.runs[0]!.cycles, r.stats, 'loggers', 2);
  });

  it('keeps the traces of two processes writing to one stream apart', async () => {
    // As when go test's own go command collects while the test binary runs: a second process
    // starts while the first is at its 20th cycle, and their lines alternate.
    const a = await runGcLoad({ gogc: '100' });
    const b = await runGcLoad({ gogc: '400' });
    const la = a.trace.trimEnd().split('\n');
    const lb = b.trace.trimEnd().split('\n');
    const mixed = la.slice(0, 20);
    for (let i = 20; i < Math.max(la.length, lb.length + 20); i++) {
      if (i < la.length) mixed.push(la[i]!);
      if (i - 20 < lb.length) mixed.push(lb[i - 20]!);
    }
    const t = parseGcTrace(mixed.join('\n') + '\n');
    assert.equal(t.runs.length, 2);
    const strip = (cs: GcCycle[]) => cs.map(({ line: _line, ...rest }) => rest);
    assert.deepEqual(strip(t.runs[0]!.cycles), strip(onlyRun(a)));
    assert.deepEqual(strip(t.runs[1]!.cycles), strip(onlyRun(b)));
    assert.equal(mainRun(t), t.runs[0], 'the run with the most cycles');
  });

  it('reads Go 1.26\'s "(checking for goroutine leaks)" cycle (GOEXPERIMENT=goroutineleakprofile)', async () => {
    const r = await runGcLoad({ args: ['-leakcheck'], goexperiment: 'goroutineleakprofile' });
    const cycles = onlyRun(r);
    checkAgainstRuntime(cycles, r.stats, 'leakcheck');
    const leak = cycles.filter((c) => c.leakCheck);
    assert.equal(leak.length, 1, 'the goroutineleak profile ran one cycle of its own');
    assert.ok(leak[0]!.forced);
    assert.match(r.trace.split('\n')[leak[0]!.line - 1]!, /^gc \d+ @[\d.]+s \d+% \(checking for goroutine leaks\): /);
  });

  it('skips scavenger lines, reads the pre-Go 1.18 form, and counts cut lines', () => {
    // Go 1.17's runtime printed no stacks or globals (runtime/mgc.go of go1.17); the installed
    // Go cannot write this form, so the line is quoted in the form of that source.
    const old = parseGcLine('gc 12 @3.201s 1%: 0.031+2.1+0.022 ms clock, 0.12+0.44/1.9/3.9+0.090 ms cpu, 7->7->3 MB, 8 MB goal, 4 P');
    assert.ok(old);
    assert.equal(old.stacksMB, undefined);
    assert.equal(old.globalsMB, undefined);
    assert.deepEqual([old.n, old.atSeconds, old.cpuPercent, old.heapStartMB, old.heapEndMB, old.liveMB, old.goalMB, old.procs, old.forced], [12, 3.201, 1, 7, 7, 3, 8, 4, false]);
    assert.equal(old.pauseMs, 0.053);
    assert.deepEqual(old.cpuMs, { sweepTermination: 0.12, assist: 0.44, background: 1.9, idle: 3.9, markTermination: 0.09 });
    const t = parseGcTrace(
      [
        'scav 0 KiB work (bg), 12 KiB work (eager), 512 KiB now, 98% util',
        'scvg: 0 MB released',
        'GC forced',
        'gc 1 @0.010s 0%: 0.010+0.5',
        'gc 2 @0.020s 1%: 0.010+0.50+0.002 ms clock, 0.020+0.1/0.2/0.3+0.004 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P',
      ].join('\n'),
    );
    assert.equal(t.scavengerLines, 2);
    assert.equal(t.otherLines, 1);
    assert.deepEqual(t.malformedLines, [4]);
    assert.equal(t.runs.length, 1);
    assert.equal(t.runs[0]!.cycles[0]!.n, 2);
  });
});
