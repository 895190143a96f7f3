// A person watches a running service's heap, then reloads the window: the watch panel comes back
// and polls the same service again (its snapshots were in memory, so it counts from the reload).
import * as assert from 'node:assert/strict';
import { startPprofService } from '../pprofService.mjs';

export const title = 'a heap watch panel is back after a window reload and polls its service again';

/** The watch panel's status line, once it reports at least `polls` snapshots. */
async function watchStatus(wb, polls, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    for (const frame of wb.page.frames()) {
      if (frame === wb.page.mainFrame()) continue;
      const text = await frame.evaluate(() => document.querySelector('.watch-status')?.textContent ?? '').catch(() => '');
      if (!text) continue;
      last = text;
      const m = /(\d+) snapshots?/.exec(text);
      if (m && Number(m[1]) >= polls) return text;
    }
    if (Date.now() > deadline) throw new Error(`the watch panel did not reach ${polls} snapshots; its status: ${last || '(no watch panel)'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const svc = await startPprofService();
  try {
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('Go Memory Insight: Watch Heap of Service…', { keepOpen: true });
    const input = wb.page.locator('.quick-input-widget input');
    await input.fill(`http://${svc.addr}`);
    await wb.page.keyboard.press('Enter');
    await wb.waitForText(`Heap · ${svc.addr}`, { within: '.tabs-container .tab', timeoutMs: 30_000 });
    const before = await watchStatus(wb, 2, 60_000);
    assert.match(before, new RegExp(`http://${svc.addr.replace(/\./g, '\\.')}/debug/pprof/`));

    await wb.reloadWindow();
    await wb.waitForText(`Heap · ${svc.addr}`, { within: '.tabs-container .tab', timeoutMs: 90_000 });
    // Polling again: the new watch's own snapshots arrive.
    const after = await watchStatus(wb, 2, 90_000);
    assert.match(after, /^Watching/, after);
    await wb.screenshot('e2e-watch-after-reload');
    await wb.runCommand('Go Memory Insight: Stop Watching Heap');
  } finally {
    svc.stop();
  }
}
