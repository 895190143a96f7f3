// Runs the escape analysis for the packages of open Go files (on open and on save, debounced,
// a newer run cancelling the older one) and answers diagnostics, hovers and code lenses.
// Findings are shown only on lines whose text still equals the text that was compiled, so
// edits never leave stale findings on screen; saving re-analyses.
//
// Saving a package whose files are byte for byte what was analysed, when no other Go file,
// go.mod, go.sum or go.work changed since that run began and the settings are the same,
// re-publishes the result it already has instead of running the go command again: the
// compiler would print the same thing. Every change the server sees (saves, files changed on
// disk, the files a run reads) is recorded by content digest in a workspace generation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeAction, CodeLens, Connection, Diagnostic, Hover, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { EscapeModel } from '../../escape/model';
import type { LineIndex } from '../../escape/positions';
import { runEscapeAnalysis, type EscapeRunOptions, type EscapeRunResult } from '../../escape/run';
import { AnalysisStatusNotification, SHOW_ALL_FINDINGS_SERVER_COMMAND, type AnalysisStatus, type HotspotFindingsParams, type HotspotFindingsResult, type MeasuredCost } from '../../shared/protocol';
import { isShown, isTestFile, packageMatcher, PathFilter } from './filters';
import { codeLensesForFile, fileUri, findingsAtPosition, HEAP_KINDS, hoverFor, type TextSource } from './present';
import { digest, goFilesOf, moduleRootOf, readString, readText, WorkspaceDigests } from './digests';
import { answerHotspotFindings } from './hotspotFindings';
import { MeasuredIndex } from './measured';
import { OpenDocuments } from './openDocuments';
import { fileDiagnostics } from './publish';
import { memoKey, type PackageResult } from './result';
import { KeyedScheduler } from './scheduler';
import { DEFAULT_SETTINGS, type EscapeSettings } from './settings';

export class EscapeService {
  private readonly results = new Map<string, PackageResult>();
  private readonly scheduler: KeyedScheduler<PackageResult>;
  private settings: EscapeSettings = DEFAULT_SETTINGS;
  /** Content digests of the workspace's files and their generation (what makes a result reusable). */
  private readonly digests = new WorkspaceDigests();
  /** Directories whose packages are analysed on open and save: the workspace folders and their modules. */
  private roots: string[] = [];
  /** Packages outside them that the user asked to analyse. */
  private readonly requested = new Set<string>();
  /** Documents whose next didSave the editor made by itself (files.autoSave). */
  private readonly autoSaves = new Set<string>();
  /** Packages whose current run an automatic save started: an edit cancels it. */
  private readonly autoRuns = new Set<string>();
  /** Packages whose every finding is shown (the summary diagnostic's quick fix). */
  private readonly unlimited = new Set<string>();
  private pathFilter: { key: string; roots: readonly string[]; filter: PathFilter } | undefined;
  /** What the heap profile shown in the editor measured per line (goMemory/measuredCost). */
  private measuredCost: MeasuredCost | undefined;
  private measured: { index: MeasuredIndex; threshold: number } | undefined;
  /** Packages compiled with their test files for the hot spots, by directory. */
  private readonly testVariants = new Map<string, { key: string; run: Promise<{ model?: EscapeModel; message?: string }> }>();
  /** Callers waiting for a package's final result (goMemory/hotspotFindings). */
  private readonly waiters = new Map<string, (() => void)[]>();

  private readonly docs: OpenDocuments;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly goBinary: () => string | undefined,
    private readonly loadSettings: () => Promise<EscapeSettings>,
  ) {
    this.scheduler = new KeyedScheduler(() => this.settings.debounceMs);
    this.docs = new OpenDocuments(documents);
  }

  // ---- events -------------------------------------------------------------------------

  async opened(doc: TextDocument): Promise<void> {
    this.docs.changed();
    const dir = this.docs.packageDirOf(doc.uri);
    if (!dir) return;
    if (!this.inScope(dir)) {
      this.report({ state: 'outside-workspace', packageDir: dir, packageName: path.basename(dir), message: 'This package is outside the workspace folders: it is analysed only on request (Go Memory Insight: Analyse This Package).' });
      return;
    }
    const known = this.results.get(dir);
    if (known && !this.scheduler.isBusy(dir)) {
      // Already analysed: show what we have for this file now.
      this.publishFile(known, fileURLToPath(doc.uri));
      this.report(known.status);
      return;
    }
    await this.request(dir);
  }

  async saved(doc: TextDocument): Promise<void> {
    const file = this.docs.fileOf(doc.uri);
    if (file) this.digests.observeDisk(file);
    const dir = this.docs.packageDirOf(doc.uri);
    const automatic = this.autoSaves.delete(doc.uri);
    if (!dir || !this.inScope(dir)) return;
    this.settings = await this.loadSettings();
    if (this.reuse(dir)) return;
    if (automatic) {
      // Auto-save: analyse once the typing stopped; an edit meanwhile cancels (see changed()).
      this.connection.console.info(`Automatic save of ${file ? path.basename(file) : doc.uri}: ${dir} is analysed once no edit comes for ${this.settings.idleAfterAutoSaveMs} ms`);
      this.autoRuns.add(dir);
      this.schedule(dir, false, this.settings.idleAfterAutoSaveMs);
      return;
    }
    this.autoRuns.delete(dir);
    // The first save starts at once; saves while a run is pending or running are debounced.
    this.schedule(dir, !this.scheduler.isBusy(dir));
  }

  /** The editor says the next save of this document is an automatic one (files.autoSave). */
  willSaveAutomatically(uri: string): void {
    this.autoSaves.add(uri);
  }

  changed(doc: TextDocument): void {
    const dir = this.docs.packageDirOf(doc.uri);
    if (dir && this.autoRuns.has(dir) && this.scheduler.isBusy(dir)) {
      // The user is typing again: the next automatic save brings a newer text to analyse.
      this.scheduler.cancel(dir);
      this.autoRuns.delete(dir);
      const current = this.results.get(dir);
      if (current) this.report(current.status);
    }
    const result = dir ? this.results.get(dir) : undefined;
    if (result && !(result.partial && doc.uri.endsWith('_test.go'))) this.publishFile(result, fileURLToPath(doc.uri));
  }

  closed(doc: TextDocument): void {
    this.docs.changed();
    const dir = this.docs.packageDirOf(doc.uri);
    if (!dir) return;
    const stillOpen = this.documents.all().some((d) => d.uri !== doc.uri && this.docs.packageDirOf(d.uri) === dir);
    if (!stillOpen) {
      this.forget(dir);
      this.requested.delete(dir);
      this.unlimited.delete(dir);
      return;
    }
    // Only open files carry escape diagnostics, unless the whole package is published.
    const result = this.results.get(dir);
    const file = this.docs.fileOf(doc.uri);
    if (result && file && this.settings.publish === 'openFiles') this.publishFile(result, file);
  }

  /** Shows every finding of the package, beyond goMemoryInsight.escapeAnalysis.maxDiagnostics. */
  showAllFindings(dir: string): boolean {
    const result = this.results.get(dir);
    if (!result) return false;
    this.unlimited.add(dir);
    this.install(result);
    return true;
  }

  /** The quick fix of the summary diagnostic: show the package's other findings. */
  codeActions(uri: string, diagnostics: readonly Diagnostic[]): CodeAction[] {
    const file = this.docs.fileOf(uri);
    if (!file) return [];
    return diagnostics
      .filter((d) => d.code === 'truncated-package')
      .map((d) => ({
        title: 'Show all escape-analysis findings of this package',
        kind: 'quickfix',
        diagnostics: [d],
        command: { title: 'Show all findings', command: SHOW_ALL_FINDINGS_SERVER_COMMAND, arguments: [path.dirname(file)] },
      }));
  }

  /** Settings changed: re-read them and re-analyse every open package (or clear everything). */
  async configurationChanged(): Promise<void> {
    this.measured = undefined;
    const dirs = new Set(this.documents.all().map((d) => this.docs.packageDirOf(d.uri)).filter((d): d is string => !!d && this.inScope(d)));
    for (const dir of [...this.results.keys()]) if (!dirs.has(dir)) this.forget(dir);
    for (const dir of dirs) await this.request(dir);
  }

  /**
   * Go files, go.mod, go.sum or go.work changed on disk. `reanalyse` lists the URIs of files
   * not open in the editor (git, generators): their open packages are analysed again.
   */
  async filesChanged(uris: string[], reanalyse: string[] = uris): Promise<void> {
    for (const uri of uris) {
      const file = this.docs.fileOf(uri);
      // A file seen before is read to tell a real change from the echo of a save; any other
      // (a branch switch may bring thousands) is a change without reading it.
      if (file && this.digests.has(file)) this.digests.observeDisk(file);
      else this.digests.changedUnread();
    }
    const dirs = new Set(reanalyse.map((u) => this.docs.packageDirOf(u)).filter((d): d is string => !!d && this.results.has(d)));
    for (const dir of dirs) await this.request(dir);
  }

  /**
   * The workspace folders (absolute paths). Packages are analysed on open and save only inside
   * them, or inside the module a folder belongs to: a file reached by go-to-definition in the
   * standard library or the module cache is not compiled unless the user asks (analysePackage).
   */
  setWorkspaceFolders(folders: readonly string[]): void {
    const roots = new Set<string>();
    for (const folder of folders) {
      const resolved = path.resolve(folder);
      roots.add(resolved);
      const module = moduleRootOf(resolved);
      if (module) roots.add(module);
    }
    this.roots = [...roots];
    for (const dir of [...this.results.keys()]) if (!this.inScope(dir)) this.forget(dir);
  }

  /** Whether the package in `dir` is analysed on open and save. */
  inScope(dir: string): boolean {
    return this.requested.has(dir) || this.roots.some((r) => dir === r || dir.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  }

  /** Analyses the package of a file on request, inside the workspace or not; it then stays analysed on save. */
  async analysePackage(uri: string): Promise<boolean> {
    const dir = this.docs.packageDirOf(uri);
    if (!dir) return false;
    this.requested.add(dir);
    await this.request(dir);
    return true;
  }

  /**
   * The heap profile the editor shows (null when it closed): findings on its lines say what they
   * measured, hot ones get goMemoryInsight.escapeAnalysis.hotSeverity, and with `onlyMeasured`
   * only the escapes of measured lines are shown. Every published file is published again.
   */
  setMeasuredCost(cost: MeasuredCost | undefined): void {
    this.measuredCost = cost;
    this.measured = undefined;
    void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    this.connection.console.info(cost ? `Measured cost from ${cost.profile} (${cost.sampleType}): ${cost.lines.length} lines${cost.onlyMeasured ? ', only measured escapes shown' : ''}` : 'Measured cost cleared');
    for (const result of this.results.values()) {
      if (!result.model) continue;
      result.allotment = undefined;
      const texts = this.docs.textCache();
      for (const file of result.compiled.keys()) {
        if (result.partial && file.endsWith('_test.go')) continue;
        if (this.settings.publish === 'package' || this.docs.documentOf(file)) this.publishFile(result, file, texts);
      }
    }
  }

  private measuredIndex(): MeasuredIndex | undefined {
    if (!this.measuredCost) return undefined;
    const threshold = this.settings.hotThreshold;
    if (!this.measured || this.measured.threshold !== threshold) this.measured = { index: new MeasuredIndex(this.measuredCost, threshold), threshold };
    return this.measured.index;
  }

  /**
   * The compiler's findings at the given lines (goMemory/hotspotFindings, for the hot spots
   * view). Packages in the workspace that have no result yet are analysed first; the answer
   * waits for them. Files that cannot have findings say why.
   */
  async hotspotFindings(params: HotspotFindingsParams): Promise<HotspotFindingsResult> {
    this.settings = await this.loadSettings();
    return answerHotspotFindings(params, {
      settings: this.settings,
      hasGo: this.goBinary() !== undefined,
      result: (dir) => this.results.get(dir),
      inScope: (dir) => this.inScope(dir),
      ensureAnalysed: (dir) => this.ensureAnalysed(dir),
      testVariant: (dir) => this.testVariant(dir),
    });
  }

  /** How a package is compiled: its directory alone, with the settings' tags and bounds checks. */
  private runOptions(go: string, dir: string, includeTests: boolean): EscapeRunOptions {
    return {
      goBinary: go,
      dir,
      packages: ['.'],
      env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
      tags: this.settings.buildTags,
      boundsChecks: this.settings.boundsChecks,
      includeTests,
    };
  }

  /**
   * The package compiled with its test files (includeTestFiles off leaves them out of the
   * editor), kept while no file of the workspace and no setting changed.
   */
  private testVariant(dir: string): Promise<{ model?: EscapeModel; message?: string }> {
    const go = this.goBinary();
    if (!go) return Promise.resolve({ message: 'no go binary' });
    const key = `${this.digests.generation}\u0000${memoKey(this.settings, go)}`;
    const kept = this.testVariants.get(dir);
    if (kept?.key === key) return kept.run;
    const started = Date.now();
    const run = runEscapeAnalysis(this.runOptions(go, dir, true)).then(
      (res) => {
        const first = res.testErrors[0];
        if (first || (res.testMessages[0] && res.model.size === 0)) {
          const message = `the test files do not build: ${first ? `${path.basename(first.file)}:${first.line}: ${first.message}` : res.testMessages[0]}`;
          this.connection.console.info(`Test files of ${dir} for the hot spots: ${message}`);
          return { message };
        }
        this.connection.console.info(`Analysed ${dir} with its test files for the hot spots in ${Date.now() - started} ms`);
        return { model: res.model };
      },
      (err: unknown) => {
        this.testVariants.delete(dir);
        return { message: err instanceof Error ? err.message : String(err) };
      },
    );
    this.testVariants.set(dir, { key, run });
    return run;
  }

  /** Resolves once the package in `dir` has a final result (analysing it when it has none and is in the workspace). */
  private ensureAnalysed(dir: string): Promise<void> {
    if (!this.inScope(dir) || !fs.existsSync(dir)) return Promise.resolve();
    const result = this.results.get(dir);
    const busy = this.scheduler.isBusy(dir);
    if (result && !result.partial && !busy) return Promise.resolve();
    const wait = new Promise<void>((resolve) => {
      const list = this.waiters.get(dir) ?? [];
      list.push(resolve);
      this.waiters.set(dir, list);
    });
    if (!busy) void this.request(dir);
    return wait;
  }

  private wake(dir: string): void {
    const list = this.waiters.get(dir);
    if (!list) return;
    this.waiters.delete(dir);
    for (const resolve of list) resolve();
  }

  dispose(): void {
    this.scheduler.cancelAll();
    for (const dir of [...this.waiters.keys()]) this.wake(dir);
  }

  // ---- requests -----------------------------------------------------------------------

  hover(uri: string, line: number, character: number): Hover | undefined {
    const file = this.docs.fileOf(uri);
    const result = file ? this.results.get(path.dirname(file)) : undefined;
    if (!file || !result?.model || !this.settings.enabled || this.excluded(file)) return undefined;
    if (!this.isCurrentLine(result, file, line + 1)) return undefined;
    const hits = findingsAtPosition(result.model, file, { line, character }, this.docs.textCache());
    const index = this.measuredIndex();
    const cost = index && hits.some((f) => HEAP_KINDS.has(f.kind)) ? index.at(file, line + 1) : undefined;
    const measured = cost && index ? `in the last profile (${index.cost.profile}): ${index.describe(cost)}${index.isHot(file, line + 1) ? ' — a hot line' : ''}` : undefined;
    return hoverFor(hits, result.model.functionAt(file, line + 1), measured);
  }

  codeLenses(uri: string): CodeLens[] {
    const file = this.docs.fileOf(uri);
    const result = file ? this.results.get(path.dirname(file)) : undefined;
    if (!file || !result?.model || !this.settings.enabled || !this.settings.codeLens || this.excluded(file)) return [];
    const kinds = new Set(this.settings.kinds);
    const index = this.measuredIndex();
    const measured = index
      ? (from: number, to: number) => {
          const sum = index.sumIn(file, from, to);
          return sum ? index.short(sum) : undefined;
        }
      : undefined;
    return codeLensesForFile(result.model, file, this.docs.textCache(), (l) => this.isCurrentLine(result, file, l), (f) => isShown(f, kinds), measured);
  }

  // ---- internals ----------------------------------------------------------------------

  private isCurrentLine(result: PackageResult, file: string, line: number): boolean {
    return this.docs.isCurrentLine(result.compiled, file, line);
  }

  /**
   * Re-publishes the package's last result when nothing it depends on changed since its run:
   * same settings and go binary, the package's Go files as they were (read again now), and no
   * other change seen in the workspace. Returns false when the go command must run.
   */
  private reuse(dir: string): boolean {
    const result = this.results.get(dir);
    const go = this.goBinary();
    if (!result?.memo || !go || !this.settings.enabled || this.scheduler.isBusy(dir)) return false;
    if (result.memo.key !== memoKey(this.settings, go)) return false;
    const names = goFilesOf(dir);
    if (names === undefined || names.length !== result.compiled.size) return false;
    // A file that differs is read again by the run that follows, which records the change.
    for (const name of names) {
      const file = path.join(dir, name);
      const compiled = result.compiled.get(file);
      if (!compiled || readString(file) !== compiled.text) return false;
    }
    if (result.memo.generation !== this.digests.generation) return false;
    this.connection.console.info(`Analysis of ${dir} is current (nothing changed since it ran): re-published`);
    this.install(result, true);
    return true;
  }

  private async request(dir: string): Promise<void> {
    this.settings = await this.loadSettings();
    this.schedule(dir, false);
  }

  /** Schedules a run for the package with the settings already loaded. */
  private schedule(dir: string, immediate: boolean, delayMs?: number): void {
    const go = this.goBinary();
    if (!this.settings.enabled) {
      this.forget(dir);
      this.report({ state: 'disabled', packageDir: dir, packageName: path.basename(dir) });
      return;
    }
    if (!go) {
      this.forget(dir);
      this.report({ state: 'no-go', packageDir: dir, packageName: path.basename(dir), message: 'No go binary: set goMemoryInsight.goPath (or the workspace is not trusted).' });
      return;
    }
    this.scheduler.schedule(dir, {
      run: (signal) => this.analyse(dir, go, signal),
      done: (result) => {
        this.autoRuns.delete(dir);
        this.install(result);
      },
      failed: (err) => {
        const message = err instanceof Error ? err.message : String(err);
        this.connection.console.error(`Escape analysis of ${dir} failed: ${message}`);
        const previous = this.results.get(dir);
        this.forget(dir);
        const status: AnalysisStatus = { state: 'error', packageDir: dir, packageName: path.basename(dir), message };
        // Keep the failure visible for the package (status bar) without any stale findings.
        this.results.set(dir, { dir, errors: [], compiled: new Map(), published: previous?.published ?? new Set(), status });
        this.report(status);
        this.wake(dir);
      },
    }, immediate, delayMs);
  }

  private async analyse(dir: string, go: string, signal: AbortSignal): Promise<PackageResult> {
    this.report({ state: 'analysing', packageDir: dir, packageName: path.basename(dir) });
    // The text of every Go file of the package as it is on disk now: what the compiler reads.
    const compiled = new Map<string, LineIndex>();
    for (const name of goFilesOf(dir) ?? []) {
      const file = path.join(dir, name);
      const text = readText(file);
      if (!text) continue;
      compiled.set(file, text);
      this.digests.observe(file, digest(text.text));
    }
    const memo = { generation: this.digests.generation, key: memoKey(this.settings, go) };
    const started = Date.now();
    const name = path.basename(dir);
    const excludedPackage = packageMatcher(this.settings.excludePackages);
    let excludedAs: string | undefined;
    // Aborted by the scheduler (a newer run) or here, when the package turns out to be excluded.
    const run = new AbortController();
    const stop = (): void => run.abort();
    signal.addEventListener('abort', stop);
    let res: EscapeRunResult | undefined;
    try {
      res = await runEscapeAnalysis({
        ...this.runOptions(go, dir, this.settings.includeTestFiles),
        signal: run.signal,
        readSource: (f) => compiled.get(f)?.text,
        // The package's own files first: the test variants compile after it.
        onPackages: (partial) => {
          if (signal.aborted) return;
          const importPath = partial.packages[0]?.importPath;
          if (importPath && excludedPackage(importPath)) {
            excludedAs = importPath;
            run.abort();
            return;
          }
          const escapes = this.escapesIn(dir, partial.model);
          this.connection.console.info(`Analysed ${dir} (test files still compiling) in ${Date.now() - started} ms: ${partial.model.size} findings, ${escapes} heap escapes`);
          const status: AnalysisStatus = { state: 'ok', packageDir: dir, packageName: importPath ?? name, escapes, durationMs: Date.now() - started, message: 'analysing test files…' };
          this.install({ dir, model: partial.model, errors: [], compiled, published: new Set(this.results.get(dir)?.published), status, partial: true });
        },
      });
    } catch (err) {
      if (excludedAs === undefined || signal.aborted) throw err;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    const importPath = excludedAs ?? res?.packages[0]?.importPath;
    if (!res || (importPath !== undefined && excludedPackage(importPath))) {
      this.connection.console.info(`${importPath ?? dir} is excluded by goMemoryInsight.escapeAnalysis.excludePackages: nothing is shown for it`);
      return { dir, errors: [], compiled, published: new Set(), memo, status: { state: 'excluded', packageDir: dir, packageName: importPath ?? name, message: 'excluded by goMemoryInsight.escapeAnalysis.excludePackages' } };
    }
    const durationMs = Date.now() - started;
    if (res.errors.length > 0 || (res.model.size === 0 && res.messages.length > 0)) {
      const first = res.errors[0];
      const message = first ? `${path.basename(first.file)}:${first.line}: ${first.message}` : res.messages[0];
      return { dir, errors: res.errors, compiled, published: new Set(), memo, status: { state: 'build-failed', packageDir: dir, packageName: name, message, durationMs } };
    }
    const escapes = this.escapesIn(dir, res.model);
    const firstTestError = res.testErrors[0];
    const testFailure = firstTestError ? `the test files do not build: ${path.basename(firstTestError.file)}:${firstTestError.line}: ${firstTestError.message}` : res.testMessages[0] ? `the test files do not build: ${res.testMessages[0]}` : undefined;
    this.connection.console.info(`Analysed ${dir} in ${durationMs} ms: ${res.model.size} findings, ${escapes} heap escapes${testFailure ? `; ${testFailure}` : ''}`);
    return { dir, model: res.model, errors: res.testErrors, compiled, published: new Set(), memo, status: { state: 'ok', packageDir: dir, packageName: importPath ?? name, escapes, durationMs, message: testFailure } };
  }

  /** The heap allocations the editor shows for a package: its own files (and test files when asked), none excluded. */
  private escapesIn(dir: string, model: EscapeModel): number {
    let n = 0;
    for (const f of model.all()) {
      if (HEAP_KINDS.has(f.kind) && path.dirname(f.file) === dir && (this.settings.includeTestFiles || !isTestFile(f.file)) && !this.excluded(f.file)) n++;
    }
    return n;
  }

  /** Files the settings' globs exclude from diagnostics, hovers and lenses. */
  private excluded(file: string): boolean {
    const key = this.settings.exclude.join('\u0000');
    if (this.pathFilter?.key !== key || this.pathFilter.roots !== this.roots) this.pathFilter = { key, roots: this.roots, filter: new PathFilter(this.settings.exclude, this.roots) };
    return this.pathFilter.filter.excludes(file);
  }

  /** Publishes a result. `reused`: it is the one on screen already, so only open files are sent again. */
  private install(result: PackageResult, reused = false): void {
    const previous = this.results.get(result.dir);
    this.results.set(result.dir, result);
    result.allotment = undefined;
    const files = new Set<string>();
    for (const f of result.compiled.keys()) files.add(f);
    for (const e of result.errors) files.add(e.file);
    // Files open in the editor first; the others (for the Problems view) on the next turn of
    // the event loop, so that a big package does not hold up what the user is looking at.
    const texts = this.docs.textCache();
    const rest: string[] = [];
    for (const f of files) {
      // While the test files compile, what is on screen for them stays.
      if (result.partial && f.endsWith('_test.go')) continue;
      if (this.docs.documentOf(f)) this.publishFile(result, f, texts);
      else rest.push(f);
    }
    this.report(result.status);
    void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    if (!result.partial) this.wake(result.dir);
    if (reused) return;
    // In slices of about 20 ms, so hovers and lenses asked for meanwhile are answered.
    let next = 0;
    const publishRest = (): void => {
      if (this.results.get(result.dir) !== result) return; // superseded or forgotten meanwhile
      const until = Date.now() + 20;
      while (next < rest.length && Date.now() < until) this.publishFile(result, rest[next++]!, texts);
      if (next < rest.length) {
        setImmediate(publishRest);
        return;
      }
      if (result.partial) return;
      // Clear files that had diagnostics before but are not part of this result.
      for (const uri of previous?.published ?? []) {
        if (!result.published.has(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      }
    };
    setImmediate(publishRest);
  }

  private publishFile(result: PackageResult, file: string, texts: TextSource = this.docs.textCache()): void {
    const uri = fileUri(file);
    const diagnostics = fileDiagnostics(result, file, texts, {
      settings: this.settings,
      unlimited: this.unlimited.has(result.dir),
      excluded: (f) => this.excluded(f),
      isOpen: (f) => this.docs.documentOf(f) !== undefined,
      isCurrentLine: (f, line) => this.isCurrentLine(result, f, line),
      measured: this.measuredIndex(),
    });
    if (diagnostics.length > 0 || result.published.has(uri)) {
      result.published.add(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
  }

  private forget(dir: string): void {
    this.scheduler.cancel(dir);
    this.wake(dir);
    const result = this.results.get(dir);
    if (!result) return;
    this.results.delete(dir);
    for (const uri of result.published) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private report(status: AnalysisStatus): void {
    void this.connection.sendNotification(AnalysisStatusNotification.method, status);
  }
}
