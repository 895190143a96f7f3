// Helpers for the profiling unit tests: the real go binary, the fixture module copied to a
// temp dir, and `go` runs through runTool (as the extension runs them) with GOTOOLCHAIN=local.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findGo } from '../../src/goenv/findGo';
import { runTool, type RunResult } from '../../src/goenv/run';

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

/** Runs go like the extension does; on timeout runTool kills the whole process tree. */
export function runGo(dir: string, args: readonly string[], timeoutMs = 120000): Promise<RunResult> {
  return runTool(goPath(), args, { cwd: dir, env: goEnv(), timeoutMs });
}

/** 1-based line of the first line containing `marker` in a fixture file. */
export function markerLine(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not found in ${file}`);
  return i + 1;
}
