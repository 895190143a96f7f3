// A person profiles a benchmark, clicks its B/op result and reads why each line allocates:
// the Allocation Hot Spots view in the Explorer lists the lines with their figures and the
// compiler's finding; clicking the heaviest line opens it with the explanation and the cost.
import * as assert from 'node:assert/strict';
import { openExactly } from './profiling-helpers.mjs';

export const title = 'the B/op lens of a profiled benchmark opens the allocation hot spots, and a row opens its line with the reason and the cost';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const page = wb.page;
  await page.setViewportSize({ width: 1800, height: 1000 });
  await wb.runCommand('View: Close All Editors');
  await openExactly(wb, 'hotspots/shop_test.go');
  await wb.waitForText('func BenchmarkShop', { within: '.editor-instance .view-lines' });
  const profile = page.locator('.codelens-decoration a', { hasText: 'Profile benchmark' }).first();
  await profile.waitFor({ state: 'visible', timeout: 60_000 });
  await profile.click();
  await wb.waitForText(/BenchmarkShop · /, { within: '.tabs-container .tab', timeoutMs: 180_000 });

  // Back in the test file (still open on the left; keys pressed in the webview stay there, so
  // click the code), the benchmark's result lens (B/op) leads to the hot spots.
  await page.locator('.editor-group-container').first().locator('.monaco-editor .view-lines').first().click();
  const result = page.locator('.codelens-decoration a', { hasText: 'B/op' }).first();
  await result.waitFor({ state: 'visible', timeout: 60_000 });
  await result.click();

  // The view, in the Explorer: its rows are "shop.go:LINE" with figures and the finding.
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Allocation Hot Spots/i }) });
  await pane.waitFor({ state: 'visible', timeout: 30_000 });
  const rows = pane.locator('.monaco-list-row');
  const grow = rows.filter({ hasText: /shop\.go:\d+/ }).first();
  await grow.waitFor({ state: 'visible', timeout: 60_000 });
  const deadline = Date.now() + 60_000;
  let texts = [];
  while (Date.now() < deadline) {
    texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    if (texts.some((t) => /escapes to heap|no compiler finding/.test(t))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // The heaviest line is the growing slice of Collect, with its figure and the compiler's words.
  assert.match(texts[0] ?? '', /^shop\.go:\d+\s*[\d.]+ (B|KiB|MiB) · [\d.]+% .*Collect — append escapes to heap/, `rows: ${texts.join(' | ')}`);
  await wb.screenshot('e2e-hotspots-view');

  // Clicking it opens the line with the escape's explanation and what it measured.
  await rows.first().click();
  await wb.waitForText('func Collect', { within: '.editor-instance .view-lines', timeoutMs: 30_000 });
  const hover = page.locator('.monaco-hover:not(.hidden)').first();
  await hover.waitFor({ state: 'visible', timeout: 30_000 });
  // The diagnostic shows first; the escape's card (from the language server) follows.
  await wb.waitForText(/Measured in the last profile/, { within: '.monaco-hover:not(.hidden)', timeoutMs: 30_000 });
  const text = (await hover.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /Measured in the last profile \(.*\): [\d.]+ (B|KiB|MiB)/, text);
  assert.match(text, /escapes to the heap/, text);
  await wb.screenshot('e2e-hotspots-reason-and-cost');
}
