// The refinement bar inside VS Code: a heap profile opened from the explorer, refined by a typed
// focus pattern and by the Go runtime's numeric "bytes" label, shows the totals that
// `go tool pprof` computes with the same -focus / -tagfocus flags on the same file; Undo brings
// the whole profile back, and the refinements are still there after a window reload.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const title = 'the refinement bar in the flame graph editor: focus and label filters give pprof\'s totals, and survive a reload';

const UNITS = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/**
 * pprof's own figure for alloc_space kept by the given filters, in bytes: with no node dropped,
 * "Showing nodes accounting for X" is the sum of the kept samples.
 */
function pprofTotal(file, flags) {
  const out = execFileSync('go', ['tool', 'pprof', '-sample_index=alloc_space', '-top', '-nodefraction=0', '-nodecount=1000000', ...flags, file], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = /accounting for ([\d.]+)(B|kB|MB|GB), /.exec(out);
  assert.ok(m, `pprof printed no figure:\n${out}`);
  return Number(m[1]) * UNITS[m[2]];
}

/** The panel's status line total ("alloc_space total 5.15 MiB (refined, of …) · …"), in bytes. */
function shownBytes(status) {
  const m = /alloc_space total ([\d.]+) (B|KiB|MiB|GiB)/.exec(status);
  assert.ok(m, `no total in the status line: ${status}`);
  return Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2]];
}

/** Equal at the three significant digits the panel shows. */
function sameFigure(shown, exact, what) {
  assert.ok(Math.abs(shown - exact) <= exact * 0.005 + 1, `${what}: the panel shows ${shown} B, pprof ${exact} B`);
}

/** The webview frame that holds the flame graph page. */
async function flameFrame(wb) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const frame of wb.page.frames()) {
      if (frame === wb.page.mainFrame()) continue;
      if (await frame.$('.toolbar .refine-toggle').catch(() => null)) return frame;
    }
    if (Date.now() > deadline) throw new Error('no flame graph page among the webview frames');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function status(frame) {
  await frame.waitForFunction(() => document.getElementById('app')?.dataset.ready === 'true', undefined, { timeout: 30_000 });
  return (await frame.textContent('.status')) ?? '';
}

async function chips(frame) {
  return frame.$$eval('.refine-bar .chip', (cs) => cs.map((c) => `${c.dataset.kind} ${c.querySelector('.chip-pattern')?.textContent ?? ''}`));
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const file = path.join(wb.workspace, 'flame', 'heap.pprof');
  const all = pprofTotal(file, []);
  const focused = pprofTotal(file, ['-focus=BuildRecords']);
  const big = pprofTotal(file, ['-focus=BuildRecords', '-tagfocus=bytes=1kb:']);
  assert.ok(focused < all && big < focused, `the filters each keep part of the profile: ${all} > ${focused} > ${big}`);

  await wb.runCommand('View: Close All Editors');
  await wb.quickOpen('flame/heap.pprof', 30_000);
  assert.ok(await wb.flameGraphDrawn(60_000), 'heap.pprof did not open as a drawn flame graph');
  let frame = await flameFrame(wb);
  sameFigure(shownBytes(await status(frame)), all, 'the whole profile');

  // A typed focus pattern (RE2, matched against function and file names as in pprof).
  await frame.click('.toolbar .refine-toggle');
  await frame.selectOption('.refine-kind', 'focus');
  await frame.fill('.refine-input', 'BuildRecords');
  await frame.press('.refine-input', 'Enter');
  assert.deepEqual(await chips(frame), ['focus BuildRecords']);
  sameFigure(shownBytes(await status(frame)), focused, '-focus=BuildRecords');

  // The profile's own numeric label: allocations of at least 1 kB (pprof's units: kb = 1024).
  await frame.selectOption('.label-key', 'bytes');
  await frame.fill('.label-min', '1kb');
  await frame.click('.label-focus');
  assert.deepEqual(await chips(frame), ['focus BuildRecords', 'tagfocus bytes=1kb:']);
  sameFigure(shownBytes(await status(frame)), big, '-focus=BuildRecords -tagfocus=bytes=1kb:');
  await wb.screenshot('e2e-refine-focus-and-label');

  // After a window reload the editor comes back with the same refinements and totals.
  await wb.reloadWindow();
  await wb.waitForText('heap.pprof', { within: '.tabs-container .tab.active', timeoutMs: 90_000 });
  assert.ok(await wb.flameGraphDrawn(120_000), 'the refined heap.pprof editor stayed blank after the reload');
  frame = await flameFrame(wb);
  assert.deepEqual(await chips(frame), ['focus BuildRecords', 'tagfocus bytes=1kb:']);
  sameFigure(shownBytes(await status(frame)), big, 'the same refinements after the reload');

  // Undo takes the last refinement back, then the first.
  await frame.click('.refine-bar .undo');
  assert.deepEqual(await chips(frame), ['focus BuildRecords']);
  sameFigure(shownBytes(await status(frame)), focused, 'after one Undo');
  await frame.click('.refine-bar .undo');
  assert.deepEqual(await chips(frame), []);
  sameFigure(shownBytes(await status(frame)), all, 'after the second Undo');
  await wb.runCommand('View: Close All Editors');
}
