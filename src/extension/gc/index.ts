// "Open GC Trace…": a saved GODEBUG=gctrace=1 log, or one pasted from the clipboard, in a panel
// of its own (the GC tab alone: chart, pauses, GOGC / GOMEMLIMIT what-if, verdict).
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { readCgroupLimit } from '../../gc/cgroup';
import { parseWebviewMessage, type ShowGcTraceMessage } from '../../shared/webviewProtocol';
import type { FeatureContext } from '../feature';
import { registerTestCommands } from '../testHooks';
import { makeNonce, webviewHtml } from '../flame/html';
import { gcTraceMessage } from './trace';

export const GC_VIEW_TYPE = 'goMemoryInsight.gcTrace';

/** What the integration tests read back: the last panel's trace and what its tab showed. */
interface GcPanelState {
  name: string;
  cycles: number;
  shown?: { cycles: number; predictedCycles: number; verdict: string };
}

/** The container memory limit of this process (cgroup), in MB, once per session. */
let containerLimit: Promise<number | undefined> | undefined;
export function containerLimitMB(): Promise<number | undefined> {
  containerLimit ??= readCgroupLimit().then(
    (l) => (l ? l.limitBytes / 2 ** 20 : undefined),
    () => undefined,
  );
  return containerLimit;
}

function openPanel(ctx: FeatureContext, msg: ShowGcTraceMessage, onState: (s: GcPanelState) => void): void {
  const dist = vscode.Uri.joinPath(ctx.context.extensionUri, 'dist');
  const media = vscode.Uri.joinPath(ctx.context.extensionUri, 'media');
  const panel = vscode.window.createWebviewPanel(GC_VIEW_TYPE, `GC · ${msg.name}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist, media] });
  const webview = panel.webview;
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'gcWebview.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.css')).toString(),
    nonce: makeNonce(),
  });
  const state: GcPanelState = { name: msg.name, cycles: msg.cycles.length };
  onState(state);
  const sub = webview.onDidReceiveMessage((raw: unknown) => {
    const parsed = parseWebviewMessage(raw, 0);
    if (!parsed.ok) {
      ctx.log.warn(`GC trace panel: ignored a message: ${parsed.error}`);
      return;
    }
    const m = parsed.value;
    if (m.type === 'ready') void webview.postMessage(msg);
    else if (m.type === 'gcShown') state.shown = { cycles: m.cycles, predictedCycles: m.predictedCycles, verdict: m.verdict };
    else if (m.type === 'webviewError') ctx.log.warn(`GC trace panel: ${m.message}`);
  });
  panel.onDidDispose(() => sub.dispose());
}

async function pickText(arg: unknown): Promise<{ text: string; name: string } | undefined> {
  // Arguments (used by the tests): a file URI or path, or { text, name }.
  if (arg instanceof vscode.Uri || typeof arg === 'string') {
    const file = arg instanceof vscode.Uri ? arg.fsPath : arg;
    return { text: await readFile(file, 'utf8'), name: path.basename(file) };
  }
  if (arg && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string') {
    const a = arg as { text: string; name?: unknown };
    return { text: a.text, name: typeof a.name === 'string' ? a.name : 'pasted log' };
  }
  const choice = await vscode.window.showQuickPick(
    [
      { label: '$(file) Open a saved trace…', detail: 'A file with the standard error of a program run with GODEBUG=gctrace=1', id: 'file' },
      { label: '$(clipboard) Paste from the clipboard', detail: 'The trace lines copied from a terminal or a log', id: 'clipboard' },
    ],
    { title: 'Open GC Trace' },
  );
  if (!choice) return undefined;
  if (choice.id === 'clipboard') return { text: await vscode.env.clipboard.readText(), name: 'pasted log' };
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Open a GC trace (GODEBUG=gctrace=1 output)', filters: { 'Logs and text': ['txt', 'log', 'out', 'err'], 'All files': ['*'] } });
  if (!picked?.[0]) return undefined;
  return { text: await readFile(picked[0].fsPath, 'utf8'), name: path.basename(picked[0].fsPath) };
}

export function register(ctx: FeatureContext): void {
  let last: GcPanelState | undefined;
  ctx.context.subscriptions.push(
    vscode.commands.registerCommand('goMemoryInsight.openGcTrace', async (arg?: unknown) => {
      let input;
      try {
        input = await pickText(arg);
      } catch (err) {
        void vscode.window.showErrorMessage(`Go Memory Insight: cannot read the GC trace: ${err instanceof Error ? err.message : String(err)}`);
        return { ok: false };
      }
      if (!input) return { ok: false };
      const r = gcTraceMessage(input.text, input.name);
      if (!r.msg) {
        void vscode.window.showErrorMessage(`Go Memory Insight: ${r.error}`);
        return { ok: false, error: r.error };
      }
      const limit = await containerLimitMB();
      if (limit !== undefined) r.msg.containerLimitMB = limit;
      ctx.log.info(`GC trace: ${input.name}: ${r.msg.cycles.length} cycles${limit !== undefined ? `, container limit ${Math.round(limit)} MB` : ''}`);
      openPanel(ctx, r.msg, (s) => (last = s));
      return { ok: true, cycles: r.msg.cycles.length };
    }),
    // What the last GC trace panel shows, for the integration tests only (see testHooks.ts).
    ...registerTestCommands({ 'goMemoryInsight.gcTrace.state': () => last }),
  );
}
