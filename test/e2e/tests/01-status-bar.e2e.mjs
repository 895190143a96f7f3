// A person opens a Go file and sees the extension's status bar item.
import * as assert from 'node:assert/strict';

export const title = 'opening a Go file shows the Go Memory status bar item';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  await wb.openFile('basic/main.go');
  await wb.waitForText('func newPoint', { within: '.editor-instance .view-lines' });
  const item = await wb.statusBarItem('Go Memory');
  // Once the language server runs, the item shows the pulse icon rather than the spinner or a warning.
  await item.locator('.codicon-pulse').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await item.innerText(), /Go Memory/);
  await wb.screenshot('e2e-status-bar');
}
