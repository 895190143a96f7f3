// Chooses the go binary from the settings and asks it for its version, without the `vscode`
// module: the extension passes what `WorkspaceConfiguration.inspect()` returned and whether
// the workspace is trusted. An untrusted workspace's own settings (its .vscode/settings.json)
// could name any executable in the repository, so they are not read, and no go command runs.
import { findGo, type GoLookup, type GoLookupInputs } from './findGo';
import { runTool } from './run';

/** The scopes of one setting, as `WorkspaceConfiguration.inspect()` returns them. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface GoSettingsInspected {
  /** `goMemoryInsight.goPath`. */
  goPath?: InspectedSetting<string>;
  /** vscode-go's `go.alternateTools` (an object: VS Code merges it key by key across scopes). */
  alternateTools?: InspectedSetting<Record<string, string>>;
  /** vscode-go's `go.goroot`. */
  goroot?: InspectedSetting<string>;
}

export type GoSettings = Pick<GoLookupInputs, 'settingPath' | 'alternateTool' | 'goroot' | 'workspaceFolder'>;

/** A setting's values, most specific first; an untrusted workspace's own values are left out. */
function scopes<T>(s: InspectedSetting<T> | undefined, trusted: boolean): unknown[] {
  if (!s) return [];
  return trusted ? [s.workspaceFolderValue, s.workspaceValue, s.globalValue, s.defaultValue] : [s.globalValue, s.defaultValue];
}

const firstString = (values: unknown[]): string | undefined => values.find((v): v is string => typeof v === 'string');

/**
 * The settings to look go up with. Trusted: the value VS Code would use. Untrusted: user and
 * default values only, and `${workspaceFolder}` is not expanded.
 */
export function goSettings(inspected: GoSettingsInspected, trusted: boolean, workspaceFolder: string | undefined): GoSettings {
  return {
    settingPath: firstString(scopes(inspected.goPath, trusted)),
    alternateTool: firstString(scopes(inspected.alternateTools, trusted).map((v) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>).go : undefined))),
    goroot: firstString(scopes(inspected.goroot, trusted)),
    workspaceFolder: trusted ? workspaceFolder : undefined,
  };
}

export interface GoBinaryInfo {
  lookup: GoLookup;
  /** `go version` output, when the binary ran. */
  version?: string;
  /** Whether the workspace was trusted when go was looked up (only then may it run). */
  trusted: boolean;
}

export interface ResolveGoOptions extends Omit<GoLookupInputs, keyof GoSettings> {
  inspected: GoSettingsInspected;
  trusted: boolean;
  workspaceFolder?: string;
  /** Where `go version` runs. */
  cwd: string;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** Injectable for tests. */
  run?: typeof runTool;
}

/** Finds go and, in a trusted workspace only, runs `go version`; logs the choice and why. */
export async function resolveGo(options: ResolveGoOptions): Promise<GoBinaryInfo> {
  const { inspected, trusted, workspaceFolder, cwd, log, run = runTool, ...rest } = options;
  const lookup = findGo({ ...rest, ...goSettings(inspected, trusted, workspaceFolder) });
  if (!lookup.ok) {
    log.error(`No go binary found. Tried: ${lookup.tried.join('; ')}`);
    return { lookup, trusted };
  }
  if (!trusted) {
    log.info(`Found go at ${lookup.path} because ${lookup.reason}; the workspace is not trusted, so its own go settings are ignored and no go command runs`);
    return { lookup, trusted };
  }
  log.info(`Using go at ${lookup.path} because ${lookup.reason}`);
  const res = await run(lookup.path, ['version'], { cwd, timeoutMs: 20000 });
  if (res.exitCode === 0) {
    const version = res.stdout.trim();
    log.info(version);
    return { lookup, version, trusted };
  }
  log.warn(`'${lookup.path} version' failed: ${res.spawnError ?? res.stderr.trim()}`);
  return { lookup, trusted };
}
