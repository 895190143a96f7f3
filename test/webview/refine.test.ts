// The refinement bar of the flame graph page in headless Chromium, on a heap profile written by
// the Go runtime during the test: chips from the context menu and from typed patterns, label
// filters from the profile's own "bytes" label, granularity, Undo and the saved state. Expected
// totals are computed here from the ProfileData by plain walks of its stacks and label groups.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ProfileData } from '../../src/shared/profileData';
import { formatValue } from '../../src/pprof/units';
import type { WebviewMessage } from '../../src/shared/webviewProtocol';
import { readProfileData } from '../../src/pprof/decode';
import { goProfiles } from '../unit/pprofFixtures';
import { heapProfileData, launchBrowser, openPanel, pointOf, screenshotPath, type PanelPage } from './helpers';

const PKG = 'example.com/flamefixture';

/** Sum of the stacks' values for which some frame's function passes pred. */
function stacksWith(data: ProfileData, si: number, pred: (name: string, file: string) => boolean): number {
  let total = 0;
  for (let s = 0; s + 1 < data.stackStart.length; s++) {
    for (let i = data.stackStart[s]!; i < data.stackStart[s + 1]!; i++) {
      const f = data.frameFunc[data.stackFrames[i]!]!;
      if (pred(data.funcName[f]!, data.funcFile[f]!)) {
        total += data.values[si]![s]!;
        break;
      }
    }
  }
  return total;
}

function sum(data: ProfileData, si: number): number {
  return data.values[si]!.reduce((a, b) => a + b, 0);
}

/** Waits until the view is built again and its function table rendered. */
async function settled(panel: PanelPage): Promise<void> {
  await panel.page.waitForFunction(() => document.getElementById('app')!.dataset.ready === 'true');
}

async function statusTotal(panel: PanelPage): Promise<string> {
  await settled(panel);
  const text = (await panel.page.textContent('.status')) ?? '';
  const m = /alloc_space total (.+?)(?: \(refined, of .+?\))? ·/.exec(text);
  assert.ok(m, text);
  return m[1]!;
}

async function chips(panel: PanelPage): Promise<string[]> {
  return panel.page.$$eval('.refine-bar .chip', (cs) => cs.map((c) => `${(c as HTMLElement).dataset.kind} ${c.querySelector('.chip-pattern')!.textContent}`));
}

describe('flame graph page refinements (headless Chromium)', function () {
  let browser: Browser;
  let heap: ProfileData;
  let si: number;
  let panel: PanelPage;
  const bytes = (v: number) => formatValue(v, 'bytes');

  before(async function () {
    heap = await heapProfileData('refine.pprof');
    si = heap.sampleTypes.findIndex((t) => t.type === 'alloc_space');
    assert.ok(heap.labels, 'the Go runtime labels heap samples');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    panel = await openPanel(browser, { theme: 'dark' });
    await panel.show({ data: heap, title: 'refine.pprof', sampleIndex: si });
    assert.equal(await panel.page.isVisible('.refine-bar'), false, 'the bar waits for the Refine button');
    await panel.page.click('.toolbar .refine-toggle');
    assert.equal(await panel.page.isVisible('.refine-bar'), true);
  });

  afterEach(async () => {
    assert.deepEqual(panel.errors, [], 'no page errors');
    assert.deepEqual(await panel.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'no CSP violations');
    await panel.page.close();
  });

  it('focuses on a frame from its context menu, and Undo brings the whole profile back', async () => {
    const { page } = panel;
    const name = `${PKG}.Buffers`;
    const all = sum(heap, si);
    const focused = stacksWith(heap, si, (n) => n === name);
    assert.ok(focused > 0 && focused < all, 'Buffers holds part of the profile');
    const pt = await pointOf(page, name);
    await page.mouse.click(pt.x, pt.y, { button: 'right' });
    await page.click('.menu-item:has-text("Focus on This")');
    assert.deepEqual(await chips(panel), [`focus ^example\\.com/flamefixture\\.Buffers$`]);
    assert.equal(await statusTotal(panel), bytes(focused));
    await page.screenshot({ path: screenshotPath('refine-focus') });
    await page.click('.refine-bar .undo');
    assert.deepEqual(await chips(panel), []);
    assert.equal(await statusTotal(panel), bytes(all));
    assert.equal(await page.isDisabled('.refine-bar .undo'), true, 'nothing left to undo');
  });

  it('ignores, hides and shows by typed patterns (RE2), refusing an invalid one beside the box', async () => {
    const { page } = panel;
    const all = sum(heap, si);
    // Ignore: drop the samples with a frame whose name or file matches.
    await page.selectOption('.refine-kind', 'ignore');
    await page.fill('.refine-input', 'JoinNames');
    await page.press('.refine-input', 'Enter');
    const ignored = all - stacksWith(heap, si, (n, f) => /JoinNames/.test(n) || /JoinNames/.test(f));
    assert.equal(await statusTotal(panel), bytes(ignored));
    assert.equal(await page.inputValue('.refine-input'), '', 'the box is cleared once the chip is added');
    // An invalid pattern (no lookahead in RE2) is refused with the reason; no chip is added.
    await page.fill('.refine-input', '(?=x)');
    await page.press('.refine-input', 'Enter');
    assert.match((await page.textContent('.refine-error')) ?? '', /invalid or unsupported Perl syntax/);
    assert.equal((await chips(panel)).length, 1);
    // Hide: the frames go, their values stay with their callers.
    await page.selectOption('.refine-kind', 'hide');
    await page.fill('.refine-input', `^${PKG.replace(/\./g, '\\.')}\\.NewRecord$`);
    await page.press('.refine-input', 'Enter');
    assert.equal(await statusTotal(panel), bytes(ignored));
    assert.equal(await page.evaluate((n) => window.flameDebug!.pointOf(n), `${PKG}.NewRecord`), undefined, 'NewRecord is not drawn');
    await settled(panel);
    const rows = await page.$$eval('table.functions tbody td.fn', (tds) => tds.map((td) => td.textContent));
    assert.ok(!rows.includes('flamefixture.NewRecord') && rows.includes('flamefixture.BuildRecords'), rows.join(', '));
    assert.deepEqual(await chips(panel), ['ignore JoinNames', `hide ^example\\.com/flamefixture\\.NewRecord$`]);
    // Removing the ignore chip keeps the hide chip.
    await page.click('.refine-bar .chip[data-kind="ignore"] .chip-remove');
    assert.equal(await statusTotal(panel), bytes(all));
    // Show only: every other frame leaves the stacks, so the table lists one function.
    await page.selectOption('.refine-kind', 'show');
    await page.fill('.refine-input', 'Buffers');
    await page.press('.refine-input', 'Enter');
    assert.equal(await statusTotal(panel), bytes(stacksWith(heap, si, (n, f) => /Buffers/.test(n) || /Buffers/.test(f))));
    assert.deepEqual(await page.$$eval('table.functions tbody td.fn', (tds) => tds.map((td) => td.textContent)), ['flamefixture.Buffers']);
  });

  it('filters by the profile\'s own numeric "bytes" label, and keeps the refinements in the saved state', async () => {
    const { page } = panel;
    const l = heap.labels!;
    // Independently: groups whose set has bytes >= 1024.
    let big = 0;
    for (let g = 0; g < l.groupStack.length; g++) {
      const set = l.groupSet[g]!;
      for (let e = l.setStart[set]!; e < l.setStart[set + 1]!; e++) {
        if (l.strings[l.key[e]!] === 'bytes' && l.str[e]! < 0 && l.num[e]! >= 1024) {
          big += l.values[si]![g]!;
          break;
        }
      }
    }
    assert.ok(big > 0 && big < sum(heap, si), 'some allocations are at least 1 KiB, some smaller');
    assert.deepEqual(await page.$$eval('.label-key option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['', 'bytes']);
    await page.selectOption('.label-key', 'bytes');
    assert.equal(await page.isVisible('.label-min'), true);
    await page.fill('.label-min', '1kb');
    await page.click('.label-focus');
    assert.deepEqual(await chips(panel), ['tagfocus bytes=1kb:']);
    assert.equal(await statusTotal(panel), bytes(big));
    // A bare number is in the label's unit (bytes): the same range the other way round.
    await page.click('.refine-bar .undo');
    await page.fill('.label-min', '1024');
    await page.click('.label-ignore');
    assert.deepEqual(await chips(panel), ['tagignore bytes=1024bytes:']);
    assert.equal(await statusTotal(panel), bytes(sum(heap, si) - big));
    await page.screenshot({ path: screenshotPath('refine-label') });

    // A reload (VS Code restores the webview's state) shows the same refinements.
    const saved = await panel.state();
    assert.deepEqual((saved as { ui: { refinements?: unknown } }).ui.refinements, [{ kind: 'tagignore', pattern: 'bytes=1024bytes:' }]);
    const again = await openPanel(browser, { initialState: saved });
    try {
      await again.show({ data: heap, title: 'refine.pprof', sampleIndex: si });
      assert.deepEqual(await chips(again), ['tagignore bytes=1024bytes:']);
      assert.equal(await statusTotal(again), bytes(sum(heap, si) - big));
      // Undo still goes back a step: its history is in the saved state too.
      await again.page.click('.refine-bar .undo');
      assert.deepEqual(await chips(again), []);
      assert.equal(await statusTotal(again), bytes(sum(heap, si)));
      assert.equal(await again.page.isDisabled('.refine-bar .undo'), true, 'nothing left to undo');
    } finally {
      await again.page.close();
    }
  });

  it('switches granularity to files and lines; a merged frame still opens its function\'s source', async () => {
    const { page } = panel;
    await page.selectOption('.refine-bar .granularity', 'files');
    const files = new Set<string>();
    for (let s = 0; s + 1 < heap.stackStart.length; s++) {
      if (heap.values[si]![s] === 0) continue;
      for (let i = heap.stackStart[s]!; i < heap.stackStart[s + 1]!; i++) files.add(heap.funcFile[heap.frameFunc[heap.stackFrames[i]!]!]!.split('/').pop()!);
    }
    await settled(panel);
    const rows = await page.$$eval('table.functions tbody td.fn', (tds) => tds.map((td) => td.textContent!));
    assert.deepEqual(new Set(rows), files, 'one row per file');
    assert.equal(await statusTotal(panel), bytes(sum(heap, si)), 'the total does not change');

    await page.selectOption('.refine-bar .granularity', 'lines');
    const name = `${PKG}.Buffers`;
    const lineNode = await page.evaluate((n) => window.flameDebug!.app.graph.tree!.data.funcName.find((x) => x.startsWith(`${n} `)), name);
    assert.ok(lineNode && /alloc\.go:\d+$/.test(lineNode), String(lineNode));
    const pt = await pointOf(page, lineNode);
    await page.mouse.dblclick(pt.x, pt.y);
    const open = (await panel.posted()).filter((m): m is Extract<WebviewMessage, { type: 'openSource' }> => m.type === 'openSource').at(-1);
    assert.ok(open, 'openSource posted');
    assert.equal(open.func, heap.funcName.indexOf(name), 'the function of the profile the host sent');
    assert.equal(`${name} ${heap.funcFile[open.func]}:${open.line}`, lineNode, 'and the line of that node');
    // Undo goes back to files, then to functions.
    await page.click('.refine-bar .undo');
    assert.equal(await page.inputValue('.refine-bar .granularity'), 'files');
    await page.click('.refine-bar .undo');
    assert.equal(await page.inputValue('.refine-bar .granularity'), 'functions');
  });

  it('filters a CPU profile by its string labels (set with pprof.Do), value by value', async () => {
    const { page } = panel;
    const cpu = await readProfileData((await goProfiles()).cpu, 'cpu.out');
    const ci = cpu.sampleTypes.findIndex((t) => t.type === 'cpu');
    const l = cpu.labels!;
    assert.ok(l, 'the CPU profile has labels');
    // Independently: the value of the samples whose set has key=value.
    const withLabel = (key: string, value: string): number => {
      let v = 0;
      for (let g = 0; g < l.groupStack.length; g++) {
        const set = l.groupSet[g]!;
        for (let e = l.setStart[set]!; e < l.setStart[set + 1]!; e++) {
          if (l.strings[l.key[e]!] === key && l.str[e]! >= 0 && l.strings[l.str[e]!] === value) {
            v += l.values[ci]![g]!;
            break;
          }
        }
      }
      return v;
    };
    const hot = withLabel('phase', 'hot');
    const all = sum(cpu, ci);
    assert.ok(hot > 0 && hot < all, `samples under phase=hot: ${hot} of ${all}`);
    await panel.show({ data: cpu, title: 'cpu.out', sampleIndex: ci });
    assert.deepEqual(await page.$$eval('.label-key option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['', 'phase', 'worker']);
    await page.selectOption('.label-key', 'phase');
    assert.deepEqual(await page.$$eval('.label-value option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['hot', 'warm']);
    assert.equal(await page.isVisible('.label-min'), false, 'no range for a string label');
    await page.selectOption('.label-value', 'hot');
    await page.click('.label-focus');
    assert.deepEqual(await chips(panel), ['tagfocus phase=^hot$']);
    const cpuTotal = async () => {
      await settled(panel);
      const m = /cpu total (.+?) \(refined/.exec((await page.textContent('.status')) ?? '');
      return m?.[1];
    };
    assert.equal(await cpuTotal(), formatValue(hot, 'nanoseconds'));
    // And drop worker=w1 on top: the hot phase ran on w1 only, so nothing is left.
    await page.selectOption('.label-key', 'worker');
    await page.selectOption('.label-value', 'w1');
    await page.click('.label-ignore');
    assert.deepEqual(await chips(panel), ['tagfocus phase=^hot$', 'tagignore worker=^w1$']);
    assert.equal(await cpuTotal(), formatValue(hot - withLabel('worker', 'w1'), 'nanoseconds'));
  });
});
