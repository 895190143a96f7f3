// Printing the integration/e2e results and the summary file scripts/test-all.mjs reads.
import * as fs from 'node:fs';

/**
 * Prints each failure with what it saw (and each test, unless `list` is false because they
 * were shown live); returns true when everything passed.
 */
export function printResults(results, label, { list = true } = {}) {
  if (list) console.log(`\n${label} results:`);
  for (const t of list ? results.tests : []) {
    const mark = t.state === 'passed' ? '✓' : t.state === 'failed' ? '✗' : '-';
    console.log(`  ${mark} ${t.fullTitle}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}`);
  }
  const failures = results.tests.filter((t) => t.state === 'failed');
  failures.forEach((t, i) => {
    console.log(`\n  ${i + 1}) ${t.fullTitle}${t.file ? ` [${t.file}]` : ''}`);
    console.log(indent(t.error?.message ?? '(no message)', 6));
    if (t.error?.expected !== undefined || t.error?.actual !== undefined) {
      console.log(indent(`expected: ${t.error.expected}\nactual:   ${t.error.actual}`, 6));
    }
    if (t.error?.stack) console.log(indent(stackFrames(t.error.stack), 6));
  });
  if (results.fatal) {
    console.log(`\n  the suite could not run: ${results.fatal.message}`);
    if (results.fatal.stack) console.log(indent(results.fatal.stack, 6));
  }
  const secs = results.durationMs !== undefined ? ` in ${(results.durationMs / 1000).toFixed(1)} s` : '';
  console.log(`\n${label}: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending${secs}`);
  return !results.fatal && results.failed === 0 && results.passed > 0;
}

/** The first frames of a stack, without the message it repeats. */
function stackFrames(stack, max = 8) {
  return stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, max).map((l) => l.trim()).join('\n');
}

function indent(text, n) {
  const pad = ' '.repeat(n);
  return String(text).split('\n').map((l) => pad + l).join('\n');
}

/** Writes {passed, failed} to $GMI_SUMMARY_FILE when set; a run that did not finish counts as one failure. */
export function writeSummary(results, failedToRun) {
  const file = process.env.GMI_SUMMARY_FILE;
  if (!file) return;
  const passed = results?.passed ?? 0;
  let failed = results?.failed ?? 0;
  if (failedToRun && failed === 0) failed = 1;
  // The failing tests' names and first message lines, so the stage summary can repeat them at
  // the very end of a long run, where a CI log's tail shows them.
  const failures = (results?.tests ?? [])
    .filter((t) => t.state === 'failed')
    .map((t) => ({ title: t.fullTitle, message: String(t.error?.message ?? '').split('\n')[0].slice(0, 300) }));
  if (results?.fatal) failures.push({ title: 'the suite could not run', message: String(results.fatal.message).split('\n')[0] });
  fs.writeFileSync(file, JSON.stringify({ passed, failed, failures }));
}
