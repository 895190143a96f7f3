// Escape analysis inside a real VS Code: diagnostics, hover with the flow, code
// lenses and the on/off command, on the lsp/ fixture module compiled by the installed Go.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, fixturePath, openFixture, outputChannelText, waitFor, workspaceRoot } from '../util';

const BUILD_SOURCE = 'go build';

const SOURCE = 'Go escape analysis';

function escapeDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

function describe_(uri: vscode.Uri): string {
  return JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => `${d.range.start.line}:${d.range.start.character} [${d.source}] ${d.message}`));
}

describe('escape analysis in the editor', function () {
  this.timeout(180_000);
  let uri: vscode.Uri;

  before(async () => {
    await activateExtension();
    await closeAllEditors();
    uri = vscode.Uri.file(fixturePath('lsp/user.go'));
    await openFixture('lsp/user.go');
  });

  it('heap escapes appear as diagnostics with each flow step at its own location', async () => {
    const moved = await waitFor(() => escapeDiagnostics(uri).find((d) => d.code === 'moved-to-heap'), {
      message: 'a moved-to-heap diagnostic on user.go',
      timeoutMs: 120_000,
      describe: () => describe_(uri),
    });
    assert.equal(moved.range.start.line, 13);
    assert.equal(moved.range.start.character, 1);
    assert.equal(moved.severity, vscode.DiagnosticSeverity.Information);
    assert.match(moved.message, /returned from NewUser/);
    // The flow's steps are in the hover, each a link (next test); as related information an
    // editor's hover over the diagnostic would list them twice.
    assert.equal(moved.relatedInformation, undefined);
    // Default kinds only: no "does not escape" or inlining noise.
    assert.ok(!escapeDiagnostics(uri).some((d) => d.code === 'does-not-escape' || d.code === 'can-inline'), describe_(uri));
  });

  it('hovering the escaping variable explains why, step by step, with a remedy', async () => {
    const hovers = await waitFor(
      async () => {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(13, 1));
        return h.some((x) => x.contents.some((c) => (c as vscode.MarkdownString).value?.includes('Why'))) ? h : undefined;
      },
      { message: 'a hover on u explaining the escape' },
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (c as vscode.MarkdownString).value ?? String(c))).join('\n');
    assert.match(text, /\*\*Why:\*\* returned from NewUser/);
    // Compiler words are Markdown-escaped; the step links are ours.
    assert.ok(text.includes(String.raw`1. its address is taken \(\&u\) — [user\.go\:15\:9](file://`), text);
    assert.match(text, /Usually fixed by:/);
  });

  it('each function has a code lens with its escapes and inlining decision', async () => {
    const lenses = await waitFor(
      async () => {
        const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        return l.some((x) => x.command?.title.includes('heap escape')) ? l : undefined;
      },
      { message: 'escape code lenses on user.go' },
    );
    const titles = lenses.filter((l) => l.command?.command === 'goMemoryInsight.showFunctionFindings').map((l) => `${l.range.start.line}: ${l.command!.title}`);
    // Leaking parameters are not diagnostics by default: the lens agrees with the squiggles.
    assert.ok(titles.includes('12: 1 heap escape · inlinable (cost 10)'), titles.join('\n'));
    assert.ok(titles.includes('18: 2 heap escapes · cannot inline: function too complex (cost 85 > 80)'), titles.join('\n'));
  });

  it('the toggle command removes the annotations for the workspace and brings them back, without writing .vscode/settings.json', async () => {
    const settingsFile = path.join(workspaceRoot(), '.vscode', 'settings.json');
    const settingsBefore = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined;
    const config = () => vscode.workspace.getConfiguration('goMemoryInsight').inspect<boolean>('escapeAnalysis.enabled');
    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.toggleEscapeAnalysis'), false);
    try {
      await waitFor(() => escapeDiagnostics(uri).length === 0, { message: 'escape diagnostics to disappear', describe: () => describe_(uri) });
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      assert.ok(!lenses.some((l) => l.command?.command === 'goMemoryInsight.showFunctionFindings'));
      // Switched in VS Code's workspace storage: no settings written anywhere.
      assert.equal(fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined, settingsBefore, '.vscode/settings.json is untouched');
      assert.equal(config()?.workspaceValue, undefined);
      assert.equal(config()?.globalValue, undefined);
    } finally {
      assert.equal(await vscode.commands.executeCommand('goMemoryInsight.toggleEscapeAnalysis'), true);
    }
    await waitFor(() => escapeDiagnostics(uri).some((d) => d.code === 'moved-to-heap'), { message: 'escape diagnostics to come back', timeoutMs: 120_000, describe: () => describe_(uri) });
    assert.equal(fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined, settingsBefore, '.vscode/settings.json is untouched');
  });

  it('the toggle writes the workspace setting only when asked to save it there, and the setting then rules', async () => {
    const settingsFile = path.join(workspaceRoot(), '.vscode', 'settings.json');
    const settingsBefore = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined;
    const config = () => vscode.workspace.getConfiguration('goMemoryInsight').inspect<boolean>('escapeAnalysis.enabled');
    try {
      assert.equal(await vscode.commands.executeCommand('goMemoryInsight.toggleEscapeAnalysis', { save: 'workspace' }), false);
      await waitFor(() => config()?.workspaceValue === false, { message: 'the workspace setting to be false' });
      assert.match(fs.readFileSync(settingsFile, 'utf8'), /"goMemoryInsight\.escapeAnalysis\.enabled": false/);
      await waitFor(() => escapeDiagnostics(uri).length === 0, { message: 'escape diagnostics to disappear', describe: () => describe_(uri) });
      // Editing the setting (here: removing it) wins over any switch: the analysis is back on.
      await vscode.workspace.getConfiguration('goMemoryInsight').update('escapeAnalysis.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      await waitFor(() => escapeDiagnostics(uri).some((d) => d.code === 'moved-to-heap'), { message: 'escape diagnostics to come back', timeoutMs: 120_000, describe: () => describe_(uri) });
    } finally {
      if (config()?.workspaceValue !== undefined) await vscode.workspace.getConfiguration('goMemoryInsight').update('escapeAnalysis.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      if (settingsBefore === undefined) fs.rmSync(settingsFile, { force: true });
      else fs.writeFileSync(settingsFile, settingsBefore);
    }
  });

  it('real compiler output on the flows fixture: one diagnostic per finding, none made from a flow alone, generic copies on the body only', async () => {
    const flows = vscode.Uri.file(fixturePath('escape/flows/flows.go'));
    const doc = (await openFixture('escape/flows/flows.go')).document;
    const lineOf = (marker: string): number => doc.getText().split('\n').findIndex((l) => l.includes(marker));
    await waitFor(() => escapeDiagnostics(flows).some((d) => d.code === 'moved-to-heap' && d.range.start.line === lineOf('// moved: x')), {
      message: 'the moved-to-heap diagnostic of Gen\'s x',
      timeoutMs: 120_000,
      describe: () => describe_(flows),
    });
    const on = (marker: string): string[] => escapeDiagnostics(flows).filter((d) => d.range.start.line === lineOf(marker)).map((d) => String(d.code));
    // h's content leaks (not shown by default); its flow to ~r0 is no `leaking-param` of its own.
    assert.deepEqual(on('func Leak('), [], describe_(flows));
    // x: one diagnostic in the body for both instantiations; none at the function's name for the wrappers.
    assert.deepEqual(on('// moved: x'), ['moved-to-heap'], describe_(flows));
    assert.deepEqual(on('func Gen['), [], describe_(flows));
    // n: one diagnostic, whose hover lists both of its flows.
    assert.deepEqual(on('// moved: n'), ['moved-to-heap'], describe_(flows));
    // The go statement's wrapper closure: explained by the compiler, not reported, not shown.
    assert.ok(!on('go send(ch, v)').includes('escapes-to-heap'), describe_(flows));
    const gen = escapeDiagnostics(flows).find((d) => d.range.start.line === lineOf('// moved: x'))!;
    assert.match(gen.message, /×4/, 'two shape instantiations and two wrapper copies');
  });

  it('a test file that does not compile: the package\'s findings stay, the test file shows its compile error', async () => {
    const store = vscode.Uri.file(fixturePath('escape/testbroken/store.go'));
    const storeTest = vscode.Uri.file(fixturePath('escape/testbroken/store_test.go'));
    // Test files are analysed when asked.
    const config = vscode.workspace.getConfiguration('goMemoryInsight');
    await config.update('escapeAnalysis.includeTestFiles', true, vscode.ConfigurationTarget.Workspace);
    try {
      await openFixture('escape/testbroken/store.go');
      const moved = await waitFor(() => escapeDiagnostics(store).find((d) => d.code === 'moved-to-heap'), {
        message: 'the moved-to-heap diagnostic of store.go',
        timeoutMs: 120_000,
        describe: () => describe_(store),
      });
      assert.equal(moved.range.start.line, 7);
      const error = await waitFor(() => vscode.languages.getDiagnostics(storeTest).find((d) => d.source === BUILD_SOURCE), {
        message: 'the compile error of store_test.go',
        timeoutMs: 120_000,
        describe: () => describe_(storeTest),
      });
      assert.equal(error.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(error.range.start.line, 5);
      assert.match(error.message, /cannot use "not a number"/);
      assert.ok(escapeDiagnostics(store).some((d) => d.code === 'moved-to-heap'), describe_(store));
    } finally {
      await config.update('escapeAnalysis.includeTestFiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a standard-library file reached from the workspace is not compiled; a package outside is analysed on request', async () => {
    const api = await activateExtension();
    const go = await api.goBinary();
    assert.ok(go, 'no go binary');
    const goroot = execFileSync(go, ['env', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim();
    const builder = vscode.Uri.file(path.join(goroot, 'src', 'strings', 'builder.go'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(builder), { preview: false });

    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'go.mod'), 'module example.com/outside\n\ngo 1.22\n');
      fs.writeFileSync(path.join(outside, 'o.go'), 'package outside\n\nfunc P() *int {\n\tx := 1\n\treturn &x\n}\n');
      const o = vscode.Uri.file(path.join(outside, 'o.go'));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(o), { preview: false });
      // The workspace's own packages are analysed within a few seconds; give these the same time.
      await new Promise((r) => setTimeout(r, 5000));
      assert.deepEqual(escapeDiagnostics(builder), [], describe_(builder));
      assert.deepEqual(escapeDiagnostics(o), [], describe_(o));
      await vscode.commands.executeCommand('goMemoryInsight.analysePackage');
      const moved = await waitFor(() => escapeDiagnostics(o).find((d) => d.code === 'moved-to-heap'), {
        message: 'findings for the package analysed on request',
        timeoutMs: 120_000,
        describe: () => describe_(o),
      });
      assert.equal(moved.range.start.line, 3);
      assert.deepEqual(escapeDiagnostics(builder), [], describe_(builder));
    } finally {
      await closeAllEditors();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('with files.autoSave, typing saves often but the package is analysed once, after the typing stopped', async () => {
    const files = vscode.workspace.getConfiguration('files');
    await files.update('autoSave', 'afterDelay', vscode.ConfigurationTarget.Workspace);
    await files.update('autoSaveDelay', 200, vscode.ConfigurationTarget.Workspace);
    const original = fs.readFileSync(fixturePath('escape/alloc/alloc.go'), 'utf8');
    const editor = await openFixture('escape/alloc/alloc.go');
    const dir = path.dirname(editor.document.uri.fsPath);
    try {
      await vscode.commands.executeCommand('goMemoryInsight.showLog');
      const log = (): string => outputChannelText('Go Memory Insight') ?? '';
      await waitFor(() => escapeDiagnostics(editor.document.uri).length > 0, { message: 'the first analysis of alloc.go', timeoutMs: 120_000 });
      await new Promise((r) => setTimeout(r, 1000));
      const mark = log().length;
      const since = (): string => log().slice(mark);
      // Type a function, a line every 400 ms: each pause is long enough for an automatic save.
      const lines = ['', 'func typedWhileAutoSaving() *int {', '\tx := 7', '\treturn &x', '}', ''];
      for (const line of lines) {
        await editor.edit((b) => b.insert(new vscode.Position(editor.document.lineCount, 0), line + '\n'));
        await new Promise((r) => setTimeout(r, 400));
      }
      const typedLine = editor.document.getText().split('\n').findIndex((l) => l === '\tx := 7');
      await waitFor(() => escapeDiagnostics(editor.document.uri).some((d) => d.code === 'moved-to-heap' && d.range.start.line === typedLine), {
        message: 'the typed function\'s finding',
        timeoutMs: 120_000,
        describe: () => `${describe_(editor.document.uri)}\nlog since typing:\n${since()}`,
      });
      await new Promise((r) => setTimeout(r, 1000));
      const automatic = since().split('\n').filter((l) => l.includes('Automatic save of alloc.go')).length;
      const analysed = since().split('\n').filter((l) => l.includes(`Analysed ${dir} in `)).length;
      assert.ok(automatic >= 2, `automatic saves seen by the server: ${automatic}\n${since()}`);
      assert.equal(analysed, 1, since());
    } finally {
      await files.update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
      await files.update('autoSaveDelay', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await closeAllEditors();
      fs.writeFileSync(fixturePath('escape/alloc/alloc.go'), original);
    }
  });
});

