// Finds the `go` binary the way Go developers expect, without touching the `vscode` module:
// the extension's own setting, then vscode-go's settings, then $GOROOT/bin, then PATH.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface GoLookupInputs {
  /** `goMemoryInsight.goPath`. */
  settingPath?: string;
  /** vscode-go's `go.alternateTools.go` (a path or a command name). */
  alternateTool?: string;
  /** vscode-go's `go.goroot`. */
  goroot?: string;
  /** The process environment (GOROOT, PATH, PATHEXT). */
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Whether a file exists and is executable; injectable for tests. */
  isExecutable?: (file: string) => boolean;
  /** Expands `~` and `${workspaceFolder}` in settings. */
  home?: string;
  workspaceFolder?: string;
}

export type GoSource = 'setting' | 'go.alternateTools' | 'go.goroot' | 'GOROOT' | 'PATH' | 'install-dir';

export interface GoFound {
  ok: true;
  path: string;
  source: GoSource;
  /** One sentence saying why this binary was chosen, for the log. */
  reason: string;
}

export interface GoNotFound {
  ok: false;
  /** What was tried, in order, for the log and the notification. */
  tried: string[];
  /** A configured path that does not exist (the user should fix it). */
  badSetting?: { source: GoSource; value: string };
}

export type GoLookup = GoFound | GoNotFound;

function defaultIsExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function expand(value: string, inputs: GoLookupInputs): string {
  let v = value.trim();
  if (inputs.home && (v === '~' || v.startsWith('~/') || v.startsWith('~\\'))) v = path.join(inputs.home, v.slice(1));
  if (inputs.workspaceFolder) v = v.split('${workspaceFolder}').join(inputs.workspaceFolder);
  return v;
}

function exeNames(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform !== 'win32') return ['go'];
  const exts = (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean).map((e) => e.toLowerCase());
  return exts.includes('.exe') ? ['go.exe'] : ['go.exe', ...exts.map((e) => 'go' + e)];
}

function pathApi(platform: NodeJS.Platform): typeof path.posix {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Searches PATH for a command name. */
export function searchPath(command: string, inputs: GoLookupInputs): string | undefined {
  const isExec = inputs.isExecutable ?? defaultIsExecutable;
  const p = pathApi(inputs.platform);
  const pathVar = inputs.env.PATH ?? inputs.env.Path ?? '';
  const sep = inputs.platform === 'win32' ? ';' : ':';
  const names = command === 'go' ? exeNames(inputs.platform, inputs.env) : [command];
  for (const dir of pathVar.split(sep)) {
    if (!dir) continue;
    for (const n of names) {
      const candidate = p.join(dir, n);
      if (isExec(candidate)) return candidate;
    }
  }
  return undefined;
}

export function findGo(inputs: GoLookupInputs): GoLookup {
  const isExec = inputs.isExecutable ?? defaultIsExecutable;
  const p = pathApi(inputs.platform);
  const tried: string[] = [];
  const names = exeNames(inputs.platform, inputs.env);

  const setting = inputs.settingPath ? expand(inputs.settingPath, inputs) : '';
  if (setting) {
    tried.push(`goMemoryInsight.goPath = ${setting}`);
    // A directory (a GOROOT or its bin) is accepted too.
    const candidates = [setting, ...names.map((n) => p.join(setting, n)), ...names.map((n) => p.join(setting, 'bin', n))];
    for (const c of candidates) {
      if (isExec(c)) return { ok: true, path: c, source: 'setting', reason: `goMemoryInsight.goPath is set to ${setting}` };
    }
    return { ok: false, tried, badSetting: { source: 'setting', value: setting } };
  }

  const alt = inputs.alternateTool ? expand(inputs.alternateTool, inputs) : '';
  if (alt) {
    tried.push(`go.alternateTools.go = ${alt}`);
    const looksLikePath = alt.includes('/') || alt.includes('\\');
    const found = looksLikePath ? (isExec(alt) ? alt : undefined) : searchPath(alt, inputs);
    if (found) return { ok: true, path: found, source: 'go.alternateTools', reason: `vscode-go's go.alternateTools.go is set to ${alt}` };
  }

  const goroot = inputs.goroot ? expand(inputs.goroot, inputs) : '';
  if (goroot) {
    tried.push(`go.goroot = ${goroot}`);
    for (const n of names) {
      const c = p.join(goroot, 'bin', n);
      if (isExec(c)) return { ok: true, path: c, source: 'go.goroot', reason: `vscode-go's go.goroot is set to ${goroot}` };
    }
  }

  const envGoroot = inputs.env.GOROOT;
  if (envGoroot) {
    tried.push(`$GOROOT/bin (GOROOT=${envGoroot})`);
    for (const n of names) {
      const c = p.join(envGoroot, 'bin', n);
      if (isExec(c)) return { ok: true, path: c, source: 'GOROOT', reason: `the GOROOT environment variable is ${envGoroot}` };
    }
  }

  tried.push('PATH');
  const onPath = searchPath('go', inputs);
  if (onPath) return { ok: true, path: onPath, source: 'PATH', reason: `it is the first go on PATH` };

  // Usual install folders, as a last resort (GUI-launched editors often have a short PATH).
  const usual = inputs.platform === 'win32'
    ? ['C:\\Program Files\\Go\\bin\\go.exe', 'C:\\Go\\bin\\go.exe']
    : ['/usr/local/go/bin/go', '/opt/homebrew/bin/go', '/usr/local/bin/go', '/usr/bin/go', ...(inputs.home ? [p.join(inputs.home, 'go', 'bin', 'go'), p.join(inputs.home, 'sdk', 'go', 'bin', 'go')] : [])];
  for (const c of usual) {
    tried.push(c);
    if (isExec(c)) return { ok: true, path: c, source: 'install-dir', reason: `it was not on PATH but is installed at the usual location ${c}` };
  }
  return { ok: false, tried };
}
