// Escape analysis inside a real VS Code: diagnostics, related information, hover, code
// lenses and the on/off command, on the lsp/ fixture module compiled by the installed Go.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, fixturePath, openFixture, waitFor } from '../util';

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
    const related = moved.relatedInformation ?? [];
    assert.ok(related.length >= 2, `related: ${JSON.stringify(related)}`);
    assert.ok(related.every((r) => r.location.uri.fsPath === uri.fsPath));
    assert.deepEqual([related[0]!.location.range.start.line, related[0]!.location.range.start.character], [14, 8]);
    assert.match(related[0]!.message, /its address is taken \(&u\)/);
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
    assert.match(text, /1\. its address is taken \(&u\) — \[user\.go:15:9\]\(file:/);
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
    assert.ok(titles.includes('12: 1 heap escape · 1 leaking param · inlinable (cost 10)'), titles.join('\n'));
    assert.ok(titles.includes('18: 2 heap escapes · cannot inline: function too complex (cost 85 > 80)'), titles.join('\n'));
  });

  it('the toggle command removes the annotations for the workspace and brings them back', async () => {
    await vscode.commands.executeCommand('goMemoryInsight.toggleEscapeAnalysis');
    try {
      await waitFor(() => escapeDiagnostics(uri).length === 0, { message: 'escape diagnostics to disappear', describe: () => describe_(uri) });
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      assert.ok(!lenses.some((l) => l.command?.command === 'goMemoryInsight.showFunctionFindings'));
    } finally {
      await vscode.commands.executeCommand('goMemoryInsight.toggleEscapeAnalysis');
    }
    await waitFor(() => escapeDiagnostics(uri).some((d) => d.code === 'moved-to-heap'), { message: 'escape diagnostics to come back', timeoutMs: 120_000, describe: () => describe_(uri) });
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
    // n: one diagnostic, with both of its flows as related information.
    assert.deepEqual(on('// moved: n'), ['moved-to-heap'], describe_(flows));
    // The go statement's wrapper closure: explained by the compiler, not reported, not shown.
    assert.ok(!on('go send(ch, v)').includes('escapes-to-heap'), describe_(flows));
    const gen = escapeDiagnostics(flows).find((d) => d.range.start.line === lineOf('// moved: x'))!;
    assert.match(gen.message, /×4/, 'two shape instantiations and two wrapper copies');
  });
});

