// The Allocation Hot Spots view: the lines that allocate in the heap profile the flame graph
// shows, heaviest first (alloc_space by default), each with the compiler's finding at the line
// or a note saying where the allocation happens. The same profile goes to the language server
// (goMemory/measuredCost): hovers say what a finding's line measured, hot escapes stand out,
// and "only escapes that measured cost" (status bar) hides the rest. Click a line: the editor
// opens there with the explanation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Attribution } from '../../hotspots/attribute';
import { markdownReport, reasons } from '../../hotspots/format';
import type { HotspotFinding, HotspotReport, HotspotRow } from '../../hotspots/report';
import { formatPercent, formatValue } from '../../pprof/units';
import { HOTSPOT_FINDINGS_REQUEST, MEASURED_COST_NOTIFICATION, type HotspotFindingsResult, type MeasuredCost } from '../../shared/protocol';
import type { FeatureContext } from '../feature';
import * as flame from '../flame';
import { GoSourceEnvCache } from '../flame/goSourceEnv';
import { sourceCandidates, type SourceEnv } from '../flame/sourcePaths';
import { attribute, defaultHotspotIndex, findingQuery, measuredCost, withFindings, type HotspotInputs } from './model';

export const HOTSPOTS_VIEW = 'goMemoryInsight.hotspots';
export const SHOW_HOTSPOTS_COMMAND = 'goMemoryInsight.showHotspots';
const ONLY_MEASURED_KEY = 'goMemoryInsight.onlyMeasured';
/** Rows at or above this share are drawn as hot. */
const HOT_SHARE = 0.1;

/** What the view shows (returned by the extension's API, for tests and other extensions). */
export interface HotspotViewState {
  profile?: string;
  sampleType?: string;
  total?: number;
  /** Lines outside the workspace shown too. */
  all: boolean;
  onlyMeasured: boolean;
  /** The findings are being asked for. */
  pending: boolean;
  message?: string;
  rows: HotspotRow[];
  /** The measured lines sent to the language server. */
  measuredLines: number;
}

type Node = { kind: 'row'; row: HotspotRow; rank: number } | { kind: 'finding'; row: HotspotRow; finding: HotspotFinding } | { kind: 'note'; row: HotspotRow; text: string };

interface Current {
  shown: flame.ShownProfile;
  input: HotspotInputs;
  att: Attribution;
  findings?: HotspotFindingsResult;
  report: HotspotReport;
  measured: MeasuredCost;
}

function isHeapProfile(shown: flame.ShownProfile): boolean {
  return shown.data.sampleTypes.some((t) => t.unit === 'bytes' && /_space$/.test(t.type));
}

function shortFunc(name: string): string {
  const slash = name.lastIndexOf('/');
  const rest = name.slice(slash + 1);
  const dot = rest.indexOf('.');
  return dot >= 0 ? rest.slice(dot + 1) : rest;
}

class HotspotsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly tree: vscode.TreeView<Node>;
  private current: Current | undefined;
  private all = false;
  /** The sample type chosen per profile (alloc_space by default). */
  private readonly chosenType = new Map<string, string>();
  private generation = 0;
  private pending = false;
  private message: string | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly sourceEnv: GoSourceEnvCache;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: FeatureContext) {
    this.tree = vscode.window.createTreeView(HOTSPOTS_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.sourceEnv = new GoSourceEnvCache(ctx.go, ctx.log);
    this.statusItem = vscode.window.createStatusBarItem('goMemoryInsight.onlyMeasured', vscode.StatusBarAlignment.Left, 9);
    this.statusItem.name = 'Go Memory Insight: escapes shown';
    this.statusItem.command = 'goMemoryInsight.toggleOnlyMeasured';
    void this.setContext();
  }

  /** The effective "only escapes that measured cost": the toggle of this workspace, else the setting. */
  get onlyMeasured(): boolean {
    const override = this.ctx.context.workspaceState.get<boolean>(ONLY_MEASURED_KEY);
    return override ?? vscode.workspace.getConfiguration('goMemoryInsight.escapeAnalysis').get<boolean>('onlyMeasured', false);
  }

  async toggleOnlyMeasured(): Promise<boolean> {
    const next = !this.onlyMeasured;
    // Kept for this workspace (not written to its settings): the setting stays the default.
    await this.ctx.context.workspaceState.update(ONLY_MEASURED_KEY, next);
    this.sendMeasured();
    this.renderStatus();
    if (next && !this.current) void vscode.window.showInformationMessage('Go Memory Insight: only escapes on lines that allocated in the profile shown are listed. No heap profile is shown now, so every escape is listed until one is.');
    return next;
  }

  settingChanged(): void {
    this.sendMeasured();
    this.renderStatus();
  }

  // ---- following the flame graph -------------------------------------------------------

  async show(shown: flame.ShownProfile | undefined): Promise<void> {
    const gen = ++this.generation;
    if (!shown) {
      this.current = undefined;
      this.message = undefined;
      this.pending = false;
      this.refresh();
      return;
    }
    if (this.current && this.current.shown.data === shown.data) {
      this.current.shown = shown;
      return;
    }
    if (!isHeapProfile(shown)) {
      this.current = undefined;
      this.pending = false;
      this.message = `${path.basename(shown.uri.fsPath || shown.uri.path)} has no allocation figures (it is not a heap profile).`;
      this.refresh();
      return;
    }
    try {
      const input = await this.inputsFor(shown);
      if (gen !== this.generation) return;
      const att = attribute(input);
      const measured = measuredCost(input, att, this.onlyMeasured);
      const report = withFindings(input, att, undefined, () => undefined);
      this.current = { shown, input, att, report, measured };
      this.message = undefined;
      this.pending = true;
      this.refresh();
      this.sendMeasured();
      await this.askFindings(gen);
    } catch (err) {
      if (gen !== this.generation) return;
      const why = err instanceof Error ? err.message : String(err);
      this.ctx.log.error(`Allocation hot spots of ${shown.uri.toString()}: ${why}`);
      this.current = undefined;
      this.pending = false;
      this.message = `Cannot list the hot spots of this profile: ${why}`;
      this.refresh();
    }
  }

  private async inputsFor(shown: flame.ShownProfile, sampleType?: string): Promise<HotspotInputs> {
    const data = shown.data;
    const key = shown.uri.toString();
    const wanted = sampleType ?? this.chosenType.get(key);
    const chosen = wanted ? data.sampleTypes.findIndex((t) => t.type === wanted) : -1;
    const sampleIndex = chosen >= 0 ? chosen : defaultHotspotIndex(data, shown.sampleIndex);
    const env = await this.envFor(shown.uri);
    const resolved = new Map<string, string | undefined>();
    const resolve = (file: string): string | undefined => {
      if (!resolved.has(file)) resolved.set(file, file ? sourceCandidates(file, env).find((c) => fs.existsSync(c)) : undefined);
      return resolved.get(file);
    };
    const inside = new Map<string, boolean>();
    const inWorkspace = (file: string): boolean => {
      let v = inside.get(file);
      if (v === undefined) inside.set(file, (v = path.isAbsolute(file) && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) !== undefined));
      return v;
    };
    return { data, profileName: path.basename(shown.uri.fsPath || shown.uri.path), sampleIndex, resolve, inWorkspace, all: this.all };
  }

  private async envFor(uri: vscode.Uri): Promise<SourceEnv> {
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    // Profiles of runs live in the extension's storage: the workspace's module is where their
    // -trimpath paths resolve.
    const inWorkspace = uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(uri) !== undefined;
    const dir = inWorkspace || workspaceFolders.length === 0 ? GoSourceEnvCache.dirFor(uri) : workspaceFolders[0]!;
    try {
      return await this.sourceEnv.get(dir);
    } catch {
      return { modules: [], workspaceFolders };
    }
  }

  private async askFindings(gen: number): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    const lines = findingQuery(cur.input, cur.att);
    const client = this.ctx.client();
    let findings: HotspotFindingsResult;
    if (lines.length === 0) {
      findings = { files: [] };
    } else if (!client) {
      findings = { files: [...new Set(lines.map((l) => l.file))].map((file) => ({ file, state: 'error', message: 'the language server is not running', lines: [] })) };
    } else {
      try {
        findings = await client.sendRequest<HotspotFindingsResult>(HOTSPOT_FINDINGS_REQUEST, { lines });
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        this.ctx.log.warn(`Allocation hot spots: the language server did not answer for the findings: ${why}`);
        findings = { files: [...new Set(lines.map((l) => l.file))].map((file) => ({ file, state: 'error', message: why, lines: [] })) };
      }
    }
    if (gen !== this.generation || this.current !== cur) return;
    cur.findings = findings;
    cur.report = withFindings(cur.input, cur.att, findings, (file, line) => this.lineText(file, line));
    this.pending = false;
    this.ctx.log.info(`Allocation hot spots of ${cur.input.profileName} (${cur.report.sampleType}): ${cur.report.rows.length} lines, ${cur.report.rows.filter((r) => r.findings.length > 0).length} with compiler findings`);
    this.refresh();
  }

  private lineText(file: string, line: number): string | undefined {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (doc) return line <= doc.lineCount ? doc.lineAt(line - 1).text : undefined;
    try {
      return fs.readFileSync(file, 'utf8').split(/\r?\n/)[line - 1];
    } catch {
      return undefined;
    }
  }

  /** Sends what the profile measured (or null) to the language server. */
  sendMeasured(): void {
    const client = this.ctx.client();
    if (!client) return;
    const cur = this.current;
    const params = cur ? { ...cur.measured, onlyMeasured: this.onlyMeasured } : null;
    if (cur) cur.measured = params!;
    void client.sendNotification(MEASURED_COST_NOTIFICATION, params).catch((err: unknown) => this.ctx.log.warn(`Could not send the measured cost to the language server: ${String(err)}`));
  }

  /** After a server (re)start: it knows nothing of the profile yet. */
  serverStarted(): void {
    this.sendMeasured();
    if (this.current) {
      const gen = ++this.generation;
      this.pending = true;
      this.refresh();
      void this.askFindings(gen);
    }
  }

  async chooseSampleType(): Promise<void> {
    const cur = this.current;
    if (!cur) {
      void vscode.window.showInformationMessage('Go Memory Insight: no heap profile is shown.');
      return;
    }
    const types = cur.shown.data.sampleTypes;
    const picked = await vscode.window.showQuickPick(
      types.map((t, i) => ({ label: t.type, description: `${t.unit}${i === cur.input.sampleIndex ? ' (shown)' : ''}`, index: i })),
      { title: 'Rank the allocation hot spots by' },
    );
    if (!picked) return;
    this.chosenType.set(cur.shown.uri.toString(), picked.label);
    await this.recompute();
  }

  async toggleScope(): Promise<void> {
    this.all = !this.all;
    await this.setContext();
    await this.recompute();
  }

  private async recompute(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    const shown = cur.shown;
    await this.show({ ...shown });
  }

  // ---- commands -----------------------------------------------------------------------

  async reveal(node: Node | undefined): Promise<void> {
    if (!node) return;
    const row = node.row;
    if (!path.isAbsolute(row.file) || !fs.existsSync(row.file)) {
      void vscode.window.showWarningMessage(`Go Memory Insight: ${row.file} is not on this machine.`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(row.file));
    const line = Math.max(0, Math.min(row.line - 1, doc.lineCount - 1));
    const text = doc.lineAt(line).text;
    const finding = node.kind === 'finding' ? node.finding : row.findings[0];
    // The finding's column is a byte offset (the same character index for ASCII source); the
    // escape's diagnostic covers its whole expression (`append(…)` from `append`, where the
    // compiler points at the parenthesis): the cursor goes to its start, where its hover is.
    const character = finding?.column !== undefined ? Math.min(Buffer.from(text).subarray(0, finding.column - 1).toString().length, text.length) : text.length - text.trimStart().length;
    let editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, character, line, character), preserveFocus: false, preview: true });
    // A file opened just now gets its diagnostics from the language server a moment later.
    const diagnostic = finding
      ? await waitForDiagnostic(doc.uri, (d) => d.source === 'Go escape analysis' && d.code === finding.kind && d.range.start.line === line && d.range.start.character <= character && d.range.end.character >= character, 2000)
      : undefined;
    const pos = diagnostic?.range.start ?? new vscode.Position(line, character);
    if (vscode.window.activeTextEditor?.document === doc) editor = vscode.window.activeTextEditor;
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.ctx.log.info(`Hot spots: ${path.basename(row.file)}:${row.line} opened at ${pos.line + 1}:${pos.character + 1}${diagnostic ? ' (the escape\'s expression)' : ''}`);
    // The explanation: the escape's hover (with its measured figure), or the allocation figures'
    // hover. A click in the tree gives the focus back to the tree when the command returns, which
    // would close a hover shown at once: show it once that has happened, in the editor.
    setTimeout(() => {
      if (vscode.window.activeTextEditor?.document !== doc) return;
      void vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup').then(() => vscode.commands.executeCommand('editor.action.showHover'));
    }, 300);
  }

  async copyReport(): Promise<boolean> {
    const cur = this.current;
    if (!cur) {
      void vscode.window.showInformationMessage('Go Memory Insight: open a heap profile first (profile a benchmark, or Open Profile…).');
      return false;
    }
    const dir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(cur.shown.uri.fsPath);
    const text = markdownReport(cur.report, cur.input.profileName, dir);
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
    await vscode.window.showTextDocument(doc, { preview: false });
    return true;
  }

  // ---- tree ---------------------------------------------------------------------------

  getTreeItem(node: Node): vscode.TreeItem {
    const open = { title: 'Go to the line', command: 'goMemoryInsight.hotspots.reveal', arguments: [node] };
    if (node.kind === 'row') {
      const r = node.row;
      const total = this.current?.report.total ?? 0;
      const unit = this.current?.report.unit ?? 'bytes';
      const item = new vscode.TreeItem(`${path.basename(r.file)}:${r.line}`, r.findings.length > 0 || r.note ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      const objects = r.objects !== undefined ? ` · ${formatValue(r.objects, 'count')} obj` : '';
      const first = r.findings[0]?.message ?? (this.pending ? 'analysing…' : r.note ? 'no compiler finding' : '');
      item.description = `${formatValue(r.flat, unit)} · ${formatPercent(r.flat, total)}${objects} · ${shortFunc(r.function)}${first ? ` — ${first}` : ''}`;
      const tip = new vscode.MarkdownString(undefined, true);
      tip.isTrusted = false;
      tip.supportHtml = false;
      tip.appendMarkdown(`**${formatValue(r.flat, unit)}** (${formatPercent(r.flat, total)} of ${this.current?.report.sampleType ?? ''})`);
      if (r.objects !== undefined) tip.appendMarkdown(` in ${formatValue(r.objects, 'count')} objects`);
      tip.appendMarkdown('\n\n');
      tip.appendText(`${r.function}\n${r.file}:${r.line}`);
      for (const reason of reasons(r)) {
        tip.appendMarkdown('\n\n- ');
        tip.appendText(reason);
      }
      item.tooltip = tip;
      item.iconPath = new vscode.ThemeIcon(r.findings.length > 0 ? 'flame' : 'circle-outline', r.share >= HOT_SHARE ? new vscode.ThemeColor('charts.red') : undefined);
      item.command = open;
      item.contextValue = 'hotspot';
      item.id = `${node.rank}:${r.file}:${r.line}:${r.function}`;
      return item;
    }
    if (node.kind === 'finding') {
      const item = new vscode.TreeItem(node.finding.message, vscode.TreeItemCollapsibleState.None);
      item.description = node.finding.why;
      item.tooltip = node.finding.remedy ? `${node.finding.message}: ${node.finding.why}.\nUsually fixed by: ${node.finding.remedy}` : `${node.finding.message}: ${node.finding.why}.`;
      item.iconPath = new vscode.ThemeIcon('symbol-event');
      item.command = open;
      return item;
    }
    const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    item.tooltip = node.text;
    item.iconPath = new vscode.ThemeIcon('info');
    item.command = open;
    return item;
  }

  getChildren(node?: Node): Node[] {
    const cur = this.current;
    if (!cur) return [];
    if (!node) return cur.report.rows.map((row, i) => ({ kind: 'row', row, rank: i + 1 }));
    if (node.kind !== 'row') return [];
    const out: Node[] = node.row.findings.map((finding) => ({ kind: 'finding', row: node.row, finding }));
    if (node.row.note) out.push({ kind: 'note', row: node.row, text: node.row.note });
    return out;
  }

  private refresh(): void {
    const cur = this.current;
    if (cur) {
      const shownSum = cur.report.rows.reduce((s, r) => s + r.flat, 0);
      const scope = this.all ? 'lines' : 'workspace lines';
      this.tree.message = `${cur.input.profileName} · ${cur.report.sampleType}: ${cur.report.rows.length} ${scope}, ${formatPercent(shownSum, cur.report.total)} of ${formatValue(cur.report.total, cur.report.unit)}${this.pending ? ' · analysing…' : ''}`;
      this.tree.description = cur.report.sampleType;
    } else {
      this.tree.message = this.message;
      this.tree.description = undefined;
    }
    this.emitter.fire(undefined);
    this.renderStatus();
    void this.setContext();
  }

  private renderStatus(): void {
    const cur = this.current;
    if (!cur) {
      this.statusItem.hide();
      return;
    }
    const only = this.onlyMeasured;
    this.statusItem.text = only ? '$(filter-filled) Measured escapes' : '$(filter) All escapes';
    this.statusItem.tooltip = only
      ? `Only the escapes on lines that allocated in ${cur.input.profileName} are listed (${cur.measured.lines.length} lines). Click to list every escape.`
      : `Every escape is listed. Click to list only those on lines that allocated in ${cur.input.profileName}.`;
    this.statusItem.show();
  }

  private setContext(): Thenable<unknown> {
    return Promise.all([
      vscode.commands.executeCommand('setContext', 'goMemoryInsight.hotspots.all', this.all),
      vscode.commands.executeCommand('setContext', 'goMemoryInsight.hotspots.hasProfile', this.current !== undefined),
    ]);
  }

  state(): HotspotViewState {
    const cur = this.current;
    return {
      profile: cur?.shown.uri.toString(),
      sampleType: cur?.report.sampleType,
      total: cur?.report.total,
      all: this.all,
      onlyMeasured: this.onlyMeasured,
      pending: this.pending,
      message: cur ? undefined : this.message,
      rows: cur?.report.rows ?? [],
      measuredLines: cur?.measured.lines.length ?? 0,
    };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.sourceEnv.dispose();
    this.statusItem.dispose();
    this.tree.dispose();
    this.emitter.dispose();
  }
}

/** The first diagnostic of `uri` that `match` accepts, waiting up to `timeoutMs` for it to be published. */
function waitForDiagnostic(uri: vscode.Uri, match: (d: vscode.Diagnostic) => boolean, timeoutMs: number): Promise<vscode.Diagnostic | undefined> {
  const find = () => vscode.languages.getDiagnostics(uri).find(match);
  const now = find();
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = (d: vscode.Diagnostic | undefined): void => {
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = find();
      if (d) done(d);
    });
    const timer = setTimeout(() => done(undefined), timeoutMs);
  });
}

let view: HotspotsView | undefined;

/** What the hot spots view shows now (the extension's API). */
export function hotspotViewState(): HotspotViewState | undefined {
  return view?.state();
}

export function register(ctx: FeatureContext): void {
  const v = new HotspotsView(ctx);
  view = v;
  ctx.context.subscriptions.push(
    v,
    { dispose: () => (view === v ? (view = undefined) : undefined) },
    flame.onDidChangeShownProfile((shown) => void v.show(shown)),
    ctx.onDidStartServer(() => v.serverStarted()),
    vscode.commands.registerCommand('goMemoryInsight.hotspots.reveal', (node?: Node) => v.reveal(node)),
    vscode.commands.registerCommand('goMemoryInsight.hotspots.sampleType', () => v.chooseSampleType()),
    vscode.commands.registerCommand('goMemoryInsight.hotspots.showAll', () => v.toggleScope()),
    vscode.commands.registerCommand('goMemoryInsight.hotspots.showWorkspace', () => v.toggleScope()),
    vscode.commands.registerCommand('goMemoryInsight.hotspotsReport', () => v.copyReport()),
    vscode.commands.registerCommand('goMemoryInsight.toggleOnlyMeasured', () => v.toggleOnlyMeasured()),
    // The benchmark lens's result: the run's heap profile in the flame graph, and this view on it.
    vscode.commands.registerCommand(SHOW_HOTSPOTS_COMMAND, async (uriArg?: unknown, options?: unknown) => {
      const uri = uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' ? vscode.Uri.file(uriArg) : undefined;
      if (uri) {
        const o = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
        const r = await flame.openProfile(uri, { sampleType: 'alloc_space', title: typeof o.title === 'string' ? o.title : undefined, preserveFocus: true });
        if (!r.ok) {
          void vscode.window.showErrorMessage(`Go Memory Insight: ${r.error}`);
          return false;
        }
      }
      await vscode.commands.executeCommand(`${HOTSPOTS_VIEW}.focus`);
      return true;
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('goMemoryInsight.escapeAnalysis.onlyMeasured')) v.settingChanged();
    }),
  );
  void v.show(flame.shownProfile());
}
