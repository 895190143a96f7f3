// Hot spots computed in one process, as the CLI does: the profile's files mapped to this
// machine (go env GOROOT GOMODCACHE, the module's `go list -m -json`), the module's own
// allocating packages analysed by the compiler (runEscapeAnalysis), and the rows joined with
// the findings. The editor does the same with the language server's findings instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runEscapeAnalysis, EscapeRunError, type ToolRunner } from '../escape/run';
import type { EscapeModel } from '../escape/model';
import { parseGoListModules, sourceCandidates, type SourceEnv } from '../extension/flame/sourcePaths';
import { runTool } from '../goenv/run';
import type { ProfileData } from '../shared/profileData';
import { attributeSamples, type AttributeOptions } from './attribute';
import { joinHotspots, lineFindings, type HotspotReport } from './report';

export interface LocalHotspotOptions extends AttributeOptions {
  goBinary?: string;
  /** The module (or package) directory: profile paths are resolved and packages analysed from here. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  sampleIndex: number;
  /** Keep rows outside the module(s) of `dir` too. */
  all?: boolean;
  limit?: number;
  signal?: AbortSignal;
  runner?: ToolRunner;
}

export interface LocalHotspotResult {
  report: HotspotReport;
  /** One line each: what could not be done (a package that does not build, go missing…). */
  warnings: string[];
  /** Package directories analysed. */
  analysed: string[];
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function exists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** GOROOT, GOMODCACHE and the main module(s) of `dir`; whatever go cannot say is left out. */
export async function goSourceEnv(goBinary: string | undefined, dir: string, env: NodeJS.ProcessEnv = process.env): Promise<SourceEnv & { warnings: string[] }> {
  const out: SourceEnv & { warnings: string[] } = { modules: [], workspaceFolders: [dir], warnings: [] };
  if (!goBinary) return out;
  const runEnv = { ...env, GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local', GOPROXY: 'off' };
  const [goenv, list] = await Promise.all([
    runTool(goBinary, ['env', 'GOROOT', 'GOMODCACHE'], { cwd: dir, env: runEnv, timeoutMs: 30000 }),
    runTool(goBinary, ['list', '-m', '-json'], { cwd: dir, env: runEnv, timeoutMs: 30000 }),
  ]);
  if (goenv.exitCode === 0) {
    const [goroot, modcache] = goenv.stdout.split(/\r?\n/);
    if (goroot?.trim()) out.goroot = goroot.trim();
    if (modcache?.trim()) out.gomodcache = modcache.trim();
  } else {
    out.warnings.push(`go env failed in ${dir}: ${(goenv.spawnError ?? goenv.stderr).trim().split('\n')[0]}`);
  }
  if (list.exitCode === 0) out.modules = parseGoListModules(list.stdout).modules;
  return out;
}

export async function localHotspots(data: ProfileData, opts: LocalHotspotOptions): Promise<LocalHotspotResult> {
  const warnings: string[] = [];
  const attribution = attributeSamples(data, opts.sampleIndex, opts);
  const srcEnv = await goSourceEnv(opts.goBinary, opts.dir, opts.env);
  warnings.push(...srcEnv.warnings);
  const resolved = new Map<string, string | undefined>();
  const resolve = (file: string): string | undefined => {
    if (!resolved.has(file)) resolved.set(file, sourceCandidates(file, srcEnv).find(exists));
    return resolved.get(file);
  };
  // The workspace: the main module(s) of dir, or dir itself outside a module.
  const roots = srcEnv.modules.length > 0 ? srcEnv.modules.map((m) => m.dir) : [opts.dir];
  const ownFile = (file: string): boolean => path.isAbsolute(file) && roots.some((r) => isInside(file, r));
  const include = opts.all ? undefined : ownFile;

  // The packages to analyse: those of the module's own files among the rows that are shown.
  const limit = opts.limit ?? Infinity;
  const dirs = new Set<string>();
  let tests = false;
  let kept = 0;
  for (const r of attribution.rows) {
    if (kept >= limit) break;
    const file = resolve(r.file) ?? r.file;
    if (include && !include(file)) continue;
    kept++;
    if (!ownFile(file) || !exists(file)) continue;
    dirs.add(path.dirname(file));
    if (file.endsWith('_test.go')) tests = true;
  }
  let model: EscapeModel | undefined;
  const failed = new Map<string, string>();
  if (dirs.size > 0 && opts.goBinary) {
    try {
      const res = await runEscapeAnalysis({ goBinary: opts.goBinary, dir: opts.dir, packages: [...dirs], env: opts.env, includeTests: tests, signal: opts.signal, runner: opts.runner });
      model = res.model;
      for (const e of [...res.errors, ...res.testErrors]) {
        const d = path.dirname(e.file);
        if (!failed.has(d)) failed.set(d, `${path.basename(e.file)}:${e.line}: ${e.message}`);
      }
      for (const [d, why] of failed) warnings.push(`${d} does not build, so the compiler said nothing about it: ${why}`);
      for (const m of [...res.messages, ...res.testMessages]) warnings.push(m);
    } catch (err) {
      if (!(err instanceof EscapeRunError)) throw err;
      warnings.push(`escape analysis failed: ${err.message}`);
    }
  } else if (dirs.size > 0) {
    warnings.push('no go binary: the rows have no compiler findings');
  }
  const lines = new Map<string, string[] | undefined>();
  const report = joinHotspots(data, attribution, {
    resolve,
    include,
    limit: opts.limit,
    findingsAt: (file, line) => {
      if (!model || !dirs.has(path.dirname(file)) || failed.has(path.dirname(file))) return undefined;
      return lineFindings(model.findingsAt(file, line));
    },
    unanalysedReason: (file) => {
      const why = failed.get(path.dirname(file));
      if (why) return `not analysed: the package does not build (${why})`;
      if (!path.isAbsolute(file) || !exists(file)) return 'not analysed: the source file is not on this machine';
      if (!ownFile(file)) return 'not analysed: outside the main module';
      return 'not analysed: the go command is not available';
    },
    sourceLine: (file, line) => {
      if (!lines.has(file)) {
        let text: string[] | undefined;
        try {
          text = fs.readFileSync(file, 'utf8').split(/\r?\n/);
        } catch {
          text = undefined;
        }
        lines.set(file, text);
      }
      return lines.get(file)?.[line - 1];
    },
  });
  return { report, warnings, analysed: [...dirs] };
}
