// Runs the Go compiler's escape analysis on packages and builds the model.
//
//   go env -json GOROOT GOMOD GOWORK GOFLAGS GOVERSION
//   go list -export -gcflags=-m=2 [-tags=T] -json=... PKGS          the packages
//   go list -export -test -gcflags=-m=2 [-tags=T] -json=... PKGS    their test variants
//
// `go list -export` compiles the packages exactly as `go build -gcflags=-m=2 -o NUL` does
// (same compile actions, same cache entries, same compiler output on stderr) and, with -test,
// also the test variants `p [p.test]` and `p_test [p.test]`, like `go test -c` would, but
// without linking a test binary (about 1.5 s per run even when everything is cached). Its
// JSON on stdout gives each package's directory, to resolve the paths in the output.
// The packages' own findings are ready (onPackages) before the test variants compile, and a
// test file that does not compile leaves them standing.
//
// The -gcflags value is the same on every run, so the go command's cache replays the
// compiler's output when nothing changed and a second run takes a fraction of a second.
// Every process goes through runTool (argument arrays, the whole tree killed on cancel).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
  /**
   * Called with the packages' own findings as soon as their compile ends, when the test
   * variants are compiled next (an editor shows these first; the final result adds the tests').
   */
  onPackages?: (partial: EscapeRunResult) => void;
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
  /** Errors of test files that do not build: the packages' own findings are still reported. */
  testErrors: CompilerError[];
  /** Lines without a position the go command printed on failure (`go: ...`). */
  messages: string[];
  /** The same for the test variants' compile. */
  testMessages: string[];
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

/** A GOFLAGS value that changes nothing (the default of -buildvcs). */
export const NEUTRAL_GOFLAGS = '-buildvcs=auto';

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

  const flags = sanitizeGoFlags(baseEnv.GOFLAGS || goEnv.GOFLAGS);
  // An empty GOFLAGS would make the go command read the `go env -w` value again, with the flags
  // just left out: a neutral flag (the default value of -buildvcs) keeps it non-empty.
  const env: NodeJS.ProcessEnv = { ...baseEnv, GOFLAGS: flags.goflags || NEUTRAL_GOFLAGS };
  const tags = [...new Set([...flags.tags, ...(options.tags ?? [])])];
  const tagArgs = tags.length > 0 ? [`-tags=${tags.join(',')}`] : [];

  // 2. The packages themselves: `go list -export` runs the same compile actions as `go build`
  // (same cache entries, same output). Their findings are the ones of the code that ships.
  const patterns = options.packages && options.packages.length > 0 ? options.packages : ['.'];
  const includeTests = options.includeTests ?? true;
  const compile = async (withTests: boolean): Promise<CompileOutput> => {
    const args = [
      'list', '-export', ...(withTests ? ['-test'] : []), escapeGcflags(options.boundsChecks ?? false), ...tagArgs,
      goVersionAtLeast(goEnv.GOVERSION, 19) ? `-json=${LIST_FIELDS}` : '-json', '--', ...patterns,
    ];
    const out: CompileOutput = { exitCode: null, listed: [], sections: new Map(), loose: [] };
    const listing = new ListingReader(out.listed);
    const parser = new EscapeOutputParser({
      onFinding: (f) => {
        if (!f.at) {
          out.loose.push(f.message);
          return;
        }
        const key = f.pkg ?? '';
        let list = out.sections.get(key);
        if (!list) out.sections.set(key, (list = []));
        list.push(f);
      },
    });
    // The compiler's output (stderr) goes to the parser as bytes: it splits and decodes lines itself.
    const res = await run(args, env, (line) => listing.line(line), (chunk) => parser.write(chunk));
    parser.end();
    out.exitCode = res.exitCode;
    return out;
  };

  const own = await compile(false);
  const packageDirs = new Map<string, string>();
  const packages: PackageInfo[] = [];
  for (const p of own.listed) {
    if (!p.ImportPath) continue;
    if (p.Dir && !packageDirs.has(p.ImportPath)) packageDirs.set(p.ImportPath, p.Dir);
    packages.push({
      importPath: p.ImportPath,
      dir: p.Dir ?? options.dir,
      name: p.Name,
      hasTests: (p.TestGoFiles?.length ?? 0) + (p.XTestGoFiles?.length ?? 0) > 0,
      cgo: (p.CgoFiles?.length ?? 0) > 0,
    });
  }
  const readSource = options.readSource ?? readSourceFromDisk;
  const model = new EscapeModel({ cwd: options.dir, goroot: goEnv.GOROOT, packageDirs, readSource });
  const errors: CompilerError[] = [];
  const messages: string[] = [];
  if (own.exitCode === 0) {
    for (const list of own.sections.values()) for (const f of list) model.add(f);
  } else {
    // The build failed: a section with only unknown lines holds the compiler's errors.
    for (const [pkg, list] of own.sections) {
      if (list.some((f) => f.kind !== 'other')) for (const f of list) model.add(f);
      else errors.push(...sectionErrors(model, pkg, list));
    }
    const cgo = own.loose.find((l) => /C compiler .* not found|cgo: .*(?:exec|executable file not found)/.test(l));
    if (cgo) {
      throw new EscapeRunError('cgo-no-compiler', `this package uses cgo and needs a C compiler: ${cgo.replace(/^cgo: /, '')} (install gcc or clang, set CC, or set CGO_ENABLED=0)`);
    }
    const meaningful = own.loose.filter((l) => !l.startsWith('#'));
    if (meaningful.some((l) => /go\.mod file not found|cannot find main module/.test(l))) {
      throw new EscapeRunError('outside-module', `${options.dir} is not inside a Go module (no go.mod in it or any parent directory; run "go mod init")`);
    }
    if (errors.length === 0) throw new EscapeRunError('go-failed', `go list failed: ${meaningful[0] ?? `exit status ${own.exitCode}`}`);
    messages.push(...meaningful);
  }
  if (packages.length === 0 && errors.length === 0) {
    throw new EscapeRunError('no-packages', own.loose.find((l) => l.includes('matched no packages'))?.replace(/^go: warning: /, '') ?? `no Go packages match ${patterns.join(' ')} in ${options.dir}`);
  }
  model.finish();
  const result = (m: EscapeModel, testErrors: CompilerError[], testMessages: string[]): EscapeRunResult => ({
    model: m, errors, testErrors, messages, testMessages, packages, invocations, goVersion: goEnv.GOVERSION, durationMs: Date.now() - started,
  });

  // 3. The test variants `p [p.test]` and `p_test [p.test]`, as `go test -c` compiles them but
  // without its link step. Only the test files' findings come from them: the package's own
  // files keep the findings of the package's own compile, which the go command replays here
  // from its cache. A test file that does not compile hides nothing of the package.
  const failed = new Set(errors.map((e) => e.pkg ?? ''));
  const testable = packages.filter((p) => p.hasTests && !failed.has(p.importPath));
  if (!includeTests || testable.length === 0) return result(model, [], []);
  options.onPackages?.(result(model, [], []));

  const tests = await compile(true);
  for (const p of tests.listed) {
    const importPath = p.ImportPath?.split(' ')[0];
    if (importPath && p.Dir && !packageDirs.has(importPath)) packageDirs.set(importPath, p.Dir);
  }
  const testMains = new Set(tests.listed.filter((p) => p.Name === 'main' && p.ImportPath?.endsWith('.test') && !p.ImportPath.includes(' ')).map((p) => p.ImportPath!));
  const testModel = new EscapeModel({ cwd: options.dir, goroot: goEnv.GOROOT, packageDirs, readSource });
  const testErrors: CompilerError[] = [];
  for (const [pkg, list] of tests.sections) {
    const base = pkg.split(' ')[0]!;
    if (!pkg.includes(' [') || testMains.has(pkg) || failed.has(base.replace(/_test$/, ''))) continue;
    if (tests.exitCode !== 0 && !list.some((f) => f.kind !== 'other')) testErrors.push(...sectionErrors(testModel, pkg, list));
    else for (const f of list) if (f.at!.file.endsWith('_test.go')) testModel.add(f);
  }
  const testMessages: string[] = [];
  if (tests.exitCode !== 0) {
    for (const l of tests.loose) {
      if (l.startsWith('#')) continue;
      // `go: can't load test package: x_test.go:6:2: no required module provides package …`
      const m = /^go: (?:can't load test package: )?(.+?\.go):(\d+):(?:(\d+):)? (.+)$/.exec(l);
      if (m) testErrors.push({ file: path.resolve(options.dir, m[1]!), line: Number(m[2]), column: m[3] === undefined ? undefined : Number(m[3]), message: m[4]! });
      else testMessages.push(l);
    }
    if (testErrors.length === 0 && testMessages.length === 0) testMessages.push(`go list -test failed: exit status ${tests.exitCode}`);
  }
  return result(EscapeModel.union(model, testModel.finish()), testErrors, testMessages);
}

const LIST_FIELDS = 'ImportPath,Dir,Name,ForTest,TestGoFiles,XTestGoFiles,CgoFiles';

interface CompileOutput {
  exitCode: number | null;
  listed: ListedPackage[];
  /** Parsed findings by `# pkg` section, so that a failed build can tell errors from analysis. */
  sections: Map<string, ParsedFinding[]>;
  /** Lines without a position (`go: …`, `# pkg` headers of failures). */
  loose: string[];
}

/** Reads the JSON objects `go list -json` prints, one line at a time. */
class ListingReader {
  private lines: string[] = [];
  constructor(private readonly into: ListedPackage[]) {}

  line(line: string): void {
    if (line === '{') this.lines = [line];
    else if (this.lines.length > 0) {
      this.lines.push(line);
      if (line === '}') {
        try {
          this.into.push(JSON.parse(this.lines.join('\n')) as ListedPackage);
        } catch {
          /* not go list's JSON: ignored, the compiler output is on stderr */
        }
        this.lines = [];
      }
    }
  }
}

/** A failed package's section: its lines with a position are the compiler's errors. */
function sectionErrors(model: EscapeModel, pkg: string, list: readonly ParsedFinding[]): CompilerError[] {
  return list.filter((f) => f.at).map((f) => {
    const at = model.resolve(f.at!, pkg || undefined);
    return { file: at.file, line: at.line, column: at.column, message: f.message, pkg: pkg || undefined };
  });
}

function readSourceFromDisk(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
