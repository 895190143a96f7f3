// A person puts the cursor in a benchmark and runs "Go Memory Insight: Profile Benchmark" from
// the Command Palette: the benchmark under the cursor is profiled and the flame graph opens.
// Profile Test and Profile Benchmark are also in the editor's context menu of a _test.go file.
import * as assert from 'node:assert/strict';
import { fixtureLine, openExactly } from './profiling-helpers.mjs';

export const title = 'Profile Test and Profile Benchmark are in the palette and the context menu; from the palette they profile the function under the cursor';

/** The rows the Command Palette lists for `query` (without running anything). */
async function paletteRows(wb, query) {
  await wb.page.keyboard.press('F1');
  const input = wb.page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${query}`);
  await wb.waitForText(query.split(': ').pop(), { within: '.quick-input-widget .monaco-list-row', timeoutMs: 20_000 }).catch(() => undefined);
  const rows = await wb.page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
  await wb.page.keyboard.press('Escape');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
  return rows.map((r) => r.replace(/\s+/g, ' ').trim());
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const page = wb.page;
  await page.setViewportSize({ width: 1600, height: 900 });
  // Earlier tests' panels have the same title: start from no editor at all.
  await wb.runCommand('View: Close All Editors');
  await openExactly(wb, 'profiling/records_test.go');
  await wb.waitForText('func BenchmarkBuild', { within: '.editor-instance .view-lines' });

  // Both commands are offered in the palette for a Go test file.
  const rows = await paletteRows(wb, 'Go Memory Insight: Profile');
  for (const name of ['Profile Test', 'Profile Benchmark']) {
    assert.ok(rows.some((r) => r.includes(`Go Memory Insight: ${name}`)), `"${name}" is not in the palette; it listed: ${rows.join(' | ')}`);
  }

  // The cursor in the body of BenchmarkBuild; the editor's context menu lists both commands.
  const line = fixtureLine('profiling/records_test.go', 'func BenchmarkBuild(') + 1;
  await wb.goTo(line, 3);
  const cursor = page.locator('.editor-instance .monaco-editor .cursors-layer .cursor').first();
  const box = await cursor.boundingBox();
  assert.ok(box, 'no cursor on screen');
  await page.mouse.click(box.x + 2, box.y + box.height / 2, { button: 'right' });
  const menu = '.context-view .monaco-menu';
  await wb.waitForText('Profile Benchmark', { within: menu, timeoutMs: 15_000 });
  const items = (await page.locator(`${menu} .action-label`).allInnerTexts()).map((t) => t.trim());
  assert.ok(items.includes('Profile Test') && items.includes('Profile Benchmark'), `the context menu lists: ${items.join(' | ')}`);
  await wb.screenshot('e2e-profile-commands-context-menu');
  await page.keyboard.press('Escape');

  // From the palette: the benchmark under the cursor runs and its flame graph opens.
  await wb.goTo(line, 3);
  await wb.runCommand('Go Memory Insight: Profile Benchmark');
  await wb.waitForText(/BenchmarkBuild · /, { within: '.tabs-container .tab', timeoutMs: 180_000 });
  assert.ok(await wb.flameGraphDrawn(60_000), 'the flame graph of BenchmarkBuild was not drawn');
  await wb.screenshot('e2e-profile-benchmark-from-palette');
}
