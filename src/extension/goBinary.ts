// The vscode side of finding `go`: reads the settings and the workspace trust, asks the lookup
// (src/goenv/resolveGo.ts), warns once when nothing is found, and forgets the answer when
// settings change or the workspace becomes trusted.
import * as vscode from 'vscode';
import * as os from 'node:os';
import type { GoLookup } from '../goenv/findGo';
import { resolveGo, type GoBinaryInfo } from '../goenv/resolveGo';

export class GoBinary implements vscode.Disposable {
  private cached: Promise<GoBinaryInfo> | undefined;
  private warned = false;
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the answer is forgotten: settings changed, or the workspace became trusted. */
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('goMemoryInsight.goPath') || e.affectsConfiguration('go.alternateTools') || e.affectsConfiguration('go.goroot')) {
          this.reset('Go settings changed');
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reset('The workspace is now trusted')),
    ];
  }

  get(): Promise<GoBinaryInfo> {
    this.cached ??= this.resolve();
    return this.cached;
  }

  private reset(why: string): void {
    this.log.info(`${why}: looking for the go binary again`);
    this.cached = undefined;
    this.warned = false;
    this.emitter.fire();
  }

  private async resolve(): Promise<GoBinaryInfo> {
    const ours = vscode.workspace.getConfiguration('goMemoryInsight');
    const goCfg = vscode.workspace.getConfiguration('go');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const info = await resolveGo({
      inspected: {
        goPath: ours.inspect<string>('goPath'),
        alternateTools: goCfg.inspect<Record<string, string>>('alternateTools'),
        goroot: goCfg.inspect<string>('goroot'),
      },
      trusted: vscode.workspace.isTrusted,
      workspaceFolder: folder,
      env: process.env,
      platform: process.platform,
      home: os.homedir(),
      cwd: folder ?? os.homedir(),
      log: this.log,
    });
    if (!info.lookup.ok) this.warnOnce(info.lookup);
    return info;
  }

  private warnOnce(lookup: GoLookup & { ok: false }): void {
    if (this.warned) return;
    this.warned = true;
    const message = lookup.badSetting
      ? `Go Memory Insight: the go binary set in goMemoryInsight.goPath (${lookup.badSetting.value}) does not exist or is not executable.`
      : 'Go Memory Insight could not find the go binary. Install Go, or set "goMemoryInsight.goPath" to the go binary.';
    void vscode.window.showErrorMessage(message, 'Open Settings', 'Open Output').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'goMemoryInsight.goPath');
      else if (choice === 'Open Output') this.log.show(true);
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}
