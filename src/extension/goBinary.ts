// The vscode side of finding `go`: reads the settings, asks the pure lookup, logs the
// choice and why, warns once when nothing is found, and forgets the answer when settings change.
import * as vscode from 'vscode';
import * as os from 'node:os';
import { findGo, type GoLookup } from '../goenv/findGo';
import { runTool } from '../goenv/run';

export interface GoBinaryInfo {
  lookup: GoLookup;
  /** `go version` output, when the binary ran. */
  version?: string;
}

export class GoBinary implements vscode.Disposable {
  private cached: Promise<GoBinaryInfo> | undefined;
  private warned = false;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('goMemoryInsight.goPath') || e.affectsConfiguration('go.alternateTools') || e.affectsConfiguration('go.goroot')) {
        this.log.info('Go settings changed: looking for the go binary again');
        this.cached = undefined;
        this.warned = false;
        this.emitter.fire();
      }
    });
  }

  get(): Promise<GoBinaryInfo> {
    this.cached ??= this.resolve();
    return this.cached;
  }

  private async resolve(): Promise<GoBinaryInfo> {
    const ours = vscode.workspace.getConfiguration('goMemoryInsight');
    const goCfg = vscode.workspace.getConfiguration('go');
    const alternateTools = goCfg.get<Record<string, string>>('alternateTools') ?? {};
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const lookup = findGo({
      settingPath: ours.get<string>('goPath') ?? '',
      alternateTool: alternateTools.go,
      goroot: goCfg.get<string>('goroot') ?? '',
      env: process.env,
      platform: process.platform,
      home: os.homedir(),
      workspaceFolder: folder,
    });
    if (!lookup.ok) {
      this.log.error(`No go binary found. Tried: ${lookup.tried.join('; ')}`);
      this.warnOnce(lookup);
      return { lookup };
    }
    this.log.info(`Using go at ${lookup.path} because ${lookup.reason}`);
    const res = await runTool(lookup.path, ['version'], { cwd: folder ?? os.homedir(), timeoutMs: 20000 });
    if (res.exitCode === 0) {
      const version = res.stdout.trim();
      this.log.info(version);
      return { lookup, version };
    }
    this.log.warn(`'${lookup.path} version' failed: ${res.spawnError ?? res.stderr.trim()}`);
    return { lookup };
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
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
