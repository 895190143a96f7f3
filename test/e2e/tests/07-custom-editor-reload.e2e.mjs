// A profile file opened from the explorer shows in the flame graph custom editor, and that
// editor is back and drawn after a window reload.
import * as assert from 'node:assert/strict';

export const title = 'a .pprof file opens in the flame graph editor and survives a window reload';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  // Only this editor on screen, so the drawn canvas can only be its own.
  await wb.runCommand('View: Close All Editors');
  await wb.page.keyboard.press('Control+P');
  const input = wb.page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('flame/heap.pprof');
  await wb.waitForText('heap.pprof', { within: '.quick-input-widget .monaco-list-row', timeoutMs: 20_000 });
  await wb.page.keyboard.press('Enter');
  await wb.waitForText('heap.pprof', { within: '.tabs-container .tab.active', timeoutMs: 30_000 });
  assert.ok(await wb.flameGraphDrawn(60_000), 'heap.pprof did not open as a drawn flame graph');

  await wb.page.evaluate(() => {
    window.gmiBeforeReload = true;
  });
  await wb.runCommand('Developer: Reload Window');
  await wb.page.waitForFunction(() => !window.gmiBeforeReload, undefined, { timeout: 60_000 });
  await wb.ready();
  await wb.waitForText('heap.pprof', { within: '.tabs-container .tab.active', timeoutMs: 90_000 });
  assert.ok(await wb.flameGraphDrawn(120_000), 'the heap.pprof editor stayed blank after the reload');
  await wb.screenshot('e2e-custom-editor-after-reload');
}
