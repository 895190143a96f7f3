// The go binary named by a workspace's own .vscode/settings.json. The harness runs VS Code
// with workspace trust disabled, so the workspace is trusted here: this checks the trusted
// side in a real VS Code, where vscode-go's settings are not registered (vscode-go is not
// installed) and are read through inspect(). The untrusted side (those values ignored,
// ${workspaceFolder} not expanded, no go command run) is in test/unit/resolveGo.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, fixturePath, waitFor } from '../util';

describe('go binary from workspace settings', function () {
  this.timeout(120_000);
  const settingsFile = (): string => fixturePath('.vscode/settings.json');
  let saved: string | undefined;
  let realGo: string | undefined;

  before(async function () {
    if (process.platform === 'win32') this.skip();
    realGo = await (await activateExtension()).goBinary();
    assert.ok(realGo, 'the extension found no go binary');
    saved = fs.existsSync(settingsFile()) ? fs.readFileSync(settingsFile(), 'utf8') : undefined;
  });

  after(async () => {
    if (!realGo) return;
    if (saved === undefined) fs.rmSync(settingsFile(), { force: true });
    else fs.writeFileSync(settingsFile(), saved);
    fs.rmSync(fixturePath('.gmi-go'), { recursive: true, force: true });
    const api = await activateExtension();
    await waitFor(async () => (await api.goBinary()) === realGo, { message: `the extension to use ${realGo} again` });
  });

  it('uses go.alternateTools.go of a trusted workspace, with ${workspaceFolder} expanded', async () => {
    assert.equal(vscode.workspace.isTrusted, true, 'the harness disables workspace trust');
    const api = await activateExtension();
    const wrapper = fixturePath('.gmi-go/go');
    fs.mkdirSync(path.dirname(wrapper), { recursive: true });
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec '${realGo}' "$@"\n`, { mode: 0o755 });
    // Written to the file: VS Code refuses to update() a setting no extension registered.
    const settings = (saved ? JSON.parse(saved) : {}) as Record<string, unknown>;
    settings['go.alternateTools'] = { go: '${workspaceFolder}/.gmi-go/go' };
    fs.mkdirSync(path.dirname(settingsFile()), { recursive: true });
    fs.writeFileSync(settingsFile(), JSON.stringify(settings, undefined, 2));

    await waitFor(async () => (await api.goBinary()) === wrapper, { message: `the extension to pick ${wrapper}`, describe: async () => `goBinary(): ${await api.goBinary()}` });
    const info = await waitFor(
      async () => {
        const i = await api.serverReady();
        return i.goBinary === wrapper ? i : undefined;
      },
      { message: `a language server given ${wrapper}` },
    );
    assert.equal(info.goBinary, wrapper);
  });
});
