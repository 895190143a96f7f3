// A person profiles a benchmark that allocates nothing: the flame graph has next to nothing in
// it, and a notification says why (the one or few samples are the runtime's; Go samples one
// allocation per 512 KiB) and offers a run with memProfileRate=1, which the person accepts.
import * as assert from 'node:assert/strict';
import { fixtureLine, openExactly } from './profiling-helpers.mjs';

export const title = 'a nearly empty heap profile says why and re-runs with memProfileRate=1';

const FILE = 'profiling/cases/noalloc/noalloc_test.go';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const page = wb.page;
  await page.setViewportSize({ width: 1600, height: 900 });
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.runCommand('View: Close All Editors');
  await openExactly(wb, FILE);
  await wb.waitForText('func BenchmarkSum', { within: '.editor-instance .view-lines' });
  await wb.goTo(fixtureLine(FILE, 'func BenchmarkSum(') + 2, 3);
  await wb.runCommand('Go Memory Insight: Profile Benchmark');

  const toasts = '.notifications-toasts .notification-toast';
  const hint = await wb.waitForText('The heap profile is nearly empty', { within: toasts, timeoutMs: 180_000 });
  const text = (await hint.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /BenchmarkSum allocates nothing per op \(0 B\/op\)/);
  assert.match(text, /one allocation per 512 KiB/);
  await wb.waitForText(/BenchmarkSum · /, { within: '.tabs-container .tab', timeoutMs: 30_000 });
  await wb.screenshot('e2e-nearly-empty-profile-hint');

  // The offered re-run records every allocation: a new panel, and the note that the benchmark
  // itself allocates nothing (the profile now shows the test harness's allocations).
  await hint.locator('.monaco-button', { hasText: 'Re-run with memProfileRate=1' }).click();
  await wb.waitForText('BenchmarkSum (memProfileRate=1) · ', { within: '.tabs-container .tab', timeoutMs: 180_000 });
  await wb.waitForText('BenchmarkSum allocates nothing per op (0 B/op): the profile holds only the allocations of the runtime and of the test harness', { within: toasts, timeoutMs: 60_000 });
  assert.ok(await wb.flameGraphDrawn(60_000), 'the memProfileRate=1 profile was not drawn');
  await wb.screenshot('e2e-nearly-empty-profile-rerun');
}
