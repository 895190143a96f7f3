// The flame graph inside a real VS Code: a heap profile written by the Go runtime
// (test/fixtures/flame/heap.pprof, from `go test -trimpath -memprofile`, so its files are
// module paths) opens in the custom editor, the webview draws it, and go to source maps
// example.com/flamefixture/alloc.go back to the fixture module through `go list -m`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { FlameSessionInfo } from '../../../src/extension/flame';
import { readProfileData } from '../../../src/pprof/decode';
import { buildTree } from '../../../src/pprof/tree';
import { activateExtension, closeAllEditors, fixturePath, waitFor } from '../util';

const VIEW_TYPE = 'goMemoryInsight.profileViewer';


function flameState(uri?: vscode.Uri): Thenable<FlameSessionInfo | undefined> {
  return vscode.commands.executeCommand<FlameSessionInfo | undefined>('goMemoryInsight.flame.state', uri?.toString());
}

describe('flame graph', function () {
  this.timeout(120_000);

  before(async () => {
    await activateExtension();
    await closeAllEditors();
  });

  after(async () => {
    await closeAllEditors();
  });

  it('opens a heap profile in the profile viewer, draws it and goes to the source of a function', async () => {
    const uri = vscode.Uri.file(fixturePath('flame/heap.pprof'));
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const tab = await waitFor(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === uri.fsPath),
      { message: 'a custom editor tab for heap.pprof' },
    );
    assert.equal((tab.input as vscode.TabInputCustom).viewType, VIEW_TYPE);
    assert.equal(tab.label, 'heap.pprof');

    const state = await waitFor(async () => {
      const s = await flameState(uri);
      return s?.rendered || s?.error ? s : undefined;
    }, { message: 'the webview to draw the profile', timeoutMs: 60_000 });
    assert.equal(state.error, undefined);
    assert.equal(state.webviewError, undefined, 'the webview took the message');
    assert.equal(state.viewType, VIEW_TYPE);
    const data = await readProfileData(uri.fsPath);
    assert.equal(state.sampleType, data.sampleTypes[data.defaultSampleIndex]!.type, 'the profile opens on its default type');
    // The webview accepts numbers only in typed arrays: VS Code's postMessage carried them as
    // such, and intact: the page built the same tree as Node does from the file.
    assert.ok(state.rendered!.nodeCount > 10, `drawn ${state.rendered!.nodeCount} frames`);
    assert.equal(state.rendered!.nodeCount, buildTree(data, { sampleIndex: data.defaultSampleIndex }).nodeCount);

    const loc = await vscode.commands.executeCommand<{ path: string; line: number } | undefined>('goMemoryInsight.flame.goToSource', 'example.com/flamefixture.Buffers', uri.toString());
    assert.ok(loc, 'the source was found');
    const file = fixturePath('flame/alloc.go');
    assert.equal(loc.path, file);
    const expectedLine = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.startsWith('func Buffers(')) + 1;
    assert.ok(expectedLine > 0);
    const editor = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.fsPath === file ? vscode.window.activeTextEditor : undefined), {
      message: 'alloc.go to be the active editor',
      describe: () => `active: ${vscode.window.activeTextEditor?.document.uri.fsPath ?? 'none'}`,
    });
    assert.equal(editor.selection.active.line + 1, expectedLine);
    assert.notEqual(editor.viewColumn, tab.group.viewColumn, 'the source opens beside the flame graph');
  });

  it('opens through the API command with a sample type, and shows a corrupt profile as an error', async () => {
    const uri = vscode.Uri.file(fixturePath('flame/heap.pprof'));
    const result = await vscode.commands.executeCommand<{ ok: boolean; sampleIndex?: number }>('goMemoryInsight.openProfile', uri, { sampleType: 'alloc_space' });
    assert.equal(result.ok, true);
    const s = await waitFor(async () => {
      const st = await flameState(uri);
      return st?.sampleType === 'alloc_space' && st.rendered?.sampleIndex === st.sampleIndex ? st : undefined;
    }, { message: 'alloc_space to be shown' });
    assert.equal(s.sampleType, 'alloc_space');

    const bad = vscode.Uri.file(fixturePath('flame/alloc.go'));
    const r = await vscode.commands.executeCommand<{ ok: boolean; error?: string }>('goMemoryInsight.openProfile', bad, { title: 'not a profile' });
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /alloc\.go is not a readable pprof profile/);
    const err = await flameState(bad);
    assert.equal(err?.error, r.error, 'the panel shows the same error');
  });
});
