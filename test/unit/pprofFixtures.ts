// Real profiles for the pprof tests: the fixture module test/fixtures/pprof/workload is copied
// to a temporary directory and `go test` writes a heap profile (-memprofilerate=1) and a CPU
// profile. `go tool pprof -top` on the same files gives the expected numbers.
// Go runs through node:child_process (an argument array, no shell) rather than runTool:
// execa 10 needs Node 22 and the unit tests run on Node 20.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';

export interface GoProfiles {
  dir: string;
  mem: string;
  cpu: string;
  /** A second heap profile of the same package from only TestAllocate (the base of diffs). */
  memAlloc: string;
  memBytes: Buffer;
  memAllocBytes: Buffer;
  cpuBytes: Buffer;
}

export function goBinary(): string {
  const fromRoot = process.env.GOROOT && join(process.env.GOROOT, 'bin', 'go');
  if (fromRoot && existsSync(fromRoot)) return fromRoot;
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  return 'go';
}

export interface GoRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the go command with an argument array; never rejects. */
export function runGo(args: string[], cwd: string): Promise<GoRun> {
  return new Promise((resolve) => {
    execFile(goBinary(), args, { cwd, env: goEnv(), timeout: 180_000, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ exitCode: code, stdout, stderr: stderr || (err ? err.message : '') });
    });
  });
}

export function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '' };
}

const KEY = '__gmiPprofProfiles';

/** Writes the profiles once per test process (the test bundles share it through globalThis). */
export function goProfiles(): Promise<GoProfiles> {
  const g = globalThis as unknown as Record<string, Promise<GoProfiles> | undefined>;
  g[KEY] ??= writeProfiles();
  return g[KEY];
}

async function writeProfiles(): Promise<GoProfiles> {
  const dir = mkdtempSync(join(tmpdir(), 'gmi-pprof-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  // The repository: GMI_ROOT when the page tests' runner sets it (their bundles live elsewhere), else from out/test/unit/.
  cpSync(join(process.env.GMI_ROOT ?? join(__dirname, '..', '..', '..'), 'test', 'fixtures', 'pprof', 'workload'), dir, { recursive: true });
  const r = await runGo(['test', '-count=1', '-memprofile', 'mem.out', '-memprofilerate', '1', '-cpuprofile', 'cpu.out', '.'], dir);
  if (r.exitCode !== 0) throw new Error(`go test failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  const r2 = await runGo(['test', '-count=1', '-run', 'TestAllocate', '-memprofile', 'mem-alloc.out', '-memprofilerate', '1', '.'], dir);
  if (r2.exitCode !== 0) throw new Error(`go test failed (${r2.exitCode}): ${r2.stderr || r2.stdout}`);
  const mem = join(dir, 'mem.out');
  const cpu = join(dir, 'cpu.out');
  const memAlloc = join(dir, 'mem-alloc.out');
  return { dir, mem, cpu, memAlloc, memBytes: readFileSync(mem), cpuBytes: readFileSync(cpu), memAllocBytes: readFileSync(memAlloc) };
}

export interface PprofTop {
  /** "of Z total": every sample, before focus/ignore/hide. */
  total: number;
  /** "accounting for X": the samples kept by the filters. */
  shown: number;
  rows: Map<string, { flat: number; cum: number }>;
  /** Every row in order, for listings that name a node twice (see pprofTop's allowDuplicates). */
  list: Array<{ name: string; flat: number; cum: number }>;
}

/** Runs `go tool pprof -top` with every node kept and parses its table. */
/**
 * allowDuplicates: go tool pprof -files lists a file once per function start line in it (its
 * nodes keep the start line); rows then holds the first of each name and list all of them.
 */
/** allowEmpty: the filters may leave no row (else an empty table is taken as unparsed output). */
export async function pprofTop(file: string, sampleIndex: string, unit: 'B' | 'ns', cwd: string, extra: string[] = [], allowDuplicates = false, allowEmpty = false): Promise<PprofTop> {
  const r = await runGo(['tool', 'pprof', '-top', `-unit=${unit}`, '-nodecount=1000000', '-nodefraction=0', '-edgefraction=0', `-sample_index=${sampleIndex}`, ...extra, file], cwd);
  if (r.exitCode !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
  return parsePprofTop(r.stdout, allowDuplicates, allowEmpty);
}

const num = (s: string): number => (s === '0' ? 0 : Number(s.replace(/[A-Za-z]+$/, '')));

export function parsePprofTop(text: string, allowDuplicates = false, allowEmpty = false): PprofTop {
  const lines = text.split('\n');
  const showing = lines.find((l) => l.startsWith('Showing nodes accounting for'));
  const m = showing && /accounting for (\S+), \S+ of (\S+) total/.exec(showing);
  if (!m) throw new Error(`unexpected go tool pprof output:\n${text}`);
  const shown = num(m[1]!.replace(/,$/, ''));
  const total = num(m[2]!);
  const rows = new Map<string, { flat: number; cum: number }>();
  const list: PprofTop['list'] = [];
  const header = lines.findIndex((l) => /^\s+flat\s+flat%/.test(l));
  for (const line of lines.slice(header + 1)) {
    const row = /^\s*(\S+)\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(.+?)(?: \((?:partial-)?inline\))?$/.exec(line);
    if (!row) continue;
    list.push({ name: row[3]!, flat: num(row[1]!), cum: num(row[2]!) });
    if (rows.has(row[3]!)) {
      if (allowDuplicates) continue;
      throw new Error(`go tool pprof listed ${row[3]} twice`);
    }
    rows.set(row[3]!, { flat: num(row[1]!), cum: num(row[2]!) });
  }
  if (!Number.isFinite(total) || (rows.size === 0 && !(allowEmpty && shown === 0))) throw new Error(`could not parse go tool pprof output:\n${text}`);
  return { total, shown, rows, list };
}
