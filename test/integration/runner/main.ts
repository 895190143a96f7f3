// The test-runner extension for code-server (see runner/package.json). It does nothing
// unless GMI_TEST_RESULTS names a file: then it runs the integration suite once, appends
// each finished test as a JSON line to `<file>.progress` and writes the full results to
// the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { runSuite, writeResults } from '../index';
import type { SuiteResults } from '../results';

export function activate(_context: vscode.ExtensionContext): void {
  const out = process.env.GMI_TEST_RESULTS;
  if (!out) return;
  const progress = `${out}.progress`;
  fs.writeFileSync(progress, '');
  const write = (results: SuiteResults): void => writeResults(out, results);
  runSuite({
    // This file is bundled to runner/main.js; the suite files sit in ../suite/.
    suiteDir: path.join(__dirname, '..', 'suite'),
    grep: process.env.GMI_TEST_GREP || undefined,
    onTest: (t) => fs.appendFileSync(progress, `${JSON.stringify(t)}\n`),
  }).then(write, (err: unknown) =>
    write({ passed: 0, failed: 0, pending: 0, durationMs: 0, tests: [], fatal: { message: String(err), stack: err instanceof Error ? err.stack : undefined } }),
  );
}

export function deactivate(): void {
  // Nothing to clean up: the suite finishes on its own and the harness stops code-server.
}
