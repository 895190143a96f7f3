// A person's first hour with the extension, on a fresh profile and an ordinary module
// (test/fixtures/firsthour: a store, formatting, closures, an AppendX encoder, a map cache and
// two _test.go files with tests and benchmarks).
// 1. Calm defaults: opening one file shows only that file's heap allocations in the Problems
//    view: no finding from a _test.go file, no "leaking param" (nor a *testing.T parameter),
//    nothing from files that are not open.
// 2. Go to source from the flame graph reuses the text editor group next to it: double-clicking
//    a function in the graph's table opens its source in the group the person already has code
//    in, instead of splitting the editor area a third time.
//
// Runs in a code-server session of its own, so that no other test's open files or findings
// show in the Problems view.
import * as assert from 'node:assert/strict';
import { makeFixtureWorkspace } from '../../harness/codeServer.mjs';
import { openExactly } from './profiling-helpers.mjs';

export const title = 'first hour: calm Problems view on a real module; go to source from the flame graph reuses the code group';

export const session = {
  /** @param {string} dir */
  setup(dir) {
    return { workspace: makeFixtureWorkspace(dir) };
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The rows of the Problems view (their aria-labels, which name the file or the marker). */
async function problemRows(page) {
  return page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) =>
    rows.map((r) => ({
      label: r.getAttribute('aria-label') ?? '',
      text: (r.textContent ?? '').replace(/\s+/g, ' ').trim(),
      level: Number(r.getAttribute('aria-level') ?? '0'),
    })),
  );
}

/** The editor groups on screen: each one's tab titles and its active tab. */
async function editorGroups(page) {
  return page.locator('.part.editor .editor-group-container').evaluateAll((groups) =>
    groups.map((g) => ({
      tabs: [...g.querySelectorAll('.tabs-container .tab')].map((t) => (t.getAttribute('aria-label') || t.textContent || '').trim()),
      active: (g.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label') ?? '').trim(),
    })),
  );
}

/** The flame graph's webview frame: the one whose page has the function table. */
async function flameFrame(page, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const has = await frame.evaluate(() => !!document.querySelector('table.functions tbody tr')).catch(() => false);
      if (has) return frame;
    }
    if (Date.now() > deadline) throw new Error('no flame graph page with a function table');
    await sleep(250);
  }
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  await wb.page.setViewportSize({ width: 1600, height: 1000 });

  // ---- 1. Calm defaults -------------------------------------------------------------------
  await openExactly(wb, 'firsthour/store.go');
  await wb.waitForText('func NewStore', { within: '.editor-instance .view-lines', timeoutMs: 30_000 });
  // The analysis has run once the status bar counts escapes.
  await wb.waitForText('escapes', { within: '#workbench\\.parts\\.statusbar', timeoutMs: 120_000 });
  await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await wb.page.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: 15_000 });
  await wb.waitForText('Go escape analysis', { within: '.markers-panel', timeoutMs: 60_000 });
  // Let the findings settle: the same rows twice, a second apart.
  let rows = await problemRows(wb.page);
  for (let i = 0; i < 20; i++) {
    await sleep(1_000);
    const again = await problemRows(wb.page);
    if (JSON.stringify(again) === JSON.stringify(rows)) break;
    rows = again;
  }
  await wb.screenshot('e2e-first-hour-problems');
  const shown = JSON.stringify(rows.map((r) => r.label || r.text), null, 1);
  // File rows are the tree's first level; the findings are their children.
  const files = rows.filter((r) => r.level === 1);
  const findings = rows.filter((r) => r.level > 1);
  assert.equal(files.length, 1, `the Problems view should list only the open file; it showed ${shown}`);
  assert.match(files[0].label || files[0].text, /store\.go/, `the Problems view lists another file: ${shown}`);
  for (const r of rows) {
    assert.doesNotMatch(r.label + r.text, /_test\.go/, `a _test.go file in the Problems view: ${shown}`);
    assert.doesNotMatch(r.label + r.text, /leaking param/i, `a leaking-param finding in the Problems view: ${shown}`);
    assert.doesNotMatch(r.label + r.text, /testing\.(T|B|TB)\b|\b(t|b|tb) does not escape/, `a testing parameter in the Problems view: ${shown}`);
    for (const other of ['format.go', 'filter.go', 'encode.go', 'cache.go']) assert.ok(!(r.label + r.text).includes(other), `${other} is not open but is in the Problems view: ${shown}`);
  }
  // store.go allocates four times: &Store{...}, its map, &Item{...} and the append.
  assert.ok(findings.length >= 2 && findings.length <= 6, `expected a handful of heap findings for store.go, got ${findings.length}: ${shown}`);
  for (const f of findings) assert.match(f.label + f.text, /escapes-to-heap|moved-to-heap/, `a finding that is not a heap allocation: ${shown}`);
  assert.ok(findings.some((f) => /&Store\{/.test(f.label + f.text)), `&Store{...} is missing from the Problems view: ${shown}`);
  assert.ok(findings.some((f) => /&Item\{/.test(f.label + f.text)), `&Item{...} is missing from the Problems view: ${shown}`);
  assert.ok(findings.some((f) => /Go escape analysis/.test(f.label + f.text)), `no finding from "Go escape analysis": ${shown}`);
  // Put the panel away for the next part.
  await wb.runCommand('View: Toggle Panel Visibility');

  // ---- 2. Go to source reuses the code's group ---------------------------------------------
  await openExactly(wb, 'flame/heap.pprof', { side: true });
  assert.ok(await wb.flameGraphDrawn(60_000), 'heap.pprof did not open as a drawn flame graph');
  const frame = await flameFrame(wb.page);
  const before = await editorGroups(wb.page);
  assert.equal(before.length, 2, `expected the code and the graph side by side, got ${JSON.stringify(before)}`);
  const codeGroup = before.findIndex((g) => g.tabs.some((t) => t.includes('store.go')));
  const graphGroup = before.findIndex((g) => g.tabs.some((t) => t.includes('heap.pprof')));
  assert.ok(codeGroup >= 0 && graphGroup >= 0 && codeGroup !== graphGroup, `store.go and heap.pprof are not in two groups: ${JSON.stringify(before)}`);
  await wb.screenshot('e2e-first-hour-flame-beside-code');

  // NewRecord (flame/alloc.go) in the function table: a double-click goes to its source.
  const row = frame.locator('table.functions tbody tr', { hasText: 'NewRecord' }).first();
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  await row.dblclick();
  const deadline = Date.now() + 30_000;
  let after = await editorGroups(wb.page);
  while (Date.now() < deadline && !after.some((g) => g.tabs.some((t) => t.includes('alloc.go')))) {
    await sleep(250);
    after = await editorGroups(wb.page);
  }
  await wb.screenshot('e2e-first-hour-go-to-source');
  assert.ok(after.some((g) => g.tabs.some((t) => t.includes('alloc.go'))), `alloc.go did not open: ${JSON.stringify(after)}`);
  assert.equal(after.length, before.length, `going to source added an editor group: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
  assert.ok(after[codeGroup].active.includes('alloc.go'), `alloc.go is not the active tab of the code's group: ${JSON.stringify(after)}`);
  assert.ok(after[graphGroup].tabs.some((t) => t.includes('heap.pprof')), `the graph left its group: ${JSON.stringify(after)}`);
  assert.ok(!after[graphGroup].tabs.some((t) => t.includes('alloc.go')), `alloc.go opened in the graph's group: ${JSON.stringify(after)}`);
  // The graph is still on screen next to the source.
  assert.ok(await wb.flameGraphDrawn(10_000), 'the flame graph is no longer drawn next to the source');
  await wb.waitForText('func NewRecord', { within: '.editor-instance .view-lines', timeoutMs: 10_000 });
}
