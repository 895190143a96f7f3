// Runs the Go compiler's escape analysis on packages and builds the model.
//
//   go env -json GOROOT GOMOD GOWORK GOFLAGS GOVERSION
//   go list -export -test -gcflags=-m=2 [-tags=T] -json=... PKGS
//
// `go list -export` compiles the packages exactly as `go build -gcflags=-m=2 -o NUL` does
// (same compile actions, same cache entries, same compiler output on stderr) and, with -test,
// also the test variants `p [p.test]` and `p_test [p.test]`, like `go test -c` would, but
// without linking a test binary (about 1.5 s per run even when everything is cached). Its
// JSON on stdout gives each package's directory, to resolve the paths in the output.
//
// The -gcflags value is the same on every run, so the go command's cache replays the
// compiler's output when nothing changed and a second run takes a fraction of a second.
// Every process goes through runTool (argument arrays, the whole tree killed on cancel).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { RunOptions, RunResult } from '../goenv/run';
import { EscapeModel } from './model';
import { EscapeOutputParser } from './parser';
import type { CompilerError, ParsedFinding } from './types';

export type ToolRunner = (file: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;

export type EscapeErrorCode = 'no-go' | 'no-dir' | 'outside-module' | 'no-packages' | 'cgo-no-compiler' | 'cancelled' | 'timeout' | 'go-failed' | 'runner-unavailable';

/** A failure of the whole run, with a one-line message. A package that does not build is not one: see `errors`. */
export class EscapeRunError extends Error {
  constructor(readonly code: EscapeErrorCode, message: string) {
    super(message);
    this.name = 'EscapeRunError';
  }
}

export interface EscapeRunOptions {
  /** The go binary (absolute path, or a name looked up on PATH by the OS). */
  goBinary: string;
  /** Where the go command runs: a package directory or the module root. */
  dir: string;
  /** Package patterns (default `.`). */
  packages?: string[];
  /** The environment for go (default process.env): GOFLAGS, GOTOOLCHAIN, GOWORK, CGO_ENABLED... are respected. */
  env?: NodeJS.ProcessEnv;
  /** Build tags, added to any -tags in GOFLAGS. */
  tags?: string[];
  /** Also report the bounds checks the compiler keeps (`-d=ssa/check_bce/debug=1`). Off by default. */
  boundsChecks?: boolean;
  /** Analyse test files too, through `go test -c` (default true). */
  includeTests?: boolean;
  signal?: AbortSignal;
  /** Per go command (default 10 minutes). */
  timeoutMs?: number;
  /** Defaults to runTool from src/goenv/run.ts. */
  runner?: ToolRunner;
  /** Reads Go files for function ranges (default: from disk). */
  readSource?: (file: string) => string | undefined;
}

export interface PackageInfo {
  importPath: string;
  dir: string;
  name?: string;
  hasTests: boolean;
  cgo: boolean;
}

export interface Invocation {
  args: string[];
  exitCode: number | null;
  durationMs: number;
}

export interface EscapeRunResult {
  model: EscapeModel;
  /** Compiler errors of packages that do not build (no escape analysis is reported for them). */
  errors: CompilerError[];
  /** Lines without a position the go command printed on failure (`go: ...`). */
  messages: string[];
  packages: PackageInfo[];
  invocations: Invocation[];
  goVersion?: string;
  durationMs: number;
}

/** The gcflags value: identical on every run so that the go command's cache is reused. */
export function escapeGcflags(boundsChecks: boolean): string {
  return boundsChecks ? '-gcflags=-m=2 -d=ssa/check_bce/debug=1' : '-gcflags=-m=2';
}

/** Splits GOFLAGS like the go command does: space-separated, with '…' or "…" quoting. */
export function splitGoFlags(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|(\S+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    const v = m[1] ?? m[2] ?? m[3];
    if (v !== undefined && v !== '') out.push(v);
  }
  return out;
}

const DROPPED_FLAGS = new Set(['gcflags', 'json', 'n', 'x', 'v', 'o', 'toolexec']);

/**
 * GOFLAGS without what changes the compiler's output or its format (-gcflags, -json, -x, -n,
 * -v, -o, -toolexec); -tags are returned apart so that they can be merged with ours.
 */
export function sanitizeGoFlags(value: string | undefined): { goflags: string; tags: string[]; dropped: string[] } {
  const kept: string[] = [];
  const tags: string[] = [];
  const dropped: string[] = [];
  for (const flag of splitGoFlags(value ?? '')) {
    const m = /^--?([A-Za-z0-9_.-]+)(?:=(.*))?$/s.exec(flag);
    const name = m?.[1];
    if (name === 'tags') {
      tags.push(...(m?.[2] ?? '').split(/[,\s]+/).filter(Boolean));
      continue;
    }
    if (name !== undefined && DROPPED_FLAGS.has(name)) {
      dropped.push(flag);
      continue;
    }
    kept.push(/\s/.test(flag) ? `'${flag}'` : flag);
  }
  return { goflags: kept.join(' '), tags, dropped };
}

async function loadRunTool(): Promise<ToolRunner> {
  try {
    const mod = await import('../goenv/run');
    return mod.runTool;
  } catch (err) {
    throw new EscapeRunError('runner-unavailable', `cannot start the go command from Node ${process.version}: ${(err as Error).message}`);
  }
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
}

interface GoEnv {
  GOROOT?: string;
  GOMOD?: string;
  GOWORK?: string;
  GOFLAGS?: string;
  GOVERSION?: string;
}

interface ListedPackage {
  ImportPath?: string;
  Dir?: string;
  Name?: string;
  ForTest?: string;
  TestGoFiles?: string[];
  XTestGoFiles?: string[];
  CgoFiles?: string[];
}

function goVersionAtLeast(version: string | undefined, minor: number): boolean {
  const m = /^go1\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) >= minor : true;
}

/** Runs the escape analysis on packages; throws EscapeRunError when nothing could be analysed. */
export async function runEscapeAnalysis(options: EscapeRunOptions): Promise<EscapeRunResult> {
  const started = Date.now();
  const runner = options.runner ?? (await loadRunTool());
  const baseEnv: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const invocations: Invocation[] = [];

  try {
    if (!fs.statSync(options.dir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new EscapeRunError('no-dir', `${options.dir} is not a directory`);
  }

  const run = async (args: string[], env: NodeJS.ProcessEnv, onStdoutLine?: (line: string) => void, onStderrData?: (chunk: Buffer) => void): Promise<RunResult> => {
    const res = await runner(options.goBinary, args, {
      cwd: options.dir,
      env,
      signal: options.signal,
      timeoutMs,
      onStdoutLine,
      onStderrData,
    });
    invocations.push({ args, exitCode: res.exitCode, durationMs: res.durationMs });
    if (res.cancelled) throw new EscapeRunError('cancelled', 'escape analysis cancelled');
    if (res.timedOut) throw new EscapeRunError('timeout', `go ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`);
    if (res.spawnError) {
      const missing = /ENOENT/.test(res.spawnError);
      throw new EscapeRunError(missing ? 'no-go' : 'go-failed', missing ? `the go binary was not found: ${options.goBinary}` : `cannot run ${options.goBinary}: ${res.spawnError}`);
    }
    return res;
  };

  // 1. The environment.
  const envRes = await run(['env', '-json', 'GOROOT', 'GOMOD', 'GOWORK', 'GOFLAGS', 'GOVERSION'], baseEnv);
  if (envRes.exitCode !== 0) throw new EscapeRunError('go-failed', `go env failed: ${firstLine(envRes.stderr) || `exit status ${envRes.exitCode}`}`);
  let goEnv: GoEnv;
  try {
    goEnv = JSON.parse(envRes.stdout) as GoEnv;
  } catch {
    throw new EscapeRunError('go-failed', `go env printed something that is not JSON: ${firstLine(envRes.stdout)}`);
  }
  const gomod = goEnv.GOMOD ?? '';
  const inModule = gomod !== '' && gomod !== os.devNull && gomod !== '/dev/null' && gomod.toUpperCase() !== 'NUL';
  const inWork = !!goEnv.GOWORK && goEnv.GOWORK !== 'off';
  if (!inModule && !inWork && (baseEnv.GO111MODULE ?? '') !== 'off') {
    throw new EscapeRunError('outside-module', `${options.dir} is not inside a Go module (no go.mod in it or any parent directory; run "go mod init")`);
  }

  const flags = sanitizeGoFlags(baseEnv.GOFLAGS ?? goEnv.GOFLAGS);
  const env: NodeJS.ProcessEnv = { ...baseEnv, GOFLAGS: flags.goflags };
  const tags = [...new Set([...flags.tags, ...(options.tags ?? [])])];
  const tagArgs = tags.length > 0 ? [`-tags=${tags.join(',')}`] : [];

  // 2. List and compile in one command. `go list -export` runs the same compile actions as
  // `go build` (same cache entries, same output) and, with -test, those of the test variants
  // `p [p.test]` and `p_test [p.test]`, without the link step `go test -c` cannot skip.
  const patterns = options.packages && options.packages.length > 0 ? options.packages : ['.'];
  const includeTests = options.includeTests ?? true;
  const fields = 'ImportPath,Dir,Name,ForTest,TestGoFiles,XTestGoFiles,CgoFiles';
  const args = [
    'list', '-export', ...(includeTests ? ['-test'] : []), escapeGcflags(options.boundsChecks ?? false), ...tagArgs,
    goVersionAtLeast(goEnv.GOVERSION, 19) ? `-json=${fields}` : '-json', '--', ...patterns,
  ];
  const listed: ListedPackage[] = [];
  let jsonLines: string[] = [];
  const onStdout = (line: string): void => {
    if (line === '{') jsonLines = [line];
    else if (jsonLines.length > 0) {
      jsonLines.push(line);
      if (line === '}') {
        try {
          listed.push(JSON.parse(jsonLines.join('\n')) as ListedPackage);
        } catch {
          /* not go list's JSON: ignored, the compiler output is on stderr */
        }
        jsonLines = [];
      }
    }
  };
  // Findings by `# pkg` section, so that a failed build can tell errors from analysis.
  const sections = new Map<string, ParsedFinding[]>();
  const loose: string[] = [];
  const parser = new EscapeOutputParser({
    onFinding: (f) => {
      if (!f.at) {
        loose.push(f.message);
        return;
      }
      const key = f.pkg ?? '';
      let list = sections.get(key);
      if (!list) sections.set(key, (list = []));
      list.push(f);
    },
  });
  // The compiler's output (stderr) goes to the parser as bytes: it splits and decodes lines itself.
  const res = await run(args, env, onStdout, (chunk) => parser.write(chunk));
  parser.end();

  const packages: PackageInfo[] = [];
  const packageDirs = new Map<string, string>();
  const testMains = new Set<string>();
  for (const p of listed) {
    if (!p.ImportPath) continue;
    const importPath = p.ImportPath.split(' ')[0]!;
    if (p.Dir && !packageDirs.has(importPath)) packageDirs.set(importPath, p.Dir);
    if (p.ImportPath.includes(' ') || p.ForTest) continue;
    if (p.ImportPath.endsWith('.test') && p.Name === 'main') {
      testMains.add(p.ImportPath);
      continue;
    }
    packages.push({
      importPath: p.ImportPath,
      dir: p.Dir ?? options.dir,
      name: p.Name,
      hasTests: (p.TestGoFiles?.length ?? 0) + (p.XTestGoFiles?.length ?? 0) > 0,
      cgo: (p.CgoFiles?.length ?? 0) > 0,
    });
  }
  const model = new EscapeModel({ cwd: options.dir, goroot: goEnv.GOROOT, packageDirs, readSource: options.readSource ?? readSourceFromDisk });
  const errors: CompilerError[] = [];
  const messages: string[] = [];
  // `p` is compiled twice with -test: on its own and as `p [p.test]`, which has everything.
  const headers = new Set(sections.keys());
  const keep = (pkg: string): boolean => !testMains.has(pkg) && !(!pkg.includes(' ') && [...headers].some((h) => h.startsWith(pkg + ' [')));

  if (res.exitCode === 0) {
    for (const [pkg, list] of sections) if (keep(pkg)) for (const f of list) model.add(f);
  } else {
    // The build failed: a section with only unknown lines holds the compiler's errors.
    for (const [pkg, list] of sections) {
      const analysed = list.some((f) => f.kind !== 'other');
      for (const f of list) {
        if (analysed) {
          if (keep(pkg)) model.add(f);
        } else if (f.at) {
          const at = model.resolve(f.at, pkg || undefined);
          errors.push({ file: at.file, line: at.line, column: at.column, message: f.message, pkg: pkg || undefined });
        }
      }
    }
    const cgo = loose.find((l) => /C compiler .* not found|cgo: .*(?:exec|executable file not found)/.test(l));
    if (cgo) {
      throw new EscapeRunError('cgo-no-compiler', `this package uses cgo and needs a C compiler: ${cgo.replace(/^cgo: /, '')} (install gcc or clang, set CC, or set CGO_ENABLED=0)`);
    }
    const meaningful = loose.filter((l) => !l.startsWith('#'));
    if (meaningful.some((l) => /go\.mod file not found|cannot find main module/.test(l))) {
      throw new EscapeRunError('outside-module', `${options.dir} is not inside a Go module (no go.mod in it or any parent directory; run "go mod init")`);
    }
    if (errors.length === 0) throw new EscapeRunError('go-failed', `go list failed: ${meaningful[0] ?? `exit status ${res.exitCode}`}`);
    messages.push(...meaningful);
  }
  if (packages.length === 0 && errors.length === 0) {
    throw new EscapeRunError('no-packages', loose.find((l) => l.includes('matched no packages'))?.replace(/^go: warning: /, '') ?? `no Go packages match ${patterns.join(' ')} in ${options.dir}`);
  }

  return { model: model.finish(), errors, messages, packages, invocations, goVersion: goEnv.GOVERSION, durationMs: Date.now() - started };
}

function readSourceFromDisk(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
