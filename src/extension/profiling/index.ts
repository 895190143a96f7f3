// The profiling feature: one click to run `go test -memprofile` (and -cpuprofile) on a
// package, a test or a benchmark; benchmark results as code lenses; the allocation figures
// of the profile the flame graph shows at the end of the workspace's lines; the history.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isGoTestFileName, scanGoSource } from '../../profiling/goSource';
import type { ProfileTarget } from '../../profiling/goTestArgs';
import type { FeatureContext } from '../feature';
import * as flame from '../flame';
import { AllocationAnnotations, type AnnotationState } from './annotations';
import { HistoryCommands } from './historyPick';
import { COMMANDS, ProfilingLensProvider } from './lenses';
import { ProfileRunner, type OpenProfile, type ProfileRunResult } from './runner';
import { readProfilingSettings } from './settings';
import { BenchStore, HistoryStore } from './stores';

export interface ProfilingDeps {
  /** Opens a profile in the flame graph panel. */
  openProfile: OpenProfile;
  /** Fires with what the flame graph panel shows, undefined when it closes. */
  onDidChangeShownProfile: vscode.Event<flame.ShownProfile | undefined>;
  /** What the flame graph shows now (a panel restored before this feature registered). */
  shownProfile(): flame.ShownProfile | undefined;
}

interface PackageTests {
  testFiles: number;
  tests: number;
  benchmarks: number;
}

/** Counts the tests and benchmarks of the package in `dir` from its _test.go files. */
async function scanPackage(dir: string): Promise<PackageTests> {
  const names = (await fs.readdir(dir)).filter(isGoTestFileName);
  const result: PackageTests = { testFiles: 0, tests: 0, benchmarks: 0 };
  for (const name of names) {
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    result.testFiles++;
    for (const f of scanGoSource(text).funcs) {
      if (f.kind === 'test') result.tests++;
      else result.benchmarks++;
    }
  }
  return result;
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

function aborted(message: string): ProfileRunResult {
  return { outcome: 'failed', message, benchmarks: [], opened: false };
}

export function registerProfiling(ctx: FeatureContext, deps: ProfilingDeps): void {
  const { context, log } = ctx;
  const history = new HistoryStore(context.workspaceState, log);
  const benches = new BenchStore(context.workspaceState);
  const runner = new ProfileRunner(ctx, history, benches, deps.openProfile);
  const lenses = new ProfilingLensProvider(benches);
  const annotations = new AllocationAnnotations(log, readProfilingSettings().annotations);
  const historyCommands = new HistoryCommands(history, deps.openProfile, log);
  context.subscriptions.push(runner, benches, lenses, annotations);
  annotations.show(deps.shownProfile());

  const profilePackage = async (arg: unknown, cpu: boolean): Promise<ProfileRunResult> => {
    const dir = await packageDir(arg);
    if (!dir) {
      const message = 'Open a Go file of the package to profile (or run the command from a Go file\'s context menu).';
      void vscode.window.showInformationMessage(`Go Memory Insight: ${message}`);
      return aborted(message);
    }
    let pkg: PackageTests;
    try {
      pkg = await scanPackage(dir);
    } catch (err) {
      const message = `Cannot read the package folder ${dir}: ${err instanceof Error ? err.message : String(err)}`;
      void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
      return aborted(message);
    }
    if (vscode.workspace.isTrusted && pkg.tests + pkg.benchmarks === 0) {
      const message = pkg.testFiles === 0
        ? `The package in ${vscode.workspace.asRelativePath(dir)} has no test files (*_test.go): a memory profile is taken while tests or benchmarks run. Add a test or a benchmark first.`
        : `The package in ${vscode.workspace.asRelativePath(dir)} has no Test or Benchmark functions to run.`;
      void vscode.window.showWarningMessage(`Go Memory Insight: ${message}`);
      return { outcome: pkg.testFiles === 0 ? 'no-test-files' : 'no-tests', message, benchmarks: [], opened: false };
    }
    const target: ProfileTarget = { kind: 'package', hasBenchmarks: pkg.benchmarks > 0 };
    return runner.run({ dir, target, cpu, command: cpu ? 'Profile Package CPU' : 'Profile Package Memory' });
  };

  const profileFunc = async (kind: 'test' | 'benchmark', uri: unknown, name: unknown): Promise<ProfileRunResult> => {
    const dir = await packageDir(uri);
    if (!dir || typeof name !== 'string' || !/^(Test|Benchmark)[\p{L}\p{Nd}_]*$/u.test(name)) {
      const message = `Profile ${kind} needs the file and the name of the ${kind} (it is run from its code lens).`;
      void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
      return aborted(message);
    }
    return runner.run({ dir, target: { kind, name }, cpu: false, command: kind === 'test' ? 'Profile test' : 'Profile benchmark' });
  };

  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file', pattern: '**/*_test.go' }, lenses),
    vscode.commands.registerCommand(COMMANDS.profilePackageMemory, (arg?: unknown) => profilePackage(arg, false)),
    vscode.commands.registerCommand(COMMANDS.profilePackageCpu, (arg?: unknown) => profilePackage(arg, true)),
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
    // Decorations cannot be read through the vscode API: the integration tests ask here.
    vscode.commands.registerCommand('goMemoryInsight.allocationAnnotationsState', (): AnnotationState => annotations.state()),
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
