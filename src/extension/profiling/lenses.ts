// Code lenses in _test.go files: on the package clause, what a package run runs ("Profile
// package: 3 benchmarks", "1 test", "CPU…"); "Profile test" and "Profile benchmark" above
// each test and benchmark function; and the last results of each benchmark that ran (ns/op,
// B/op, allocs/op and the change against the run before).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBenchSummary, type BenchResult } from '../../profiling/bench';
import { isGoTestFileName, scanGoSource } from '../../profiling/goSource';
import { benchtimeWords, describeCommand, effectiveBenchtime } from '../../profiling/goTestArgs';
import { scanPackageTests, type PackageTests } from '../../profiling/packageTests';
import { readProfilingSettings } from './settings';
import type { BenchStore } from './stores';

/** At most this many result lenses above one benchmark (sub-benchmarks); the rest go in the tooltip. */
const MAX_RESULT_LENSES = 4;

export const COMMANDS = {
  profilePackageMemory: 'goMemoryInsight.profilePackageMemory',
  profilePackageCpu: 'goMemoryInsight.profilePackageCpu',
  profileTest: 'goMemoryInsight.profileTest',
  profileBenchmark: 'goMemoryInsight.profileBenchmark',
  openProfile: 'goMemoryInsight.openProfile',
  showHotspots: 'goMemoryInsight.showHotspots',
} as const;

function resultTooltip(func: string, results: readonly BenchResult[], time: number, hasPrevious: boolean): string {
  const lines = [`${func}, ${new Date(time).toLocaleString()}${hasPrevious ? ' (change against the run before)' : ''}`];
  for (const r of results) {
    const metrics = Object.entries(r.metrics).map(([unit, v]) => `${v} ${unit}`).join('  ');
    lines.push(`${r.name}${r.procs ? `-${r.procs}` : ''}: ${r.iterations} iterations  ${metrics}`);
  }
  return lines.join('\n');
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * "Profile package: 2 benchmarks | 1 test | CPU…" on the package clause: each says what it
 * runs (the first word says it is the package's, not the function's below).
 */
function packageLenses(range: vscode.Range, uri: vscode.Uri, pkg: PackageTests, benchtime: string): vscode.CodeLens[] {
  const lenses: vscode.CodeLens[] = [];
  const prefix = (): string => (lenses.length === 0 ? 'Profile package: ' : '');
  if (pkg.benchmarks > 0) {
    lenses.push(new vscode.CodeLens(range, {
      title: `${prefix()}${count(pkg.benchmarks, 'benchmark')}`,
      tooltip: `${describeCommand({ kind: 'package', run: 'benchmarks' }, benchtime)} -memprofile\nEvery benchmark of the package, each ${benchtimeWords(benchtime)} (setting goMemoryInsight.benchtime).`,
      command: COMMANDS.profilePackageMemory,
      arguments: [uri, { run: 'benchmarks' }],
    }));
  }
  if (pkg.tests > 0) {
    lenses.push(new vscode.CodeLens(range, {
      title: `${prefix()}${count(pkg.tests, 'test')}`,
      tooltip: `${describeCommand({ kind: 'package', run: 'tests' }, benchtime)} -memprofile\nEvery test of the package, once (no benchmark).`,
      command: COMMANDS.profilePackageMemory,
      arguments: [uri, { run: 'tests' }],
    }));
  }
  if (pkg.benchmarks + pkg.tests > 0) {
    const both = pkg.benchmarks > 0 && pkg.tests > 0;
    lenses.push(new vscode.CodeLens(range, {
      title: both ? 'CPU…' : 'CPU',
      tooltip: `The same with -cpuprofile as well, opening the CPU profile${both ? ': asks whether to run the tests or the benchmarks' : ''}.`,
      command: COMMANDS.profilePackageCpu,
      arguments: [uri],
    }));
  }
  return lenses;
}

export class ProfilingLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly benches: BenchStore) {
    this.subscriptions = [
      benches.onDidChange(() => this.emitter.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.emitter.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('goMemoryInsight.profilingCodeLens')) this.emitter.fire();
      }),
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    // Running tests runs the workspace's code: nothing to offer in an untrusted workspace.
    if (!vscode.workspace.isTrusted) return [];
    if (document.uri.scheme !== 'file' || !isGoTestFileName(path.basename(document.uri.fsPath))) return [];
    const settings = readProfilingSettings(document.uri);
    if (!settings.codeLens) return [];
    const scan = scanGoSource(document.getText());
    const lenses: vscode.CodeLens[] = [];
    const dir = path.dirname(document.uri.fsPath);
    const benchtime = effectiveBenchtime(settings.testFlags, settings.benchtime);
    if (scan.packageLine !== undefined) {
      const range = new vscode.Range(scan.packageLine, scan.packageCharacter ?? 0, scan.packageLine, scan.packageCharacter ?? 0);
      const pkg = await this.packageTests(dir, document);
      lenses.push(...packageLenses(range, document.uri, pkg, benchtime));
    }
    for (const f of scan.funcs) {
      const range = new vscode.Range(f.line, f.character, f.line, f.character);
      if (f.kind === 'test') {
        lenses.push(new vscode.CodeLens(range, { title: 'Profile test', tooltip: `${describeCommand({ kind: 'test', name: f.name }, benchtime)} -memprofile`, command: COMMANDS.profileTest, arguments: [document.uri, f.name] }));
        continue;
      }
      lenses.push(new vscode.CodeLens(range, { title: 'Profile benchmark', tooltip: `${describeCommand({ kind: 'benchmark', name: f.name }, benchtime)} -memprofile`, command: COMMANDS.profileBenchmark, arguments: [document.uri, f.name] }));
      const rec = this.benches.get(dir, f.name);
      if (!rec) continue;
      const previous = new Map((rec.previous?.results ?? []).map((r) => [r.name, r]));
      const tooltip = resultTooltip(f.name, rec.current.results, rec.current.time, previous.size > 0);
      const shown = rec.current.results.slice(0, MAX_RESULT_LENSES);
      for (const r of shown) {
        const title = formatBenchSummary(r, previous.get(r.name));
        const profile = rec.current.profile && fs.existsSync(rec.current.profile) ? rec.current.profile : undefined;
        lenses.push(
          new vscode.CodeLens(
            range,
            profile
              ? { title, tooltip: `${tooltip}\n\nClick for the allocation hot spots of this run: its heap profile, and why each line allocates.`, command: COMMANDS.showHotspots, arguments: [vscode.Uri.file(profile), { title: f.name }] }
              : { title, tooltip, command: '' },
          ),
        );
      }
      const more = rec.current.results.length - shown.length;
      if (more > 0) lenses.push(new vscode.CodeLens(range, { title: `+${more} more`, tooltip, command: '' }));
    }
    return lenses;
  }

  /** The package's tests and benchmarks, with this document's current text (the other files from disk). */
  private async packageTests(dir: string, document: vscode.TextDocument): Promise<PackageTests> {
    const texts = new Map([[document.uri.fsPath, document.getText()]]);
    try {
      return await scanPackageTests(dir, texts);
    } catch {
      const scan = scanGoSource(document.getText()).funcs;
      return { testFiles: 1, tests: scan.filter((f) => f.kind === 'test').length, benchmarks: scan.filter((f) => f.kind === 'benchmark').length };
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}
