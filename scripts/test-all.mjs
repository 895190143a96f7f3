#!/usr/bin/env node
// `npm test`: every check, in order, with each stage's result and duration, then a last line
// `tests: N passed, N failed` summed over the stages that run tests. Exits non-zero when any
// stage failed. Usage: node scripts/test-all.mjs [--only stage,stage] [--skip stage,stage]
//
// Stages: build (test bundles + .vsix, once for all), lint, typecheck, unit, the EXTRA_STAGES
// below, integration (inside code-server, or desktop VS Code with --runner electron), e2e.
//
// Adding a plain-Node test folder (e.g. test/webview): add an entry to EXTRA_STAGES. A stage
// is { name, enabled(), command: [file, ...args] }; its test counts are read from
// $GMI_SUMMARY_FILE ({"passed": n, "failed": n}) when the command writes it, else from mocha's
// "N passing" / "N failing" lines.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const node = process.execPath;
const exists = (rel) => fs.existsSync(path.join(root, rel));

/** Plain-Node test folders beyond test/unit, run after the unit tests. */
const EXTRA_STAGES = [
  // The flame graph page in headless Chromium (test/webview/*.test.ts, bundled by its own runner);
  // the bundles were built by the build stage.
  { name: 'webview', enabled: () => exists('test/webview/run.mjs'), command: [node, 'test/webview/run.mjs', '--no-build'] },
];

const STAGES = [
  { name: 'build', command: [node, 'scripts/build.mjs', '--tests'], then: ['npm', 'run', '--silent', 'package'] },
  { name: 'lint', command: [bin('eslint'), '.'] },
  { name: 'typecheck', command: [bin('tsc'), '--noEmit', '-p', '.'] },
  { name: 'unit', command: [bin('mocha'), '--config', '.mocharc.json'] },
  ...EXTRA_STAGES,
  { name: 'integration', command: [node, 'test/harness/run-integration.mjs', '--skip-build'] },
  { name: 'e2e', command: [node, 'test/harness/run-e2e.mjs', '--skip-build'] },
];

function parseList(flag) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? new Set(process.argv[i + 1].split(',')) : undefined;
}

/** Runs a command with the output shown live; resolves to { code, output }. */
function run([file, ...args], env) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { output += d; process.stderr.write(d); });
    child.on('error', (err) => resolve({ code: 127, output: `${output}\n${err.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

function counts(output, summaryFile) {
  if (fs.existsSync(summaryFile)) {
    const s = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
    return { passed: s.passed, failed: s.failed, failures: s.failures ?? [] };
  }
  // Mocha's spec reporter: "  12 passing (40ms)", "  1 failing".
  const passing = /^\s*(\d+) passing/m.exec(output);
  const failing = /^\s*(\d+) failing/m.exec(output);
  if (!passing && !failing) return undefined;
  const failures = failing ? mochaFailures(output.slice(failing.index)) : [];
  return { passed: passing ? Number(passing[1]) : 0, failed: failing ? Number(failing[1]) : 0, failures };
}

/**
 * Mocha's spec reporter lists each failure after "N failing" as "  1) suite", indented title
 * lines ending in ":", then the error's first line.
 */
function mochaFailures(text) {
  const failures = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^ {2}\d+\) (.+)$/.exec(lines[i]);
    if (!head) continue;
    const title = [head[1].trim()];
    let j = i + 1;
    while (j < lines.length && /^ {5,}\S/.test(lines[j]) && !title[title.length - 1].endsWith(':')) title.push(lines[j++].trim());
    while (j < lines.length && lines[j].trim() === '') j++;
    failures.push({ title: title.join(' ').replace(/:$/, ''), message: (lines[j] ?? '').trim().slice(0, 300) });
    i = j;
  }
  return failures;
}

const only = parseList('--only');
const skip = parseList('--skip');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-test-all-'));
const results = [];
const started = Date.now();
for (const stage of STAGES) {
  if ((only && !only.has(stage.name)) || skip?.has(stage.name)) continue;
  if (stage.enabled && !stage.enabled()) continue;
  console.log(`\n━━ ${stage.name} ━━`);
  const summaryFile = path.join(tmp, `${stage.name}.json`);
  const env = { ...process.env, GMI_SUMMARY_FILE: summaryFile, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };
  const t0 = Date.now();
  let { code, output } = await run(stage.command, env);
  if (code === 0 && stage.then) ({ code, output } = await run(stage.then, env));
  const seconds = (Date.now() - t0) / 1000;
  const c = counts(output, summaryFile);
  const ok = code === 0 && (!c || c.failed === 0);
  results.push({ name: stage.name, ok, seconds, counts: c });
  console.log(`━━ ${stage.name}: ${ok ? 'ok' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s${c ? ` — ${c.passed} passed, ${c.failed} failed` : ''}`);
  // Without the bundles nothing after the build can run meaningfully.
  if (stage.name === 'build' && !ok) break;
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('\nSummary');
for (const r of results) {
  console.log(`  ${r.ok ? '✓' : '✗'} ${r.name.padEnd(12)} ${r.seconds.toFixed(1).padStart(6)} s${r.counts ? `  ${r.counts.passed} passed, ${r.counts.failed} failed` : ''}`);
}
const passed = results.reduce((n, r) => n + (r.counts?.passed ?? 0), 0);
const failed = results.reduce((n, r) => n + (r.counts?.failed ?? 0), 0);
const failedStages = results.filter((r) => !r.ok).map((r) => r.name);
console.log(`  total ${((Date.now() - started) / 1000).toFixed(1)} s; failed stages: ${failedStages.join(', ') || 'none'}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
// Repeated last: a long run's log is often read from its tail.
const failures = results.flatMap((r) => (r.counts?.failures ?? []).map((f) => ({ stage: r.name, ...f })));
if (failures.length > 0) {
  console.log('\nFailed tests');
  for (const f of failures) console.log(`  ✗ [${f.stage}] ${f.title}${f.message ? `\n      ${f.message}` : ''}`);
}
process.exitCode = failedStages.length > 0 ? 1 : 0;
