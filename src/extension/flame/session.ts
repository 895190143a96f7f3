// One flame graph panel (a custom editor or a plain webview panel): loads the profile files,
// posts them to the webview once it says it is ready, answers its messages and opens sources.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ProfileData } from '../../shared/profileData';
import type { ProfileDecoder } from '../decode';
import type { FlameSource, HostMessage, ShowGcTraceMessage } from '../../shared/webviewProtocol';
import { readGcTraceMessage } from '../gc/trace';
import { parseWebviewMessage } from '../../shared/webviewProtocol';
import { makeNonce, webviewHtml } from './html';
import { resolveSourcePath } from './sourcePaths';
import { GoSourceEnvCache } from './goSourceEnv';

export interface SessionHost {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  sourceEnv: GoSourceEnvCache;
  /** Decodes profiles off the main thread. */
  decoder: ProfileDecoder;
  /** The session's profile or sample type or visibility changed. */
  changed(session: FlameSession): void;
  disposed(session: FlameSession): void;
}

export type OpenProfileResult = { ok: true; data: ProfileData; sampleIndex: number } | { ok: false; error: string };

export interface SourceLocation {
  path: string;
  line: number;
}

export class FlameSession implements vscode.Disposable {
  data: ProfileData | undefined;
  base: ProfileData | undefined;
  sampleIndex = 0;
  error: string | undefined;
  /** Set when the webview reported its first paint of the current profile. */
  rendered: { nodeCount: number; ms: number; sampleIndex: number } | undefined;
  /** The last error the webview reported since the profile was loaded (a message it refused, an exception). */
  webviewError: string | undefined;
  private ready = false;
  private loading: Promise<OpenProfileResult> | undefined;
  /** The generation of the last load that ended (loadGeneration when none is running). */
  private loadedGeneration = 0;
  /** Stops the current load's decoding (a newer load, or closing the panel). */
  private loadAbort: AbortController | undefined;
  private loadGeneration = 0;
  private pendingSampleIndex: number | undefined;
  /** The GC trace of the run, for the panel's GC tab. */
  gcTrace: ShowGcTraceMessage | undefined;
  /** What the panel's GC tab shows, as it reported it. */
  gcShown: { cycles: number; predictedCycles: number; verdict: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    public source: FlameSource,
    private readonly host: SessionHost,
  ) {
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(host.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(host.extensionUri, 'media');
    webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.css')).toString(),
      nonce: makeNonce(),
    });
    panel.title = source.title ?? path.posix.basename(vscode.Uri.parse(source.uri).path);
    panel.iconPath = vscode.Uri.joinPath(media, 'flame.svg');
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState(() => this.host.changed(this)),
      panel.onDidDispose(() => this.dispose()),
    );
    this.watch();
  }

  get uri(): vscode.Uri {
    return vscode.Uri.parse(this.source.uri);
  }

  get baseUri(): vscode.Uri | undefined {
    return this.source.baseUri ? vscode.Uri.parse(this.source.baseUri) : undefined;
  }

  /** Reloads when the profile file is rewritten (a new profiling run to the same file). */
  private watch(): void {
    const uri = this.uri;
    if (uri.scheme !== 'file') return;
    this.watcher?.dispose();
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)), true, false, true);
    this.watcher.onDidChange(() => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.host.log.info(`Flame graph: ${uri.fsPath} changed on disk, reloading`);
        void this.load();
      }, 300);
    });
  }

  /** Changes what the panel shows (used when openProfile targets an open panel). */
  update(source: FlameSource): void {
    const uriChanged = source.uri !== this.source.uri;
    this.source = source;
    if (source.title) this.panel.title = source.title;
    if (uriChanged) this.watch();
  }

  /**
   * Reads the files and shows the profile (or the error) in the panel. `preloaded` is the
   * profile at the session's uri already decoded by the caller: it is shown as it is, not
   * decoded again. A newer load stops this one's decoding, and this one answers with its result.
   */
  load(preloaded?: ProfileData): Promise<OpenProfileResult> {
    this.loadAbort?.abort();
    const abort = new AbortController();
    this.loadAbort = abort;
    const generation = ++this.loadGeneration;
    const run = this.doLoad(preloaded, abort).then((r) => {
      if (generation === this.loadGeneration) this.loadedGeneration = generation;
      return generation !== this.loadGeneration && this.loading ? this.loading : r;
    });
    this.loading = run;
    return run;
  }

  /** A load has started and not ended. */
  get busy(): boolean {
    return this.loadedGeneration !== this.loadGeneration;
  }

  private async doLoad(preloaded: ProfileData | undefined, abort: AbortController): Promise<OpenProfileResult> {
    const signal = abort.signal;
    this.rendered = undefined;
    this.webviewError = undefined;
    this.post({ type: 'loading', message: `Reading ${path.posix.basename(this.uri.path)}…` });
    try {
      const [data, base, env] = await Promise.all([
        preloaded ?? this.host.decoder.load(this.uri, { signal }),
        this.baseUri ? this.host.decoder.load(this.baseUri, { signal }) : Promise.resolve(undefined),
        this.host.sourceEnv.get(this.source.sourceDir ?? GoSourceEnvCache.dirFor(this.uri)).catch(() => undefined),
      ]);
      if (signal.aborted) return { ok: false, error: 'A newer load replaced this one.' };
      if (env?.mainModule) data.mainModule = env.mainModule;
      if (base && env?.mainModule) base.mainModule = env.mainModule;
      // Without an explicit type the webview keeps its saved choice (or the default) and
      // reports what it shows in its 'rendered' message.
      let sampleIndex = data.defaultSampleIndex;
      let explicit = false;
      if (this.source.sampleType) {
        const i = data.sampleTypes.findIndex((t) => t.type === this.source.sampleType);
        if (i >= 0) {
          sampleIndex = i;
          explicit = true;
        } else {
          this.host.log.warn(`Flame graph: ${data.name} has no sample type "${this.source.sampleType}" (it has ${data.sampleTypes.map((t) => t.type).join(', ')}); showing ${data.sampleTypes[sampleIndex]!.type}`);
        }
      } else if (this.data && this.data.sampleTypes.length === data.sampleTypes.length) {
        sampleIndex = this.sampleIndex; // a reload keeps the user's choice
        explicit = true;
      }
      if (this.disposed) return { ok: false, error: 'The panel was closed.' };
      this.data = data;
      this.base = base;
      this.sampleIndex = sampleIndex;
      this.pendingSampleIndex = explicit ? sampleIndex : undefined;
      this.error = undefined;
      this.host.log.info(`Flame graph: loaded ${data.name}${base ? ` against ${base.name}` : ''}: ${data.sampleTypes.length} sample types, ${data.funcName.length} functions, ${data.stackStart.length - 1} stacks`);
      this.gcTrace = await readGcTraceMessage(this.source.gcTrace, this.host.log);
      if (this.disposed) return { ok: false, error: 'The panel was closed.' };
      this.sendProfile();
      this.host.changed(this);
      return { ok: true, data, sampleIndex };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.disposed) return { ok: false, error: 'The panel was closed.' };
      if (signal.aborted) return { ok: false, error: message };
      abort.abort(); // the other profile's decoding, if it still runs
      this.host.log.error(`Flame graph: ${message}`);
      this.error = message;
      this.data = undefined;
      this.base = undefined;
      this.post({ type: 'showError', message });
      this.host.changed(this);
      return { ok: false, error: message };
    }
  }

  /** Selects a sample type by name; false when the profile has none of that name. */
  setSampleType(type: string): boolean {
    const i = this.data?.sampleTypes.findIndex((t) => t.type === type) ?? -1;
    if (i < 0 || !this.data) return false;
    this.sampleIndex = i;
    this.pendingSampleIndex = i;
    this.sendProfile();
    this.host.changed(this);
    return true;
  }

  private sendProfile(): void {
    if (!this.ready || !this.data) return;
    const title = this.source.title ?? (this.base ? `${this.base.name} → ${this.data.name}` : this.data.name);
    const msg: HostMessage = { type: 'showProfile', data: this.data, title, source: this.source, canOpenSource: true };
    if (this.base) msg.base = this.base;
    if (this.pendingSampleIndex !== undefined) msg.sampleIndex = this.pendingSampleIndex;
    this.pendingSampleIndex = undefined;
    this.post(msg);
    if (this.gcTrace) this.post(this.gcTrace);
  }

  post(msg: HostMessage): void {
    if (this.disposed || !this.ready) return;
    void this.panel.webview.postMessage(msg).then(undefined, (e: unknown) => this.host.log.warn(`Flame graph: postMessage failed: ${String(e)}`));
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWebviewMessage(raw, this.data?.funcName.length ?? 0, this.base?.funcName.length ?? 0);
    if (!parsed.ok) {
      this.host.log.warn(`Flame graph: ignored a message from the webview: ${parsed.error}`);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.data) this.sendProfile();
        else if (this.error) this.post({ type: 'showError', message: this.error });
        else if (this.loading) this.post({ type: 'loading', message: 'Reading the profile…' });
        break;
      case 'sampleTypeChanged':
        if (this.data && m.sampleIndex < this.data.sampleTypes.length && m.sampleIndex !== this.sampleIndex) {
          this.sampleIndex = m.sampleIndex;
          this.host.changed(this);
        }
        break;
      case 'rendered':
        this.rendered = { nodeCount: m.nodeCount, ms: m.ms, sampleIndex: m.sampleIndex };
        if (this.data && m.sampleIndex < this.data.sampleTypes.length && m.sampleIndex !== this.sampleIndex) {
          this.sampleIndex = m.sampleIndex;
          this.host.changed(this);
        }
        this.host.log.debug(`Flame graph: ${this.data?.name ?? ''} drawn in ${m.ms.toFixed(1)} ms (${m.nodeCount} frames)`);
        break;
      case 'openSource':
        void this.openSource(m.func, m.line, m.fromBase === true);
        break;
      case 'gcShown':
        this.gcShown = { cycles: m.cycles, predictedCycles: m.predictedCycles, verdict: m.verdict };
        break;
      case 'webviewError':
        this.webviewError = m.message;
        this.host.log.warn(`Flame graph webview: ${m.message}`);
        break;
    }
  }

  /**
   * Opens the source of a function of the shown profile, beside the panel. The path comes from
   * the profile the host sent (by function index), never from the webview.
   */
  async openSource(func: number, line: number, fromBase = false): Promise<SourceLocation | undefined> {
    const data = fromBase ? this.base : this.data;
    if (!data || func < 0 || func >= data.funcName.length) return undefined;
    const file = data.funcFile[func] ?? '';
    const name = data.funcName[func]!;
    const target = line > 0 ? line : data.funcStartLine[func]! > 0 ? data.funcStartLine[func]! : 1;
    if (!file) {
      const message = `The profile does not say which file ${name} is in.`;
      this.post({ type: 'sourceResult', ok: false, message });
      void vscode.window.showWarningMessage(`Go Memory Insight: ${message}`);
      return undefined;
    }
    const env = await this.host.sourceEnv.get(this.source.sourceDir ?? GoSourceEnvCache.dirFor(this.uri));
    const resolved = await resolveSourcePath(file, env, async (p) => {
      try {
        return (await vscode.workspace.fs.stat(vscode.Uri.file(p))).type === vscode.FileType.File;
      } catch {
        return false;
      }
    });
    if (!resolved) {
      const message = `Cannot find ${file} (from ${name}) in the workspace, GOROOT or the module cache.`;
      this.host.log.warn(`Flame graph: ${message}`);
      this.post({ type: 'sourceResult', ok: false, message });
      void vscode.window.showWarningMessage(`Go Memory Insight: ${message}`);
      return undefined;
    }
    const pos = new vscode.Position(target - 1, 0);
    await vscode.window.showTextDocument(vscode.Uri.file(resolved), { viewColumn: sourceColumn(resolved, this.panel.viewColumn), selection: new vscode.Range(pos, pos), preview: true });
    this.post({ type: 'sourceResult', ok: true, message: `Opened ${resolved}:${target}` });
    return { path: resolved, line: target };
  }

  /** Asks the webview to select a function's frames. */
  selectFunction(name: string): void {
    this.post({ type: 'selectFunction', name });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loadAbort?.abort();
    clearTimeout(this.reloadTimer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
    this.host.disposed(this);
    this.panel.dispose();
  }
}

/**
 * Where a source file opens from the flame graph: the group already showing it, else a group
 * with a text editor other than the graph's, else beside the graph. Never a third group that
 * squeezes the graph.
 */
function sourceColumn(file: string, graphColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  const editors = vscode.window.visibleTextEditors.filter((e) => e.viewColumn !== undefined && e.document.uri.scheme === 'file');
  const showing = editors.find((e) => e.document.uri.fsPath === file);
  if (showing?.viewColumn !== undefined) return showing.viewColumn;
  const other = editors.find((e) => e.viewColumn !== graphColumn);
  return other?.viewColumn ?? vscode.ViewColumn.Beside;
}
