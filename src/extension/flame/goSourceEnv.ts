// Asks the go command where sources live (GOROOT, GOMODCACHE, the workspace's modules) so
// that paths from profiles can be mapped to files; cached per directory, forgotten when the
// go binary changes. Nothing is run in an untrusted workspace.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { runTool } from '../../goenv/run';
import type { GoBinary } from '../goBinary';
import { parseGoListModules, type SourceEnv } from './sourcePaths';

export interface GoSourceEnv extends SourceEnv {
  /** The main module of the directory (colours user code in the flame graph). */
  mainModule?: string;
}

export class GoSourceEnvCache implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<GoSourceEnv>>();
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly go: GoBinary,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.sub = go.onDidChange(() => this.cache.clear());
  }

  /** The environment for sources near a directory (usually the profile's folder). */
  get(dir: string): Promise<GoSourceEnv> {
    let p = this.cache.get(dir);
    if (!p) {
      p = this.query(dir);
      this.cache.set(dir, p);
    }
    return p;
  }

  private async query(dir: string): Promise<GoSourceEnv> {
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const env: GoSourceEnv = { modules: [], workspaceFolders };
    if (!vscode.workspace.isTrusted) {
      this.log.info('Flame graph: the workspace is not trusted, so go is not asked where sources are; only absolute and workspace paths are opened');
      return env;
    }
    const info = await this.go.get();
    if (!info.lookup.ok) return env;
    const goPath = info.lookup.path;
    const runEnv = { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off' };
    const [goenv, list] = await Promise.all([
      runTool(goPath, ['env', 'GOROOT', 'GOMODCACHE'], { cwd: dir, env: runEnv, timeoutMs: 20000 }),
      runTool(goPath, ['list', '-m', '-json'], { cwd: dir, env: runEnv, timeoutMs: 20000 }),
    ]);
    if (goenv.exitCode === 0) {
      const [goroot, modcache] = goenv.stdout.split(/\r?\n/);
      if (goroot) env.goroot = goroot.trim();
      if (modcache) env.gomodcache = modcache.trim();
    } else {
      this.log.warn(`Flame graph: 'go env GOROOT GOMODCACHE' failed in ${dir}: ${goenv.spawnError ?? goenv.stderr.trim()}`);
    }
    if (list.exitCode === 0) {
      const parsed = parseGoListModules(list.stdout);
      env.modules = parsed.modules;
      if (parsed.main) env.mainModule = parsed.main;
    } else {
      // Not inside a module (a profile in a temp folder): not an error.
      this.log.info(`Flame graph: no Go module at ${dir} (${(list.spawnError ?? list.stderr).trim().split('\n')[0]})`);
    }
    this.log.info(`Flame graph sources for ${dir}: GOROOT=${env.goroot ?? '?'} GOMODCACHE=${env.gomodcache ?? '?'} modules=${env.modules.map((m) => `${m.path}=${m.dir}`).join(', ') || 'none'}`);
    return env;
  }

  /** The directory to ask for a profile: its folder, else the first workspace folder. */
  static dirFor(uri: vscode.Uri): string {
    if (uri.scheme === 'file') return path.dirname(uri.fsPath);
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  }

  dispose(): void {
    this.sub.dispose();
    this.cache.clear();
  }
}
