// Helpers for the escape-analysis tests: the real go binary, fixture modules copied to a temp
// dir, and a process runner with runTool's contract (argument array, streamed lines, the whole
// process group killed on cancel). runTool itself uses execa 10, which needs Node 22; the unit
// tests run on Node 20, so they pass this runner to the engine instead.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import * as os from 'node:os';
import * as path from 'node:path';
import { findGo } from '../../src/goenv/findGo';
import type { RunOptions, RunResult } from '../../src/goenv/run';

/** test/fixtures/escape in the source tree (the bundles run from out/test/unit). */
export const ESCAPE_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'escape');
export const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'samples');
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function goBinary(): string {
  const found = findGo({ env: process.env, platform: process.platform, home: os.homedir() });
  if (!found.ok) throw new Error(`the escape tests need Go installed; tried ${found.tried.join(', ')}`);
  return found.path;
}

/** The environment for go in tests: no toolchain download, no user GOFLAGS. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', ...extra };
}

/** A fresh copy of test/fixtures/escape (or a part of it) in a temp dir. */
export function copyFixture(sub = ''): { dir: string; root: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-escape-'));
  const dir = path.join(root, 'escape');
  fs.cpSync(path.join(ESCAPE_FIXTURES, sub), dir, { recursive: true });
  return { dir, root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

function lines(stream: NodeJS.ReadableStream | null, onLine: ((l: string) => void) | undefined, keep: string[], onData?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve) => {
    if (!stream) return resolve();
    let partial = '';
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      onData?.(chunk);
      const decoded = decoder.write(chunk);
      if (keep.join('').length < 1 << 20) keep.push(decoded);
      const text = partial + decoded;
      const parts = text.split('\n');
      partial = parts.pop()!;
      for (const p of parts) onLine?.(p.endsWith('\r') ? p.slice(0, -1) : p);
    });
    stream.on('end', () => {
      partial += decoder.end();
      if (partial) onLine?.(partial);
      resolve();
    });
    stream.on('error', () => resolve());
  });
}

/** runTool's contract on node:child_process. */
export async function testRunner(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  let cancelled = false;
  let timedOut = false;
  const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
  const kill = (): void => {
    try {
      if (child.pid) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  const onAbort = (): void => {
    cancelled = true;
    kill();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; kill(); }, opts.timeoutMs) : undefined;
  const out: string[] = [];
  const err: string[] = [];
  const pumps = Promise.all([lines(child.stdout, opts.onStdoutLine, out), lines(child.stderr, opts.onStderrLine, err, opts.onStderrData)]);
  const exit = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: null, error: `${(e as NodeJS.ErrnoException).code ?? ''}: ${e.message}` }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  await pumps;
  if (timer) clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  return { exitCode: exit.code, signal: exit.signal, stdout: out.join(''), stderr: err.join(''), cancelled, timedOut, spawnError: exit.error, durationMs: Date.now() - started };
}

/** 1-based line of the first line containing `marker`. */
export function markerLine(file: string, marker: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not found in ${file}`);
  return i + 1;
}
