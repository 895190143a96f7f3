// Runs `go test -memprofile` for a package, a test or a benchmark: checks first (workspace
// trust, a go new enough, a writable storage folder), then runs with a cancellable progress
// notification while the output streams to the "Go Memory Insight: go test" channel, and
// afterwards opens the profile, records the benchmark results and the history entry, or
// says why there is no profile.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runTool } from '../../goenv/run';
import type { ProfileData } from '../../shared/profileData';
import { decodeErrorOf } from '../decode';
import { parseBenchOutput, type BenchResult } from '../../profiling/bench';
import { classifyRun, type OutcomeKind } from '../../profiling/classify';
import { buildGoTestArgs, describeTarget, effectiveBenchtime, type ProfileTarget } from '../../profiling/goTestArgs';
import { checkGoVersion } from '../../profiling/goVersion';
import { cycleCount, gcTraceEnv, gcTraceExec, mergeGodebug, separateGcTrace, withoutGcTrace } from '../../gc/capture';
import { readFile, writeFile } from 'node:fs/promises';
import { heapProfileStats, profileHint, type ProfileHint } from '../../profiling/hints';
import { historyBenches, newHistoryId } from '../../profiling/history';
import { benchmarksUsingLoop } from '../../profiling/packageTests';
import type { FeatureContext } from '../feature';
import { readProfilingSettings } from './settings';
import { fileSize, prepareStorage, removeFiles, storageRoot, StorageError } from './storage';
import type { BenchStore, HistoryStore } from './stores';

export interface ProfileRequest {
  /** Directory of the package. */
  dir: string;
  target: ProfileTarget;
  /** Also write a CPU profile, and open it instead of the heap profile. */
  cpu: boolean;
  /** The command's name, for the history ("Profile package benchmarks", "Profile benchmark"). */
  command: string;
  /** -memprofilerate for this run only, instead of goMemoryInsight.memProfileRate (the hint's "Re-run with memProfileRate=1"). */
  memProfileRate?: number;
}

/** Beyond go test's outcomes: refused before running, nothing to run (the cursor is in no test), no profile. */
export type ProfileRunOutcome = OutcomeKind | 'untrusted' | 'no-go' | 'storage' | 'no-target' | 'no-profile' | 'unreadable-profile';

/** What the profiling commands return (the integration tests read it). */
export interface ProfileRunResult {
  outcome: ProfileRunOutcome;
  message: string;
  memProfile?: string;
  cpuProfile?: string;
  /** The test binary's GC trace (GODEBUG=gctrace=1 lines), when it wrote one. */
  gcTrace?: string;
  benchmarks: BenchResult[];
  historyId?: string;
  /** The flame graph was asked to open the profile. */
  opened: boolean;
  durationMs?: number;
  /** Why the profile shows (almost) nothing, when it does (also shown as a notification). */
  hint?: Omit<ProfileHint, 'offerFullRate'>;
}

/** Opens a profile in the flame graph panel (`data`: the profile at `uri` already decoded, not decoded again). */
export type OpenProfile = (uri: vscode.Uri, options: { sampleType?: string; title?: string; diffBase?: vscode.Uri; viewColumn?: vscode.ViewColumn; sourceDir?: string; data?: ProfileData; reuseKey?: string; gcTrace?: string }) => Promise<void>;

export const OUTPUT_CHANNEL_NAME = 'Go Memory Insight: go test';

/** An argument as a person would type it in a shell, for the output channel only. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export class ProfileRunner implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  /** One run per package directory: a newer run cancels the older one. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly ctx: FeatureContext,
    private readonly history: HistoryStore,
    private readonly benches: BenchStore,
    private readonly openProfile: OpenProfile,
  ) {
    this.output = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME);
  }

  /** Number of runs in progress. */
  get activeRuns(): number {
    return this.running.size;
  }

  cancelAll(): number {
    const n = this.running.size;
    for (const c of this.running.values()) c.abort();
    return n;
  }

  async run(req: ProfileRequest): Promise<ProfileRunResult> {
    const log = this.ctx.log;
    const fail = (outcome: ProfileRunOutcome, message: string): ProfileRunResult => ({ outcome, message, benchmarks: [], opened: false });

    if (!vscode.workspace.isTrusted) {
      const message = 'Profiling runs `go test`, which runs the code of this workspace: it is disabled until you trust the workspace.';
      void vscode.window.showWarningMessage(`Go Memory Insight: ${message}`, 'Manage Workspace Trust').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return fail('untrusted', message);
    }

    const go = await this.ctx.go.get();
    if (!go.lookup.ok) {
      const message = 'Go Memory Insight could not find the go binary: install Go or set goMemoryInsight.goPath.';
      this.notifyError(message, false);
      return fail('no-go', message);
    }
    const goPath = go.lookup.path;
    const tooOld = checkGoVersion(go.version);
    if (tooOld) {
      const message = `The go at ${goPath}: ${tooOld}`;
      this.notifyError(message, false);
      return fail('no-go', message);
    }

    let storage;
    try {
      storage = await prepareStorage(storageRoot(this.ctx.context));
    } catch (err) {
      const message = err instanceof StorageError ? err.message : `Go Memory Insight cannot prepare its storage folder: ${String(err)}`;
      this.notifyError(message, false);
      return fail('storage', message);
    }

    const settings = readProfilingSettings(vscode.Uri.file(req.dir));
    const memProfileRate = req.memProfileRate ?? settings.memProfileRate;
    const id = newHistoryId(new Date(), Math.random());
    const memProfile = path.join(storage.profiles, `${id}.mem.pprof`);
    const cpuProfile = req.cpu ? path.join(storage.profiles, `${id}.cpu.pprof`) : undefined;
    const testBinary = path.join(storage.binaries, `${id}${process.platform === 'win32' ? '.test.exe' : '.test'}`);
    // The test binary's GC trace, for the panel's GC tab (src/gc/capture.ts): GODEBUG reaches
    // the test binary only, through go test's -exec, and its standard error goes to a file.
    const gcExec = gcTraceExec(process.platform);
    const testStderr = path.join(storage.binaries, `${id}.stderr.txt`);
    const args = buildGoTestArgs({
      exec: gcExec,
      target: req.target,
      memProfile,
      cpuProfile,
      testBinary,
      memProfileRate,
      buildTags: settings.buildTags,
      testFlags: settings.testFlags,
      benchtime: settings.benchtime,
    });
    const benchRun = req.target.kind === 'benchmark' || (req.target.kind === 'package' && req.target.run === 'benchmarks');
    const benchtime = benchRun ? effectiveBenchtime(settings.testFlags, settings.benchtime) : undefined;
    const what = describeTarget(req.target);
    const rateNote = req.memProfileRate !== undefined ? ` (memProfileRate=${req.memProfileRate})` : '';
    const pkgLabel = vscode.workspace.asRelativePath(req.dir, true) || req.dir;

    this.running.get(req.dir)?.abort();
    const controller = new AbortController();
    this.running.set(req.dir, controller);
    void vscode.commands.executeCommand('setContext', 'goMemoryInsight.profiling', true);

    this.output.appendLine(`[${new Date().toLocaleTimeString()}] ${req.command}: ${what} in ${req.dir}`);
    this.output.appendLine(`$ ${[goPath, ...args].map(shellQuote).join(' ')}`);
    log.info(`Profiling ${what} in ${req.dir}: ${goPath} ${args.join(' ')}`);

    let res;
    try {
      res = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Profiling ${what}${benchtime ? ` (-benchtime=${benchtime})` : ''}${rateNote} in ${pkgLabel}`, cancellable: true },
        (progress, token) => {
          const sub = token.onCancellationRequested(() => controller.abort());
          progress.report({ message: 'building…' });
          const onLine = (raw: string): void => {
            const line = withoutGcTrace(raw);
            if (line === undefined) return;
            this.output.appendLine(line);
            const t = line.trim();
            if (/^(Benchmark|=== RUN|--- (PASS|FAIL)|ok |FAIL|PASS)/.test(t)) progress.report({ message: t.length > 80 ? `${t.slice(0, 79)}…` : t });
          };
          return runTool(goPath, args, {
            cwd: req.dir,
            env: { ...process.env, ...settings.env, ...(gcExec ? gcTraceEnv(mergeGodebug(settings.env.GODEBUG ?? process.env.GODEBUG), testStderr) : {}) },
            signal: controller.signal,
            timeoutMs: settings.timeoutMs,
            onStdoutLine: onLine,
            onStderrLine: onLine,
          }).finally(() => sub.dispose());
        },
      );
    } finally {
      if (this.running.get(req.dir) === controller) this.running.delete(req.dir);
      if (this.running.size === 0) void vscode.commands.executeCommand('setContext', 'goMemoryInsight.profiling', false);
      await removeFiles([testBinary]);
    }

    // The test binary's standard error: the trace, and what else it printed (a panic, log
    // output), which joins go test's output before anything reads it.
    const stderrText = await readFile(testStderr, 'utf8').catch(() => '');
    await removeFiles([testStderr]);
    const separated = separateGcTrace(stderrText);
    const fromStdout = separateGcTrace(res.stdout);
    if (fromStdout.trace) separated.trace += fromStdout.trace;
    if (separated.rest.trim()) {
      this.output.appendLine('--- the test binary\'s standard error:');
      for (const line of separated.rest.replace(/\n$/, '').split('\n')) this.output.appendLine(line);
    }
    res = { ...res, stdout: fromStdout.rest + separated.rest };
    const benchmarks = parseBenchOutput(res.stdout);
    const outcome = classifyRun({ ...res, timeoutMs: settings.timeoutMs, expectBenchmarks: benchRun, benchmarkCount: benchmarks.length });
    let gcTrace: string | undefined;
    const cycles = cycleCount(separated.trace);
    if (cycles > 0 && !res.cancelled) {
      gcTrace = path.join(storage.profiles, `${id}.gctrace.txt`);
      try {
        await writeFile(gcTrace, separated.trace);
        this.output.appendLine(`GC trace: ${cycles} cycles, saved to ${gcTrace}`);
      } catch (err) {
        log.warn(`Profiling: the GC trace could not be saved: ${String(err)}`);
        gcTrace = undefined;
      }
    } else if (!gcExec || !args.includes(gcExec)) {
      log.info(`Profiling ${what}: no GC trace recorded (${gcExec ? 'goMemoryInsight.testFlags has its own -exec' : 'not on Windows'})`);
    }
    this.output.appendLine(`${res.cancelled ? 'cancelled' : res.timedOut ? 'timed out' : `exit code ${res.exitCode ?? 'none'}`} after ${(res.durationMs / 1000).toFixed(1)} s: ${outcome.message}`);
    this.output.appendLine('');
    log.info(`Profiling ${what} in ${req.dir}: ${outcome.kind} (${outcome.message})`);

    const memWritten = !res.cancelled && !res.timedOut && (await fileSize(memProfile)) > 0;
    const cpuWritten = cpuProfile !== undefined && memWritten && (await fileSize(cpuProfile)) > 0;
    if (!memWritten) await removeFiles([memProfile, ...(cpuProfile ? [cpuProfile] : [])]);
    const result: ProfileRunResult = {
      outcome: outcome.kind,
      message: outcome.message,
      memProfile: memWritten ? memProfile : undefined,
      cpuProfile: cpuWritten ? cpuProfile : undefined,
      gcTrace,
      benchmarks,
      opened: false,
      durationMs: res.durationMs,
    };
    if (benchmarks.length > 0) await this.benches.record(req.dir, benchmarks, result.memProfile);

    if (outcome.kind === 'cancelled') {
      void vscode.window.setStatusBarMessage('Go Memory Insight: profiling cancelled', 4000);
      return result;
    }
    if (outcome.kind === 'ok' && !memWritten) {
      result.outcome = 'no-profile';
      result.message = `go test passed but wrote no heap profile (${memProfile}).`;
      this.notifyError(result.message, true);
      return result;
    }

    // The heap profile is decoded once: its sample types go into the history, and the flame
    // graph shows this decoded profile.
    let memData: ProfileData | undefined;
    if (memWritten) {
      let sampleTypes: string[] = [];
      let tooBig: string | undefined;
      try {
        memData = await this.ctx.decoder.load(vscode.Uri.file(memProfile));
        sampleTypes = memData.sampleTypes.map((t) => t.type);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        const limit = decodeErrorOf(err);
        if (!limit?.isLimit) {
          result.outcome = 'unreadable-profile';
          result.message = `go test wrote a heap profile that could not be read: ${why}`;
          result.memProfile = undefined;
          await removeFiles([memProfile, ...(cpuProfile ? [cpuProfile] : [])]);
          this.notifyError(result.message, true);
          return result;
        }
        // Too big for the memory limit (or too slow): kept, and listed in the history, to be
        // opened after raising goMemoryInsight.maxProfileMemory.
        tooBig = `go test wrote a heap profile (${memProfile}) that was not opened: ${limit.message}`;
      }
      result.historyId = id;
      await this.history.add(
        {
          id,
          time: Date.now(),
          command: `${req.command}${rateNote}`,
          target: what,
          packageDir: req.dir,
          packagePath: pkgLabel,
          memProfile,
          cpuProfile: cpuWritten ? cpuProfile : undefined,
          gcTrace,
          sampleTypes,
          failed: outcome.kind === 'ok' ? undefined : outcome.message,
          benchmarks: benchmarks.length > 0 ? historyBenches(benchmarks, await benchmarksUsingLoop(req.dir)) : undefined,
          benchtime,
        },
        settings.historySize,
      );
      if (tooBig && outcome.kind === 'ok') {
        result.outcome = 'unreadable-profile';
        result.message = tooBig;
        this.notifyError(result.message, true);
        return result;
      }
    }

    if (outcome.kind === 'ok') {
      const showCpu = req.cpu && cpuWritten;
      const file = showCpu ? cpuProfile! : memProfile;
      try {
        // Beside the code, so the graph and the annotated lines are seen together.
        await this.openProfile(vscode.Uri.file(file), { sampleType: showCpu ? 'cpu' : 'alloc_space', title: `${what}${rateNote} · ${pkgLabel}`, viewColumn: vscode.ViewColumn.Beside, sourceDir: req.dir, data: showCpu ? undefined : memData, gcTrace, reuseKey: `${req.dir}\u0000${what}\u0000${showCpu ? 'cpu' : 'mem'}` });
        result.opened = true;
      } catch (err) {
        result.message = `The profile was written to ${file}, but the flame graph could not open it: ${err instanceof Error ? err.message : String(err)}`;
        this.notifyError(result.message, true);
      }
      if (result.opened && !showCpu && memData) this.hint(req, result, memData, memProfileRate, benchmarks);
      return result;
    }

    // Failed: say why; a profile written anyway is still offered.
    const warn = outcome.kind === 'no-tests' || outcome.kind === 'no-test-files';
    const buttons = ['Open Output', ...(memWritten ? ['Open Profile'] : [])];
    const text = `Go Memory Insight: ${outcome.message}${memWritten ? ' A heap profile was written anyway.' : ''}`;
    const shown = warn ? vscode.window.showWarningMessage(text, ...buttons) : vscode.window.showErrorMessage(text, ...buttons);
    void shown.then((choice) => {
      if (choice === 'Open Output') this.output.show(true);
      else if (choice === 'Open Profile') void this.openProfile(vscode.Uri.file(memProfile), { sampleType: 'alloc_space', title: `${what} · ${pkgLabel} (failed run)` }).catch((e: unknown) => log.error(`Opening ${memProfile} failed: ${String(e)}`));
    });
    return result;
  }

  /** Says why a heap profile is (nearly) empty and offers a run that records every allocation. */
  private hint(req: ProfileRequest, result: ProfileRunResult, data: ProfileData, memProfileRate: number, benchmarks: BenchResult[]): void {
    const stats = heapProfileStats(data);
    const hint = stats && profileHint({ stats, memProfileRate, benchmarks });
    if (!hint) return;
    result.hint = { kind: hint.kind, message: hint.message };
    this.ctx.log.info(`Profiling ${describeTarget(req.target)}: ${hint.message}`);
    const rerun = 'Re-run with memProfileRate=1';
    void vscode.window.showInformationMessage(`Go Memory Insight: ${hint.message}`, ...(hint.offerFullRate ? [rerun] : [])).then((choice) => {
      if (choice === rerun) void this.run({ ...req, memProfileRate: 1 });
    });
  }

  private notifyError(message: string, withOutput: boolean): void {
    this.ctx.log.error(message);
    const buttons = withOutput ? ['Open Output'] : ['Open Log'];
    void vscode.window.showErrorMessage(message.startsWith('Go Memory Insight') ? message : `Go Memory Insight: ${message}`, ...buttons).then((c) => {
      if (c === 'Open Output') this.output.show(true);
      else if (c === 'Open Log') this.ctx.log.show(true);
    });
  }

  dispose(): void {
    this.cancelAll();
    this.output.dispose();
  }
}
