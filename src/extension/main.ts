// Entry point of the extension: wires things up and keeps every disposable in
// context.subscriptions. Features live in their own modules.
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, State, type LanguageClient } from 'vscode-languageclient/node';
import { AnalysisStatusNotification, ServerInfoRequest, type AnalysisStatus, type ServerInfoResult } from '../shared/protocol';
import { PRODUCT_NAME, VERSION } from '../shared/version';
import { killAllProcessGroups } from '../goenv/processGroups';
import { createClient, describeState, ServerErrorHandler } from './client';
import { ProfileDecoder } from './decode';
import { GoBinary } from './goBinary';
import { createLog } from './log';
import { AutoSaveTracker } from './autoSave';
import { StatusItem } from './status';
import type { FeatureContext } from './feature';
import { register as registerEscape } from './escape';
import { EscapeToggle } from './escape/toggle';
import { register as registerFlame } from './flame';
import { register as registerProfiling } from './profiling';
import { hotspotViewState, register as registerHotspots, type HotspotViewState } from './hotspots';
import { register as registerGcTrace } from './gc';
import { openWatchDiff, openWatchLine, register as registerWatch, stopWatch, watchInfos, type WatchInfo, type WatchResult } from './watch';
import { register as registerFleet } from './fleet';

/** What the extension returns from `activate`, used by tests and other extensions. */
export interface GoMemoryInsightApi {
  version: string;
  /** Resolves once the language server answered its first request. */
  serverReady(): Promise<ServerInfoResult>;
  /** The go binary in use, or undefined when none was found. */
  goBinary(): Promise<string | undefined>;
  /** What the Allocation Hot Spots view shows. */
  hotspots(): HotspotViewState | undefined;
  /** Heap watches ("Watch Heap of Service…"): start one (resolves with its first poll's outcome), list them, stop one, open one's growth in the flame graph. */
  watchHeap(url: string, options?: { intervalMs?: number; count?: number; maxPoints?: number; maxBytes?: number; timeoutMs?: number; maxFailures?: number }): Promise<WatchResult | undefined>;
  watches(): WatchInfo[];
  stopWatch(base?: string): boolean;
  openWatchDiff(base?: string): Promise<{ ok: boolean; error?: string }>;
  /** Opens the line of a growth row, as clicking it in the panel does. */
  openWatchLine(row: number, base?: string): Promise<{ path: string; line: number } | undefined>;
}

export async function activate(context: vscode.ExtensionContext): Promise<GoMemoryInsightApi> {
  const log = createLog();
  context.subscriptions.push(log);
  log.info(`${PRODUCT_NAME} ${VERSION} activating (VS Code ${vscode.version}, ${vscode.env.appHost})`);
  const trace = vscode.window.createOutputChannel(`${PRODUCT_NAME} Language Server Trace`, { log: true });
  context.subscriptions.push(trace);

  const go = new GoBinary(log);
  context.subscriptions.push(go);
  const status = new StatusItem();
  context.subscriptions.push(status);

  const errorHandler = new ServerErrorHandler(log);
  const autoSaves = new AutoSaveTracker();
  context.subscriptions.push(autoSaves);
  let client: LanguageClient | undefined;
  let ready: Promise<ServerInfoResult> | undefined;
  const escapeToggle = new EscapeToggle(context.workspaceState);
  context.subscriptions.push(escapeToggle);
  // The switch changed: the server reads its settings again (and gets the switch's value).
  escapeToggle.onDidChange(() => {
    const c = client;
    if (c?.state === State.Running) void c.sendNotification(DidChangeConfigurationNotification.type, { settings: null }).catch((e: unknown) => log.warn(`Could not notify the server of the escape analysis switch: ${String(e)}`));
  });
  const serverStarted = new vscode.EventEmitter<void>();
  context.subscriptions.push(serverStarted);

  const start = async (): Promise<ServerInfoResult> => {
    const info = await go.get();
    status.setGo(info.lookup.ok ? info.lookup.path : undefined, info.version);
    const c = createClient(context, log, trace, { fromExtension: true, goBinary: info.lookup.ok && info.trusted ? info.lookup.path : undefined }, errorHandler, autoSaves, (section) => escapeToggle.apply(section));
    client = c;
    c.onDidChangeState((e) => {
      log.info(`Language server ${describeState(e.newState)}`);
      status.setServer(describeState(e.newState));
    });
    c.onNotification(AnalysisStatusNotification.method, (s: AnalysisStatus) => status.setAnalysis(s));
    await c.start();
    const serverInfo = await c.sendRequest(ServerInfoRequest.type);
    log.info(`Language server ${serverInfo.version} running (pid ${serverInfo.pid}, Node ${serverInfo.nodeVersion})`);
    serverStarted.fire();
    return serverInfo;
  };

  const stop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    if (c && c.state !== State.Stopped) await c.stop();
    else if (c) await c.dispose();
  };

  // Starts and restarts run one after the other: trusting a workspace can fire a trust event and
  // a settings change at once, and two clients started together fight over their commands. A
  // request that comes while a restart waits its turn is served by that restart. The old client
  // stops on a later turn of the event loop: the settings change that caused the restart is
  // also being sent to it by its own listener, which must not find it half stopped.
  let queue: Promise<unknown> = Promise.resolve();
  let waiting: Promise<ServerInfoResult> | undefined;
  const restart = (): Promise<ServerInfoResult> => {
    if (waiting) return waiting;
    const next = queue.catch(() => undefined).then(async () => {
      await new Promise((r) => setTimeout(r, 0));
      waiting = undefined;
      await stop();
      errorHandler.reset();
      ready = start();
      return ready;
    });
    waiting = next;
    queue = next;
    return next;
  };

  ready = start();
  queue = ready;
  ready.catch((err: unknown) => {
    const message = `${PRODUCT_NAME}: the language server failed to start: ${err instanceof Error ? err.message : String(err)}`;
    log.error(message);
    status.setServer('failed');
    void vscode.window.showErrorMessage(message, 'Open Output').then((c) => c && log.show(true));
  });

  context.subscriptions.push(
    vscode.commands.registerCommand('goMemoryInsight.showLog', () => log.show(true)),
    vscode.commands.registerCommand('goMemoryInsight.restartServer', async () => {
      log.info('Restarting the language server on request');
      try {
        await restart();
        void vscode.window.setStatusBarMessage(`${PRODUCT_NAME}: language server restarted`, 3000);
      } catch (err) {
        const message = `${PRODUCT_NAME}: the language server failed to restart: ${err instanceof Error ? err.message : String(err)}`;
        log.error(message);
        void vscode.window.showErrorMessage(message, 'Open Output').then((c) => c && log.show(true));
      }
    }),
    // GoBinary forgets its answer first, then fires: on a settings change and when the
    // workspace becomes trusted (the server then gets the go it may run).
    go.onDidChange(() => void restart().catch((e: unknown) => log.error(`Restart after a go settings or trust change failed: ${String(e)}`))),
    { dispose: () => void stop() },
  );

  // Features register themselves here, one line each.
  const decoder = new ProfileDecoder(vscode.Uri.joinPath(context.extensionUri, 'dist', 'decodeWorker.js').fsPath, log);
  const features: FeatureContext = { context, log, go, status, decoder, escapeToggle, client: () => client, onDidStartServer: serverStarted.event };
  const registrations: ((ctx: FeatureContext) => void)[] = [registerEscape, registerFlame, registerProfiling, registerHotspots, registerGcTrace, registerWatch, registerFleet];
  for (const register of registrations) {
    try {
      register(features);
    } catch (err) {
      log.error(`A feature failed to register: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  return {
    version: VERSION,
    serverReady: () => ready ?? restart(),
    goBinary: async () => {
      const info = await go.get();
      return info.lookup.ok ? info.lookup.path : undefined;
    },
    hotspots: () => hotspotViewState(),
    watchHeap: (url, options) => Promise.resolve(vscode.commands.executeCommand<WatchResult | undefined>('goMemoryInsight.watchHeap', url, options ?? {})),
    watches: () => watchInfos(),
    stopWatch: (base) => stopWatch(base),
    openWatchDiff: (base) => openWatchDiff(base),
    openWatchLine: (row, base) => openWatchLine(row, base),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; the client stops there, and the
  // profiling runner cancels its runs. Any go command of this extension host still running
  // (`go test`, `go env`, `go version`) ends here too.
  killAllProcessGroups();
}
