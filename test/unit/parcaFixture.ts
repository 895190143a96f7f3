// A real Parca for the fleet tests: the binary that scripts/setup-parca.sh built into its cache
// folder, started on 127.0.0.1 with a config that scrapes test/harness/pprof-service (a Go
// program serving net/http/pprof) every 2 s. Both processes end with the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { goEnv, runGo } from './pprofFixtures';

export const PARCA_VERSION = 'v0.28.0';

/** Where setup-parca.sh puts the binary: $GMI_PARCA_DIR, else ~/.cache/go-memory-insight/parca-VERSION. */
export function parcaBinary(): string {
  const dir = process.env.GMI_PARCA_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'go-memory-insight', `parca-${PARCA_VERSION}`);
  return join(dir, 'parca');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ParcaRun {
  url: string;
  /** host:port of the scraped service (Parca's instance label). */
  target: string;
  dir: string;
  log: () => string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Builds and starts the pprof service, then Parca scraping it. */
export async function startParca(): Promise<ParcaRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gmi-parca-'));
  const children: ChildProcess[] = [];
  let output = '';
  const stop = async () => {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const service = join(dir, 'pprof-service');
    // The repository: GMI_ROOT where a runner sets it (the integration suite runs from a copy), else from out/test/unit/.
    const root = process.env.GMI_ROOT ?? join(__dirname, '..', '..', '..');
    const built = await runGo(['build', '-o', service, '.'], join(root, 'test', 'harness', 'pprof-service'));
    if (built.exitCode !== 0) throw new Error(`building the pprof service failed: ${built.stderr}`);
    // Every allocation recorded (-rate 1): main.main's flat is never left out by sampling.
    const svc = spawn(service, ['-rate', '1'], { stdio: ['ignore', 'pipe', 'pipe'], env: goEnv() });
    children.push(svc);
    const target = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: svc.stdout! });
      rl.once('line', (line) => resolve(line.trim()));
      svc.once('exit', (code) => reject(new Error(`the pprof service exited (${code})`)));
    });
    const port = await freePort();
    const config = join(dir, 'parca.yaml');
    writeFileSync(config, [
      'object_storage:',
      '  bucket:',
      '    type: "FILESYSTEM"',
      '    config:',
      `      directory: "${join(dir, 'data')}"`,
      'scrape_configs:',
      '  - job_name: "svc"',
      '    scrape_interval: "2s"',
      '    static_configs:',
      `      - targets: ["${target}"]`,
      '    profiling_config:',
      '      pprof_config:',
      '        block: { enabled: false }',
      '        goroutine: { enabled: false }',
      '        mutex: { enabled: false }',
      '        process_cpu: { enabled: false }',
      '',
    ].join('\n'));
    const parca = spawn(parcaBinary(), [
      `--config-path=${config}`,
      `--http-address=127.0.0.1:${port}`,
      `--storage-path=${join(dir, 'storage')}`,
      `--debuginfo-cache-dir=${join(dir, 'debuginfo')}`,
      // Never asked for Go's symbolized profiles; pointed at loopback so nothing leaves the machine.
      '--debuginfod-upstream-servers=127.0.0.1:9',
      '--log-level=warn',
    ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOMAXPROCS: '2' } });
    children.push(parca);
    const keep = (d: Buffer) => {
      output += d.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    parca.stdout!.on('data', keep);
    parca.stderr!.on('data', keep);
    return { url: `http://127.0.0.1:${port}`, target, dir, log: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `probe` until it gives a value (or the deadline passes: then the last error). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

