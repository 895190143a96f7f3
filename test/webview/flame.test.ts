// The flame graph page in headless Chromium, fed profiles written by the Go runtime during the
// test. Expected values are computed in Node from the same ProfileData by independent walks
// of the stacks, not copied from the page.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ProfileData } from '../../src/shared/profileData';
import { buildTree, walkTree } from '../../src/pprof/tree';
import { formatPercent, formatValue } from '../../src/pprof/units';
import type { WebviewMessage } from '../../src/shared/webviewProtocol';
import { heapProfileData, launchBrowser, openPanel, paintedPixels, pixelAt, pointOf, screenshotPath, type PanelPage } from './helpers';

const PKG = 'example.com/flamefixture';

function sampleIndexOf(data: ProfileData, type: string): number {
  const i = data.sampleTypes.findIndex((t) => t.type === type);
  assert.ok(i >= 0, `profile has ${type}`);
  return i;
}

/** Sum over stacks that contain a function matching re (each stack once): the combined total. */
function matchedTotal(data: ProfileData, sampleIndex: number, re: RegExp): number {
  let total = 0;
  for (let s = 0; s + 1 < data.stackStart.length; s++) {
    for (let i = data.stackStart[s]!; i < data.stackStart[s + 1]!; i++) {
      if (re.test(data.funcName[data.frameFunc[data.stackFrames[i]!]!]!)) {
        total += data.values[sampleIndex]![s]!;
        break;
      }
    }
  }
  return total;
}

/** Flat (leaf) and cumulative value of one function, straight from the stacks. */
function flatCum(data: ProfileData, sampleIndex: number, name: string): { flat: number; cum: number } {
  let flat = 0;
  let cum = 0;
  for (let s = 0; s + 1 < data.stackStart.length; s++) {
    const lo = data.stackStart[s]!;
    const hi = data.stackStart[s + 1]!;
    if (hi > lo && data.funcName[data.frameFunc[data.stackFrames[lo]!]!] === name) flat += data.values[sampleIndex]![s]!;
    for (let i = lo; i < hi; i++) {
      if (data.funcName[data.frameFunc[data.stackFrames[i]!]!] === name) {
        cum += data.values[sampleIndex]![s]!;
        break;
      }
    }
  }
  return { flat, cum };
}

describe('flame graph page (headless Chromium)', function () {
  let browser: Browser;
  let heap: ProfileData;
  let panel: PanelPage;

  before(async function () {
    heap = await heapProfileData('heap.pprof');
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
    assert.deepEqual(await panel.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'no CSP violations');
    await panel.page.close();
  });

  it('renders the profile on the canvas and reports the first paint', async () => {
    const { page } = panel;
    const posted0 = await panel.posted();
    assert.deepEqual(posted0[0], { type: 'ready' }, 'the page says it is ready before any profile');
    await panel.show({ data: heap, title: 'heap.pprof' });
    assert.ok((await paintedPixels(page)) > 20000, 'the canvas has many painted pixels');
    const rendered = (await panel.posted()).find((m): m is Extract<WebviewMessage, { type: 'rendered' }> => m.type === 'rendered');
    assert.ok(rendered, 'rendered message posted');
    assert.equal(rendered.sampleIndex, heap.defaultSampleIndex, 'default sample type shown');
    const options = await page.$$eval('.sample-select option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(options, heap.sampleTypes.map((t) => `${t.type} (${t.unit})`));
    const tree = buildTree(heap, { sampleIndex: heap.defaultSampleIndex });
    assert.match(await page.textContent('.status') ?? '', new RegExp(`total ${formatValue(tree.total, heap.sampleTypes[heap.defaultSampleIndex]!.unit).replace('.', '\\.')}`));
    await page.screenshot({ path: screenshotPath('dark') });
  });

  it('shows function, file:line, self and total with units in the hover tooltip', async () => {
    const { page } = panel;
    const si = sampleIndexOf(heap, 'alloc_space');
    await panel.show({ data: heap, title: 'heap.pprof', sampleIndex: si });
    const name = `${PKG}.Buffers`;
    const pt = await pointOf(page, name);
    await page.mouse.move(pt.x, pt.y);
    await page.waitForSelector('.tooltip:not(.hidden)');
    assert.equal(await page.textContent('.tooltip .tt-name'), name);
    const file = await page.textContent('.tooltip .tt-file');
    assert.match(file ?? '', /alloc\.go:\d+$/);
    // The heaviest Buffers frame, from a tree built in Node.
    const tree = buildTree(heap, { sampleIndex: si });
    const f = heap.funcName.indexOf(name);
    let node = tree.root;
    walkTree(tree.root, (n) => {
      if (n.func === f && (node.func !== f || n.total > node.total)) node = n;
    });
    const unit = heap.sampleTypes[si]!.unit;
    const text = (await page.textContent('.tooltip .tt-values')) ?? '';
    assert.ok(text.includes(`Total${formatValue(node.total, unit)} (${formatPercent(node.total, tree.total)} of all)`), text);
    assert.ok(text.includes(`Self${formatValue(node.self, unit)}`), text);
    await page.screenshot({ path: screenshotPath('tooltip') });
  });

  it('zooms into a clicked frame with a breadcrumb, and Escape resets', async () => {
    const { page } = panel;
    await panel.show({ data: heap, title: 'heap.pprof', sampleIndex: sampleIndexOf(heap, 'alloc_space') });
    const name = `${PKG}.BuildRecords`;
    const before = await pointOf(page, name);
    await page.mouse.click(before.x, before.y);
    await page.waitForFunction(() => document.querySelector('.crumb.current')?.textContent === 'flamefixture.BuildRecords');
    const crumbs = await page.$$eval('.breadcrumb .crumb', (cs) => cs.map((c) => c.textContent));
    assert.equal(crumbs[0], 'all');
    assert.ok(crumbs.includes('testing.tRunner'), `ancestors in the breadcrumb: ${crumbs.join(' › ')}`);
    // After the zoom animation the frame spans the whole width: its centre is the canvas centre.
    await page.waitForFunction((n) => {
      const p = window.flameDebug!.pointOf(n);
      const c = document.querySelector('.graph-col canvas')!.getBoundingClientRect();
      return !!p && Math.abs(p.x - (c.left + c.width / 2)) < 2;
    }, name);
    await page.screenshot({ path: screenshotPath('zoomed') });
    // % of the zoomed root appears in the tooltip of a child.
    const child = await pointOf(page, `${PKG}.NewRecord`);
    await page.mouse.move(child.x, child.y);
    await page.waitForSelector('.tooltip:not(.hidden)');
    assert.match((await page.textContent('.tooltip .tt-values')) ?? '', /of flamefixture\.BuildRecords/);
    await page.focus('.graph-col canvas');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('.breadcrumb .crumb').length === 1);
    const state = (await panel.state()) as { ui: { zoomPath: number[] } };
    assert.deepEqual(state.ui.zoomPath, [], 'zoom reset saved in the state');
  });

  it('highlights regular expression matches and shows their combined total without double counting', async () => {
    const { page } = panel;
    const si = sampleIndexOf(heap, 'alloc_space');
    await panel.show({ data: heap, title: 'heap.pprof', sampleIndex: si });
    // BuildRecords calls NewRecord: both match, NewRecord must not be counted twice.
    const pattern = 'flamefixture\\.(BuildRecords|NewRecord)$';
    await page.fill('.search', pattern);
    await page.press('.search', 'Enter');
    const expected = matchedTotal(heap, si, new RegExp(pattern));
    const nested = flatCum(heap, si, `${PKG}.BuildRecords`).cum + flatCum(heap, si, `${PKG}.NewRecord`).cum;
    assert.ok(nested > expected, 'the fixture really nests the matches');
    await page.waitForFunction(() => (document.querySelector('.search-info') as HTMLElement).dataset.total !== undefined);
    assert.equal(Number(await page.getAttribute('.search-info', 'data-total')), expected);
    assert.match((await page.textContent('.search-info')) ?? '', /^2 functions, \d+ frames?: /);
    // Matching frames are drawn at full strength, others dimmed.
    const m = await pointOf(page, `${PKG}.BuildRecords`);
    const o = await pointOf(page, `${PKG}.Buffers`);
    const pm = await pixelAt(page, m.x, m.y - 5);
    const po = await pixelAt(page, o.x, o.y - 5);
    assert.equal(pm[3], 255, 'match opaque');
    assert.ok(po[3] < 128, `non-match dimmed (alpha ${po[3]})`);
    const rows = await page.$$eval('table.functions tbody tr td.fn', (tds) => tds.map((t) => t.textContent));
    assert.deepEqual([...rows].sort(), ['flamefixture.BuildRecords', 'flamefixture.NewRecord'], 'table filtered to matches');
    await page.screenshot({ path: screenshotPath('search') });
    await page.fill('.search', '(');
    await page.press('.search', 'Enter');
    assert.match((await page.textContent('.search-info')) ?? '', /^Invalid pattern "\(": missing closing \)/);
  });

  it('lists functions in a sortable table linked to the graph and a caller/callee view', async () => {
    const { page } = panel;
    const si = sampleIndexOf(heap, 'alloc_space');
    await panel.show({ data: heap, title: 'heap.pprof', sampleIndex: si });
    const funcs = async () => page.$$eval('table.functions tbody tr', (trs) => trs.map((t) => Number((t as HTMLElement).dataset.func)));
    const byFlat = await funcs();
    const flats = byFlat.map((f) => flatCum(heap, si, heap.funcName[f]!).flat);
    for (let i = 1; i < flats.length; i++) assert.ok(flats[i - 1]! >= flats[i]!, 'sorted by flat, heaviest first');
    await page.click('table.functions th:has-text("Cum")');
    const byCum = await funcs();
    const cums = byCum.map((f) => flatCum(heap, si, heap.funcName[f]!).cum);
    for (let i = 1; i < cums.length; i++) assert.ok(cums[i - 1]! >= cums[i]!, 'sorted by cum, heaviest first');
    await page.click('table.functions th:has-text("Cum")');
    const byCumAsc = await funcs();
    assert.deepEqual(byCumAsc.map((f) => flatCum(heap, si, heap.funcName[f]!).cum), [...cums].reverse(), 'second click: ascending');

    const name = `${PKG}.NewRecord`;
    const func = heap.funcName.indexOf(name);
    await page.click(`table.functions tbody tr[data-func="${func}"]`);
    assert.equal(await page.getAttribute(`table.functions tbody tr[data-func="${func}"]`, 'class'), 'selected');
    await page.waitForSelector('.sandwich:not(.hidden)');
    assert.ok(((await page.textContent('.sandwich-title')) ?? '').startsWith(name));
    const sandwich = await page.evaluate(() => {
      const app = window.flameDebug!.app as unknown as { sandwichData?: { callers: { root: { children: { func: number }[] } }; callees: { root: { children: unknown[] } } } };
      return { callers: app.sandwichData!.callers.root.children.map((c) => c.func), callees: app.sandwichData!.callees.root.children.length };
    });
    assert.ok(sandwich.callers.includes(heap.funcName.indexOf(`${PKG}.BuildRecords`)), 'BuildRecords calls NewRecord');
    assert.ok((await paintedPixels(page, '.sandwich-part canvas')) > 1000, 'callers drawn');
    // The callers/callees view stays above the legend, its graphs inside it, in a short panel too
    // (the graph beside the code).
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 640, height: 360 });
    await page.waitForTimeout(300);
    const boxes = await page.evaluate(() => {
      const r = (sel: string): DOMRect[] => [...document.querySelectorAll(sel)].map((e) => e.getBoundingClientRect());
      return { sandwich: r('.sandwich')[0]!, legend: r('.legend')[0]!, canvases: r('.sandwich-part canvas') };
    });
    assert.ok(boxes.sandwich.bottom <= boxes.legend.top + 1, `the callers/callees view (bottom ${boxes.sandwich.bottom}) overlaps the legend (top ${boxes.legend.top})`);
    for (const c of boxes.canvases) assert.ok(c.bottom <= boxes.legend.top + 1, `a callers/callees graph (bottom ${c.bottom}) overlaps the legend (top ${boxes.legend.top})`);
    if (viewport) await page.setViewportSize(viewport);
    // The selected function's frames are outlined in the graph.
    assert.equal(await page.evaluate(() => window.flameDebug!.app.graph.selectedFunc), func);
    await page.screenshot({ path: screenshotPath('table-sandwich') });
  });

  it('moves with the keyboard, zooms with Enter and asks the host for the source with g and double-click', async () => {
    const { page } = panel;
    await panel.show({ data: heap, title: 'heap.pprof', sampleIndex: sampleIndexOf(heap, 'alloc_space') });
    await page.focus('.graph-col canvas');
    await page.keyboard.press('ArrowDown');
    const first = await page.evaluate(() => window.flameDebug!.app.graph.cursor?.func);
    const tree = buildTree(heap, { sampleIndex: sampleIndexOf(heap, 'alloc_space') });
    assert.equal(first, tree.root.children[0]!.func, 'down: heaviest child of the root');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => window.flameDebug!.app.graph.cursor?.func), first, 'up: back to the parent');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.breadcrumb .crumb').length === 2);
    await page.keyboard.press('g');
    const open = (await panel.posted()).filter((m) => m.type === 'openSource');
    assert.deepEqual(open.at(-1), { type: 'openSource', func: first, line: 0 });
    const pt = await pointOf(page, `${PKG}.JoinNames`);
    await page.mouse.dblclick(pt.x, pt.y);
    const open2 = (await panel.posted()).filter((m) => m.type === 'openSource');
    assert.equal((open2.at(-1) as { func: number }).func, heap.funcName.indexOf(`${PKG}.JoinNames`));
    // Context menu offers the same.
    await page.mouse.click(pt.x, pt.y, { button: 'right' });
    await page.waitForSelector('.menu:not(.hidden)');
    await page.click('.menu-item:has-text("Go to Source")');
    assert.equal((await panel.posted()).filter((m) => m.type === 'openSource').length, open2.length + 1);
  });

  it('switches sample type, tells the host and keeps state for a reload', async () => {
    const { page } = panel;
    await panel.show({ data: heap, title: 'heap.pprof' });
    const ao = sampleIndexOf(heap, 'alloc_objects');
    await page.selectOption('.sample-select', String(ao));
    const msgs = await panel.posted();
    assert.deepEqual(msgs.filter((m) => m.type === 'sampleTypeChanged').at(-1), { type: 'sampleTypeChanged', sampleIndex: ao });
    const pt = await pointOf(page, `${PKG}.BuildRecords`);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForFunction(() => document.querySelector('.crumb.current')?.textContent === 'flamefixture.BuildRecords');
    await page.click('button:has-text("Icicle")');
    const saved = await panel.state();
    // A new page with that state (a window reload) comes back the same way.
    const again = await openPanel(browser, { theme: 'dark', initialState: saved });
    try {
      await again.show({ data: heap, title: 'heap.pprof' });
      assert.equal(await again.page.inputValue('.sample-select'), String(ao));
      assert.equal(await again.page.textContent('.crumb.current'), 'flamefixture.BuildRecords');
      assert.equal(await again.page.evaluate(() => window.flameDebug!.app.graph.orientation), 'flame');
      await again.page.screenshot({ path: screenshotPath('restored-flame-orientation') });
    } finally {
      await again.page.close();
    }
  });

  it('redraws with the colours of the light, dark and high-contrast themes', async () => {
    const { page } = panel;
    await panel.show({ data: heap, title: 'heap.pprof', sampleIndex: sampleIndexOf(heap, 'alloc_space') });
    const at = await pointOf(page, `${PKG}.BuildRecords`);
    const px = async () => (await pixelAt(page, at.x, at.y - 6)).slice(0, 3).join(',');
    const dark = await px();
    await panel.setTheme('light');
    await page.waitForFunction((d) => {
      const c = document.querySelector('.graph-col canvas') as HTMLCanvasElement;
      return c && d !== null;
    }, dark);
    const light = await px();
    assert.notEqual(light, dark, 'user-code colour changes with the theme');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(255, 255, 255)');
    await page.screenshot({ path: screenshotPath('light') });
    await panel.setTheme('high-contrast');
    const hc = await px();
    assert.notEqual(hc, light);
    // High contrast: frames get the contrast border colour (#6fc3df) on their edge.
    const edge = await page.evaluate(() => {
      const c = document.querySelector('.graph-col canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - 0x6f) < 8 && Math.abs(d[i + 1]! - 0xc3) < 8 && Math.abs(d[i + 2]! - 0xdf) < 8) n++;
      return n;
    });
    assert.ok(edge > 200, `contrast borders drawn (${edge} px)`);
    await page.screenshot({ path: screenshotPath('high-contrast') });
  });

  it('renders hostile function and file names literally', async () => {
    const { page } = panel;
    const evilName = '<img src=x onerror=alert(1)>';
    const evilFile = '</script><script>alert(2)</script>.go';
    const data: ProfileData = structuredClone(heap);
    const f = data.funcName.indexOf(`${PKG}.Buffers`);
    data.funcName[f] = evilName;
    data.funcFile[f] = evilFile;
    await panel.show({ data, title: '<b>title</b>', sampleIndex: sampleIndexOf(heap, 'alloc_space') });
    const pt = await pointOf(page, evilName);
    await page.mouse.move(pt.x, pt.y);
    await page.waitForSelector('.tooltip:not(.hidden)');
    assert.equal(await page.textContent('.tooltip .tt-name'), evilName);
    assert.ok((await page.textContent('.tooltip .tt-file'))!.startsWith(evilFile));
    assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0, 'no <img> element was created');
    assert.equal(await page.textContent('.toolbar .title'), '<b>title</b>');
    await page.fill('.search', 'img');
    await page.press('.search', 'Enter');
    assert.equal(await page.textContent('table.functions tbody td.fn'), evilName);
    await page.screenshot({ path: screenshotPath('xss') });
    assert.deepEqual(panel.dialogs, [], 'no dialog opened');
  });

  it('rejects malformed messages and shows profile errors as text', async () => {
    const { page } = panel;
    await page.evaluate(() => window.postMessage({ type: 'showProfile', data: { name: 'x', sampleTypes: [] }, title: 't', canOpenSource: true }, '*'));
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'webviewError'));
    const err = (await panel.posted()).find((m) => m.type === 'webviewError') as { message: string };
    assert.match(err.message, /no sample types/);
    // Numbers come in typed arrays (structured clone keeps them); a plain array, as JSON would give, is refused.
    await page.evaluate((d) => window.postMessage({ type: 'showProfile', data: { ...d, stackFrames: Array.from(d.stackFrames) }, title: 't', canOpenSource: true }, '*'), heap);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'webviewError').length === 2);
    const err2 = (await panel.posted()).filter((m) => m.type === 'webviewError')[1] as { message: string };
    assert.match(err2.message, /stackFrames is not an Int32Array/);
    assert.equal(await page.evaluate(() => document.getElementById('app')!.dataset.rendered), undefined, 'nothing drawn');
    await page.evaluate(() => window.postMessage({ type: 'showError', message: 'heap.pprof is not a readable pprof profile: <b>bad</b>' }, '*'));
    await page.waitForSelector('.error:not(.hidden)');
    assert.equal(await page.textContent('.error'), 'heap.pprof is not a readable pprof profile: <b>bad</b>');
  });
});

describe('flame graph diff mode (headless Chromium)', function () {
  let browser: Browser;
  let base: ProfileData;
  let next: ProfileData;

  before(async () => {
    base = await heapProfileData('base.pprof', { FLAMEFIXTURE_BUFFERS: '16' });
    next = await heapProfileData('next.pprof', { FLAMEFIXTURE_BUFFERS: '64' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it('colours growth and shrinkage, shows before → after, and has a colour-blind palette', async () => {
    const panel = await openPanel(browser, { theme: 'dark' });
    const { page } = panel;
    const si = sampleIndexOf(next, 'alloc_space');
    await panel.show({ data: next, base, title: 'base → next', sampleIndex: si });
    const name = `${PKG}.Buffers`;
    const pt = await pointOf(page, name);
    await page.mouse.move(pt.x, pt.y);
    await page.waitForSelector('.tooltip:not(.hidden)');
    const text = (await page.textContent('.tooltip .tt-values')) ?? '';
    const unit = next.sampleTypes[si]!.unit;
    const before = flatCum(base, si, name).cum;
    const after = flatCum(next, si, name).cum;
    assert.ok(after > before * 2, 'the fixture grew Buffers');
    assert.ok(text.includes(`Before → after${formatValue(before, unit)} → ${formatValue(after, unit)}`), text);
    const grown = (await pixelAt(page, pt.x, pt.y - 6)).slice(0, 3);
    assert.ok(grown[0]! > grown[2]! + 60, `growth is red-ish in the default palette: ${grown.join(',')}`);
    await page.screenshot({ path: screenshotPath('diff') });
    await page.click('button:has-text("Colour-blind colours")');
    const cb = (await pixelAt(page, pt.x, pt.y - 6)).slice(0, 3);
    assert.notDeepEqual(cb, grown, 'colour-blind palette differs');
    assert.ok(cb[0]! > cb[2]!, `growth is orange in the colour-blind palette: ${cb.join(',')}`);
    await page.screenshot({ path: screenshotPath('diff-colorblind') });
    assert.deepEqual(panel.errors, []);
    await page.close();
  });
});
