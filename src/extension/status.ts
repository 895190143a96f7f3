// The status bar item: shows that the extension is active, which go it uses and the
// language server's state. Later features report their own state through it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisStatus } from '../shared/protocol';
import { PRODUCT_NAME, VERSION } from '../shared/version';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private goPath: string | undefined;
  private goVersion: string | undefined;
  private server = 'starting';
  private readonly byPackage = new Map<string, AnalysisStatus>();
  private last: AnalysisStatus | undefined;
  private readonly editorListener: vscode.Disposable;

  constructor() {
    this.item = vscode.window.createStatusBarItem('goMemoryInsight.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = PRODUCT_NAME;
    this.item.command = 'goMemoryInsight.showLog';
    this.editorListener = vscode.window.onDidChangeActiveTextEditor(() => this.render());
    this.render();
    this.item.show();
  }

  /** The status of the active Go editor's package, else the latest one reported. */
  private get analysis(): AnalysisStatus | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && doc.uri.scheme === 'file' && doc.languageId === 'go') {
      const own = this.byPackage.get(path.dirname(doc.uri.fsPath));
      if (own) return own;
    }
    return this.last;
  }

  setGo(path: string | undefined, version: string | undefined): void {
    this.goPath = path;
    this.goVersion = version;
    this.render();
  }

  setServer(state: string): void {
    this.server = state;
    if (state !== 'running') {
      this.byPackage.clear();
      this.last = undefined;
    }
    this.render();
  }

  /** The language server's report on the package of the active editor. */
  setAnalysis(status: AnalysisStatus): void {
    if (status.packageDir) this.byPackage.set(status.packageDir, status);
    else this.byPackage.clear();
    this.last = status;
    this.render();
  }

  get analysisStatus(): AnalysisStatus | undefined {
    return this.analysis;
  }

  private render(): void {
    const noGo = this.goPath === undefined;
    const failed = this.server === 'failed' || this.server === 'stopped';
    const buildFailed = this.analysis?.state === 'build-failed' || this.analysis?.state === 'error';
    const a = this.analysis;
    let icon = this.server === 'starting' ? '$(loading~spin)' : noGo || failed ? '$(warning)' : '$(pulse)';
    let suffix = '';
    if (!failed && !noGo && a) {
      if (a.state === 'analysing') {
        icon = '$(loading~spin)';
        suffix = ': analysing';
      } else if (a.state === 'ok') {
        suffix = `: ${a.escapes ?? 0} ${a.escapes === 1 ? 'escape' : 'escapes'}`;
      } else if (a.state === 'build-failed') {
        icon = '$(error)';
        suffix = ': build failed';
      } else if (a.state === 'error') {
        icon = '$(warning)';
        suffix = ': analysis failed';
      } else if (a.state === 'disabled') {
        icon = '$(circle-slash)';
        suffix = ': off';
      } else if (a.state === 'outside-workspace' || a.state === 'excluded') {
        icon = '$(circle-slash)';
        suffix = ': not analysed';
      }
    }
    this.item.text = `${icon} Go Memory${suffix}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${PRODUCT_NAME}** ${VERSION}\n\n`);
    md.appendMarkdown(`Language server: ${this.server}\n\n`);
    md.appendMarkdown(noGo ? 'go: not found — set `goMemoryInsight.goPath`\n\n' : `go: \`${this.goPath}\`${this.goVersion ? ` (${this.goVersion})` : ''}\n\n`);
    if (a?.packageName) {
      const what =
        a.state === 'ok' ? `${a.escapes ?? 0} heap escapes in this package` :
        a.state === 'analysing' ? 'analysing…' :
        a.state === 'build-failed' ? 'the package does not build: no escape analysis' :
        a.state === 'disabled' ? 'escape analysis is off for this workspace' :
        a.state === 'outside-workspace' ? 'outside the workspace folders, analysed only on request' :
        a.state === 'excluded' ? 'not analysed: excluded by goMemoryInsight.escapeAnalysis.excludePackages' : (a.message ?? a.state);
      md.appendText(`Package ${a.packageName}: ${what}${a.durationMs !== undefined && a.state !== 'analysing' ? ` (${a.durationMs} ms)` : ''}\n`);
      md.appendMarkdown('\n\n');
      if (a.message) md.appendText(`${a.message}\n\n`);
    }
    const outside = !failed && !noGo && a?.state === 'outside-workspace';
    this.item.command = outside ? 'goMemoryInsight.analysePackage' : 'goMemoryInsight.showLog';
    md.appendMarkdown(outside ? 'Click to analyse this package.' : 'Click to show the log.');
    this.item.tooltip = md;
    this.item.backgroundColor = buildFailed ? new vscode.ThemeColor('statusBarItem.errorBackground') : noGo || failed ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: `${PRODUCT_NAME}: language server ${this.server}${noGo ? ', go not found' : ''}` };
  }

  dispose(): void {
    this.editorListener.dispose();
    this.item.dispose();
  }
}
