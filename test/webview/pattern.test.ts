// The flame graph page's patterns in headless Chromium: the search box has Go's (RE2) syntax and
// linear time, so a catastrophic pattern on long names does not freeze the page; an invalid one
// is reported next to the box; a profile whose drop_frames was refused opens with a note.
// Profiles are crafted (test/unit/patternProfiles.ts) and decoded as the extension host does.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import type { ProfileData } from '../../src/shared/profileData';
import { craftProfile } from '../unit/patternProfiles';
import { launchBrowser, openPanel, paintedPixels, screenshotPath, type PanelPage } from './helpers';

const HANG_MS = 10_000;
const LONG = 'a'.repeat(5000);

/** p, or a failure after 10 s (a page stuck in a regular expression never answers). */
async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${HANG_MS / 1000} s`)), HANG_MS);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('flame graph page patterns (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let panel: PanelPage;
  let data: ProfileData;

  before(async () => {
    // main.aaa…a matches (a+)+$; aaa…ab does not, which a backtracking engine needs 2^5000 steps to find out.
    data = toProfileData(
      decodeProfile(
        craftProfile({
          samples: [
            { stack: [`main.${LONG}`, 'main.main'], value: 3000 },
            { stack: [`${LONG}b`, 'main.main'], value: 2000 },
            { stack: ['main.work', 'main.main'], value: 1000 },
          ],
        }),
      ),
      'long.pprof',
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    panel = await openPanel(browser, { theme: 'dark' });
  });

  afterEach(async () => {
    assert.deepEqual(panel.errors, [], 'no page errors');
    await panel.page.close();
  });

  it('applies a catastrophic search pattern on long names at once and stays responsive', async () => {
    const { page } = panel;
    await panel.show({ data, title: 'long.pprof' });
    const t0 = Date.now();
    // Typing (not Enter): the page searches on its own after a short pause.
    await page.fill('.search', '(a+)+$');
    await within(page.waitForFunction(() => /^1 function, /.test(document.querySelector('.search-info')!.textContent ?? ''), undefined, { timeout: 0 }), 'the search result');
    const ms = Date.now() - t0;
    console.log(`      search (a+)+$ on ${LONG.length + 1}-character names applied after ${ms} ms`);
    assert.equal(Number(await page.getAttribute('.search-info', 'data-total')), 3000, 'only main.aaa…a matches');
    const rows = await page.$$eval('table.functions tbody tr td.fn', (tds) => tds.map((t) => t.textContent ?? ''));
    assert.equal(rows.length, 1, 'table filtered to the match');
    assert.ok(rows[0]!.endsWith('aaaa'), rows[0]);
    // The page still answers and draws.
    assert.equal(await within(page.evaluate(() => 1 + 1), 'the page'), 2);
    // aaa…ab matches; main.aaa…a (no b) is the one a backtracking engine would not finish.
    await page.fill('.search', '(a|aa)+b$');
    await page.press('.search', 'Enter');
    await within(page.waitForFunction(() => document.querySelector<HTMLElement>('.search-info')!.dataset.total === '2000', undefined, { timeout: 0 }), 'the second search');
    assert.match((await page.textContent('.search-info')) ?? '', /^1 function, /);
    assert.ok((await paintedPixels(page)) > 1000, 'the graph is drawn');
    await page.screenshot({ path: screenshotPath('search-redos') });
  });

  it('shows an invalid pattern (RE2 syntax: no lookahead) next to the search box', async () => {
    const { page } = panel;
    await panel.show({ data, title: 'long.pprof' });
    await page.fill('.search', '(?=main)');
    await page.press('.search', 'Enter');
    await within(page.waitForFunction(() => (document.querySelector('.search-info')!.textContent ?? '').startsWith('Invalid'), undefined, { timeout: 0 }), 'the message');
    assert.equal(await page.textContent('.search-info'), 'Invalid pattern "(?=main)": invalid or unsupported Perl syntax: `(?=`');
    assert.ok(await page.$eval('.search', (e) => e.classList.contains('invalid')), 'the box is marked invalid');
    const box = await page.locator('.search').boundingBox();
    const info = await page.locator('.search-info').boundingBox();
    assert.ok(box && info && info.width > 0 && info.height > 0, 'the message is visible');
    assert.ok(info.x >= box.x + box.width - 1 && info.y < box.y + box.height && info.y + info.height > box.y, 'right of the box, on its row');
    await page.screenshot({ path: screenshotPath('search-invalid') });
    // A valid pattern clears it.
    await page.fill('.search', 'main\\.work');
    await page.press('.search', 'Enter');
    await page.waitForFunction(() => /^1 function, /.test(document.querySelector('.search-info')!.textContent ?? ''));
    assert.ok(!(await page.$eval('.search', (e) => e.classList.contains('invalid'))));
  });

  it('opens a profile whose drop_frames was refused, with a visible note', async () => {
    const { page } = panel;
    const refused = toProfileData(
      decodeProfile(craftProfile({ dropFrames: '(?!main).*', samples: [{ stack: ['runtime.mallocgc', 'main.main'], value: 100 }, { stack: ['main.main'], value: 20 }] })),
      'refused.pprof',
    );
    await panel.show({ data: refused, title: 'refused.pprof' });
    await page.waitForSelector('.notes:not(.hidden)');
    assert.equal(await page.textContent('.notes'), 'drop_frames was not applied: invalid pattern "(?!main).*": invalid or unsupported Perl syntax: `(?!`');
    assert.ok((await paintedPixels(page)) > 1000, 'the graph is drawn');
    await page.screenshot({ path: screenshotPath('drop-frames-note') });
    // The next profile without notes hides it.
    await panel.show({ data, title: 'long.pprof' });
    assert.ok(await page.$eval('.notes', (e) => e.classList.contains('hidden')));
  });
});
