// The heap watch panel (src/webview/watchStart.ts, with the read-only hook of
// watchPageHooks.ts) in headless Chromium, fed the messages of real watches of the leaking Go
// service (test/harness/pprof-service): the charts and the growth table of a watch that saw 12
// buffers leak, the buttons and rows posting their actions, a poll failing after the service
// died (the figures give way to the error: nothing stale stays) and a watch that could not start.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { fetchProfile } from '../../src/extension/flame/fetchProfile';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { formatBytes } from '../../src/pprof/units';
import type { ShowWatchMessage, WebviewMessage } from '../../src/shared/webviewProtocol';
import { showWatchMessage } from '../../src/watch/message';
import { watchEndpoints, watchOptions, type WatchOptionsInput } from '../../src/watch/options';
import { HeapWatcher } from '../../src/watch/watcher';
import { closedPort, LEAK_BUFFER_SIZE, startService, type RunningService } from '../unit/pprofService';
import { launchBrowser, paintedPixels, ROOT, screenshotPath, THEMES, type ThemeName } from './helpers';

function watcher(url: string, opts: WatchOptionsInput): HeapWatcher {
  const e = watchEndpoints(url);
  if (typeof e === 'string') throw new Error(e);
  return new HeapWatcher(e, watchOptions({ intervalMs: 1000, ...opts }), {
    fetch: (u, o) => fetchProfile(u, o),
    decode: (bytes, name) => Promise.resolve(toProfileData(decodeProfile(bytes), name)),
  });
}

function message(w: HeapWatcher): ShowWatchMessage {
  return showWatchMessage(w, w.growth({ limit: 50 }));
}

async function openWatchPage(browser: Browser, theme: ThemeName): Promise<Page> {
  const dir = path.join(ROOT, 'test-output', 'webview-pages');
  mkdirSync(dir, { recursive: true });
  const nonce = 'n' + Math.random().toString(36).slice(2);
  const vars = Object.entries(THEMES[theme].vars).map(([k, v]) => `document.documentElement.style.setProperty(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('');
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src file:; script-src 'nonce-${nonce}'">
<link rel="stylesheet" href="${pathToFileURL(path.join(ROOT, 'media', 'flame.css')).href}"></head>
<body class="${THEMES[theme].bodyClass}"><div id="app"></div>
<script nonce="${nonce}">${vars} window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))), getState: () => null, setState: () => {} });
window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));</script>
<script nonce="${nonce}" src="${pathToFileURL(path.join(ROOT, 'test-output', 'webview-tests', 'watch-webview-hooks.js')).href}"></script></body></html>`;
  const file = path.join(dir, `watch-${nonce}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return page;
}

const posted = (page: Page): Promise<WebviewMessage[]> => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted);

async function showAndWait(page: Page, msg: ShowWatchMessage): Promise<Extract<WebviewMessage, { type: 'watchShown' }>> {
  const before = (await posted(page)).filter((m) => m.type === 'watchShown').length;
  await page.evaluate((m) => window.postMessage(m, '*'), msg);
  await page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'watchShown').length > n, before);
  return (await posted(page)).filter((m): m is Extract<WebviewMessage, { type: 'watchShown' }> => m.type === 'watchShown').at(-1)!;
}

const clock = (ms: number): string => {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
};

describe('heap watch panel', function () {
  this.timeout(300_000);
  let browser: Browser;
  let svc: RunningService;
  let leaking: ShowWatchMessage;

  before(async () => {
    svc = await startService({ leakProfile: true, args: ['-rate', '1'] });
    // A real watch: 7 buffers and goroutines leak after the first snapshot, 5 after the second.
    const w = watcher(svc.addr, { count: 3 });
    const leaks: Promise<unknown>[] = [];
    w.onChange = (x) => {
      const polls = x.status().polls;
      if ((polls === 1 || polls === 2) && leaks.length < polls) leaks.push(svc.leak(polls === 1 ? 7 : 5));
    };
    const status = await w.start();
    await Promise.all(leaks);
    assert.equal(status.phase, 'done', status.message);
    leaking = message(w);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('draws in-use bytes and goroutines over time and lists what grew, heaviest first', async () => {
    const page = await openWatchPage(browser, 'dark');
    const shown = await showAndWait(page, leaking);
    const p = leaking.points;
    const [first, last] = [p[0]!, p[2]!];
    assert.equal(await page.textContent('.watch-heading'), `Heap of ${svc.addr}`);
    const sign = (n: number) => (n >= 0 ? '+' : '−');
    const bytes = last.inuseBytes! - first.inuseBytes!;
    const expected = `In use ${formatBytes(last.inuseBytes!)} (${sign(bytes)}${formatBytes(Math.abs(bytes))} since ${clock(first.at)}) · ${last.goroutines} goroutines (${sign(last.goroutines! - first.goroutines!)}${Math.abs(last.goroutines! - first.goroutines!)}) · ${last.leakedGoroutines} leaked (+12) at ${clock(last.at)}`;
    assert.equal(await page.textContent('.watch-figures'), expected);
    assert.equal(shown.figures, expected);
    assert.equal(shown.phase, 'done');
    assert.equal(shown.points, 3);
    assert.match((await page.textContent('.watch-status'))!, new RegExp(`^Done · http://${svc.addr.replace(/\./g, '\\.')}/debug/pprof/ every 1 s · 3 snapshots$`));
    const state = await page.evaluate(() => window.watchDebug!.view.state!);
    assert.deepEqual(state.drawn, { bytes: 3, goroutines: 3, leaked: 3, errors: 0 });
    assert.ok((await paintedPixels(page, '.watch-bytes')) > 1500, 'bytes chart drawn');
    assert.ok((await paintedPixels(page, '.watch-goroutines')) > 1000, 'goroutine chart drawn');

    const g = leaking.growth!;
    assert.equal(shown.rows, g.rows.length);
    assert.equal(await page.locator('table.watch-growth tbody tr').count(), g.rows.length);
    const cells = await page.locator('table.watch-growth tbody tr').first().locator('td').allTextContents();
    assert.deepEqual(cells, [`+${formatBytes(12 * LEAK_BUFFER_SIZE)}`, formatBytes(g.rows[0]!.newestBytes), '+12', 'main.retainBuffers', `main.go:${g.rows[0]!.line}`]);
    assert.match((await page.textContent('.watch-growth-head'))!, new RegExp(`^What grew from ${clock(g.firstAt)} to ${clock(g.newestAt)}: \\+[\\d.]+ KiB in use in all; ${g.grown} lines? grew`));
    await page.screenshot({ path: screenshotPath('watch') });
    // The keyboard steps through the polls, and says each one's figures.
    const pointText = (q: typeof first) => `${clock(q.at)}: in use ${formatBytes(q.inuseBytes!)}, ${q.goroutines} goroutines, ${q.leakedGoroutines} leaked`;
    await page.focus('.watch-bytes');
    assert.equal(await page.textContent('.chart-readout'), pointText(last));
    await page.keyboard.press('Home');
    assert.equal(await page.textContent('.chart-readout'), pointText(first));
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.textContent('.chart-readout'), pointText(p[1]!));
    await page.keyboard.press('Escape');
    assert.equal(await page.textContent('.chart-readout'), '');

    // Finished: Watch Again, not Stop. The buttons and a row post their actions.
    assert.equal(await page.isVisible('button:text-is("Stop")'), false);
    await page.click('button:text-is("Watch Again")');
    await page.click('button:text-is("Open Growth in Flame Graph")');
    await page.locator('table.watch-growth tbody tr').first().click();
    const actions = (await posted(page)).filter((m) => m.type === 'watchAction' || m.type === 'watchOpenLine');
    assert.deepEqual(actions, [
      { type: 'watchAction', action: 'restart' },
      { type: 'watchAction', action: 'openDiff' },
      { type: 'watchOpenLine', row: 0 },
    ]);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    await page.close();
  });

  it('a poll that fails replaces the figures by its error, and a watch that fails shows only the error', async () => {
    const dying = await startService({ leakProfile: false });
    const w = watcher(dying.url, { maxFailures: 2 });
    let retrying: ShowWatchMessage | undefined;
    w.onChange = (x) => {
      const s = x.status();
      if (s.polls === 2 && s.phase === 'watching' && dying.proc.exitCode === null && dying.proc.signalCode === null) void dying.stop();
      if (s.phase === 'retrying' && !retrying) retrying = message(x);
    };
    const end = await w.start();
    assert.equal(end.phase, 'failed');
    assert.ok(retrying);
    const page = await openWatchPage(browser, 'light');
    // Figures first, so the test sees them replaced.
    const good = await showAndWait(page, leaking);
    assert.match(good.figures, /^In use /);
    const r = await showAndWait(page, retrying);
    const lastPoint = retrying.points.at(-1)!;
    assert.equal(r.figures, `Poll failed at ${clock(lastPoint.at)}: ${lastPoint.error}`);
    assert.match(r.figures, /Connection refused/);
    assert.equal(await page.getAttribute('.watch-figures', 'class'), 'watch-figures error');
    assert.equal(await page.isVisible('button:text-is("Stop")'), true, 'still retrying: it can be stopped');
    assert.match((await page.textContent('.watch-status'))!, /^Retrying · .* · 2 snapshots · no goroutineleak profile .* · Connection refused/);
    assert.equal((await page.evaluate(() => window.watchDebug!.view.state!)).drawn.errors, 1);
    assert.equal(r.points, 2, 'the two good points are drawn; the failed poll is not made up');

    const failed = await showAndWait(page, message(w));
    assert.equal(failed.phase, 'failed');
    assert.equal(failed.figures, `The watch failed: ${end.message}`);
    assert.equal(await page.isVisible('button:text-is("Watch Again")'), true);

    // A watch that never got a snapshot: no chart, no table, only why.
    const port = await closedPort();
    const none = watcher(`127.0.0.1:${port}`, {});
    const s = await none.start();
    const shown = await showAndWait(page, message(none));
    assert.equal(shown.figures, `The watch failed: ${s.message}`);
    assert.equal(shown.points, 0);
    assert.equal(shown.rows, 0);
    assert.equal(await page.isVisible('.watch-charts'), false);
    assert.equal(await page.isVisible('table.watch-growth'), false);
    assert.equal(await page.isVisible('.watch-growth-head'), false, 'no growth line left from the earlier watch');
    assert.equal(await page.isDisabled('button:text-is("Open Growth in Flame Graph")'), true);
    await page.close();
  });

  it('refuses a malformed message and keeps what it showed', async () => {
    const page = await openWatchPage(browser, 'high-contrast');
    await showAndWait(page, leaking);
    const bad = { ...leaking, points: [{ at: 1, inuseBytes: -5, goroutines: 1 }] };
    await page.evaluate((m) => window.postMessage(m, '*'), bad);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'webviewError'));
    const err = (await posted(page)).find((m) => m.type === 'webviewError');
    assert.match(err && 'message' in err ? err.message : '', /showWatch: point 0: inuseBytes is not a count/);
    assert.match((await page.textContent('.watch-figures'))!, /^In use /);
    await page.close();
  });
});
