// A person opens a Go file, sees an escape underlined and hovers it to read why it escapes.
import * as assert from 'node:assert/strict';

export const title = 'hovering an escaping variable explains why it moved to the heap';

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  await wb.openFile('lsp/user.go');
  await wb.waitForText('func NewUser', { within: '.editor-instance .view-lines' });
  // The status bar reports the package's escapes once the analysis ran.
  await wb.waitForText('escapes', { within: '#workbench\\.parts\\.statusbar', timeoutMs: 120_000 });
  // The code lens above NewUser.
  await wb.waitForText('1 heap escape', { within: '.editor-instance', timeoutMs: 60_000 });
  // The line is "\tu := User{Name: name}": with a tab size of 4, u is at visual column 5.
  const hover = await wb.hoverAt(14, 5, 60_000);
  // The diagnostic part shows at once; the explanation card follows from the language server.
  await hover.getByText('Usually fixed by', { exact: false }).first().waitFor({ state: 'visible', timeout: 30_000 });
  const text = await hover.innerText();
  assert.match(text, /Why: returned from NewUser/);
  assert.match(text, /moved to the heap/);
  assert.match(text, /its address is taken/);
  assert.match(text, /Usually fixed by/);
  await wb.screenshot('e2e-escape-hover');
}
