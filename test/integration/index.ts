// Runs the integration suite (every suite/*.test.js next to this bundle) with mocha inside
// an extension host. Used by both runners: desktop VS Code through @vscode/test-electron
// (`run()` is the extensionTestsPath entry) and code-server through the test-runner
// extension in runner/, which calls `runSuite` and writes the results to a file.
// Adding a test file to suite/ is all it takes to add it to the suite.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type MochaApi from 'mocha';
import type { SuiteResults, TestFailure, TestRecord } from './results';

// Mocha's package entry is an ES module; its CommonJS build is loaded directly so the suite
// runs the same way in every extension host (desktop VS Code's Electron, code-server's Node).
const Mocha = createRequire(__filename)('mocha/lib/mocha.cjs') as typeof MochaApi;

export interface RunOptions {
  /** The folder of bundled suite files (default: suite/ next to this bundle). */
  suiteDir?: string;
  /** Only run tests whose full title matches (mocha --grep). */
  grep?: string;
  /** Called as each test finishes, for live progress. */
  onTest?: (test: TestRecord) => void;
}

function toFailure(err: unknown): TestFailure {
  if (err instanceof Error) {
    const e = err as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean };
    const failure: TestFailure = { message: e.message, stack: e.stack };
    if ('actual' in e && 'expected' in e) {
      failure.actual = show(e.actual);
      failure.expected = show(e.expected);
    }
    return failure;
  }
  return { message: String(err) };
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, undefined, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The suite files, sorted so the order is stable (foundation first by name). */
export function suiteFiles(dir = path.join(__dirname, 'suite')): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort((a, b) => (a.startsWith('foundation') ? -1 : b.startsWith('foundation') ? 1 : a.localeCompare(b)))
    .map((f) => path.join(dir, f));
}

export function runSuite(options: RunOptions = {}): Promise<SuiteResults> {
  const started = Date.now();
  const tests: TestRecord[] = [];
  const results: SuiteResults = { passed: 0, failed: 0, pending: 0, durationMs: 0, tests };
  let files: string[];
  try {
    files = suiteFiles(options.suiteDir);
  } catch (err) {
    return Promise.resolve({ ...results, fatal: toFailure(err) });
  }
  if (files.length === 0) {
    return Promise.resolve({ ...results, fatal: { message: `no *.test.js files in ${options.suiteDir ?? path.join(__dirname, 'suite')}` } });
  }
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  if (options.grep) mocha.grep(options.grep);
  for (const f of files) mocha.addFile(f);

  const record = (test: MochaApi.Runnable, state: TestRecord['state'], err?: unknown): void => {
    const r: TestRecord = {
      fullTitle: test.titlePath().join(' › '),
      file: test.file ? path.basename(test.file) : undefined,
      state,
      durationMs: test.duration,
    };
    if (err !== undefined) r.error = toFailure(err);
    tests.push(r);
    results[state]++;
    options.onTest?.(r);
  };

  return new Promise((resolve) => {
    let runner: MochaApi.Runner;
    try {
      runner = mocha.run(() => {
        results.durationMs = Date.now() - started;
        resolve(results);
      });
    } catch (err) {
      // A suite file that throws while loading ends up here.
      resolve({ ...results, durationMs: Date.now() - started, fatal: toFailure(err) });
      return;
    }
    runner.on('pass', (t) => record(t, 'passed'));
    runner.on('pending', (t) => record(t, 'pending'));
    // Failing hooks are reported as failures too, with the hook's title.
    runner.on('fail', (t, err) => record(t, 'failed', err));
  });
}

/** Writes the results through a temporary name, so a reader never sees half a file. */
export function writeResults(file: string, results: SuiteResults): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(results, undefined, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Entry point for @vscode/test-electron's extensionTestsPath: rejects when a test failed.
 * Also writes the results to $GMI_TEST_RESULTS when set, like the code-server runner.
 */
export async function run(): Promise<void> {
  const out = process.env.GMI_TEST_RESULTS;
  const results = await runSuite({ grep: process.env.GMI_TEST_GREP || undefined });
  if (out) writeResults(out, results);
  if (results.fatal) throw new Error(`The integration suite could not run: ${results.fatal.message}\n${results.fatal.stack ?? ''}`);
  console.log(`integration: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending`);
  if (results.failed > 0) throw new Error(`${results.failed} integration test(s) failed`);
}
