// The GC tab, in headless Chromium: a trace the Go runtime wrote at test time (the load program
// of test/fixtures/gc) shown in the flame graph panel beside a heap profile, and alone in the
// "Open GC Trace…" page (src/webview/gcStart.ts, with the read-only hook of gcPageHooks.ts).
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { parseGcTrace, type GcCycle } from '../../src/gc/gctrace';
import { gcVerdict } from '../../src/gc/verdict';
import type { ShowGcTraceMessage, WebviewMessage } from '../../src/shared/webviewProtocol';
import { cleanupGcLoad, runGcLoad } from '../unit/gcFixture';
import { heapProfileData, launchBrowser, openPanel, paintedPixels, ROOT, screenshotPath, THEMES } from './helpers';

describe('GC tab', function () {
  this.timeout(300_000);
  let browser: Browser;
  let cycles: GcCycle[];
  before(async () => {
    cycles = parseGcTrace((await runGcLoad({ gogc: '100' })).trace).runs[0]!.cycles;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    cleanupGcLoad();
  });

  it('draws the run\'s trace beside the flame graph, with a verdict and a what-if that follows the controls', async () => {
    const panel = await openPanel(browser, { theme: 'dark' });
    const { page } = panel;
    await panel.show({ data: await heapProfileData('gc-heap.pprof'), title: 'BenchmarkX' });
    assert.equal(await page.isVisible('button:text-is("GC")'), false, 'no GC button without a trace');
    const msg: ShowGcTraceMessage = { type: 'showGcTrace', cycles, name: 'gcload' };
    await page.evaluate((m) => window.postMessage(m, '*'), msg);
    await page.waitForSelector('button:text-is("GC")', { state: 'visible' });
    await page.click('button:text-is("GC")');
    await page.waitForSelector('.gc-tab', { state: 'visible' });
    assert.equal(await page.isVisible('.content'), false, 'the tab takes the flame graph\'s place');
    const chartPixels = await paintedPixels(page, '.gc-chart');
    assert.ok(chartPixels > 2000, `chart drawn (${chartPixels} pixels)`);
    assert.ok((await paintedPixels(page, '.gc-pauses')) > 100, 'pauses drawn');
    const expected = gcVerdict(cycles);
    assert.equal(await page.textContent('.gc-verdict'), expected.text);
    assert.match(expected.text, new RegExp(`^GC used \\d+% CPU over ${cycles.length} cycles; GOGC=200 would cut the cycles by \\d+% \\(\\d+\\) for \\+\\d+ MB peak goal and [\\d.]+% GC CPU\\.$`));
    const drawn = await page.evaluate(() => window.flameDebug!.app.gc.state!.drawn);
    assert.deepEqual(drawn, { live: cycles.length, goal: cycles.length, inUse: cycles.length, predicted: expected.whatIf.timeline.length, pauses: cycles.length });
    await page.screenshot({ path: screenshotPath('gc-tab') });
    // The keyboard steps through the cycles: focus goes to the last, Home to the first, an arrow on.
    const readout = async () => (await page.textContent('.chart-readout'))!;
    const said = (c: GcCycle) => new RegExp(`^Cycle ${c.n}${c.forced ? ' \\(forced\\)' : ''} ended at [\\d.]+ s: live ${c.liveMB} MB, in use ${c.heapEndMB} MB, goal ${c.goalMB} MB, stacks ${c.stacksMB} MB; pause ${c.pauseMs} ms; GC CPU ${c.cpuPercent}% since the start$`);
    await page.focus('.gc-chart');
    assert.match(await readout(), said(cycles.at(-1)!));
    await page.keyboard.press('Home');
    assert.match(await readout(), said(cycles[0]!));
    await page.keyboard.press('ArrowRight');
    assert.match(await readout(), said(cycles[1]!));
    assert.equal(await page.getAttribute('.chart-readout', 'aria-live'), 'polite');
    await page.keyboard.press('Escape');
    assert.equal(await readout(), '');
    // The pointer picks the cycle nearest to it: at the left edge, the first; at the right, the last.
    const box = (await page.locator('.gc-chart').boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + 100);
    assert.match(await readout(), said(cycles[0]!));
    await page.mouse.move(box.x + box.width - 1, box.y + 100);
    assert.match(await readout(), said(cycles.at(-1)!));
    // GOGC=50: more cycles, drawn and said.
    await page.fill('.gc-gogc', '50');
    const v50 = gcVerdict(cycles, { gogc: 50 });
    await page.waitForFunction((t) => document.querySelector('.gc-verdict')!.textContent === t, v50.text);
    assert.ok(v50.whatIf.cycles > cycles.length);
    assert.match(v50.text, /GOGC=50 would add \d+% more cycles/);
    // A memory limit: the line is drawn and the prediction stays under it.
    await page.fill('.gc-limit', '150');
    const v = await page.evaluate(() => window.flameDebug!.app.gc.state!);
    assert.deepEqual(v.target, { gogc: 50, memoryLimitMB: 150 });
    assert.equal(v.predictedCycles, gcVerdict(cycles, { gogc: 50, memoryLimitMB: 150 }).whatIf.cycles);
    // A bad value is marked, the last good prediction stays.
    await page.fill('.gc-gogc', 'lots');
    assert.equal(await page.getAttribute('.gc-gogc', 'class'), 'gc-gogc invalid');
    // Back to the flame graph.
    await page.click('button:text-is("GC")');
    assert.equal(await page.isVisible('.gc-tab'), false);
    assert.equal(await page.isVisible('.content'), true);
    const posted = (await panel.posted()).filter((m): m is Extract<WebviewMessage, { type: 'gcShown' }> => m.type === 'gcShown');
    assert.ok(posted.length >= 2);
    assert.equal(posted[0]!.cycles, cycles.length);
    assert.deepEqual(panel.errors, []);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    await page.close();
  });

  it('refuses a malformed trace message', async () => {
    const panel = await openPanel(browser, { theme: 'light' });
    const bad = { type: 'showGcTrace', name: 'x', cycles: [{ ...cycles[0], liveMB: 'lots' }] };
    await panel.page.evaluate((m) => window.postMessage(m, '*'), bad);
    await panel.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'webviewError'));
    const err = (await panel.posted()).find((m) => m.type === 'webviewError');
    assert.match(err && 'message' in err ? err.message : '', /showGcTrace: cycle 0: liveMB is not a number/);
    assert.equal(await panel.page.isVisible('button:text-is("GC")'), false);
    await panel.page.close();
  });

  it('the "Open GC Trace…" page shows the tab alone', async () => {
    const dir = path.join(ROOT, 'test-output', 'webview-pages');
    mkdirSync(dir, { recursive: true });
    const nonce = 'n' + Math.random().toString(36).slice(2);
    const vars = Object.entries(THEMES.dark.vars).map(([k, v]) => `document.documentElement.style.setProperty(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('');
    const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src file:; script-src 'nonce-${nonce}'">
<link rel="stylesheet" href="${pathToFileURL(path.join(ROOT, 'media', 'flame.css')).href}"></head>
<body class="vscode-dark"><div id="app"></div>
<script nonce="${nonce}">${vars} window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => null, setState: () => {} });
window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));</script>
<script nonce="${nonce}" src="${pathToFileURL(path.join(ROOT, 'test-output', 'webview-tests', 'gc-webview-hooks.js')).href}"></script></body></html>`;
    const file = path.join(dir, `gc-${nonce}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    const msg: ShowGcTraceMessage = { type: 'showGcTrace', cycles, name: 'pasted log', containerLimitMB: 256 };
    await page.evaluate((m) => window.postMessage(m, '*'), msg);
    await page.waitForSelector('.gc-tab', { state: 'visible' });
    assert.equal(await page.textContent('.gc-heading'), 'GC trace · pasted log');
    // A container limit fills GOMEMLIMIT with 90% of it.
    assert.equal(await page.inputValue('.gc-limit'), '230');
    const state = await page.evaluate(() => window.gcDebug!.tab.state!);
    assert.deepEqual(state.target, { gogc: 100, memoryLimitMB: 230 });
    assert.equal(state.verdict, gcVerdict(cycles, { gogc: 100, memoryLimitMB: 230 }).text);
    assert.ok((await paintedPixels(page, '.gc-chart')) > 2000);
    await page.screenshot({ path: screenshotPath('gc-page') });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    await page.close();
  });
});
