// The flame graph panel survives a window reload: VS Code restores it through the extension's
// webview serializer, which reads the profile file again and draws it with the saved state.
import * as assert from 'node:assert/strict';

export const title = 'the flame graph panel is back after a window reload';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  if (!(await wb.flameGraphDrawn(5_000))) {
    // Run on its own (--grep): open a panel the way a person does, from a benchmark's lens.
    await wb.openFile('profiling/records_test.go');
    const lens = wb.page.locator('.codelens-decoration a', { hasText: 'Profile benchmark' }).first();
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    await lens.click();
    assert.ok(await wb.flameGraphDrawn(180_000), 'the flame graph did not open');
  }
  // The panel's tab is named after what was profiled: "BenchmarkBuild · <package>".
  const tab = await wb.waitForText(/Benchmark\w+ · /, { within: '.tabs-container .tab', timeoutMs: 10_000 });
  const tabTitle = (await tab.textContent())?.trim() ?? '';

  await wb.reloadWindow();
  // The same tab comes back and its graph is drawn again, without the user doing anything.
  await wb.waitForText(tabTitle, { within: '.tabs-container .tab', timeoutMs: 90_000 });
  assert.ok(await wb.flameGraphDrawn(120_000), `the restored panel "${tabTitle}" stayed blank after the reload`);
  await wb.screenshot('e2e-flame-after-reload');
}
