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
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeAction, CodeLens, Connection, Diagnostic, Hover, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { EscapeModel, Finding } from '../../escape/model';
import { LineIndex } from '../../escape/positions';
import { runEscapeAnalysis, type EscapeRunResult } from '../../escape/run';
import type { CompilerError } from '../../escape/types';
import { AnalysisStatusNotification, SHOW_ALL_FINDINGS_SERVER_COMMAND, type AnalysisStatus, type HotspotFindingsParams, type HotspotFindingsResult, type MeasuredCost } from '../../shared/protocol';
import { lineFindings } from '../../hotspots/report';
import { isShown, isTestFile, packageMatcher, PathFilter } from './filters';
import { codeLensesForFile, diagnosticsForFile, errorDiagnostics, fileUri, findingsAtPosition, HEAP_KINDS, hoverFor, severityFromSetting, type PresentOptions, type TextSource } from './present';
import { MeasuredIndex } from './measured';
import { KeyedScheduler } from './scheduler';
import { DEFAULT_SETTINGS, type EscapeSettings } from './settings';

interface PackageResult {
  dir: string;
  model?: EscapeModel;
  /** Errors of a package that does not build, or of test files that do not (the package's findings stand). */
  errors: CompilerError[];
  /** The text of each Go file of the package as it was when compiled. */
  compiled: Map<string, LineIndex>;
  /** URIs that received diagnostics, to clear them later. */
  published: Set<string>;
  status: AnalysisStatus;
  /** The workspace generation after the run read its files, and its settings and go binary: what makes the result reusable. */
  memo?: { generation: number; key: string };
  /** The package's own findings, published while its test files are still compiling. */
  partial?: boolean;
  /** How many escape diagnostics each file may show, from the package's limit; files not listed share `spare`. */
  allotment?: { perFile: Map<string, number>; spare: number; hidden: number };
}

/** What a memoised result depends on besides files: the settings and the go binary. */
function memoKey(settings: EscapeSettings, go: string): string {
  return JSON.stringify([go, settings.kinds, settings.boundsChecks, settings.buildTags, settings.includeTestFiles, settings.excludePackages]);
}

function digest(text: string | Buffer | undefined): string {
  return text === undefined ? '' : createHash('sha1').update(text).digest('base64');
}

/** The directory of the go.mod file at or above `dir`, if any. */
function moduleRootOf(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'go.mod'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

function readString(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readText(file: string): LineIndex | undefined {
  const text = readString(file);
  return text === undefined ? undefined : new LineIndex(text);
}

export class EscapeService {
  private readonly results = new Map<string, PackageResult>();
  private readonly scheduler: KeyedScheduler<PackageResult>;
  private settings: EscapeSettings = DEFAULT_SETTINGS;
  /** Bumped whenever a Go file, go.mod, go.sum or go.work is seen with content not seen before. */
  private generation = 0;
  /** Content digest of every such file as last seen ('' for missing). */
  private readonly seen = new Map<string, string>();
  /** Directories whose packages are analysed on open and save: the workspace folders and their modules. */
  private roots: string[] = [];
  /** Packages outside them that the user asked to analyse. */
  private readonly requested = new Set<string>();
  /** Open documents' URIs by path, rebuilt after a document opens or closes. */
  private openPaths: Map<string, string> | undefined;
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
  /** Callers waiting for a package's final result (goMemory/hotspotFindings). */
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly goBinary: () => string | undefined,
    private readonly loadSettings: () => Promise<EscapeSettings>,
  ) {
    this.scheduler = new KeyedScheduler(() => this.settings.debounceMs);
  }

  // ---- events -------------------------------------------------------------------------

  async opened(doc: TextDocument): Promise<void> {
    this.openPaths = undefined;
    const dir = this.packageDirOf(doc.uri);
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
    const file = this.fileOf(doc.uri);
    if (file) this.observeDisk(file);
    const dir = this.packageDirOf(doc.uri);
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
    const dir = this.packageDirOf(doc.uri);
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
    this.openPaths = undefined;
    const dir = this.packageDirOf(doc.uri);
    if (!dir) return;
    const stillOpen = this.documents.all().some((d) => d.uri !== doc.uri && this.packageDirOf(d.uri) === dir);
    if (!stillOpen) {
      this.forget(dir);
      this.requested.delete(dir);
      this.unlimited.delete(dir);
      return;
    }
    // Only open files carry escape diagnostics, unless the whole package is published.
    const result = this.results.get(dir);
    const file = this.fileOf(doc.uri);
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
    const file = this.fileOf(uri);
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
    const dirs = new Set(this.documents.all().map((d) => this.packageDirOf(d.uri)).filter((d): d is string => !!d && this.inScope(d)));
    for (const dir of [...this.results.keys()]) if (!dirs.has(dir)) this.forget(dir);
    for (const dir of dirs) await this.request(dir);
  }

  /**
   * Go files, go.mod, go.sum or go.work changed on disk. `reanalyse` lists the URIs of files
   * not open in the editor (git, generators): their open packages are analysed again.
   */
  async filesChanged(uris: string[], reanalyse: string[] = uris): Promise<void> {
    for (const uri of uris) {
      const file = this.fileOf(uri);
      // A file seen before is read to tell a real change from the echo of a save; any other
      // (a branch switch may bring thousands) is a change without reading it.
      if (file && this.seen.has(file)) this.observeDisk(file);
      else this.generation++;
    }
    const dirs = new Set(reanalyse.map((u) => this.packageDirOf(u)).filter((d): d is string => !!d && this.results.has(d)));
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
    const dir = this.packageDirOf(uri);
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
      const texts = this.textCache();
      for (const file of result.compiled.keys()) {
        if (result.partial && file.endsWith('_test.go')) continue;
        if (this.settings.publish === 'package' || this.documentOf(file)) this.publishFile(result, file, texts);
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
    const byFile = new Map<string, Set<number>>();
    for (const l of params.lines ?? []) {
      if (typeof l?.file !== 'string' || !path.isAbsolute(l.file) || typeof l.line !== 'number') continue;
      const file = path.normalize(l.file);
      let set = byFile.get(file);
      if (!set) byFile.set(file, (set = new Set()));
      set.add(l.line);
    }
    this.settings = await this.loadSettings();
    // Two packages at a time: a profile may reach dozens of the workspace's packages, and each
    // analysis is a compile.
    const queue = [...new Set([...byFile.keys()].map((f) => path.dirname(f)))];
    const worker = async (): Promise<void> => {
      for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) await this.ensureAnalysed(dir);
    };
    await Promise.all([worker(), worker()]);
    const files: HotspotFindingsResult['files'] = [];
    for (const [file, lines] of byFile) {
      const dir = path.dirname(file);
      const result = this.results.get(dir);
      const entry: HotspotFindingsResult['files'][number] = { file, state: 'ok', lines: [] };
      files.push(entry);
      if (!fs.existsSync(file)) {
        entry.state = 'missing';
        entry.message = 'the file is not on this machine';
      } else if (!this.inScope(dir)) {
        entry.state = 'outside-workspace';
        entry.message = 'outside the workspace: analysed only on request (Analyse This Package)';
      } else if (!result || !result.model || result.status.state !== 'ok') {
        const state = !this.settings.enabled ? 'disabled' : !this.goBinary() ? 'no-go' : result?.status.state;
        entry.state = state === 'build-failed' || state === 'excluded' || state === 'disabled' || state === 'no-go' ? state : 'error';
        entry.message = state === 'disabled' ? 'escape analysis is off (goMemoryInsight.escapeAnalysis.enabled)' : state === 'no-go' ? 'no go binary' : (result?.status.message ?? 'not analysed');
      } else if (isTestFile(file) && !this.settings.includeTestFiles) {
        entry.state = 'test-files-off';
        entry.message = 'test files are analysed only with goMemoryInsight.escapeAnalysis.includeTestFiles';
      } else {
        for (const line of [...lines].sort((a, b) => a - b)) {
          const found = lineFindings(result.model.findingsAt(file, line));
          entry.lines.push({ line, heap: found.heap, onStack: found.onStack });
        }
      }
    }
    return { files };
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
    const file = this.fileOf(uri);
    const result = file ? this.results.get(path.dirname(file)) : undefined;
    if (!file || !result?.model || !this.settings.enabled || this.excluded(file)) return undefined;
    if (!this.isCurrentLine(result, file, line + 1)) return undefined;
    const hits = findingsAtPosition(result.model, file, { line, character }, this.textCache());
    const index = this.measuredIndex();
    const cost = index && hits.some((f) => HEAP_KINDS.has(f.kind)) ? index.at(file, line + 1) : undefined;
    const measured = cost && index ? `in the last profile (${index.cost.profile}): ${index.describe(cost)}${index.isHot(file, line + 1) ? ' — a hot line' : ''}` : undefined;
    return hoverFor(hits, result.model.functionAt(file, line + 1), measured);
  }

  codeLenses(uri: string): CodeLens[] {
    const file = this.fileOf(uri);
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
    return codeLensesForFile(result.model, file, this.textCache(), (l) => this.isCurrentLine(result, file, l), (f) => isShown(f, kinds), measured);
  }

  // ---- internals ----------------------------------------------------------------------

  private readonly texts = (file: string): LineIndex | undefined => {
    const doc = this.documentOf(file);
    return doc ? new LineIndex(doc.getText()) : readText(file);
  };

  /**
   * The open document of a file. Editors spell URIs their own way (VS Code percent-encodes
   * `(`, `)`, `@`…, Node does not), so documents are found by path.
   */
  private documentOf(file: string): TextDocument | undefined {
    const doc = this.documents.get(fileUri(file));
    if (doc) return doc;
    if (!this.openPaths) {
      this.openPaths = new Map();
      for (const d of this.documents.all()) {
        const f = this.fileOf(d.uri);
        if (f) this.openPaths.set(f, d.uri);
      }
    }
    const uri = this.openPaths.get(file);
    return uri === undefined ? undefined : this.documents.get(uri);
  }

  private fileOf(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }

  private packageDirOf(uri: string): string | undefined {
    const file = this.fileOf(uri);
    return file && file.endsWith('.go') ? path.dirname(file) : undefined;
  }

  private isCurrentLine(result: PackageResult, file: string, line: number): boolean {
    const compiled = result.compiled.get(file);
    if (!compiled) return false;
    const doc = this.documentOf(file);
    if (!doc) return true;
    const current = doc.getText({ start: { line: line - 1, character: 0 }, end: { line, character: 0 } }).replace(/\r?\n$/, '');
    return current === compiled.lineText(line);
  }

  /** Records a file's content as seen now; anything new bumps the workspace generation. */
  private observe(file: string, contentDigest: string): void {
    if (this.seen.get(file) === contentDigest) return;
    this.seen.set(file, contentDigest);
    this.generation++;
  }

  private observeDisk(file: string): void {
    let content: Buffer | undefined;
    try {
      content = fs.readFileSync(file);
    } catch {
      content = undefined;
    }
    this.observe(file, digest(content));
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
    const names = this.goFilesOf(dir);
    if (names === undefined || names.length !== result.compiled.size) return false;
    // A file that differs is read again by the run that follows, which records the change.
    for (const name of names) {
      const file = path.join(dir, name);
      const compiled = result.compiled.get(file);
      if (!compiled || readString(file) !== compiled.text) return false;
    }
    if (result.memo.generation !== this.generation) return false;
    this.connection.console.info(`Analysis of ${dir} is current (nothing changed since it ran): re-published`);
    this.install(result, true);
    return true;
  }

  private goFilesOf(dir: string): string[] | undefined {
    try {
      return fs.readdirSync(dir).filter((n) => n.endsWith('.go'));
    } catch {
      return undefined;
    }
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
    for (const name of this.goFilesOf(dir) ?? []) {
      const file = path.join(dir, name);
      const text = readText(file);
      if (!text) continue;
      compiled.set(file, text);
      this.observe(file, digest(text.text));
    }
    const memo = { generation: this.generation, key: memoKey(this.settings, go) };
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
        goBinary: go,
        dir,
        packages: ['.'],
        env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
        tags: this.settings.buildTags,
        boundsChecks: this.settings.boundsChecks,
        includeTests: this.settings.includeTestFiles,
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
    const texts = this.textCache();
    const rest: string[] = [];
    for (const f of files) {
      // While the test files compile, what is on screen for them stays.
      if (result.partial && f.endsWith('_test.go')) continue;
      if (this.documentOf(f)) this.publishFile(result, f, texts);
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

  /** A text source that reads each file (or open document) once: one per request or publish. */
  private textCache(): TextSource {
    const cache = new Map<string, LineIndex | undefined>();
    return (file) => {
      let t = cache.get(file);
      if (t === undefined && !cache.has(file)) cache.set(file, (t = this.texts(file)));
      return t;
    };
  }

  private publishFile(result: PackageResult, file: string, texts: TextSource = this.textCache()): void {
    const uri = fileUri(file);
    const diagnostics = [];
    const errors = errorDiagnostics(result.errors.filter((e) => e.file === file), texts).get(file) ?? [];
    diagnostics.push(...errors);
    // Compiler errors go to every file; findings to the open ones, or to all when the whole package is published.
    const withFindings = result.model && !this.excluded(file) && (this.settings.includeTestFiles || !isTestFile(file)) && (this.settings.publish === 'package' || this.documentOf(file) !== undefined);
    if (result.model && withFindings) {
      const kinds = new Set(this.settings.kinds);
      const index = this.measuredIndex();
      // With a profile shown and "only escapes that measured cost" on, the others are not shown.
      const onlyMeasured = index?.onlyMeasured === true;
      const show = (f: Finding): boolean => isShown(f, kinds) && (!onlyMeasured || !HEAP_KINDS.has(f.kind) || index!.at(file, f.line) !== undefined);
      const isCurrent = (f: Finding): boolean => this.isCurrentLine(result, file, f.line);
      const hotSeverity = this.settings.hotSeverity === 'off' ? undefined : severityFromSetting(this.settings.hotSeverity);
      const measured = index
        ? (f: Finding) => {
            const cost = index.at(file, f.line);
            if (!cost) return undefined;
            return { text: index.describe(cost), severity: hotSeverity !== undefined && index.isHot(file, f.line) ? hotSeverity : undefined };
          }
        : undefined;
      const opts: PresentOptions = { kinds, severity: severityFromSetting(this.settings.severity), maxPerFile: this.settings.maxPerFile, show, measured, packageCap: this.packageCap(result, file, (f) => show(f) && isCurrent(f)) };
      diagnostics.push(...diagnosticsForFile(result.model, file, texts, opts, isCurrent));
    }
    if (diagnostics.length > 0 || result.published.has(uri)) {
      result.published.add(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
  }

  /**
   * The file's share of the package's limit (goMemoryInsight.escapeAnalysis.maxDiagnostics): files
   * take it in the order they are published, open files first, and keep it while they are edited.
   */
  private packageCap(result: PackageResult, file: string, visible: (f: Finding) => boolean): PresentOptions['packageCap'] {
    if (this.unlimited.has(result.dir) || !result.model) return undefined;
    const limit = this.settings.maxPerPackage;
    const allot = (result.allotment ??= { perFile: new Map(), spare: limit, hidden: 0 });
    let cap = allot.perFile.get(file);
    if (cap === undefined) {
      let n = 0;
      for (const f of result.model.findingsForFile(file)) if (visible(f)) n++;
      cap = Math.min(n, allot.spare);
      allot.spare -= cap;
      allot.hidden += n - cap;
      allot.perFile.set(file, cap);
    }
    return { cap, limit, hiddenInPackage: () => allot.hidden };
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
