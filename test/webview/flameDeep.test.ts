// The flame graph page fed a 1,000,000-frame stack (test/hostile/cases.ts, a kilobyte of
// gzip): as the host sends it (cut to 4096 frames by the decoder) and uncut (as a host that
// did not cut it would): the page draws it, down to the leaf, shows the truncation note, and
// its JS heap stays small.
import * as assert from 'node:assert/strict';
import type { Browser, CDPSession } from 'playwright-core';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { MAX_STACK_DEPTH, truncatedFrameName } from '../../src/pprof/stackDepth';
import { deep1M } from '../hostile/cases';
import { launchBrowser, openPanel, paintedPixels, screenshotPath, type PanelPage } from './helpers';

const MiB = 2 ** 20;

describe('flame graph page: a 1,000,000-frame stack', function () {
  let browser: Browser;
  let panel: PanelPage;
  let cdp: CDPSession;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    panel = await openPanel(browser, { theme: 'dark' });
    cdp = await panel.page.context().newCDPSession(panel.page);
  });
  afterEach(async () => {
    assert.deepEqual(panel.errors, [], 'no page errors');
    await panel.page.close();
  });

  /** JS heap of the page after a full GC: used, and what V8 reserved (it keeps peaks). */
  async function heap(): Promise<{ used: number; total: number }> {
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage');
    return { used: h.usedSize, total: h.totalSize };
  }

  for (const uncut of [false, true]) {
    it(`draws it to the leaf with the "stack truncated" note, in a small heap (${uncut ? 'sent uncut: the page cuts it' : 'cut by the decoder'})`, async () => {
      const { page } = panel;
      const data = toProfileData(decodeProfile(deep1M()), 'deep1M.pb.gz', uncut ? { maxStackDepth: 2_000_000 } : {});
      assert.equal(data.stackFrames.length, uncut ? 1_000_000 : MAX_STACK_DEPTH);
      const t0 = performance.now();
      await panel.show({ data, title: 'deep1M.pb.gz' });
      const ms = performance.now() - t0;
      assert.ok(ms < 10_000, `shown in ${ms.toFixed(0)} ms`);

      const note = (await page.textContent('.note')) ?? '';
      assert.ok(await page.isVisible('.note'), 'the note is shown');
      assert.match(note, /^Stack truncated at 4,096 frames: 1 stack is deeper \(up to 1,000,000 frames\)/);
      assert.equal(await page.evaluate(() => document.getElementById('app')!.dataset.rendered), String(MAX_STACK_DEPTH + 1), 'root and 4096 frames');
      assert.ok((await paintedPixels(page)) > 10_000, 'drawn');
      // The synthetic frame is the root's only child, drawn at the top (icicle).
      assert.ok(await page.evaluate((name) => !!window.flameDebug!.pointOf(name), truncatedFrameName(MAX_STACK_DEPTH)), 'the synthetic frame is drawn');
      // Scrolled to the bottom: the leaf, 4096 rows down, is drawn (no call stack overflow on the way).
      await page.evaluate(() => {
        const el = document.querySelector('.graph-col > .flame-scroll')!;
        el.scrollTop = el.scrollHeight;
      });
      await page.waitForFunction(() => !!window.flameDebug!.pointOf('main.alloc'));
      await page.screenshot({ path: screenshotPath(`deep1M${uncut ? '-uncut' : ''}`) });

      const h = await heap();
      assert.ok(h.used < 100 * MiB && h.total < 300 * MiB, `JS heap: ${(h.used / MiB).toFixed(0)} MiB used, ${(h.total / MiB).toFixed(0)} MiB reserved`);
    });
  }
});
