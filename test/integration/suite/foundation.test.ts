// The foundation: the extension is installed, activates on a Go workspace, starts its
// language server (a real process that found the real go binary) and registers its commands.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, extension, fixturePath, openFixture, outputChannelText, waitFor, EXTENSION_ID } from '../util';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('foundation', () => {
  it('is installed', () => {
    const ext = extension();
    assert.equal(ext.id, EXTENSION_ID);
    assert.equal((ext.packageJSON as { name: string }).name, 'go-memory-insight');
  });

  it('activates when a Go file of the fixture workspace is opened', async () => {
    const editor = await openFixture('basic/main.go');
    assert.equal(editor.document.languageId, 'go');
    assert.equal(editor.document.uri.fsPath, fixturePath('basic/main.go'));
    await waitFor(() => extension().isActive, { message: `${EXTENSION_ID} to activate`, timeoutMs: 60_000 });
  });

  it('starts a language server that found the go binary', async () => {
    const api = await activateExtension();
    const info = await api.serverReady();
    assert.equal(info.name, 'go-memory-insight');
    assert.equal(info.version, api.version);
    assert.ok(Number.isInteger(info.pid) && info.pid > 0, `pid ${info.pid}`);
    assert.notEqual(info.pid, process.pid, 'the server runs in its own process');
    assert.ok(isAlive(info.pid), `server process ${info.pid} is not running`);
    assert.match(info.nodeVersion, /^v\d+\./);

    const goBinary = await api.goBinary();
    assert.ok(goBinary, 'the extension found no go binary');
    assert.equal(info.goBinary, goBinary, 'the server uses the go binary the extension chose');
    assert.match(path.basename(goBinary), /^go(\.exe)?$/);
    fs.accessSync(goBinary, fs.constants.X_OK);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['goMemoryInsight.showLog', 'goMemoryInsight.restartServer']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  it('shows its log, which says which go it uses', async () => {
    await vscode.commands.executeCommand('goMemoryInsight.showLog');
    const text = await waitFor(() => outputChannelText('Go Memory Insight'), {
      message: 'the "Go Memory Insight" log to be open',
      describe: () => `open documents: ${vscode.workspace.textDocuments.map((d) => d.uri.toString()).join(', ')}`,
    });
    assert.match(text, /Using go at /);
  });

  it('restartServer starts a new language server process and stops the old one', async () => {
    const api = await activateExtension();
    const before = await api.serverReady();
    await vscode.commands.executeCommand('goMemoryInsight.restartServer');
    const after = await waitFor(
      async () => {
        const info = await api.serverReady();
        return info.pid !== before.pid ? info : undefined;
      },
      { message: `a server pid other than ${before.pid}` },
    );
    assert.ok(isAlive(after.pid), `new server process ${after.pid} is not running`);
    await waitFor(() => !isAlive(before.pid), { message: `the old server process ${before.pid} to exit` });
  });
});
