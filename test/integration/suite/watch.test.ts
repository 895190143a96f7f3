// "Watch Heap of Service…" in a real VS Code, on a real Go service (test/harness/pprof-service,
// built with Go 1.26's goroutineleak profile, every allocation recorded) that leaks when told
// to: the panel plots the polls, the growth names the leaking line with exactly the bytes
// leaked, the growth opens in the flame graph's diff mode, Stop stops the polling, a service
// that dies ends the watch on its error, an address that is no pprof endpoint is refused, and
// closing the panel ends its watch.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlameSessionInfo } from '../../../src/extension/flame';
import type { GoMemoryInsightApi } from '../../../src/extension/main';
import type { WatchInfo } from '../../../src/extension/watch';
import { LEAK_BUFFER_SIZE, startService, type RunningService } from '../../unit/pprofService';
import { activateExtension, closeAllEditors, waitFor } from '../util';


describe('Watch Heap of Service', function () {
  this.timeout(240_000);
  let api: GoMemoryInsightApi;
  let svc: RunningService;

  const watch = (): WatchInfo | undefined => api.watches().find((w) => w.base === `${svc.url}/debug/pprof/`);

  before(async function () {
    if (!process.env.GMI_ROOT) throw new Error('GMI_ROOT (the repository, set by test/harness/run-integration.mjs) is needed to build test/harness/pprof-service');
    api = await activateExtension();
    await closeAllEditors();
    svc = await startService({ leakProfile: true, args: ['-rate', '1'] });
  });

  after(async () => {
    api?.stopWatch();
    await svc?.stop();
    await closeAllEditors();
  });

  it('plots the polls, names the leaking line with the bytes leaked, and opens the growth as a diff flame graph', async () => {
    const r = await api.watchHeap(svc.addr, { intervalMs: 1000 });
    assert.deepEqual(r, { ok: true, base: `${svc.url}/debug/pprof/` });
    const tab = await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('goMemoryInsight.watchHeap')), { message: 'the watch panel tab' });
    assert.equal(tab.label, `Heap · ${svc.addr}`);
    await waitFor(() => (watch()?.shown?.points ?? 0) >= 1, { message: 'the panel to draw the first poll', describe: () => JSON.stringify(watch()) });
    const leaked = await svc.leak(10);
    assert.deepEqual(leaked, { buffers: 10, goroutines: 10 });
    // The polls after the leak: exactly 10 buffers more on the leaking line, 10 goroutines leaked.
    const w = await waitFor(
      () => {
        const x = watch();
        return x?.growth?.[0]?.growthBytes === 10 * LEAK_BUFFER_SIZE && x.newest?.leakedGoroutines === 10 && x.shown?.figures.includes('10 leaked (+10)') ? x : undefined;
      },
      { message: 'the growth of 10 leaked buffers', timeoutMs: 30_000, describe: () => JSON.stringify(watch()) },
    );
    assert.equal(w.status.phase, 'watching');
    assert.equal(w.status.leakProfile, 'served');
    assert.equal(w.growth![0]!.function, 'main.retainBuffers');
    assert.equal(w.growth![0]!.growthObjects, 10);
    assert.match(w.shown!.figures, /^In use [\d.]+ MiB \(\+[\d.]+ KiB since \d\d:\d\d:\d\d\) · \d+ goroutines \(\+\d+\) · 10 leaked \(\+10\) at \d\d:\d\d:\d\d$/);
    assert.ok(w.shown!.rows >= 1);

    // A row opens its line: the make of the leaked buffer in the service's source.
    const opened = await api.openWatchLine(0);
    const source = path.join(process.env.GMI_ROOT!, 'test', 'harness', 'pprof-service', 'main.go');
    assert.deepEqual(opened, { path: source, line: w.growth![0]!.line });
    const editor = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.fsPath === source ? vscode.window.activeTextEditor : undefined), { message: 'main.go to open' });
    assert.equal(editor.selection.active.line + 1, w.growth![0]!.line);
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /make\(\[\]byte, LeakBufferSize\)/);

    const diff = await api.openWatchDiff();
    assert.deepEqual(diff, { ok: true });
    const files = watch()!.diff!;
    const shown = await waitFor(
      async () => {
        const s = await vscode.commands.executeCommand<FlameSessionInfo | undefined>('goMemoryInsight.flame.state', vscode.Uri.file(files.newest).toString());
        return s?.rendered || s?.error ? s : undefined;
      },
      { message: 'the diff flame graph', timeoutMs: 60_000 },
    );
    assert.equal(shown.error, undefined);
    assert.equal(shown.sampleType, 'inuse_space');
    assert.equal(vscode.Uri.parse(shown.baseUri!).fsPath, files.base);
    assert.ok(shown.rendered!.nodeCount > 1);
  });

  it('Stop stops the polling', async () => {
    assert.equal(api.stopWatch(`${svc.url}/debug/pprof/`), true);
    const stopped = await waitFor(() => (watch()?.status.phase === 'stopped' && watch()?.shown?.phase === 'stopped' ? watch() : undefined), { message: 'the watch to stop' });
    const polls = stopped.status.polls;
    // Two intervals later: no poll was made.
    await new Promise((r) => setTimeout(r, 2200));
    assert.equal(watch()!.status.polls, polls);
  });

  it('a service that dies ends the watch on its error: no figure stays as if current', async () => {
    const r = await api.watchHeap(svc.addr, { intervalMs: 1000, maxFailures: 2 });
    assert.equal(r?.ok, true);
    await waitFor(() => (watch()?.status.polls ?? 0) >= 1 && watch()?.status.phase === 'watching', { message: 'a new watch' });
    assert.equal(watch()!.growth, undefined, 'the new watch starts from a new first snapshot');
    await svc.stop();
    const failed = await waitFor(() => (watch()?.shown?.phase === 'failed' ? watch() : undefined), { message: 'the watch to fail', timeoutMs: 30_000, describe: () => JSON.stringify(watch()) });
    assert.match(failed.status.message!, /^Connection refused at 127\.0\.0\.1:\d+: .*\(2 polls failed in a row; stopped\)$/);
    assert.match(failed.newest!.error!, /Connection refused/);
    assert.equal(failed.newest!.inuseBytes, undefined);
    assert.equal(failed.shown!.figures, `The watch failed: ${failed.status.message}`);
  });

  it('refuses an address that is no pprof endpoint, and closing a panel ends its watch', async () => {
    const other = await startService();
    try {
      const r = await api.watchHeap(`${other.url}/hello/`, { intervalMs: 1000 });
      assert.equal(r?.ok, false);
      assert.match(r!.error!, /\/hello\/heap\?gc=1 did not return a pprof profile/);
      const info = await waitFor(() => api.watches().find((w) => w.base === `${other.url}/hello/` && w.shown?.phase === 'failed'), { message: 'the failed watch drawn' });
      assert.equal(info.shown!.points, 0);
      assert.equal(info.shown!.figures, `The watch failed: ${r!.error}`);

      const running = await api.watchHeap(other.addr, { intervalMs: 1000 });
      assert.equal(running?.ok, true);
      await closeAllEditors();
      await waitFor(() => api.watches().length === 0, { message: 'the watches to end with their panels', describe: () => JSON.stringify(api.watches()) });
    } finally {
      await other.stop();
    }
  });
});
