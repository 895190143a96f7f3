// The GC tests' load program (test/fixtures/gc), built once per test run with the installed Go
// and run with GODEBUG=gctrace=1 at the settings a test asks for. GOMAXPROCS=1: with one P the
// collector's share of the CPU is the pacer's 25% and no idle P marks, so the cycles do not
// depend on how busy the machine is.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTool } from '../../src/goenv/run';
import { goEnv, goPath } from './profilingFixture';

/** test/fixtures/gc in the source tree (the unit bundles run from out/test/unit; the page tests say where the tree is in GMI_ROOT). */
export const GC_FIXTURE_DIR = path.join(process.env.GMI_ROOT ?? path.resolve(__dirname, '..', '..', '..'), 'test', 'fixtures', 'gc');

/** What the load program printed about itself at exit (its "gcload:" line). */
export interface GcLoadStats {
  numGC: number;
  numForcedGC: number;
  totalAlloc: number;
  liveBytes: number;
  stackScanBytes: number;
  globalsScanBytes: number;
  goalBytes: number;
  gogc: number;
  memoryLimit: number;
  pausesNs: number[];
}

export interface GcLoadRun {
  /** The trace (standard error), or both streams in one when `merged`. */
  trace: string;
  stats: GcLoadStats;
}

let built: Map<string, Promise<string>> | undefined;
let root: string | undefined;

/** Builds the load program (with extra GOEXPERIMENT settings when given) once per test run. */
export function gcLoadBinary(goexperiment = ''): Promise<string> {
  built ??= new Map();
  let p = built.get(goexperiment);
  if (!p) {
    root ??= fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-gc-'));
    const out = path.join(root, `gcload${goexperiment ? '-' + goexperiment : ''}`);
    p = runTool(goPath(), ['build', '-o', out, '.'], {
      cwd: GC_FIXTURE_DIR,
      env: { ...goEnv(), ...(goexperiment ? { GOEXPERIMENT: goexperiment } : {}) },
      timeoutMs: 300_000,
    }).then((r) => {
      if (r.exitCode !== 0) throw new Error(`go build of the GC load program failed: ${r.spawnError ?? r.stderr}`);
      return out;
    });
    built.set(goexperiment, p);
  }
  return p;
}

export function cleanupGcLoad(): void {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
  built = undefined;
}

function parseStats(text: string): GcLoadStats {
  const m = /gcload: (.*)$/m.exec(text);
  if (!m) throw new Error(`the load program printed no gcload line:\n${text.slice(-2000)}`);
  const fields = new Map<string, string>();
  for (const f of m[1]!.matchAll(/(\w+)=(\[[^\]]*\]|\S+)/g)) fields.set(f[1]!, f[2]!);
  const num = (k: string): number => {
    const v = fields.get(k);
    if (v === undefined) throw new Error(`no ${k} in ${m[0]}`);
    return Number(v);
  };
  return {
    numGC: num('numGC'),
    numForcedGC: num('numForcedGC'),
    totalAlloc: num('totalAlloc'),
    liveBytes: num('liveBytes'),
    stackScanBytes: num('stackScanBytes'),
    globalsScanBytes: num('globalsScanBytes'),
    goalBytes: num('goalBytes'),
    gogc: num('gogc'),
    memoryLimit: num('memoryLimit'),
    pausesNs: (fields.get('pausesNs') ?? '[]').slice(1, -1).split(' ').filter(Boolean).map(Number),
  };
}

export interface GcLoadOptions {
  gogc?: string;
  memoryLimit?: string;
  args?: string[];
  /** Standard output and standard error in one stream, as a terminal shows them. */
  merged?: boolean;
  goexperiment?: string;
  /** GOMAXPROCS (default 1). */
  procs?: number;
}

/** Runs the load program with GODEBUG=gctrace=1. */
export async function runGcLoad(opts: GcLoadOptions = {}): Promise<GcLoadRun> {
  const bin = await gcLoadBinary(opts.goexperiment);
  const env: NodeJS.ProcessEnv = { ...process.env, GODEBUG: 'gctrace=1', GOMAXPROCS: String(opts.procs ?? 1) };
  delete env.GOGC;
  delete env.GOMEMLIMIT;
  if (opts.gogc) env.GOGC = opts.gogc;
  if (opts.memoryLimit) env.GOMEMLIMIT = opts.memoryLimit;
  const args = opts.args ?? [];
  if (opts.merged) {
    // One file for both streams: the runtime's lines land between the program's, as in a terminal.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-gcrun-')), 'out.txt');
    const fd = fs.openSync(file, 'w');
    try {
      const r = spawnSync(bin, args, { env, stdio: ['ignore', fd, fd], timeout: 120_000 });
      if (r.status !== 0) throw new Error(`the load program failed: ${r.status} ${r.signal}`);
    } finally {
      fs.closeSync(fd);
    }
    const trace = fs.readFileSync(file, 'utf8');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    return { trace, stats: parseStats(trace) };
  }
  const r = await runTool(bin, args, { cwd: GC_FIXTURE_DIR, env, timeoutMs: 120_000, maxBufferBytes: 64 << 20 });
  if (r.exitCode !== 0) throw new Error(`the load program failed (${r.exitCode}): ${r.stderr.slice(-2000)}`);
  return { trace: r.stderr, stats: parseStats(r.stdout) };
}
