// The flame graph feature on the VS Code side: the custom editor for profile files, the
// flame panel (with a serializer so it survives window reloads), the commands, and the API
// other features use: openProfile() and onDidChangeShownProfile.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { FeatureContext } from '../feature';
import { registerTestCommands } from '../testHooks';
import type { ProfileData } from '../../shared/profileData';
import { type FlameSource, parsePersistedState } from '../../shared/webviewProtocol';
import { type ProfileDecoder, decodeErrorOf } from '../decode';
import { FlameSession, type OpenProfileResult, type SessionHost, type SourceLocation } from './session';
import { GoSourceEnvCache } from './goSourceEnv';
import { endpointName, fetchProfile, parseProfileUrl, takesSeconds } from './fetchProfile';

export type { OpenProfileResult, SourceLocation };

export const VIEW_TYPE_EDITOR = 'goMemoryInsight.profileViewer';
/** The same viewer for *.out files, offered as an option ("Open With…"). */
export const VIEW_TYPE_EDITOR_OUT = 'goMemoryInsight.profileViewerOut';
export const VIEW_TYPE_PANEL = 'goMemoryInsight.flame';

export interface OpenProfileOptions {
  /** Sample type to show, e.g. "alloc_space" (default: the profile's default). */
  sampleType?: string;
  /** Panel title (default: the file name). */
  title?: string;
  /** Diff mode: the base profile; the profile at `uri` is the newer one. */
  diffBase?: vscode.Uri;
  viewColumn?: vscode.ViewColumn;
  preserveFocus?: boolean;
  /** The Go package directory the profile came from: its module is "your code", and paths resolve there. */
  sourceDir?: string;
  /** The profile at `uri`, already decoded by the caller: shown without decoding it again. */
  data?: ProfileData;
  /** What produced the profile: a panel showing an earlier profile of the same source shows this one instead. */
  reuseKey?: string;
  /** The GC trace file of the run (GODEBUG=gctrace=1 lines): the panel gets a GC tab. */
  gcTrace?: string;
}

export interface ShownProfile {
  data: ProfileData;
  sampleIndex: number;
  uri: vscode.Uri;
  panelVisible: boolean;
}

/** What the internal state command returns (used by the integration tests). */
export interface FlameSessionInfo {
  uri: string;
  baseUri?: string;
  viewType: string;
  sampleIndex: number;
  sampleType?: string;
  error?: string;
  rendered?: { nodeCount: number; ms: number; sampleIndex: number };
  webviewError?: string;
  visible: boolean;
  /** What the GC tab shows (the run's GC trace), once the webview drew it. */
  gc?: { cycles: number; predictedCycles: number; verdict: string };
}

class ProfileDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

class FlameService implements SessionHost, vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly extensionUri: vscode.Uri;
  readonly sourceEnv: GoSourceEnvCache;
  readonly decoder: ProfileDecoder;
  private readonly sessions = new Set<FlameSession>();
  private current: FlameSession | undefined;
  private readonly emitter = new vscode.EventEmitter<ShownProfile | undefined>();
  readonly onDidChangeShownProfile = this.emitter.event;

  constructor(ctx: FeatureContext) {
    this.log = ctx.log;
    this.extensionUri = ctx.context.extensionUri;
    this.sourceEnv = new GoSourceEnvCache(ctx.go, ctx.log);
    this.decoder = ctx.decoder;
  }

  changed(session: FlameSession): void {
    // A closed panel's late news (a load or a view-state event after its disposal) shows nothing.
    if (!this.sessions.has(session)) return;
    if (session.panel.active || !this.current || this.current === session) this.current = session;
    if (this.current === session) this.emitter.fire(this.shownOf(session));
  }

  disposed(session: FlameSession): void {
    this.sessions.delete(session);
    if (this.current !== session) return;
    this.current = [...this.sessions].pop();
    this.emitter.fire(this.current ? this.shownOf(this.current) : undefined);
  }

  private shownOf(s: FlameSession): ShownProfile | undefined {
    if (!s.data) return undefined;
    return { data: s.data, sampleIndex: s.sampleIndex, uri: s.uri, panelVisible: s.panel.visible };
  }

  /** The session shown last (active, or most recently changed). */
  currentSession(): FlameSession | undefined {
    return this.current;
  }

  attach(panel: vscode.WebviewPanel, source: FlameSource): FlameSession {
    const s = new FlameSession(panel, source, this);
    this.sessions.add(s);
    this.current = s;
    return s;
  }

  async openProfile(uri: vscode.Uri, opts: OpenProfileOptions = {}): Promise<OpenProfileResult> {
    const source: FlameSource = { uri: uri.toString() };
    if (opts.diffBase) source.baseUri = opts.diffBase.toString();
    if (opts.sampleType) source.sampleType = opts.sampleType;
    if (opts.title) source.title = opts.title;
    if (opts.sourceDir) source.sourceDir = opts.sourceDir;
    if (opts.reuseKey) source.reuseKey = opts.reuseKey;
    if (opts.gcTrace) source.gcTrace = opts.gcTrace;
    // One panel per profile source: the same file, or a newer profile of the same run target.
    const existing =
      [...this.sessions].find((s) => s.source.uri === source.uri && s.source.baseUri === source.baseUri) ??
      (opts.reuseKey && !source.baseUri ? [...this.sessions].find((s) => s.panel.viewType === VIEW_TYPE_PANEL && s.source.reuseKey === opts.reuseKey && !s.source.baseUri) : undefined);
    if (existing) {
      // Reopened by its file: it is still the panel of the run that produced it.
      if (!source.reuseKey && existing.source.reuseKey) source.reuseKey = existing.source.reuseKey;
      const sameFiles = existing.source.uri === source.uri && existing.source.baseUri === source.baseUri && existing.source.gcTrace === source.gcTrace;
      existing.update(source);
      existing.panel.reveal(opts.viewColumn, opts.preserveFocus);
      this.current = existing;
      // The same files, shown and watched for changes: nothing to decode again.
      if (sameFiles && existing.data && !existing.error && !existing.busy && !opts.data) {
        if (!opts.sampleType || !existing.setSampleType(opts.sampleType)) this.emitter.fire(this.shownOf(existing));
        return { ok: true, data: existing.data, sampleIndex: existing.sampleIndex };
      }
      return existing.load(opts.data);
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE_PANEL, opts.title ?? path.posix.basename(uri.path), { viewColumn: opts.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: !!opts.preserveFocus }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    return this.attach(panel, source).load(opts.data);
  }

  info(s: FlameSession): FlameSessionInfo {
    const info: FlameSessionInfo = { uri: s.source.uri, viewType: s.panel.viewType, sampleIndex: s.sampleIndex, visible: s.panel.visible };
    if (s.source.baseUri) info.baseUri = s.source.baseUri;
    const st = s.data?.sampleTypes[s.sampleIndex]?.type;
    if (st) info.sampleType = st;
    if (s.error) info.error = s.error;
    if (s.rendered) info.rendered = s.rendered;
    if (s.webviewError) info.webviewError = s.webviewError;
    if (s.gcShown) info.gc = s.gcShown;
    return info;
  }

  sessionFor(uri: string | undefined): FlameSession | undefined {
    if (!uri) return this.current;
    return [...this.sessions].find((s) => s.source.uri === uri || s.uri.fsPath === uri);
  }

  dispose(): void {
    for (const s of [...this.sessions]) s.dispose();
    this.emitter.dispose();
    this.sourceEnv.dispose();
  }
}

let service: FlameService | undefined;
const shownEmitter = new vscode.EventEmitter<ShownProfile | undefined>();

/**
 * Fires whenever the shown profile or its selected sample type changes (the user switching
 * type in the panel included), with undefined when the last flame graph panel closes.
 */
export const onDidChangeShownProfile: vscode.Event<ShownProfile | undefined> = shownEmitter.event;

/**
 * Opens a profile file in a flame graph panel (reusing the panel already showing it) and
 * resolves once it is loaded: ok with the data, or the error that the panel also shows.
 */
export function openProfile(uri: vscode.Uri, options: OpenProfileOptions = {}): Promise<OpenProfileResult> {
  if (!service) return Promise.resolve({ ok: false, error: 'The flame graph feature is not active.' });
  return service.openProfile(uri, options);
}

/** The profile shown in the most recently active flame graph panel, if any. */
export function shownProfile(): ShownProfile | undefined {
  const s = service?.currentSession();
  return s?.data ? { data: s.data, sampleIndex: s.sampleIndex, uri: s.uri, panelVisible: s.panel.visible } : undefined;
}

function toUri(x: unknown): vscode.Uri | undefined {
  if (x instanceof vscode.Uri) return x;
  if (typeof x === 'string' && x) return x.includes('://') ? vscode.Uri.parse(x) : vscode.Uri.file(x);
  return undefined;
}

/** Accepts OpenProfileOptions from a command argument (plain object, URIs as Uri or string). */
function toOptions(x: unknown): OpenProfileOptions {
  if (typeof x !== 'object' || x === null) return {};
  const o = x as Record<string, unknown>;
  const out: OpenProfileOptions = {};
  if (typeof o.sampleType === 'string') out.sampleType = o.sampleType;
  if (typeof o.title === 'string') out.title = o.title;
  const base = toUri(o.diffBase);
  if (base) out.diffBase = base;
  if (typeof o.viewColumn === 'number') out.viewColumn = o.viewColumn;
  if (typeof o.preserveFocus === 'boolean') out.preserveFocus = o.preserveFocus;
  if (typeof o.sourceDir === 'string') out.sourceDir = o.sourceDir;
  return out;
}

const PROFILE_FILTERS = { 'Profiles': ['pprof', 'prof', 'gz', 'out', 'pb'], 'All files': ['*'] };

async function pickProfile(title: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open Profile', title, filters: PROFILE_FILTERS, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return picked?.[0];
}

async function reportOpen(log: vscode.LogOutputChannel, result: OpenProfileResult): Promise<void> {
  if (result.ok) return;
  const choice = await vscode.window.showErrorMessage(`Go Memory Insight: ${result.error}`, 'Open Output');
  if (choice) log.show(true);
}

/**
 * The command: asks for the address (unless given, as the tests do), fetches the profile,
 * decodes it once (to check it and to show it), keeps it as a file and shows it. Resolves with
 * what opening it gave, or undefined when nothing was opened.
 */
async function openFromUrl(svc: FlameService, storage: vscode.Uri, given?: string): Promise<OpenProfileResult | undefined> {
  const input = given ?? await vscode.window.showInputBox({
    title: 'Open Profile from URL',
    prompt: 'Address of a net/http/pprof endpoint (heap, allocs, goroutine, block, mutex, profile…)',
    value: 'http://localhost:6060/debug/pprof/heap',
    valueSelection: [0, 'http://localhost:6060'.length],
    validateInput: (v) => {
      const u = parseProfileUrl(v);
      return typeof u === 'string' ? u : undefined;
    },
  });
  if (input === undefined) return undefined;
  const url = parseProfileUrl(input);
  if (typeof url === 'string') {
    void vscode.window.showErrorMessage(`Go Memory Insight: ${url}`);
    return undefined;
  }
  let seconds = 0;
  if (takesSeconds(url) && !url.searchParams.has('seconds')) {
    const s = await vscode.window.showInputBox({
      title: 'CPU profile duration',
      prompt: 'Seconds to profile for',
      value: '30',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 3600 ? undefined : 'A whole number of seconds between 1 and 3600'),
    });
    if (s === undefined) return undefined;
    seconds = Number(s.trim());
    url.searchParams.set('seconds', String(seconds));
  } else if (url.searchParams.has('seconds')) {
    seconds = Number(url.searchParams.get('seconds')) || 0;
  }
  const name = endpointName(url);
  let body: Buffer;
  try {
    body = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fetching ${name} from ${url.host}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          if (seconds > 0) progress.report({ message: `profiling for ${seconds} s…` });
          return await fetchProfile(url, {
            signal: abort.signal,
            timeoutMs: (seconds + 60) * 1000,
            onProgress: (n) => progress.report({ message: `${Math.round(n / 1024)} KiB` }),
          });
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    svc.log.warn(`Flame graph: fetching ${url.href} failed: ${message}`);
    if (message !== 'Cancelled.') void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
    return undefined;
  }
  // Kept as a file so the panel can reload it after a window reload.
  const dir = vscode.Uri.joinPath(storage, 'profiles');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const safeHost = url.host.replace(/[^A-Za-z0-9.-]/g, '_');
  const file = vscode.Uri.joinPath(dir, `${safeHost}-${name.split(' ')[0]}-${stamp}.pb.gz`);
  // Decoded once, here: what it gives is shown (the panel does not decode it again).
  let data: ProfileData;
  try {
    data = await svc.decoder.decode(body, path.posix.basename(file.path));
  } catch (err) {
    const e = decodeErrorOf(err);
    const why = err instanceof Error ? err.message : String(err);
    const message = e && e.kind !== 'invalid' ? `The profile from ${url.href} cannot be opened: ${why}` : `${url.href} did not return a pprof profile: ${why}`;
    svc.log.warn(`Flame graph: ${message}`);
    void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`);
    return undefined;
  }
  await mkdir(dir.fsPath, { recursive: true });
  await writeFile(file.fsPath, body);
  svc.log.info(`Flame graph: fetched ${body.length} bytes from ${url.href} into ${file.fsPath}`);
  const result = await svc.openProfile(file, { title: `${name} · ${url.host}`, data });
  await reportOpen(svc.log, result);
  return result;
}

export function register(ctx: FeatureContext): void {
  const svc = new FlameService(ctx);
  service = svc;
  const subs = ctx.context.subscriptions;
  subs.push(
    svc,
    svc.onDidChangeShownProfile((e) => shownEmitter.fire(e)),
    { dispose: () => (service === svc ? (service = undefined) : undefined) },
  );

  const provider: vscode.CustomReadonlyEditorProvider<ProfileDocument> = {
    openCustomDocument: (uri) => new ProfileDocument(uri),
    resolveCustomEditor: async (document, panel) => {
      await svc.attach(panel, { uri: document.uri.toString() }).load();
    },
  };
  const editorOptions = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
  subs.push(
    vscode.window.registerCustomEditorProvider(VIEW_TYPE_EDITOR, provider, editorOptions),
    vscode.window.registerCustomEditorProvider(VIEW_TYPE_EDITOR_OUT, provider, editorOptions),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE_PANEL, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const saved = parsePersistedState(state);
        if (!saved.source) {
          ctx.log.warn('Flame graph: a panel from the last session had nothing to restore; closing it');
          panel.dispose();
          return;
        }
        // The user's sample type choice lives in the webview's state: do not force the opener's.
        const { sampleType: _opened, ...source } = saved.source;
        await svc.attach(panel, source).load();
      },
    }),
    vscode.commands.registerCommand('goMemoryInsight.openProfile', async (uriArg?: unknown, optionsArg?: unknown) => {
      const uri = toUri(uriArg) ?? (await pickProfile('Open a pprof profile'));
      if (!uri) return undefined;
      const result = await svc.openProfile(uri, toOptions(optionsArg));
      if (uriArg === undefined || !result.ok) void reportOpen(ctx.log, result);
      return result.ok ? { ok: true, sampleIndex: result.sampleIndex } : result;
    }),
    vscode.commands.registerCommand('goMemoryInsight.compareProfiles', async (baseArg?: unknown, nextArg?: unknown) => {
      const base = toUri(baseArg) ?? (await pickProfile('Compare profiles: the base (before)'));
      if (!base) return;
      const next = toUri(nextArg) ?? (await pickProfile('Compare profiles: the newer profile (after)'));
      if (!next) return;
      await reportOpen(ctx.log, await svc.openProfile(next, { diffBase: base }));
    }),
    // An address as the argument skips the address box (the integration tests use it).
    vscode.commands.registerCommand('goMemoryInsight.openProfileFromUrl', (urlArg?: unknown) => openFromUrl(svc, ctx.context.globalStorageUri, typeof urlArg === 'string' ? urlArg : undefined)),
    // For the integration tests only (see testHooks.ts).
    ...registerTestCommands({
      'goMemoryInsight.flame.goToSource': async (funcName: unknown, uri?: unknown): Promise<SourceLocation | undefined> => {
        const s = svc.sessionFor(typeof uri === 'string' ? uri : uri instanceof vscode.Uri ? uri.toString() : undefined);
        if (!s?.data || typeof funcName !== 'string') return undefined;
        const func = s.data.funcName.indexOf(funcName);
        if (func < 0) return undefined;
        s.selectFunction(funcName);
        return s.openSource(func, 0);
      },
      // How many profiles were decoded since activation.
      'goMemoryInsight.flame.decodeStats': () => svc.decoder.stats(),
      'goMemoryInsight.flame.state': (uri?: unknown): FlameSessionInfo | undefined => {
        const s = svc.sessionFor(typeof uri === 'string' ? uri : uri instanceof vscode.Uri ? uri.toString() : undefined);
        return s ? svc.info(s) : undefined;
      },
    }),
  );
}
