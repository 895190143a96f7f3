// The profiling feature: one click to run `go test -memprofile` (and -cpuprofile) on a
// package, a test or a benchmark; benchmark results as code lenses; the allocation figures
// of the profile the flame graph shows at the end of the workspace's lines; the history.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isGoTestFileName, scanGoSource, testFuncAt, type TestFuncKind } from '../../profiling/goSource';
import { benchtimeWords, describeCommand, effectiveBenchtime, type PackageRun, type ProfileTarget } from '../../profiling/goTestArgs';
import { scanPackageTests, type PackageTests } from '../../profiling/packageTests';
import type { FeatureContext } from '../feature';
import { registerTestCommands } from '../testHooks';
import * as flame from '../flame';
import { AllocationAnnotations, type AnnotationState } from './annotations';
import { COMPARE_COMMAND, HistoryCommands } from './historyPick';
import { COMMANDS, ProfilingLensProvider } from './lenses';
import { ProfileRunner, type OpenProfile, type ProfileRunOutcome, type ProfileRunResult } from './runner';
import { readProfilingSettings } from './settings';
import { storageRoot } from './storage';
import { BenchStore, HistoryStore } from './stores';

export interface ProfilingDeps {
  /** Opens a profile in the flame graph panel. */
  openProfile: OpenProfile;
  /** Fires with what the flame graph panel shows, undefined when it closes. */
  onDidChangeShownProfile: vscode.Event<flame.ShownProfile | undefined>;
  /** What the flame graph shows now (a panel restored before this feature registered). */
  shownProfile(): flame.ShownProfile | undefined;
}

/** The package directory of a command argument (a file or folder Uri), else of the active Go editor. */
async function packageDir(arg: unknown): Promise<string | undefined> {
  let uri: vscode.Uri | undefined = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && doc.languageId === 'go') uri = doc.uri;
  }
  if (!uri || uri.scheme !== 'file') return undefined;
  try {
    return (await fs.stat(uri.fsPath)).isDirectory() ? uri.fsPath : path.dirname(uri.fsPath);
  } catch {
    return path.dirname(uri.fsPath);
  }
}

/** The current text of the package's files open in editors (unsaved edits included). */
function openTexts(dir: string): Map<string, string> {
  const texts = new Map<string, string>();
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.uri.scheme === 'file' && path.dirname(doc.uri.fsPath) === dir) texts.set(doc.uri.fsPath, doc.getText());
  }
  return texts;
}

function aborted(message: string, outcome: ProfileRunOutcome = 'failed'): ProfileRunResult {
  return { outcome, message, benchmarks: [], opened: false };
}

/** What a package command was asked to run: the second argument of the command ({ run: 'tests' | 'benchmarks' }). */
function requestedRun(options: unknown): PackageRun | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const run = (options as Record<string, unknown>).run;
  return run === 'tests' || run === 'benchmarks' ? run : undefined;
}

/** Asks whether a package run runs the tests or the benchmarks, each with its count and command. */
async function pickPackageRun(pkg: PackageTests, pkgLabel: string, cpu: boolean, benchtime: string): Promise<PackageRun | undefined> {
  type Item = vscode.QuickPickItem & { run: PackageRun };
  const items: Item[] = [
    {
      run: 'benchmarks',
      label: `$(watch) Benchmarks (${pkg.benchmarks})`,
      description: describeCommand({ kind: 'package', run: 'benchmarks' }, benchtime),
      detail: `Every benchmark, each ${benchtimeWords(benchtime)} (setting goMemoryInsight.benchtime); the results show above each benchmark.`,
    },
    {
      run: 'tests',
      label: `$(beaker) Tests (${pkg.tests})`,
      description: describeCommand({ kind: 'package', run: 'tests' }, benchtime),
      detail: 'Every test of the package, once; no benchmark runs.',
    },
  ];
  const chosen = await vscode.window.showQuickPick(items, {
    title: `Profile ${cpu ? 'CPU and memory' : 'memory'} of ${pkgLabel}`,
    placeHolder: 'Run the tests or the benchmarks of the package?',
    matchOnDescription: true,
  });
  return chosen?.run;
}

const KIND_WORDS: Record<TestFuncKind, { noun: string; signature: string; command: string; title: string }> = {
  test: { noun: 'test', signature: 'func TestXxx(t *testing.T)', command: COMMANDS.profileTest, title: 'Profile Test' },
  benchmark: { noun: 'benchmark', signature: 'func BenchmarkXxx(b *testing.B)', command: COMMANDS.profileBenchmark, title: 'Profile Benchmark' },
};

/** The function to profile, or why there is none (with a way on, when there is one). */
type CursorFunc = { uri: vscode.Uri; name: string } | { message: string; outcome: ProfileRunOutcome; offer?: () => Thenable<unknown>; offerLabel?: string };

/**
 * The test or benchmark a Profile Test / Profile Benchmark command without a name is about:
 * the function under the cursor of the active editor, or of the editor of `uri` (the editor
 * context menu passes its file). Says so clearly when there is none.
 */
function funcUnderCursor(kind: TestFuncKind, uri: unknown): CursorFunc {
  const words = KIND_WORDS[kind];
  const active = vscode.window.activeTextEditor;
  const editor = !(uri instanceof vscode.Uri) || active?.document.uri.toString() === uri.toString()
    ? active
    : vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const doc = editor?.document;
  if (!editor || !doc || doc.uri.scheme !== 'file' || !isGoTestFileName(path.basename(doc.uri.fsPath))) {
    return { outcome: 'no-target', message: `${words.title} profiles the ${words.noun} under the cursor: open a _test.go file and put the cursor inside a ${words.signature}.` };
  }
  const scan = scanGoSource(doc.getText());
  const line = editor.selection.active.line;
  const f = testFuncAt(scan, line);
  if (f && f.kind === kind) return { uri: doc.uri, name: f.name };
  if (f) {
    const other = KIND_WORDS[f.kind];
    return {
      outcome: 'no-target',
      message: `The cursor is in ${f.name}, a ${other.noun}, not a ${words.noun}.`,
      offerLabel: other.title,
      offer: () => vscode.commands.executeCommand(other.command, doc.uri, f.name),
    };
  }
  const candidates = scan.funcs.filter((x) => x.kind === kind);
  const file = path.basename(doc.uri.fsPath);
  if (candidates.length === 0) {
    return { outcome: 'no-target', message: `${file} has no ${words.noun} (${words.signature}) to profile.` };
  }
  return {
    outcome: 'no-target',
    message: `The cursor (line ${line + 1}) is not inside a ${words.noun} of ${file}: put it inside a ${words.signature}, or choose one.`,
    offerLabel: `Choose a ${words.noun[0]!.toUpperCase()}${words.noun.slice(1)}…`,
    offer: async () => {
      const picked = await vscode.window.showQuickPick(candidates.map((c) => ({ label: c.name, description: `line ${c.line + 1}` })), { title: `${words.title}: ${file}` });
      return picked ? vscode.commands.executeCommand(words.command, doc.uri, picked.label) : undefined;
    },
  };
}

export function registerProfiling(ctx: FeatureContext, deps: ProfilingDeps): void {
  const { context, log } = ctx;
  const history = new HistoryStore(context.workspaceState, log);
  const benches = new BenchStore(context.workspaceState);
  const runner = new ProfileRunner(ctx, history, benches, deps.openProfile);
  const lenses = new ProfilingLensProvider(benches);
  const annotations = new AllocationAnnotations(log, readProfilingSettings().annotations);
  const historyCommands = new HistoryCommands(history, deps.openProfile, log, () => storageRoot(context));
  context.subscriptions.push(runner, benches, lenses, annotations);
  annotations.show(deps.shownProfile());

  const profilePackage = async (arg: unknown, cpu: boolean, options: unknown): Promise<ProfileRunResult> => {
    const dir = await packageDir(arg);
    if (!dir) {
      const message = 'Open a Go file of the package to profile (or run the command from a Go file\'s context menu).';
      void vscode.window.showInformationMessage(`Go Memory Insight: ${message}`);
      return aborted(message);
    }
    let pkg: PackageTests;
    try {
      pkg = await scanPackageTests(dir, openTexts(dir));
    } catch (err) {
      const message = `Cannot read the package folder ${dir}: ${err instanceof Error ? err.message : String(err)}`;
      void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
      return aborted(message);
    }
    const pkgLabel = vscode.workspace.asRelativePath(dir) || dir;
    if (vscode.workspace.isTrusted && pkg.tests + pkg.benchmarks === 0) {
      const message = pkg.testFiles === 0
        ? `The package in ${pkgLabel} has no test files (*_test.go): a memory profile is taken while tests or benchmarks run. Add a test or a benchmark first.`
        : `The package in ${pkgLabel} has no Test or Benchmark functions to run.`;
      void vscode.window.showWarningMessage(`Go Memory Insight: ${message}`);
      return { outcome: pkg.testFiles === 0 ? 'no-test-files' : 'no-tests', message, benchmarks: [], opened: false };
    }
    // The tests, the benchmarks, or (when the package has both and nobody said) ask.
    let run: PackageRun | undefined = requestedRun(options);
    if (!run && pkg.benchmarks === 0) run = 'tests';
    if (!run && pkg.tests === 0) run = 'benchmarks';
    if (!run) {
      const settings = readProfilingSettings(vscode.Uri.file(dir));
      run = await pickPackageRun(pkg, pkgLabel, cpu, effectiveBenchtime(settings.testFlags, settings.benchtime));
      if (!run) return aborted('Nothing chosen.', 'cancelled');
    }
    const target: ProfileTarget = { kind: 'package', run };
    const what = run === 'benchmarks' ? 'benchmarks' : 'tests';
    return runner.run({ dir, target, cpu, command: `Profile package ${what}${cpu ? ' (CPU)' : ''}` });
  };

  const profileFunc = async (kind: TestFuncKind, uri: unknown, name: unknown): Promise<ProfileRunResult> => {
    if (name === undefined) {
      // From the command palette or the editor's context menu: the function under the cursor.
      const found = funcUnderCursor(kind, uri);
      if ('message' in found) {
        const { offer, offerLabel } = found;
        void vscode.window.showInformationMessage(`Go Memory Insight: ${found.message}`, ...(offerLabel ? [offerLabel] : [])).then((c) => (c && offer ? offer() : undefined));
        return aborted(found.message, found.outcome);
      }
      uri = found.uri;
      name = found.name;
    }
    const dir = await packageDir(uri);
    if (!dir || typeof name !== 'string' || !/^(Test|Benchmark)[\p{L}\p{Nd}_]*$/u.test(name)) {
      const message = `Profile ${kind} needs the file and the name of the ${kind}.`;
      void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
      return aborted(message);
    }
    return runner.run({ dir, target: { kind, name }, cpu: false, command: kind === 'test' ? 'Profile test' : 'Profile benchmark' });
  };

  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file', pattern: '**/*_test.go' }, lenses),
    vscode.commands.registerCommand(COMMANDS.profilePackageMemory, (arg?: unknown, options?: unknown) => profilePackage(arg, false, options)),
    vscode.commands.registerCommand(COMMANDS.profilePackageCpu, (arg?: unknown, options?: unknown) => profilePackage(arg, true, options)),
    vscode.commands.registerCommand(COMMANDS.profileTest, (uri?: unknown, name?: unknown) => profileFunc('test', uri, name)),
    vscode.commands.registerCommand(COMMANDS.profileBenchmark, (uri?: unknown, name?: unknown) => profileFunc('benchmark', uri, name)),
    vscode.commands.registerCommand('goMemoryInsight.cancelProfiling', () => {
      const n = runner.cancelAll();
      if (n === 0) void vscode.window.setStatusBarMessage('Go Memory Insight: no profiling run in progress', 3000);
      return n;
    }),
    vscode.commands.registerCommand('goMemoryInsight.showProfilingOutput', () => runner.output.show(true)),
    vscode.commands.registerCommand('goMemoryInsight.toggleAllocationAnnotations', () => {
      const on = annotations.toggle();
      void vscode.window.setStatusBarMessage(`Go Memory Insight: allocation figures ${on ? 'shown' : 'hidden'}`, 3000);
      return on;
    }),
    vscode.commands.registerCommand('goMemoryInsight.profileHistory', async (arg?: unknown) => {
      try {
        return await historyCommands.run(arg);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`Profile history: ${message}`);
        void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
        return false;
      }
    }),
    // "Compare Profiles…" in the palette: the history first, "Browse…" for any file.
    vscode.commands.registerCommand(COMPARE_COMMAND, async () => {
      try {
        return await historyCommands.pickCompare();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`Compare profiles: ${message}`);
        void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
        return false;
      }
    }),
    // Decorations cannot be read through the vscode API: the integration tests ask here (see testHooks.ts).
    ...registerTestCommands({ 'goMemoryInsight.allocationAnnotationsState': (): AnnotationState => annotations.state() }),
    deps.onDidChangeShownProfile((shown) => annotations.show(shown)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('goMemoryInsight.allocationAnnotations')) annotations.setEnabled(readProfilingSettings().annotations);
      if (e.affectsConfiguration('goMemoryInsight.profileHistorySize')) {
        void history.applyLimit(readProfilingSettings().historySize).catch((err: unknown) => log.error(`Profile history: ${String(err)}`));
      }
    }),
  );
}

/** The feature's entry point (main.ts): profiling wired to the flame graph panel. */
export function register(ctx: FeatureContext): void {
  registerProfiling(ctx, {
    openProfile: async (uri, options) => {
      const r = await flame.openProfile(uri, options);
      if (!r.ok) throw new Error(r.error);
    },
    onDidChangeShownProfile: flame.onDidChangeShownProfile,
    shownProfile: flame.shownProfile,
  });
}
