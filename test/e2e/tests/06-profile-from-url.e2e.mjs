// A person points "Open Profile from URL…" at a running Go service's net/http/pprof endpoint:
// the address box checks what is typed, a CPU endpoint asks for a duration (Escape cancels),
// and the heap endpoint opens in the flame graph.
import * as assert from 'node:assert/strict';
import { startPprofService } from '../pprofService.mjs';

export const title = 'Open Profile from URL fetches a running service\'s heap profile';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const svc = await startPprofService();
  try {
    // The extension's commands are in the palette once it is active (this may run just after a reload).
    await wb.statusBarItem('Go Memory', 90_000);
    const input = wb.page.locator('.quick-input-widget input');
    const message = '.quick-input-widget .quick-input-message';

    // Not an http address: the box says so and keeps it open.
    await wb.runCommand('Go Memory Insight: Open Profile from URL…', { keepOpen: true });
    await input.fill('ftp://example.com/debug/pprof/heap');
    await wb.waitForText(/http/i, { within: message, timeoutMs: 10_000 });
    // A CPU endpoint asks how long to profile for; Escape there opens nothing.
    await input.fill(`http://${svc.addr}/debug/pprof/profile`);
    await wb.page.keyboard.press('Enter');
    await wb.waitForText('Seconds to profile for', { within: '.quick-input-widget', timeoutMs: 10_000 });
    await wb.page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden', timeout: 10_000 });

    // The heap endpoint: fetched, decoded and drawn in a panel named after the endpoint.
    await wb.runCommand('Go Memory Insight: Open Profile from URL…', { keepOpen: true });
    await input.fill(`http://${svc.addr}/debug/pprof/heap`);
    await wb.page.keyboard.press('Enter');
    await wb.waitForText(`heap · ${svc.addr}`, { within: '.tabs-container .tab', timeoutMs: 60_000 });
    assert.ok(await wb.flameGraphDrawn(60_000), 'the heap profile fetched from the service was not drawn');
    await wb.screenshot('e2e-profile-from-url');
  } finally {
    svc.stop();
  }
}
