// The leaking Go service of test/harness/pprof-service, built and started at test time: a real
// net/http/pprof server whose /leak?n=N keeps N more 64 KiB buffers and N goroutines blocked
// for ever. Built once per test process and per GOEXPERIMENT.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goBinary, goEnv } from './pprofFixtures';

// The repository: GMI_ROOT for the page tests (bundled elsewhere), else from out/test/unit/.
const SOURCE = join(process.env.GMI_ROOT ?? join(__dirname, '..', '..', '..'), 'test', 'harness', 'pprof-service');
/** The size of one leaked buffer (LeakBufferSize in main.go). */
export const LEAK_BUFFER_SIZE = 64 << 10;

const builds = new Map<string, Promise<string>>();
let buildDir: string | undefined;

/** Builds the service; `leakProfile` builds it with GOEXPERIMENT=goroutineleakprofile (Go 1.26). */
export function buildService(leakProfile: boolean): Promise<string> {
  const key = leakProfile ? 'leak' : 'plain';
  let p = builds.get(key);
  if (!p) {
    if (!buildDir) {
      const dir = mkdtempSync(join(tmpdir(), 'gmi-pprof-service-'));
      buildDir = dir;
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const out = join(buildDir, `svc-${key}`);
    const env = { ...goEnv(), ...(leakProfile ? { GOEXPERIMENT: 'goroutineleakprofile' } : {}) };
    p = new Promise<string>((resolve, reject) => {
      execFile(goBinary(), ['build', '-o', out, '.'], { cwd: SOURCE, env, timeout: 180_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`building the pprof service failed: ${stderr || err.message}`)) : resolve(out)));
    });
    builds.set(key, p);
  }
  return p;
}

export interface RunningService {
  /** host:port */
  addr: string;
  /** http://host:port */
  url: string;
  proc: ChildProcess;
  /** Leaks n buffers and n goroutines; resolves with the service's totals. */
  leak(n: number): Promise<{ buffers: number; goroutines: number }>;
  stop(): Promise<void>;
}

export async function startService(opts: { leakProfile?: boolean; args?: string[] } = {}): Promise<RunningService> {
  const bin = await buildService(!!opts.leakProfile);
  const proc = spawn(bin, opts.args ?? [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const addr = await new Promise<string>((resolve, reject) => {
    proc.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
    proc.once('exit', (c) => reject(new Error(`the pprof service exited with ${c}`)));
  });
  const url = `http://${addr}`;
  return {
    addr,
    url,
    proc,
    leak: (n) =>
      new Promise((resolve, reject) => {
        http
          .get(`${url}/leak?n=${n}`, { agent: false }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as { buffers: number; goroutines: number }) : reject(new Error(`/leak: ${res.statusCode} ${body}`))));
          })
          .on('error', reject);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill();
      }),
  };
}

/** A port nothing listens on (taken, then closed). */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
