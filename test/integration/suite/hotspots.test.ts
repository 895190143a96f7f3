// Allocation hot spots in a real VS Code: a benchmark of the hotspots fixture profiled from
// the editor, the view's rows (figures equal to go tool pprof -lines -hide='^runtime\.' on the
// same profile, the compiler's reason or an honest note at each line), the escape hover's
// measured figure, hot escapes as warnings, "only escapes that measured cost", the benchmark
// lens leading to the view, going to a line, and the Markdown report.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { GoMemoryInsightApi } from '../../../src/extension/main';
import type { ProfileRunResult } from '../../../src/extension/profiling/runner';
import { activateExtension, closeAllEditors, fixturePath, openFixture, waitFor } from '../util';

const SHOP = 'hotspots/shop.go';
const SHOP_TEST = 'hotspots/shop_test.go';

function lineOf(relative: string, text: string): number {
  const i = fs.readFileSync(fixturePath(relative), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} not in ${relative}`);
  return i + 1;
}

function escapeDiagnostics(): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(fixturePath(SHOP))).filter((d) => d.source === 'Go escape analysis');
}

async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('goMemoryInsight').update(key, value, vscode.ConfigurationTarget.Workspace);
}

/** go tool pprof -lines -hide='^runtime\.' -top: flat per "function file:line". */
function pprofLines(profile: string): Map<string, number> {
  const out = execFileSync('go', ['tool', 'pprof', '-top', '-lines', '-hide=^runtime\\.', '-unit=B', '-nodecount=100000', '-nodefraction=0', '-edgefraction=0', '-sample_index=alloc_space', profile], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
  const rows = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)B\s+\S+\s+\S+\s+\S+\s+\S+\s+(.+?)(?: \(inline\))?$/.exec(line);
    if (m && m[1] !== '0') rows.set(m[2]!, Number(m[1]));
  }
  return rows;
}

describe('allocation hot spots', function () {
  this.timeout(240_000);
  let api: GoMemoryInsightApi;
  let run: ProfileRunResult;

  before(async () => {
    api = await activateExtension();
    await setSetting('memProfileRate', 1);
    await setSetting('testFlags', ['-benchtime=100x']);
  });

  after(async () => {
    for (const key of ['memProfileRate', 'testFlags']) await setSetting(key, undefined);
    await closeAllEditors();
  });

  it('profiling a benchmark fills the view: rows ranked by alloc_space as pprof counts them, each with its reason', async () => {
    await openFixture(SHOP);
    await waitFor(() => escapeDiagnostics().length > 0, { message: 'escape diagnostics in shop.go' });
    run = (await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', vscode.Uri.file(fixturePath(SHOP_TEST)), 'BenchmarkShop'))!;
    assert.equal(run.outcome, 'ok', run.message);
    const state = await waitFor(() => {
      const s = api.hotspots();
      return s && s.profile === vscode.Uri.file(run.memProfile!).toString() && !s.pending ? s : undefined;
    }, { message: 'the hot spots of the new profile', timeoutMs: 120_000, describe: () => JSON.stringify(api.hotspots())?.slice(0, 500) ?? 'no state' });
    assert.equal(state.sampleType, 'alloc_space');
    assert.ok(state.rows.length >= 7, `rows: ${state.rows.length}`);
    const shop = fixturePath(SHOP);
    // The workspace's own lines only, heaviest first, with pprof's figures.
    const pprof = pprofLines(run.memProfile!);
    for (const row of state.rows) {
      assert.ok(row.file.startsWith(fixturePath('')), `${row.file} is in the workspace`);
      assert.equal(row.flat, pprof.get(`${row.function} ${row.file}:${row.line}`), `${row.function} ${row.line}`);
    }
    for (let i = 1; i < state.rows.length; i++) assert.ok(state.rows[i - 1]!.flat >= state.rows[i]!.flat);
    const at = (marker: string) => {
      const row = state.rows.find((r) => r.file === shop && r.line === lineOf(SHOP, marker));
      assert.ok(row, `a row at "${marker}"`);
      return row;
    };
    const user = at('return &User{Name: name');
    assert.deepEqual(user.findings.map((f) => [f.message, f.why]), [['&User{...} escapes to heap', 'returned from NewUser']]);
    assert.equal(user.objects, 101);
    assert.deepEqual(at('m := make(map[string]int)').findings.map((f) => f.message), ['make(map[string]int) escapes to heap']);
    const insert = at('m[w] = i');
    assert.deepEqual(insert.findings, []);
    assert.match(insert.note!, /^no compiler finding here: map growth inside runtime\.mapassign/);
    assert.ok(!state.rows.some((r) => r.function.endsWith('.Sum') || r.function.endsWith('.Spare')), 'no allocation in Sum or Spare');
    assert.ok(state.measuredLines >= state.rows.length);
  });

  it('the escape hover says what its line measured, and hot escapes are warnings', async () => {
    const uri = vscode.Uri.file(fixturePath(SHOP));
    const growLine = lineOf(SHOP, 's = append(s, i)');
    const grow = await waitFor(() => escapeDiagnostics().find((d) => d.range.start.line === growLine - 1 && d.message.includes('measured')), {
      message: 'the append escape with its measured figure',
      describe: () => JSON.stringify(escapeDiagnostics().map((d) => `${d.range.start.line + 1} ${d.severity} ${d.message}`)),
    });
    assert.equal(grow.severity, vscode.DiagnosticSeverity.Warning, 'the heaviest line is hot');
    const spare = escapeDiagnostics().find((d) => d.range.start.line === lineOf(SHOP, 'return &User{Name: "spare"}') - 1);
    assert.ok(spare, 'Spare\'s escape is listed');
    assert.equal(spare.severity, vscode.DiagnosticSeverity.Information);
    assert.ok(!spare.message.includes('measured'));

    const userLine = lineOf(SHOP, 'return &User{Name: name') - 1;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(userLine, 9));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n').replace(/\\(.)/g, '$1');
    assert.match(text, /\*\*Measured\*\* in the last profile \([^)]*\.mem\.pprof\): [\d.]+ (B|KiB) in 101 objects, [\d.]+% of alloc_space/);
    assert.match(text, /escapes to the heap/);
  });

  it('"only escapes that measured cost" (status bar toggle) hides Spare\'s escape without writing the settings', async () => {
    const settingsFile = fixturePath('.vscode/settings.json');
    const before = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined;
    const spareLine = lineOf(SHOP, 'return &User{Name: "spare"}') - 1;
    const on = await vscode.commands.executeCommand<boolean>('goMemoryInsight.toggleOnlyMeasured');
    assert.equal(on, true);
    await waitFor(() => escapeDiagnostics().length > 0 && !escapeDiagnostics().some((d) => d.range.start.line === spareLine), { message: 'Spare\'s escape hidden' });
    assert.ok(escapeDiagnostics().every((d) => d.message.includes('measured')));
    assert.equal(api.hotspots()?.onlyMeasured, true);
    const off = await vscode.commands.executeCommand<boolean>('goMemoryInsight.toggleOnlyMeasured');
    assert.equal(off, false);
    await waitFor(() => escapeDiagnostics().some((d) => d.range.start.line === spareLine), { message: 'Spare\'s escape back' });
    assert.equal(fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined, before, 'the toggle leaves .vscode/settings.json alone');
  });

  it('the benchmark\'s B/op lens leads to the view, and a row goes to its line', async () => {
    const uri = vscode.Uri.file(fixturePath(SHOP_TEST));
    await vscode.workspace.openTextDocument(uri);
    const lens = await waitFor(async () => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
      return lenses.find((l) => l.command && /B\/op/.test(l.command.title));
    }, { message: 'the benchmark result lens' });
    assert.equal(lens.command!.command, 'goMemoryInsight.showHotspots');
    assert.equal((lens.command!.arguments![0] as vscode.Uri).fsPath, run.memProfile);
    assert.equal(await vscode.commands.executeCommand(lens.command!.command, ...lens.command!.arguments!), true);
    assert.equal(api.hotspots()?.profile, vscode.Uri.file(run.memProfile!).toString());

    // The compiler's findings join the rows once the language server answers for this profile.
    const row = await waitFor(() => api.hotspots()!.rows.find((r) => r.line === lineOf(SHOP, 'm := make(map[string]int)') && r.findings.length > 0), { message: 'the map row with its finding' });
    await vscode.commands.executeCommand('goMemoryInsight.hotspots.reveal', { kind: 'row', row, rank: 1 });
    const editor = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.fsPath === fixturePath(SHOP) ? vscode.window.activeTextEditor : undefined), { message: 'shop.go active' });
    assert.equal(editor.selection.active.line, row.line - 1);
    // At the start of the finding's expression (`make(map…`; the compiler's column is its parenthesis), where its hover is.
    const text = editor.document.lineAt(row.line - 1).text;
    assert.equal(editor.selection.active.character, text.indexOf('make('));
    assert.equal(row.findings[0]!.column! - 1, text.indexOf('make(') + 'make'.length);
  });

  it('the report command writes the ranked list with reasons as Markdown', async () => {
    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.hotspotsReport'), true);
    const doc = await waitFor(() => (vscode.window.activeTextEditor?.document.languageId === 'markdown' ? vscode.window.activeTextEditor.document : undefined), { message: 'the report document' });
    try {
      const text = doc.getText();
      assert.match(text, /\*\*Allocation hot spots\*\* in `[^`]*\.mem\.pprof` \(alloc\\_space, total [\d.]+ KiB\)/);
      assert.match(text, /\| 1 \| hotspots\/shop\.go:\d+ \| example\.com\/hotspots\.Collect \|/);
      assert.match(text, /&User\{\.\.\.\} escapes to heap — returned from NewUser/);
      assert.match(text, /no compiler finding here: map growth inside runtime\.mapassign/);
    } finally {
      // An untitled document: closed without the save prompt.
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});
