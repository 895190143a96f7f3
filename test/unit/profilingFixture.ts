// Helpers for the profiling unit tests: the real go binary, the fixture module copied to a
// temp dir, and `go test` runs with GOTOOLCHAIN=local. The runs use node:child_process
// directly (an argument array, no shell) rather than runTool: execa 10 needs Node 22 and the
// unit tests run on Node 20. The extension itself runs go through runTool.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findGo } from '../../src/goenv/findGo';
import { spawn } from 'node:child_process';

/** test/fixtures/profiling in the source tree (the bundles run from out/test/unit). */
export const FIXTURE_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'profiling');

export function goPath(): string {
  const found = findGo({ env: process.env, platform: process.platform, home: os.homedir() });
  if (!found.ok) throw new Error(`the profiling tests need Go installed; tried ${found.tried.join(', ')}`);
  return found.path;
}

/** A fresh copy of the fixture module in a temp dir; removed by the returned cleanup. */
export function copyFixture(): { dir: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-profiling-'));
  const dir = path.join(root, 'profiling');
  fs.cpSync(FIXTURE_DIR, dir, { recursive: true });
  return { dir, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' };
}

export interface GoRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs go; on timeout the whole process group goes (go test starts compilers and test binaries). */
export function runGo(dir: string, args: readonly string[], timeoutMs = 120000): Promise<GoRun> {
  return new Promise((resolve) => {
    const child = spawn(goPath(), args, { cwd: dir, env: goEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: null, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout, stderr });
    });
  });
}

/** 1-based line of the first line containing `marker` in a fixture file. */
export function markerLine(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not found in ${file}`);
  return i + 1;
}
