#!/usr/bin/env node
// End-to-end tests: a person's clicks and keys in the real workbench. Starts code-server with
// the packaged extension on a fresh copy of test/fixtures/, opens it in headless Chromium and
// runs each test/e2e/tests/*.e2e.mjs in file-name order against the same page. A test file
// exports `title` and a default async function receiving the Workbench helper
// (test/e2e/workbench.mjs). Screenshots go to test-output/screenshots/.
//
//   node test/harness/run-e2e.mjs [--grep PATTERN] [--skip-build]
//
// Env: GMI_E2E_TEST_TIMEOUT_MS (per test, default 120000), GMI_SUMMARY_FILE, GMI_KEEP_TEMP=1.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, ensureCodeServer, codeServerEnv, makeTempDir, makeFixtureWorkspace, installVsix, startCodeServer, launchBrowser, logTails } from './codeServer.mjs';
import { printResults, writeSummary } from './results.mjs';
import { Workbench } from '../e2e/workbench.mjs';

const testsDir = path.join(root, 'test', 'e2e', 'tests');

function parseArgs(argv) {
  const opts = { grep: process.env.GMI_TEST_GREP || undefined, build: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--grep') opts.grep = argv[++i];
    else if (argv[i] === '--skip-build') opts.build = false;
    else throw new Error(`Unknown argument ${argv[i]}`);
  }
  return opts;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  ensureCodeServer();
  const perTestMs = Number(process.env.GMI_E2E_TEST_TIMEOUT_MS || 120_000);
  const files = fs.readdirSync(testsDir).filter((f) => f.endsWith('.e2e.mjs')).sort();
  const tmp = makeTempDir('gmi-e2e-');
  const workspace = makeFixtureWorkspace(tmp);
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const env = codeServerEnv();
  installVsix(extensionsDir, env);

  const results = { passed: 0, failed: 0, pending: 0, durationMs: 0, tests: [] };
  const started = Date.now();
  let server;
  let browser;
  let fatal;
  try {
    server = await startCodeServer({ workspace, userDataDir, extensionsDir, env });
    console.log(`code-server ${server.base} (pid ${server.pid}) on ${workspace}`);
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url, { timeout: 60_000 });
    const wb = new Workbench(page, { workspace });
    await wb.ready();
    for (const file of files) {
      const mod = await import(pathToFileURL(path.join(testsDir, file)).href);
      const fullTitle = `e2e › ${mod.title ?? file}`;
      if (opts.grep && !new RegExp(opts.grep).test(`${file} ${fullTitle}`)) continue;
      const t0 = Date.now();
      const record = { fullTitle, file, state: 'passed' };
      try {
        await withTimeout(Promise.resolve().then(() => mod.default(wb)), perTestMs, file);
        results.passed++;
      } catch (err) {
        record.state = 'failed';
        record.error = { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined };
        const shot = await wb.screenshot(`e2e-FAILED-${file.replace(/\.e2e\.mjs$/, '')}`).catch(() => undefined);
        if (shot) record.error.message += `\n(screenshot: ${path.relative(root, shot)})`;
        results.failed++;
      }
      record.durationMs = Date.now() - t0;
      results.tests.push(record);
      console.log(`  ${record.state === 'passed' ? '✓' : '✗'} ${fullTitle} (${record.durationMs} ms)`);
    }
  } catch (err) {
    fatal = err;
    results.fatal = { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined };
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  results.durationMs = Date.now() - started;
  const ok = printResults(results, 'e2e', { list: false });
  if (!ok) {
    if (fatal) console.error(`e2e: ${results.fatal.message}`);
    console.error(logTails(userDataDir, /(remoteexthost|exthost)\.log$/, 40));
    console.error(logTails(userDataDir, /Go Memory Insight\.log$/, 40));
  }
  writeSummary(results, !ok);
  if (process.env.GMI_KEEP_TEMP === '1' || !ok) console.log(`temp dir kept: ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
