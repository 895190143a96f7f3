// A person clicks "Profile benchmark" above a benchmark: the flame graph opens beside the code,
// and the line that allocated the most carries its measured figure at the end of the line.
import * as assert from 'node:assert/strict';

export const title = 'profiling a benchmark opens the flame graph and annotates the heaviest line';

/** The end-of-line figures rendered in the editor (decoration text lives in ::after content). */
async function figures(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('.editor-instance .view-lines span')) {
      for (const pseudo of ['::after', '::before']) {
        const c = getComputedStyle(el, pseudo).content;
        if (c && c.includes('▲')) out.push(c);
      }
      if (el.textContent && el.textContent.includes('▲')) out.push(el.textContent);
    }
    return [...new Set(out)];
  });
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  // A wide window without the side bar, so the code, its end-of-line figures and the graph fit.
  await wb.page.setViewportSize({ width: 1920, height: 1000 });
  await wb.page.keyboard.press('Control+B');
  await wb.openFile('profiling/records_test.go');
  await wb.waitForText('func BenchmarkBuild', { within: '.editor-instance .view-lines' });
  const lens = wb.page.locator('.codelens-decoration a', { hasText: 'Profile benchmark' }).first();
  await lens.waitFor({ state: 'visible', timeout: 60_000 });
  await lens.click();
  // The flame graph panel: a webview tab whose page draws on a canvas.
  await wb.page.locator('.webview.ready, iframe.webview').first().waitFor({ state: 'visible', timeout: 180_000 });
  // The panel opens beside the code; show the code that allocated in the group on the left.
  // Focus the code's editor group (keys pressed while the webview has focus stay in it).
  await wb.page.locator('.editor-group-container').first().locator('.monaco-editor .view-lines').first().click();
  await wb.openFile('profiling/records.go');
  await wb.waitForText('func makeRecord', { within: '.editor-instance .view-lines' });
  const deadline = Date.now() + 60_000;
  let seen = [];
  while (Date.now() < deadline) {
    seen = await figures(wb.page);
    if (seen.some((c) => /alloc/.test(c))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(seen.some((c) => /▲ .*alloc/.test(c)), `no allocation figure on screen; saw ${JSON.stringify(seen)}`);
  // Both are visible at once: the panel (webview) and the annotated editor.
  assert.ok(await wb.page.locator('iframe.webview').first().isVisible(), 'the flame graph panel is not visible next to the code');
  // The graph has been drawn: the panel's inner page has a canvas with non-blank pixels.
  const drawn = await wb.flameGraphDrawn();
  assert.ok(drawn, 'the flame graph canvas stayed blank');
  await wb.screenshot('e2e-profile-side-by-side');
}
