// "Watch Heap of Service…": polls a running service's net/http/pprof heap (after a GC),
// goroutine and goroutineleak endpoints (src/watch/watcher.ts), shows in-use bytes and
// goroutines over time and the lines that grew in a panel of its own, and opens the newest
// snapshot against the first in the flame graph's diff mode. One watch per service address;
// closing its panel stops it. Profiles are decoded in the extension's worker thread.
import * as path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { parseWatchState, parseWebviewMessage, type ShowWatchMessage, type WatchShownMessage } from '../../shared/webviewProtocol';
import { HeapWatcher, type WatchStatus } from '../../watch/watcher';
import { MIN_INTERVAL_MS, watchEndpoints, watchOptions, type WatchEndpoints, type WatchOptionsInput } from '../../watch/options';
import type { GrowthRow } from '../../watch/growth';
import { showWatchMessage } from '../../watch/message';
import type { FeatureContext } from '../feature';
import { makeNonce, webviewHtml } from '../flame/html';
import { fetchProfile } from '../flame/fetchProfile';
import { openProfile } from '../flame';
import { GoSourceEnvCache } from '../flame/goSourceEnv';
import { resolveSourcePath } from '../flame/sourcePaths';

export const WATCH_VIEW_TYPE = 'goMemoryInsight.watchHeap';
const INTERVAL_SETTING = 'goMemoryInsight.watch.intervalSeconds';
const MAX_SNAPSHOTS_SETTING = 'goMemoryInsight.watch.maxSnapshots';
/** Growth rows sent to the panel. */
const GROWTH_ROWS = 50;

/** What a watch shows, for the API (tests, other extensions). */
export interface WatchInfo {
  base: string;
  status: WatchStatus;
  /** Points kept (first and newest ones). */
  points: number;
  /** The newest point's figures, or its error. */
  newest?: { inuseBytes?: number; goroutines?: number; leakedGoroutines?: number; error?: string };
  /** The largest growth rows (at most 10). */
  growth?: GrowthRow[];
  /** What the panel last drew (its own report). */
  shown?: Omit<WatchShownMessage, 'type'>;
  /** The files of the last "Open Growth in Flame Graph": the newest snapshot and its base. */
  diff?: { newest: string; base: string };
}

/** What the command returns: the first poll's outcome. */
export interface WatchResult {
  ok: boolean;
  base?: string;
  error?: string;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class WatchSession implements vscode.Disposable {
  private watcher: HeapWatcher | undefined;
  private shown: Omit<WatchShownMessage, 'type'> | undefined;
  private diff: { newest: string; base: string } | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  private ready = false;
  private firstPoll: ((r: WatchResult) => void) | undefined;
  private growthCache: { newestAt: number; rows: ReturnType<HeapWatcher['growth']> } | undefined;

  constructor(
    readonly endpoints: WatchEndpoints,
    private options: WatchOptionsInput,
    readonly panel: vscode.WebviewPanel,
    private readonly feature: WatchFeature,
  ) {
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(feature.ctx.context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(feature.ctx.context.extensionUri, 'media');
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'watchWebview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.css')).toString(),
      nonce: makeNonce(),
    });
    this.subs.push(
      webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get running(): boolean {
    return !!this.watcher && !this.watcher.stopped && ['starting', 'watching', 'retrying'].includes(this.watcher.status().phase);
  }

  /** Starts a new watch (a running one is stopped first); resolves with the first poll's outcome. */
  start(options?: WatchOptionsInput): Promise<WatchResult> {
    if (options) this.options = options;
    this.watcher?.stop();
    this.growthCache = undefined;
    this.shown = undefined;
    const log = this.feature.ctx.log;
    const opts = watchOptions(this.options);
    const decoder = this.feature.ctx.decoder;
    const w = new HeapWatcher(this.endpoints, opts, {
      fetch: (url, o) => fetchProfile(url, o),
      decode: (bytes, name, signal) => decoder.decode(bytes, `${this.endpoints.base.host}-${name}`, { signal, quiet: true }),
    });
    this.watcher = w;
    const base = this.endpoints.base.href;
    log.info(`Watch: polling ${base} every ${opts.intervalMs / 1000} s (at most ${opts.maxPoints} points, ${opts.count > 0 ? `${opts.count} snapshots` : 'until stopped'})`);
    const result = new Promise<WatchResult>((resolve) => (this.firstPoll = resolve));
    let lastPhase = '';
    w.onChange = () => {
      if (this.watcher !== w) return;
      const s = w.status();
      if (s.phase !== lastPhase) {
        lastPhase = s.phase;
        if (s.phase === 'retrying') log.warn(`Watch ${base}: ${s.message}`);
        else if (s.phase === 'failed') log.error(`Watch ${base}: ${s.message}`);
        else if (s.phase === 'stopped' || s.phase === 'done') log.info(`Watch ${base}: ${s.message}`);
      }
      if (s.polls > 0 || s.phase === 'failed' || s.phase === 'stopped') {
        this.firstPoll?.(s.polls > 0 ? { ok: true, base } : { ok: false, base, error: s.message ?? s.phase });
        this.firstPoll = undefined;
      }
      this.post();
    };
    void w.start().then((s) => {
      if (s.phase === 'failed' && this.watcher === w && !this.disposed) {
        void vscode.window.showErrorMessage(`Go Memory Insight: watching ${this.endpoints.base.host} failed: ${s.message}`, 'Open Output').then((c) => c && log.show(true));
      }
    });
    return result;
  }

  stop(): void {
    this.watcher?.stop();
  }

  private growth(): ReturnType<HeapWatcher['growth']> {
    const w = this.watcher;
    const newest = w?.newest();
    if (!w || !newest) return undefined;
    if (this.growthCache?.newestAt !== newest.at) {
      let rows: ReturnType<HeapWatcher['growth']>;
      try {
        rows = w.growth({ limit: GROWTH_ROWS });
      } catch (err) {
        this.feature.ctx.log.warn(`Watch: ranking the growth failed: ${describe(err)}`);
      }
      this.growthCache = { newestAt: newest.at, rows };
    }
    return this.growthCache.rows;
  }

  message(): ShowWatchMessage | undefined {
    return this.watcher ? showWatchMessage(this.watcher, this.growth()) : undefined;
  }

  private post(): void {
    if (!this.ready || this.disposed) return;
    const m = this.message();
    if (m) void this.panel.webview.postMessage(m);
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWebviewMessage(raw, 0);
    const log = this.feature.ctx.log;
    if (!parsed.ok) {
      log.warn(`Watch panel: ignored a message: ${parsed.error}`);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post();
        break;
      case 'watchShown':
        this.shown = { phase: m.phase, points: m.points, rows: m.rows, figures: m.figures };
        break;
      case 'watchAction':
        if (m.action === 'stop') this.stop();
        else if (m.action === 'restart') void this.start();
        else void this.openDiff();
        break;
      case 'watchOpenLine':
        void this.openLine(m.row);
        break;
      case 'webviewError':
        log.warn(`Watch panel: ${m.message}`);
        break;
      default:
        break;
    }
  }

  /** The newest snapshot against the first in the flame graph's diff mode (inuse_space). */
  async openDiff(): Promise<{ ok: boolean; error?: string }> {
    const w = this.watcher;
    const first = w?.first();
    const newest = w?.newest();
    if (!first || !newest || first === newest) return { ok: false, error: 'The watch has no two snapshots to compare yet.' };
    const dir = vscode.Uri.joinPath(this.feature.ctx.context.globalStorageUri, 'watch').fsPath;
    const host = this.endpoints.base.host.replace(/[^A-Za-z0-9.-]/g, '_');
    const stamp = (at: number): string => new Date(at).toISOString().replace(/[:.]/g, '-');
    const baseFile = path.join(dir, `${host}-heap-${stamp(first.at)}.pb.gz`);
    const newestFile = path.join(dir, `${host}-heap-${stamp(newest.at)}.pb.gz`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(baseFile, first.bytes);
      await writeFile(newestFile, newest.bytes);
    } catch (err) {
      const error = `Cannot keep the snapshots in ${dir}: ${describe(err)}`;
      void vscode.window.showErrorMessage(`Go Memory Insight: ${error}`);
      return { ok: false, error };
    }
    this.diff = { newest: newestFile, base: baseFile };
    const clock = (at: number): string => new Date(at).toTimeString().slice(0, 8);
    const r = await openProfile(vscode.Uri.file(newestFile), { diffBase: vscode.Uri.file(baseFile), sampleType: 'inuse_space', title: `Growth · ${this.endpoints.base.host} · ${clock(first.at)}→${clock(newest.at)}`, data: newest.data, viewColumn: vscode.ViewColumn.Beside });
    if (!r.ok) void vscode.window.showErrorMessage(`Go Memory Insight: ${r.error}`);
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  /** Opens the file and line of a growth row (the row as the host sent it; nothing from the webview but its index). */
  async openLine(index: number): Promise<{ path: string; line: number } | undefined> {
    const row = this.growthCache?.rows?.rows[index];
    if (!row) return undefined;
    const env = await this.feature.sourceEnv.get(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
    const resolved = await resolveSourcePath(row.file, env, async (p) => {
      try {
        return (await vscode.workspace.fs.stat(vscode.Uri.file(p))).type === vscode.FileType.File;
      } catch {
        return false;
      }
    });
    if (!resolved) {
      const message = `Cannot find ${row.file} (from ${row.function}) in the workspace, GOROOT or the module cache.`;
      this.feature.ctx.log.warn(`Watch: ${message}`);
      void vscode.window.showWarningMessage(`Go Memory Insight: ${message}`);
      return undefined;
    }
    const line = Math.max(1, row.line);
    const pos = new vscode.Position(line - 1, 0);
    await vscode.window.showTextDocument(vscode.Uri.file(resolved), { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(pos, pos), preview: true });
    return { path: resolved, line };
  }

  info(): WatchInfo {
    const w = this.watcher;
    const status: WatchStatus = w?.status() ?? { phase: 'starting', polls: 0, failures: 0, leakProfile: 'unknown' };
    const info: WatchInfo = { base: this.endpoints.base.href, status, points: w?.series().length ?? 0 };
    const last = w?.series().at(-1);
    if (last) {
      const { at: _at, inuseObjects: _o, ...newest } = last;
      info.newest = newest;
    }
    const g = this.growth();
    if (g) info.growth = g.rows.slice(0, 10);
    if (this.shown) info.shown = this.shown;
    if (this.diff) info.diff = this.diff;
    return info;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.watcher?.stop();
    this.firstPoll?.({ ok: false, base: this.endpoints.base.href, error: 'The watch panel was closed.' });
    this.firstPoll = undefined;
    for (const d of this.subs) d.dispose();
    this.feature.sessions.delete(this);
    this.panel.dispose();
  }
}

/** Options from the command's second argument (the API and the tests pass them). */
function toOptions(x: unknown): WatchOptionsInput {
  const out: WatchOptionsInput = {};
  if (typeof x !== 'object' || x === null) return out;
  const o = x as Record<string, unknown>;
  for (const k of ['intervalMs', 'count', 'maxPoints', 'maxBytes', 'timeoutMs', 'maxFailures'] as const) if (typeof o[k] === 'number') out[k] = o[k];
  return out;
}

function settingsOptions(): WatchOptionsInput {
  const c = vscode.workspace.getConfiguration();
  const seconds = c.get<unknown>(INTERVAL_SETTING);
  const max = c.get<unknown>(MAX_SNAPSHOTS_SETTING);
  const out: WatchOptionsInput = {};
  if (typeof seconds === 'number') out.intervalMs = seconds * 1000;
  if (typeof max === 'number') out.maxPoints = max;
  return out;
}

class WatchFeature implements vscode.Disposable {
  readonly sessions = new Set<WatchSession>();
  readonly sourceEnv: GoSourceEnvCache;

  constructor(readonly ctx: FeatureContext) {
    this.sourceEnv = new GoSourceEnvCache(ctx.go, ctx.log);
  }

  async watch(urlArg?: string, optionsArg?: unknown): Promise<WatchResult | undefined> {
    const input =
      urlArg ??
      (await vscode.window.showInputBox({
        title: 'Watch Heap of Service',
        prompt: 'Address of a Go service serving net/http/pprof (host:port, or its /debug/pprof/ index)',
        value: 'http://localhost:6060',
        valueSelection: [0, 'http://localhost:6060'.length],
        validateInput: (v) => {
          const e = watchEndpoints(v);
          return typeof e === 'string' ? e : undefined;
        },
      }));
    if (input === undefined) return undefined;
    const endpoints = watchEndpoints(input);
    if (typeof endpoints === 'string') {
      void vscode.window.showErrorMessage(`Go Memory Insight: ${endpoints}`);
      return { ok: false, error: endpoints };
    }
    const options = { ...settingsOptions(), ...toOptions(optionsArg) };
    if (options.intervalMs !== undefined && options.intervalMs < MIN_INTERVAL_MS) this.ctx.log.info(`Watch: an interval under ${MIN_INTERVAL_MS / 1000} s is raised to it`);
    const existing = [...this.sessions].find((s) => s.endpoints.base.href === endpoints.base.href);
    if (existing) {
      existing.panel.reveal(undefined, true);
      // A running watch of the same service goes on, unless new options were given.
      if (existing.running && optionsArg === undefined) return { ok: true, base: endpoints.base.href };
      return existing.start(options);
    }
    const panel = vscode.window.createWebviewPanel(WATCH_VIEW_TYPE, `Heap · ${endpoints.base.host}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: this.resourceRoots(),
    });
    const session = new WatchSession(endpoints, options, panel, this);
    this.sessions.add(session);
    return session.start();
  }

  resourceRoots(): vscode.Uri[] {
    return [vscode.Uri.joinPath(this.ctx.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.ctx.context.extensionUri, 'media')];
  }

  /**
   * A watch panel of the last window, given back after a reload: it polls its service again.
   * The snapshots were in memory, so the chart and the growth start over from now.
   */
  restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = parseWatchState(state);
    const endpoints = saved ? watchEndpoints(saved.base) : undefined;
    if (!saved || !endpoints || typeof endpoints === 'string' || [...this.sessions].some((s) => s.endpoints.base.href === endpoints.base.href)) {
      this.ctx.log.warn('Watch: a heap watch panel of the last window had nothing to restore; closing it');
      panel.dispose();
      return Promise.resolve();
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots() };
    this.ctx.log.info(`Watch: the panel of ${endpoints.base.href} is back after a window reload; polling it again (the growth counts from now)`);
    const session = new WatchSession(endpoints, { ...settingsOptions(), intervalMs: saved.intervalMs }, panel, this);
    this.sessions.add(session);
    void session.start();
    return Promise.resolve();
  }

  stopAll(): number {
    let n = 0;
    for (const s of this.sessions) {
      if (s.running) n++;
      s.stop();
    }
    return n;
  }

  find(base?: string): WatchSession | undefined {
    const all = [...this.sessions];
    if (!base) return all.at(-1);
    const e = watchEndpoints(base);
    const href = typeof e === 'string' ? base : e.base.href;
    return all.find((s) => s.endpoints.base.href === href);
  }

  dispose(): void {
    for (const s of [...this.sessions]) s.dispose();
    this.sourceEnv.dispose();
  }
}

let feature: WatchFeature | undefined;

/** The API's view of the heap watches (see GoMemoryInsightApi.watches). */
export function watchInfos(): WatchInfo[] {
  return feature ? [...feature.sessions].map((s) => s.info()) : [];
}

/** The API's "Open Growth in Flame Graph" of a watch (the newest, or the one of `base`). */
export function openWatchDiff(base?: string): Promise<{ ok: boolean; error?: string }> {
  const s = feature?.find(base);
  return s ? s.openDiff() : Promise.resolve({ ok: false, error: 'No heap watch.' });
}

/** The API's click on a growth row of a watch (the newest, or the one of `base`): opens its line. */
export async function openWatchLine(row: number, base?: string): Promise<{ path: string; line: number } | undefined> {
  const s = feature?.find(base);
  return s ? s.openLine(row) : undefined;
}

/** The API's stop of a watch (the newest, or the one of `base`). */
export function stopWatch(base?: string): boolean {
  const s = feature?.find(base);
  if (!s) return false;
  s.stop();
  return true;
}

export function register(ctx: FeatureContext): void {
  const f = new WatchFeature(ctx);
  feature = f;
  ctx.context.subscriptions.push(
    f,
    { dispose: () => (feature === f ? (feature = undefined) : undefined) },
    // An address (and options) as arguments skip the address box (the API and tests use them).
    vscode.commands.registerCommand('goMemoryInsight.watchHeap', (urlArg?: unknown, optionsArg?: unknown) => f.watch(typeof urlArg === 'string' ? urlArg : undefined, optionsArg)),
    vscode.window.registerWebviewPanelSerializer(WATCH_VIEW_TYPE, { deserializeWebviewPanel: (panel, state: unknown) => f.restore(panel, state) }),
    vscode.commands.registerCommand('goMemoryInsight.stopWatchingHeap', () => {
      const n = f.stopAll();
      if (n === 0) void vscode.window.showInformationMessage('Go Memory Insight: no heap watch is running.');
    }),
  );
}
