// A person opens a hostile repository with workspace trust on. Its .vscode/settings.json names a
// "go" inside the repository three ways (goMemoryInsight.goPath, go.alternateTools.go, go.goroot,
// all with ${workspaceFolder}); each is a script that only records that it ran, in a file outside
// the workspace. The person's own go (go.goroot in the user settings: a script that records its
// runs, then runs the real go) may be chosen but must not run either. The person answers
// "No, I don't trust the authors" and opens main.go: the extension activates, uses no go from
// the workspace and runs no go command at all. Then the person trusts the folder (Workspaces:
// Manage Workspace Trust → Trust): the extension looks for go again and now runs the
// workspace's go, which shows the test would see it run.
//
// Runs in a code-server session of its own (see `session` and test/harness/run-e2e.mjs): the
// shared session has workspace trust turned off.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../../harness/codeServer.mjs';

export const title = 'an untrusted workspace runs no go from its own settings; trusting it does';

/** Where each hostile go lives, relative to the workspace, by the setting that names it. */
const hostileGos = {
  'goMemoryInsight.goPath': 'evil/gopath/go',
  'go.alternateTools': 'evil/alternate/go',
  'go.goroot': 'evil/bin/go',
};

export const session = {
  workspaceTrust: true,
  // Ask the trust question on every start, as a person opening a downloaded repository sees it.
  userSettings: { 'security.workspace.trust.startupPrompt': 'always' },
  /**
   * @param {string} dir
   * @param {{ userDataDir: string }} where
   */
  setup(dir, { userDataDir }) {
    const workspace = path.join(dir, 'hostile');
    const marker = path.join(dir, 'hostile-go-ran.txt');
    const userGoMarker = path.join(dir, 'user-go-ran.txt');
    assert.ok(!dir.includes("'"), `the temp dir ${dir} cannot be quoted in sh`);
    // The person's own go, set in the user settings (outside the workspace, so allowed when the
    // workspace is untrusted): records that it ran, then is the real go (when there is one).
    // go.goroot, the last of the settings that name a go: the workspace's three settings all
    // come before it, so a workspace setting wrongly read would still be the one to run. Not on
    // PATH: the extension host takes PATH from the login shell.
    const realGo = findRealGo();
    const userGoroot = path.join(dir, 'user-goroot');
    const userGo = path.join(userGoroot, 'bin', 'go');
    fs.mkdirSync(path.dirname(userGo), { recursive: true });
    fs.writeFileSync(
      userGo,
      ['#!/bin/sh', `printf 'user %s\\n' "$*" >> '${userGoMarker}'`, realGo ? `exec '${realGo}' "$@"` : 'exit 1', ''].join('\n'),
      { mode: 0o755 },
    );
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'go.mod'), 'module example.com/hostile\n\ngo 1.21\n');
    fs.writeFileSync(path.join(workspace, 'main.go'), 'package main\n\nfunc main() {\n\tprintln("hello")\n}\n');
    for (const [setting, rel] of Object.entries(hostileGos)) {
      const file = path.join(workspace, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        [
          '#!/bin/sh',
          '# A hostile "go": it records that it ran (and with which arguments), nothing more.',
          `printf '%s %s\\n' '${setting}' "$*" >> '${marker}'`,
          'if [ "$1" = version ]; then echo "go version go1.22.0 linux/amd64"; exit 0; fi',
          'echo "hostile go" >&2',
          'exit 2',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    }
    fs.writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          'goMemoryInsight.goPath': `\${workspaceFolder}/${hostileGos['goMemoryInsight.goPath']}`,
          'go.alternateTools': { go: `\${workspaceFolder}/${hostileGos['go.alternateTools']}` },
          'go.goroot': '${workspaceFolder}/evil',
        },
        undefined,
        2,
      ),
    );
    // The Remote (code-server machine) user settings: where a setting for the machine that runs
    // the extension host goes.
    const machineSettings = path.join(userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({ 'go.goroot': userGoroot }, undefined, 2));
    return { workspace, marker, userGo, userGoMarker };
  },
};

/** The go binary this machine has (on PATH, or in the usual install dir), if any. */
function findRealGo() {
  for (const d of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    const file = d && path.join(d, 'go');
    try {
      if (file && !file.includes("'") && fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      }
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** How long the extension gets, once its server runs, to (wrongly) run a go before the check. */
const SETTLE_MS = 3_000;

/**
 * @param {import('../workbench.mjs').Workbench} wb
 * @param {{ workspace: string, marker: string, userGo: string, userGoMarker: string, extensionLog: () => string }} ctx
 */
export default async function (wb, ctx) {
  const { page } = wb;
  const statusBar = '#workbench\\.parts\\.statusbar';
  const read = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '');
  const ran = () => read(ctx.marker);
  const logTail = () => ctx.extensionLog().trimEnd().split('\n').slice(-25).join('\n');

  // The trust question on opening the folder: the person says no.
  const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Do you trust the authors' });
  try {
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  } catch {
    throw new Error(`The workspace trust question did not appear within 30 s; the page showed:\n${await wb.textOf('body')}`);
  }
  await wb.screenshot('e2e-untrusted-prompt');
  await dialog.getByRole('button', { name: /^No, I don.t trust the authors/ }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
  await wb.statusBarItem('Restricted Mode', 15_000);

  // The person opens main.go; the extension is active once its status bar item has settled.
  await wb.openFile('main.go');
  await wb.waitForText('func main', { within: '.editor-instance .view-lines' });
  const item = await wb.statusBarItem('Go Memory', 60_000);
  await waitFor(async () => (await item.locator('.codicon-loading').count()) === 0 && /activating/.test(ctx.extensionLog()), {
    timeoutMs: 60_000,
    message: 'the extension to activate and its language server to start (status bar item without the spinner)',
    describe: async () => `status bar item: ${await item.innerText().catch(() => '?')}; extension log:\n${logTail()}`,
  });
  await page.waitForTimeout(SETTLE_MS);
  assert.equal(ran(), '', `A go named by the untrusted workspace's settings ran:\n${ran()}\nextension log:\n${logTail()}`);
  assert.equal(read(ctx.userGoMarker), '', `The user's go ran in the untrusted workspace:\n${read(ctx.userGoMarker)}\nextension log:\n${logTail()}`);
  // The go the extension shows (status bar tooltip) is the person's own, not one from the workspace.
  const tooltip = await statusTooltip(wb, item);
  assert.ok(!tooltip.includes(ctx.workspace), `the untrusted workspace's go is in use: ${tooltip}`);
  assert.ok(tooltip.includes(ctx.userGo), `the status bar tooltip does not name the user's go ${ctx.userGo}: ${tooltip}`);
  await wb.screenshot('e2e-untrusted-restricted-mode');

  // The person trusts the folder: the workspace's settings now apply and its go runs.
  await page.keyboard.press('Escape');
  await wb.runCommand('Workspaces: Manage Workspace Trust');
  const trustButton = page.locator('.workspace-trust-editor .monaco-button').filter({ hasText: /^Trust$/ }).first();
  await trustButton.waitFor({ state: 'visible', timeout: 20_000 });
  await wb.screenshot('e2e-untrusted-manage-trust');
  await trustButton.click();
  // The Workspace Trust editor opens as a modal over the workbench: close it once it says so.
  await wb.waitForText('You trust this folder', { within: '.workspace-trust-editor', timeoutMs: 15_000 });
  await page.locator('.monaco-modal-editor-block a[aria-label^="Close Modal Editor"]').click({ timeout: 10_000 });
  await page.locator('.workspace-trust-editor').waitFor({ state: 'hidden', timeout: 10_000 }).catch(async () => {
    throw new Error(`The Workspace Trust editor did not close; it showed:\n${await wb.textOf('.workspace-trust-editor')}`);
  });
  await waitFor(() => /^\S+ version$/m.test(ran()), {
    timeoutMs: 30_000,
    message: "the workspace's go to run `go version` once the folder is trusted",
    describe: () => `marker file: ${ran() || '(none)'}; extension log:\n${logTail()}`,
  });
  await waitFor(async () => (await page.locator(`${statusBar} .statusbar-item`).filter({ hasText: 'Restricted Mode' }).count()) === 0, {
    timeoutMs: 15_000,
    message: 'the Restricted Mode status bar item to go away',
  });
  // The status bar names the workspace's go now (it follows the server's restart: hover until it does).
  const fromWorkspace = (text) => Object.values(hostileGos).some((rel) => text.includes(path.join(ctx.workspace, rel)));
  let trustedTooltip = '';
  await waitFor(async () => fromWorkspace((trustedTooltip = await statusTooltip(wb, await wb.statusBarItem('Go Memory', 10_000)))), {
    timeoutMs: 20_000,
    intervalMs: 500,
    message: "the status bar tooltip to name the workspace's go after trusting",
    describe: () => `tooltip: ${trustedTooltip}`,
  });
  // One language server runs after the trust grant (it fires a trust event and a settings
  // change at once): no error notification, and the tooltip says the server is running.
  await waitFor(async () => /Language server: running/.test((trustedTooltip = await statusTooltip(wb, await wb.statusBarItem('Go Memory', 10_000)))), {
    timeoutMs: 20_000,
    intervalMs: 500,
    message: 'the language server to be running after trusting',
    describe: () => `tooltip: ${trustedTooltip}; extension log:\n${logTail()}`,
  });
  const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
  if (toasts.some((t) => /Go Memory Insight|language server|connection to server/i.test(t))) {
    throw new Error(`An error notification appeared after trusting: ${toasts.join(' | ')}`);
  }
  await wb.screenshot('e2e-untrusted-then-trusted');
}

/** The text of a status bar item's hover. */
async function statusTooltip(wb, item) {
  const hover = wb.page.locator('.monaco-hover:not(.hidden), .workbench-hover').filter({ hasText: 'Go Memory Insight' }).first();
  // The tooltip follows the item's state: hover anew each time.
  await wb.page.mouse.move(1, 1);
  await item.hover();
  try {
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
  } catch {
    throw new Error(`No tooltip appeared over the Go Memory status bar item (${await item.innerText().catch(() => '?')})`);
  }
  const text = await hover.innerText();
  await wb.page.mouse.move(1, 1);
  return text;
}
