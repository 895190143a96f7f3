// The status bar item: shows that the extension is active, which go it uses and the
// language server's state. Later features report their own state through it.
import * as vscode from 'vscode';
import { PRODUCT_NAME, VERSION } from '../shared/version';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private goPath: string | undefined;
  private goVersion: string | undefined;
  private server = 'starting';

  constructor() {
    this.item = vscode.window.createStatusBarItem('goMemoryInsight.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = PRODUCT_NAME;
    this.item.command = 'goMemoryInsight.showLog';
    this.render();
    this.item.show();
  }

  setGo(path: string | undefined, version: string | undefined): void {
    this.goPath = path;
    this.goVersion = version;
    this.render();
  }

  setServer(state: string): void {
    this.server = state;
    this.render();
  }

  private render(): void {
    const noGo = this.goPath === undefined;
    const failed = this.server === 'failed' || this.server === 'stopped';
    const icon = this.server === 'starting' ? '$(loading~spin)' : noGo || failed ? '$(warning)' : '$(pulse)';
    this.item.text = `${icon} Go Memory`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${PRODUCT_NAME}** ${VERSION}\n\n`);
    md.appendMarkdown(`Language server: ${this.server}\n\n`);
    md.appendMarkdown(noGo ? 'go: not found — set `goMemoryInsight.goPath`\n\n' : `go: \`${this.goPath}\`${this.goVersion ? ` (${this.goVersion})` : ''}\n\n`);
    md.appendMarkdown('Click to show the log.');
    this.item.tooltip = md;
    this.item.backgroundColor = noGo || failed ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: `${PRODUCT_NAME}: language server ${this.server}${noGo ? ', go not found' : ''}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}
