// A person runs "Go Memory Insight: Show Log" from the command palette and reads the log.
import * as assert from 'node:assert/strict';

export const title = 'Show Log opens the Output panel with the extension log';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  await wb.runCommand('Go Memory Insight: Show Log');
  const panel = '#workbench\\.parts\\.panel';
  await wb.waitForText('Using go at', { within: `${panel} .monaco-editor`, timeoutMs: 30_000 });
  // The Output view's channel picker has the extension's log selected.
  const picker = wb.page.locator(`${panel} select.monaco-select-box`).first();
  assert.equal(await picker.evaluate((s) => s.options[s.selectedIndex]?.text), 'Go Memory Insight');
  await wb.waitForText('Language server', { within: `${panel} .monaco-editor` });
  await wb.screenshot('e2e-show-log');
}
