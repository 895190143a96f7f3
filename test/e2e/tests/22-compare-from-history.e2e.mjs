// A person runs "Compare Profiles…": the recent profiles are offered first (newest first, with
// their b.N), "Browse…" last; picking a benchmark run and then an earlier run of the same
// benchmark opens a diff flame graph that compares them per op.
import * as assert from 'node:assert/strict';
import { fixtureLine, openExactly } from './profiling-helpers.mjs';

export const title = 'Compare Profiles… offers the history first and compares two benchmark runs per op';

/** @param {import('../workbench.mjs').Workbench} wb */
async function profileBuildFromLens(wb) {
  await openExactly(wb, 'profiling/records_test.go');
  // The editor may come back scrolled to where it was: show the benchmark and its lens.
  await wb.goTo(fixtureLine('profiling/records_test.go', 'func BenchmarkBuild('), 1);
  const lens = wb.page.locator('.codelens-decoration a', { hasText: /^Profile benchmark$/ }).first();
  await lens.waitFor({ state: 'visible', timeout: 60_000 });
  const tabs = await wb.page.locator('.tabs-container .tab').count();
  await lens.click();
  // The run is over when the flame graph panel has opened beside (one more tab).
  await wb.page.waitForFunction((n) => document.querySelectorAll('.tabs-container .tab').length > n, tabs, { timeout: 180_000 });
  await wb.page.locator('.editor-group-container').first().locator('.monaco-editor .view-lines').first().click();
}

async function rows(wb) {
  const texts = await wb.page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
  return texts.map((t) => t.replace(/\s+/g, ' ').trim());
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const page = wb.page;
  await page.setViewportSize({ width: 1600, height: 900 });
  // Two runs of the same benchmark to compare (the ones of earlier tests may not be there).
  await wb.runCommand('View: Close All Editors');
  await profileBuildFromLens(wb);
  await wb.runCommand('View: Close All Editors');
  await profileBuildFromLens(wb);
  await wb.runCommand('View: Close All Editors');

  await wb.runCommand('Go Memory Insight: Compare Profiles…', { keepOpen: true });
  await wb.waitForText('Browse…', { within: '.quick-input-widget .monaco-list-row', timeoutMs: 15_000 });
  const first = await rows(wb);
  assert.ok(first.length >= 3, `the picker lists: ${first.join(' | ')}`);
  assert.match(first[0], /BenchmarkBuild/, `the newest profile is not first: ${first.join(' | ')}`);
  assert.match(first[0], /BenchmarkBuild [\d,]+ ops/, `the entry does not show its b.N: ${first[0]}`);
  assert.match(first[first.length - 1], /Browse…/, `Browse… is not last: ${first.join(' | ')}`);
  assert.ok(!first.slice(0, -1).some((r) => /Browse…/.test(r)));
  await wb.screenshot('e2e-compare-history-first');
  await page.keyboard.press('Enter');

  // The base: an earlier run of the same benchmark comes first.
  await wb.waitForText('the base', { within: '.quick-input-widget', timeoutMs: 15_000 });
  const second = await rows(wb);
  assert.match(second[0], /BenchmarkBuild/, `the base picker does not start with the same benchmark: ${second.join(' | ')}`);
  await page.keyboard.press('Enter');
  await wb.waitForText(/BenchmarkBuild \(.*\) vs BenchmarkBuild \(.*\) · per op/, { within: '.tabs-container .tab', timeoutMs: 60_000 });
  assert.ok(await wb.flameGraphDrawn(60_000), 'the per-op diff flame graph was not drawn');
  await wb.screenshot('e2e-compare-per-op-diff');
}
