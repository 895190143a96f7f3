// Profiling in a real VS Code: the code lenses of the fixture's _test.go file, a benchmark
// profiled through its lens (the flame graph opens on a profile whose heaviest line is the
// one the fixture marks, and that line gets its end-of-line figure), the benchmark results
// lens, failures explained, cancel and timeout leaving no process behind, and the history.
// Also: package runs of the tests or the benchmarks, Profile Test / Profile Benchmark at the
// cursor (as from the palette), the hint on a nearly empty profile, per-op comparisons.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnnotationState } from '../../../src/extension/profiling/annotations';
import type { CompareResult } from '../../../src/extension/profiling/historyPick';
import type { ProfileRunResult } from '../../../src/extension/profiling/runner';
import type { HistoryEntry } from '../../../src/profiling/history';
import { activateExtension, closeAllEditors, decodeStats, fixturePath, openFixture, waitFor, workspaceRoot } from '../util';

const TEST_FILE = 'profiling/records_test.go';
const SOURCE_FILE = 'profiling/records.go';
const SLOW_FILE = 'profiling/slow/slow_test.go';
const NOALLOC_FILE = 'profiling/cases/noalloc/noalloc_test.go';

/** 0-based line of the first line of a fixture file that contains `text`. */
function lineOf(relative: string, text: string): number {
  const i = fs.readFileSync(fixturePath(relative), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} not in ${relative}`);
  return i;
}

async function lenses(relative: string): Promise<vscode.CodeLens[]> {
  const uri = vscode.Uri.file(fixturePath(relative));
  // The lens command needs the document loaded.
  await vscode.workspace.openTextDocument(uri);
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

/** Our lenses only (other features put lenses in the same file). */
async function profilingLenses(relative: string): Promise<vscode.CodeLens[]> {
  const ours = new Set(['goMemoryInsight.profilePackageMemory', 'goMemoryInsight.profilePackageCpu', 'goMemoryInsight.profileTest', 'goMemoryInsight.profileBenchmark']);
  return (await lenses(relative)).filter((l) => l.command && (ours.has(l.command.command) || /B\/op/.test(l.command.title)));
}

async function annotationState(): Promise<AnnotationState> {
  return vscode.commands.executeCommand<AnnotationState>('goMemoryInsight.allocationAnnotationsState');
}

/**
 * Processes of this test run whose command line contains `needle` (pid and args), from ps.
 * Only this run's: the go command and the test binary name the run's temporary folder (the
 * test binary is written to the extension's storage there), and other test runs on the same
 * machine run the same fixture.
 */
function processesWith(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const runDir = path.dirname(workspaceRoot());
  return out.split('\n').filter((l) => l.includes(needle) && l.includes(runDir) && !l.includes('ps -eo'));
}

async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('goMemoryInsight').update(key, value, vscode.ConfigurationTarget.Workspace);
}

describe('profiling', function () {
  this.timeout(240_000);

  before(async () => {
    await activateExtension();
    // Every allocation recorded, so the heaviest line does not depend on sampling; few iterations.
    await setSetting('memProfileRate', 1);
    await setSetting('testFlags', ['-benchtime=20x']);
  });

  after(async () => {
    for (const key of ['memProfileRate', 'testFlags', 'profileTimeout', 'benchtime']) await setSetting(key, undefined);
    await closeAllEditors();
  });

  it('puts Profile package / test / benchmark lenses on the test file, and none on comments or strings', async () => {
    await openFixture(TEST_FILE);
    const found = await waitFor(async () => {
      const ls = await profilingLenses(TEST_FILE);
      return ls.length >= 5 ? ls : undefined;
    }, { message: 'the profiling code lenses' });
    const at = (line: number): string[] => found.filter((l) => l.range.start.line === line).map((l) => l.command!.title);
    // The package lenses say what they run; their tooltips give the command.
    assert.deepEqual(at(lineOf(TEST_FILE, 'package profiling')), ['Profile package: 2 benchmarks', '1 test', 'CPU…']);
    const pkgLenses = found.filter((l) => l.range.start.line === lineOf(TEST_FILE, 'package profiling'));
    assert.deepEqual(pkgLenses.map((l) => l.command!.arguments?.[1]), [{ run: 'benchmarks' }, { run: 'tests' }, undefined]);
    assert.match(pkgLenses[0]!.command!.tooltip!, /^go test -run '\^\$' -bench \. -benchmem -benchtime=20x -memprofile/);
    assert.deepEqual(at(lineOf(TEST_FILE, 'func TestBuild(')), ['Profile test']);
    assert.deepEqual(at(lineOf(TEST_FILE, 'func BenchmarkBuild(')).slice(0, 1), ['Profile benchmark']);
    assert.deepEqual(at(lineOf(TEST_FILE, 'func BenchmarkBuildSizes(')).slice(0, 1), ['Profile benchmark']);
    assert.deepEqual(at(lineOf(TEST_FILE, 'func TestCommentedOut(')), []);
    assert.deepEqual(at(lineOf(TEST_FILE, 'func TestInsideString(')), []);
    const bench = found.find((l) => l.command!.title === 'Profile benchmark' && l.range.start.line === lineOf(TEST_FILE, 'func BenchmarkBuild('))!;
    assert.equal(bench.command!.command, 'goMemoryInsight.profileBenchmark');
    assert.equal(bench.command!.arguments?.[1], 'BenchmarkBuild');
    // No lens in a file that is not a test file.
    assert.deepEqual(await profilingLenses(SOURCE_FILE), []);
  });

  let first: ProfileRunResult;

  it('profiles a benchmark from its lens: the flame graph opens on the heap profile, alloc_space selected, heaviest line as expected', async () => {
    const lens = (await profilingLenses(TEST_FILE)).find((l) => l.command!.title === 'Profile benchmark' && l.command!.arguments?.[1] === 'BenchmarkBuild')!;
    const decodesBefore = (await decodeStats()).started;
    first = (await vscode.commands.executeCommand<ProfileRunResult>(lens.command!.command, ...lens.command!.arguments!))!;
    assert.equal(first.outcome, 'ok', first.message);
    assert.equal(first.opened, true, first.message);
    assert.ok(first.memProfile && fs.statSync(first.memProfile).size > 0);
    assert.deepEqual(first.benchmarks.map((b) => [b.name, b.iterations]), [['BenchmarkBuild', 20]]);
    // Decoded once: for the history's sample types and for the flame graph.
    const decodes = await decodeStats();
    assert.equal(decodes.started - decodesBefore, 1, `decodes since the run started: ${JSON.stringify(decodes.names.slice(-(decodes.started - decodesBefore)))}`);
    assert.equal(decodes.names.at(-1), path.basename(first.memProfile));

    const profileUri = vscode.Uri.file(first.memProfile).toString();
    const flameState = await waitFor(async () => vscode.commands.executeCommand<{ sampleType?: string; error?: string } | undefined>('goMemoryInsight.flame.state', profileUri), { message: 'the flame graph panel on the new profile' });
    assert.equal(flameState.error, undefined);
    assert.equal(flameState.sampleType, 'alloc_space');

    const state = await waitFor(async () => {
      const s = await annotationState();
      return s.profile === profileUri ? s : undefined;
    }, { message: 'allocation figures for the new profile' });
    assert.equal(state.sampleType, 'alloc_space');
    const source = fixturePath(SOURCE_FILE);
    const file = state.files.find((f) => f.file.toLowerCase() === source.toLowerCase());
    assert.ok(file, `no figures for ${source}: ${JSON.stringify(state.files.map((f) => f.file))}`);
    const heaviest = lineOf(SOURCE_FILE, 'ALLOC-HEAVIEST') + 1;
    assert.equal(file.lines[0].line, heaviest, JSON.stringify(file.lines));
    assert.match(file.lines[0].text, /^▲ [\d.]+ [KMG]iB alloc · \d+(\.\d+)?%$/);
    for (const f of state.files) assert.ok(f.file.startsWith(fixturePath('')), `figures outside the workspace: ${f.file}`);
  });

  it('shows the figure at the end of that line in an editor, with the call paths in the hover', async () => {
    const editor = await openFixture(SOURCE_FILE);
    const heaviest = lineOf(SOURCE_FILE, 'ALLOC-HEAVIEST');
    const state = await waitFor(async () => {
      const s = await annotationState();
      return s.decorated.some((d) => d.file === editor.document.uri.fsPath && d.lines.includes(heaviest + 1)) ? s : undefined;
    }, { message: 'the end-of-line annotation on the heaviest line', describe: async () => JSON.stringify((await annotationState()).decorated) });
    assert.ok(state.enabled);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(heaviest, 2));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /Heaviest call paths through this line/);
    assert.match(text, /BenchmarkBuild:\d+ → profiling\.Build:\d+ → profiling\.makeRecord:/);
  });

  it('follows the sample type the panel shows, and the toggle command hides and shows the figures', async () => {
    const uri = vscode.Uri.file(first.memProfile!);
    await vscode.commands.executeCommand('goMemoryInsight.openProfile', uri, { sampleType: 'alloc_objects' });
    const s = await waitFor(async () => {
      const st = await annotationState();
      return st.sampleType === 'alloc_objects' ? st : undefined;
    }, { message: 'figures in alloc_objects' });
    assert.ok(s.files.some((f) => f.lines.some((l) => / allocs · /.test(l.text))));
    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.toggleAllocationAnnotations'), false);
    assert.deepEqual((await annotationState()).decorated, []);
    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.toggleAllocationAnnotations'), true);
    await openFixture(SOURCE_FILE);
    await waitFor(async () => (await annotationState()).decorated.length > 0, { message: 'figures back after the toggle' });
  });

  it('shows the benchmark results as a lens, with the change against the previous run', async () => {
    const benchLine = lineOf(TEST_FILE, 'func BenchmarkBuild(');
    const resultLens = async (): Promise<string | undefined> => (await profilingLenses(TEST_FILE)).find((l) => l.range.start.line === benchLine && /B\/op/.test(l.command!.title))?.command!.title;
    const title = await waitFor(resultLens, { message: 'the results lens above BenchmarkBuild' });
    const r = first.benchmarks[0];
    assert.match(title, /^[\d,.]+ ns\/op · [\d,]+ B\/op · [\d,]+ allocs\/op$/);
    assert.ok(title.includes(`${r.bytesPerOp!.toLocaleString('en-US')} B/op`) && title.includes(`${r.allocsPerOp} allocs/op`), title);
    // Run it again: the lens compares with the first run.
    const again = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', vscode.Uri.file(fixturePath(TEST_FILE)), 'BenchmarkBuild');
    assert.equal(again?.outcome, 'ok', again?.message);
    const second = await waitFor(async () => {
      const t = await resultLens();
      return t && /\((unchanged|[−+])/.test(t) ? t : undefined;
    }, { message: 'the results lens with a comparison' });
    assert.match(second, / B\/op · [\d,]+ allocs\/op \(/);
    // One panel per profile source: the second run of the benchmark reuses the first run's panel.
    const flameTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('goMemoryInsight.flame') && t.label.includes('BenchmarkBuild'));
    assert.equal(flameTabs.length, 1, flameTabs.map((t) => t.label).join(', '));
  });

  it('cancelling a benchmark that never finishes leaves no go or test process behind', async () => {
    const uri = vscode.Uri.file(fixturePath(SLOW_FILE));
    const running = vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', uri, 'BenchmarkForever');
    // The test binary is running once a process has the benchmark in its arguments.
    await waitFor(() => processesWith('-test.bench=^BenchmarkForever$').length > 0, { message: 'the slow test binary to start', timeoutMs: 120_000 });
    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.cancelProfiling'), 1);
    const result = await running;
    assert.equal(result?.outcome, 'cancelled', result?.message);
    assert.equal(result?.memProfile, undefined);
    await waitFor(() => processesWith('BenchmarkForever').length === 0, {
      message: 'no go or test process left',
      timeoutMs: 10_000,
      describe: () => processesWith('BenchmarkForever').join('\n'),
    });
  });

  it('stops a run at goMemoryInsight.profileTimeout, and nothing is left running', async () => {
    await setSetting('profileTimeout', 8);
    try {
      const result = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', vscode.Uri.file(fixturePath(SLOW_FILE)), 'BenchmarkForever');
      assert.equal(result?.outcome, 'timeout', result?.message);
      assert.match(result!.message, /timed out after 8 s/);
      await waitFor(() => processesWith('BenchmarkForever').length === 0, { message: 'no go or test process left', timeoutMs: 5_000, describe: () => processesWith('BenchmarkForever').join('\n') });
    } finally {
      await setSetting('profileTimeout', undefined);
    }
  });

  it('explains a package that does not build, a failing test (offering its profile), and a package with no tests', async () => {
    const broken = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profilePackageMemory', vscode.Uri.file(fixturePath('profiling/cases/broken/broken_test.go')));
    assert.equal(broken?.outcome, 'build-failed');
    assert.match(broken!.message, /does not build: .*broken\.go:\d+:\d+: undefined: totl/);
    assert.equal(broken!.memProfile, undefined);

    const failing = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profilePackageMemory', vscode.Uri.file(fixturePath('profiling/cases/failing/failing_test.go')));
    assert.equal(failing?.outcome, 'test-failed');
    assert.equal(failing!.message, 'FAIL TestFails');
    assert.ok(failing!.memProfile && fs.existsSync(failing!.memProfile), 'the profile written anyway is kept');

    const none = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profilePackageMemory', vscode.Uri.file(fixturePath('profiling/cases/notests/notests.go')));
    assert.equal(none?.outcome, 'no-test-files');
  });

  it('Profile Package CPU runs every benchmark of the package and opens the CPU profile', async () => {
    await openFixture(SOURCE_FILE);
    // From the active editor, as from the command palette (the package has tests too: say which).
    const r = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profilePackageCpu', undefined, { run: 'benchmarks' });
    assert.equal(r?.outcome, 'ok', r?.message);
    assert.ok(r!.cpuProfile && fs.statSync(r!.cpuProfile).size > 0);
    assert.ok(r!.memProfile && fs.statSync(r!.memProfile).size > 0);
    assert.deepEqual(r!.benchmarks.map((b) => b.name).sort(), ['BenchmarkBuild', 'BenchmarkBuildSizes/large', 'BenchmarkBuildSizes/small']);
    const st = await waitFor(async () => vscode.commands.executeCommand<{ sampleType?: string } | undefined>('goMemoryInsight.flame.state', vscode.Uri.file(r!.cpuProfile!).toString()), { message: 'the flame graph on the CPU profile' });
    assert.equal(st.sampleType, 'cpu');
  });

  it('keeps a history to reopen, compare and delete profiles', async () => {
    const list = (await vscode.commands.executeCommand<HistoryEntry[]>('goMemoryInsight.profileHistory', { action: 'list' }))!;
    assert.ok(list.length >= 3, JSON.stringify(list));
    assert.ok(list.every((e, i) => i === 0 || list[i - 1].time >= e.time), 'newest first');
    const [newest, older] = list.filter((e) => e.target === 'BenchmarkBuild');
    assert.ok(newest && older);
    assert.ok(newest.sampleTypes.includes('alloc_space'));
    assert.deepEqual(newest.benchmarks?.map((b) => [b.name, b.iterations]), [['BenchmarkBuild', 20]]);
    // Only the diff panel shows the newer profile, so the flame state below is the diff's.
    await closeAllEditors();
    // Both reported b.N 20: per op the two profiles are (nearly) as they are.
    const compared = await vscode.commands.executeCommand<CompareResult>('goMemoryInsight.profileHistory', { action: 'compare', id: newest.id, baseId: older.id });
    assert.ok(compared && compared.perOp, JSON.stringify(compared));
    assert.match(compared.detail, /^BenchmarkBuild b\.N 20 → 20( \(base ×(0\.99\d|1\.0\d)\))?$/);
    const diff = await waitFor(async () => vscode.commands.executeCommand<{ baseUri?: string } | undefined>('goMemoryInsight.flame.state', vscode.Uri.file(newest.memProfile!).toString()), { message: 'the diff panel' });
    assert.equal(diff.baseUri, vscode.Uri.file(compared.baseFile).toString());
    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.profileHistory', { action: 'delete', id: older.id }), true);
    const after = (await vscode.commands.executeCommand<HistoryEntry[]>('goMemoryInsight.profileHistory', { action: 'list' }))!;
    assert.ok(!after.some((e) => e.id === older.id));
    assert.equal(fs.existsSync(older.memProfile!), false, 'the deleted entry\'s file is gone');
  });

  it('compares two runs of a benchmark with different b.N per op: the base is scaled to the newer run\'s ops', async () => {
    const uri = vscode.Uri.file(fixturePath(TEST_FILE));
    await setSetting('testFlags', ['-benchtime=10x']);
    const base = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', uri, 'BenchmarkBuild');
    await setSetting('testFlags', ['-benchtime=30x']);
    const next = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', uri, 'BenchmarkBuild');
    await setSetting('testFlags', ['-benchtime=20x']);
    assert.equal(base?.outcome, 'ok', base?.message);
    assert.equal(next?.outcome, 'ok', next?.message);
    await closeAllEditors();
    const r = await vscode.commands.executeCommand<CompareResult>('goMemoryInsight.profileHistory', { action: 'compare', id: next!.historyId, baseId: base!.historyId });
    assert.ok(r && r.perOp, JSON.stringify(r));
    // 11 and 31 iterations ran (one before the reported round), measured from each profile's bytes and B/op.
    assert.match(r.detail, /^BenchmarkBuild b\.N 10 → 30 \(base ×2\.8\d\)$/);
    assert.notEqual(r.baseFile, base!.memProfile);
    assert.ok(fs.statSync(r.baseFile).size > 0);
    const diff = await waitFor(async () => vscode.commands.executeCommand<{ baseUri?: string; error?: string } | undefined>('goMemoryInsight.flame.state', vscode.Uri.file(next!.memProfile!).toString()), { message: 'the per-op diff panel' });
    assert.equal(diff.error, undefined);
    assert.equal(diff.baseUri, vscode.Uri.file(r.baseFile).toString());
    // A test run against a benchmark run: raw totals, and why.
    const tests = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profilePackageMemory', uri, { run: 'tests' });
    assert.equal(tests?.outcome, 'ok', tests?.message);
    assert.deepEqual(tests!.benchmarks, []);
    const raw = await vscode.commands.executeCommand<CompareResult>('goMemoryInsight.profileHistory', { action: 'compare', id: tests!.historyId, baseId: base!.historyId });
    assert.deepEqual(raw, { perOp: false, detail: 'the newer profile is not from a benchmark run', baseFile: base!.memProfile });
  });

  it('Profile Benchmark / Profile Test without arguments (the palette) profile the function under the cursor, or say why not', async () => {
    // The flame graph opens beside and takes the focus: back to the test file each time, as a person would.
    const put = async (text: string, offset = 1): Promise<void> => {
      const editor = await openFixture(TEST_FILE);
      const line = lineOf(TEST_FILE, text) + offset;
      editor.selection = new vscode.Selection(line, 1, line, 1);
    };
    await put('func BenchmarkBuild(');
    const r = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark');
    assert.equal(r?.outcome, 'ok', r?.message);
    assert.deepEqual(r!.benchmarks.map((b) => b.name), ['BenchmarkBuild']);
    await put('func TestBuild(', 2);
    const t = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileTest');
    assert.equal(t?.outcome, 'ok', t?.message);
    assert.deepEqual(t!.benchmarks, []);
    // In a test, Profile Benchmark says so; outside any function, it says where to put the cursor.
    await put('func TestBuild(', 2);
    const wrong = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark');
    assert.equal(wrong?.outcome, 'no-target');
    assert.equal(wrong!.message, 'The cursor is in TestBuild, a test, not a benchmark.');
    await put('func sizeName(');
    const nowhere = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileTest');
    assert.equal(nowhere?.outcome, 'no-target');
    assert.match(nowhere!.message, /^The cursor \(line \d+\) is not inside a test of records_test\.go: put it inside a func TestXxx\(t \*testing\.T\), or choose one\.$/);
    // Not a test file at all.
    await openFixture(SOURCE_FILE);
    const notTest = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark');
    assert.equal(notTest?.outcome, 'no-target');
    assert.match(notTest!.message, /open a _test\.go file/);
  });

  it('says why the profile of a benchmark that allocates nothing is nearly empty; with memProfileRate=1 only that it allocates nothing', async () => {
    await setSetting('memProfileRate', 0);
    await setSetting('testFlags', []);
    try {
      const uri = vscode.Uri.file(fixturePath(NOALLOC_FILE));
      const r = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', uri, 'BenchmarkSum');
      assert.equal(r?.outcome, 'ok', r?.message);
      assert.equal(r!.opened, true);
      assert.equal(r!.benchmarks[0]?.bytesPerOp, 0);
      assert.equal(r!.hint?.kind, 'thin-profile', JSON.stringify(r));
      // The runtime's own allocations are sampled at random: one or a few samples, of some KiB or MiB.
      assert.match(r!.hint!.message, /^The heap profile is nearly empty \(\d samples?, [\d.]+ (?:B|KiB|MiB) in total, none of it from the tests or benchmarks\): BenchmarkSum allocates nothing per op \(0 B\/op\).* Re-run with memProfileRate=1/);
      await setSetting('memProfileRate', 1);
      const every = await vscode.commands.executeCommand<ProfileRunResult>('goMemoryInsight.profileBenchmark', uri, 'BenchmarkSum');
      assert.equal(every?.outcome, 'ok', every?.message);
      assert.equal(every!.hint?.kind, 'no-allocations', JSON.stringify(every));
      // A benchmark that allocates gets no hint.
      assert.equal(first.hint, undefined);
    } finally {
      await setSetting('memProfileRate', 1);
      await setSetting('testFlags', ['-benchtime=20x']);
    }
  });

  it('drops the figures when the flame graph closes', async () => {
    await closeAllEditors();
    const s = await waitFor(async () => {
      const st = await annotationState();
      return st.profile === undefined ? st : undefined;
    }, { message: 'no figures once the panel is closed' });
    assert.deepEqual(s.files, []);
    await openFixture(SOURCE_FILE);
    assert.deepEqual((await annotationState()).decorated, []);
  });
});
