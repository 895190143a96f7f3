// The GC side in a real VS Code: a profiled benchmark records its test binary's GC trace and the
// flame graph panel's GC tab shows it; "Open GC Trace…" opens a saved trace in a panel of its
// own, and says why when the text holds no trace.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ProfileRunResult } from '../../../src/extension/profiling/runner';
import { parseGcTrace } from '../../../src/gc/gctrace';
import type { HistoryEntry } from '../../../src/profiling/history';
import { activateExtension, closeAllEditors, fixturePath, waitFor } from '../util';

const TEST_FILE = 'profiling/records_test.go';

interface GcShown {
  cycles: number;
  predictedCycles: number;
  verdict: string;
}

describe('GC trace', function () {
  this.timeout(240_000);
  let run: ProfileRunResult;

  before(async () => {
    await activateExtension();
  });
  after(closeAllEditors);

  it('a profiled benchmark records its GC trace, and the panel\'s GC tab shows it', async () => {
    // BenchmarkBuildSizes, not BenchmarkBuild: the profiling suite expects to make BenchmarkBuild's first runs.
    run = (await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', vscode.Uri.file(fixturePath(TEST_FILE)), 'BenchmarkBuildSizes'))!;
    assert.equal(run.outcome, 'ok', run.message);
    assert.ok(run.gcTrace, 'a GC trace was recorded');
    const trace = parseGcTrace(fs.readFileSync(run.gcTrace, 'utf8'));
    assert.equal(trace.runs.length, 1, 'the test binary\'s trace only');
    const cycles = trace.runs[0]!.cycles.length;
    assert.ok(cycles > 0);
    // The benchmark line was read whole although trace lines landed inside it.
    assert.deepEqual(run.benchmarks.map((b) => b.name), ['BenchmarkBuildSizes/small', 'BenchmarkBuildSizes/large']);
    const state = await waitFor(async () => {
      const s = await vscode.commands.executeCommand<{ gc?: GcShown } | undefined>('goMemoryInsight.flame.state', vscode.Uri.file(run.memProfile!).toString());
      return s?.gc;
    }, { message: 'the GC tab of the flame graph panel' });
    assert.equal(state.cycles, cycles);
    assert.match(state.verdict, new RegExp(`^GC used \\d+% CPU over ${cycles} cycles; GOGC=\\d+ would `));
    // The history keeps the trace with the profile.
    const list = (await vscode.commands.executeCommand<HistoryEntry[]>('goMemoryInsight.profileHistory', { action: 'list' }))!;
    assert.equal(list.find((e) => e.memProfile === run.memProfile)?.gcTrace, run.gcTrace);
  });

  it('Open GC Trace… shows a saved trace in a panel of its own', async () => {
    const r = await vscode.commands.executeCommand<{ ok: boolean; cycles?: number }>('goMemoryInsight.openGcTrace', vscode.Uri.file(run.gcTrace!));
    assert.equal(r?.ok, true);
    const shown = await waitFor(async () => (await vscode.commands.executeCommand<{ shown?: GcShown } | undefined>('goMemoryInsight.gcTrace.state'))?.shown, { message: 'the GC trace panel' });
    assert.equal(shown.cycles, r.cycles);
    assert.match(shown.verdict, /^GC used \d+% CPU over \d+ cycles; /);
  });

  it('Open GC Trace… says why a text without a trace cannot be shown', async () => {
    const r = await vscode.commands.executeCommand<{ ok: boolean; error?: string }>('goMemoryInsight.openGcTrace', { text: 'PASS\nok  \texample.com/x\t0.01s\n', name: 'go test output' });
    assert.equal(r?.ok, false);
    assert.match(r.error ?? '', /go test output holds no GC trace lines .*GODEBUG=gctrace=1/);
  });
});
