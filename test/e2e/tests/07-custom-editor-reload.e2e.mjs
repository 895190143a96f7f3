// A profile file opened from the explorer shows in the flame graph custom editor, and that
// editor is back and drawn after a window reload.
import * as assert from 'node:assert/strict';

export const title = 'a .pprof file opens in the flame graph editor and survives a window reload';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  // Only this editor on screen, so the drawn canvas can only be its own.
  await wb.runCommand('View: Close All Editors');
  await wb.quickOpen('flame/heap.pprof', 30_000);
  assert.ok(await wb.flameGraphDrawn(60_000), 'heap.pprof did not open as a drawn flame graph');

  await wb.reloadWindow();
  await wb.waitForText('heap.pprof', { within: '.tabs-container .tab.active', timeoutMs: 90_000 });
  assert.ok(await wb.flameGraphDrawn(120_000), 'the heap.pprof editor stayed blank after the reload');
  await wb.screenshot('e2e-custom-editor-after-reload');
}
