// Helpers shared by the profiling end-to-end tests (20-22); not a test file itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root } from '../../harness/codeServer.mjs';

/** 1-based line of the first line of a fixture file (under test/fixtures/) containing `text`. */
export function fixtureLine(relative, text) {
  const lines = fs.readFileSync(path.join(root, 'test', 'fixtures', ...relative.split('/')), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${relative}`);
  return i + 1;
}

/**
 * Opens a workspace file through Quick Open once the row it will open (the focused one) is
 * that file: recently opened files are listed first while the results are still coming in,
 * so pressing Enter as soon as the name shows somewhere may open another file. `side`: open it
 * to the side (Ctrl+Enter).
 * @param {import('../workbench.mjs').Workbench} wb
 */
export async function openExactly(wb, relativePath, { side = false } = {}) {
  const name = relativePath.split('/').pop();
  await wb.page.keyboard.press(process.platform === 'darwin' ? 'Meta+P' : 'Control+P');
  const input = wb.page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(relativePath);
  await wb.page.waitForFunction((n) => {
    const row = document.querySelector('.quick-input-widget .monaco-list-row.focused .label-name');
    return !!row && row.textContent?.replace(/\s+/g, '') === n;
  }, name, { timeout: 20_000 });
  await wb.page.keyboard.press(side ? 'Control+Enter' : 'Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
  await wb.waitForText(name.replace(/\.go$/, ''), { within: '.tabs-container .tab.active', timeoutMs: 30_000 });
}
