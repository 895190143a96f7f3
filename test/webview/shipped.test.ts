// The panel as the .vsix ships it (dist/webview.js): it renders a real profile and leaves no
// global behind (the page tests' hooks come from test/webview/pageHooks.ts, never shipped).
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { heapProfileData, launchBrowser, openPanel, ROOT } from './helpers';

describe('the shipped flame graph bundle', function () {
  let browser: Browser;
  before(async function () {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('renders a Go heap profile and sets no globals (no window.flameDebug)', async () => {
    const data = await heapProfileData('shipped.pprof');
    // The globals of an empty page from a file, as the panel's page is.
    const dir = path.join(ROOT, 'test-output', 'webview-pages');
    mkdirSync(dir, { recursive: true });
    const blankFile = path.join(dir, 'blank.html');
    writeFileSync(blankFile, '<!DOCTYPE html><html><body></body></html>');
    const blank = await browser.newPage();
    await blank.goto(pathToFileURL(blankFile).href);
    const baseline = new Set(await blank.evaluate(() => Object.keys(window)));
    await blank.close();
    const panel = await openPanel(browser, { shippedBundle: true });
    try {
      await panel.show({ title: 'shipped.pprof', data });
      const rendered = await panel.page.evaluate(() => Number(document.getElementById('app')!.dataset.rendered));
      assert.ok(rendered > 1, `frames drawn: ${rendered}`);
      assert.ok((await panel.page.locator('table.functions tbody tr').count()) > 0, 'the function table has rows');
      const harness = new Set(['__posted', '__state', 'acquireVsCodeApi', '__csp']);
      const added = (await panel.page.evaluate(() => Object.keys(window))).filter((k) => !baseline.has(k) && !harness.has(k));
      assert.deepEqual(added, [], 'globals the bundle added');
      assert.equal(await panel.page.evaluate(() => 'flameDebug' in window), false);
      assert.deepEqual(panel.errors, []);
    } finally {
      await panel.page.close();
    }
  });

  for (const [bundle, hook] of [['gcWebview.js', 'gcDebug'], ['watchWebview.js', 'watchDebug']] as const) {
    it(`the page of dist/${bundle} sets no globals either (no window.${hook})`, async () => {
      const dir = path.join(ROOT, 'test-output', 'webview-pages');
      mkdirSync(dir, { recursive: true });
      const blankFile = path.join(dir, 'blank.html');
      writeFileSync(blankFile, '<!DOCTYPE html><html><body></body></html>');
      const page = await browser.newPage();
      try {
        await page.goto(pathToFileURL(blankFile).href);
        const baseline = new Set(await page.evaluate(() => Object.keys(window)));
        const file = path.join(dir, `shipped-${bundle}.html`);
        writeFileSync(
          file,
          `<!DOCTYPE html><html><body><div id="app"></div>
<script>window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });</script>
<script src="${pathToFileURL(path.join(ROOT, 'dist', bundle)).href}"></script></body></html>`,
        );
        await page.goto(pathToFileURL(file).href);
        await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
        const added = (await page.evaluate(() => Object.keys(window))).filter((k) => !baseline.has(k) && k !== '__posted' && k !== 'acquireVsCodeApi');
        assert.deepEqual(added, [], 'globals the bundle added');
      } finally {
        await page.close();
      }
    });
  }
});
