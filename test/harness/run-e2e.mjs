#!/usr/bin/env node
// End-to-end tests: a person's clicks and keys in the real workbench. Starts code-server with
// the packaged extension on a fresh copy of test/fixtures/, opens it in headless Chromium and
// runs each test/e2e/tests/*.e2e.mjs in file-name order against the same page. A test file
// exports `title` and a default async function receiving the Workbench helper
// (test/e2e/workbench.mjs). Screenshots go to test-output/screenshots/.
//
// A test file that exports `session` gets a code-server of its own instead, started after the
// shared one has stopped (same extensions dir), on a workspace of its own:
//   export const session = {
//     workspaceTrust: true,          // workspace trust on (the shared session turns it off)
//     userSettings: { ... },         // more user settings
//     setup(dir, { userDataDir }) { ...; return { workspace, ...more } },  // builds the workspace
//   };                               // in a fresh dir (userDataDir: code-server's, not made yet)
//   export default async function (wb, ctx) { ... }
// where ctx is what setup returned plus { dir, userDataDir, extensionLog() } (extensionLog: the
// text of the extension's log file so far). Its test counts like any other.
//
//   node test/harness/run-e2e.mjs [--grep PATTERN] [--skip-build]
//
// Env: GMI_E2E_TEST_TIMEOUT_MS (per test, default 120000), GMI_SUMMARY_FILE, GMI_KEEP_TEMP=1.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, ensureCodeServer, codeServerEnv, makeTempDir, makeFixtureWorkspace, installVsix, startCodeServer, launchBrowser, logFiles, logTails } from './codeServer.mjs';
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

/** Runs one test file's default export within the per-test timeout; records and prints the result. */
async function runTest(mod, file, wb, ctx, perTestMs, results) {
  const fullTitle = `e2e › ${mod.title ?? file}`;
  const t0 = Date.now();
  const record = { fullTitle, file, state: 'passed' };
  try {
    if (!wb) throw ctx.startError;
    await withTimeout(Promise.resolve().then(() => mod.default(wb, ctx)), perTestMs, file);
    results.passed++;
  } catch (err) {
    record.state = 'failed';
    record.error = { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined };
    const shot = wb && (await wb.screenshot(`e2e-FAILED-${file.replace(/\.e2e\.mjs$/, '')}`).catch(() => undefined));
    if (shot) record.error.message += `\n(screenshot: ${path.relative(root, shot)})`;
    results.failed++;
  }
  record.durationMs = Date.now() - t0;
  results.tests.push(record);
  console.log(`  ${record.state === 'passed' ? '✓' : '✗'} ${fullTitle} (${record.durationMs} ms)`);
  return record;
}

/** Starts code-server on `workspace`, opens it in a new headless Chromium and waits for the workbench. */
async function openSession({ workspace, userDataDir, extensionsDir, env, workspaceTrust, userSettings }) {
  const session = { server: undefined, browser: undefined };
  session.close = async () => {
    await session.browser?.close().catch(() => undefined);
    await session.server?.stop();
  };
  try {
    session.server = await startCodeServer({ workspace, userDataDir, extensionsDir, env, workspaceTrust, userSettings });
    console.log(`code-server ${session.server.base} (pid ${session.server.pid}) on ${workspace}${workspaceTrust ? ' (workspace trust on)' : ''}`);
    session.browser = await launchBrowser();
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(session.server.url, { timeout: 60_000 });
    session.wb = new Workbench(page, { workspace });
    await session.wb.ready();
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}

/** The extension's own log files (one per extension host start) in a user-data-dir, oldest first, joined. */
function extensionLog(userDataDir) {
  const found = logFiles(userDataDir, (p) => path.basename(p) === 'Go Memory Insight.log');
  return found.sort().map((f) => fs.readFileSync(f, 'utf8')).join('');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  ensureCodeServer();
  const perTestMs = Number(process.env.GMI_E2E_TEST_TIMEOUT_MS || 120_000);
  const tests = [];
  for (const file of fs.readdirSync(testsDir).filter((f) => f.endsWith('.e2e.mjs')).sort()) {
    // A file that does not load is a failed test (in the shared session), not a crash of the run.
    const mod = await import(pathToFileURL(path.join(testsDir, file)).href).catch((err) => ({
      default: () => {
        throw err;
      },
    }));
    if (opts.grep && !new RegExp(opts.grep).test(`${file} e2e › ${mod.title ?? file}`)) continue;
    tests.push({ file, mod });
  }
  const shared = tests.filter((t) => !t.mod.session);
  const ownSession = tests.filter((t) => t.mod.session);
  const tmp = makeTempDir('gmi-e2e-');
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const env = codeServerEnv();
  installVsix(extensionsDir, env);

  const results = { passed: 0, failed: 0, pending: 0, durationMs: 0, tests: [] };
  const started = Date.now();
  // Log tails of the sessions whose tests failed, printed after the results.
  const failedLogs = [];
  let fatal;
  if (shared.length > 0) {
    let session;
    try {
      const workspace = makeFixtureWorkspace(tmp);
      session = await openSession({ workspace, userDataDir, extensionsDir, env });
      for (const { file, mod } of shared) await runTest(mod, file, session.wb, {}, perTestMs, results);
    } catch (err) {
      fatal = err;
      results.fatal = { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined };
    } finally {
      await session?.close();
    }
    if (fatal || results.failed > 0) failedLogs.push(userDataDir);
  }
  for (const { file, mod } of ownSession) {
    // A session of its own: its failure to start is this test's failure, not the whole stage's.
    const dir = path.join(tmp, 'sessions', file.replace(/\.e2e\.mjs$/, ''));
    const own = { dir, userDataDir: path.join(dir, 'user-data') };
    own.extensionLog = () => extensionLog(own.userDataDir);
    let session;
    try {
      const t0 = Date.now();
      try {
        fs.mkdirSync(dir, { recursive: true });
        Object.assign(own, await mod.session.setup(dir, { userDataDir: own.userDataDir }));
        if (!own.workspace) throw new Error(`${file}: session.setup() returned no workspace`);
        const opening = openSession({ workspace: own.workspace, userDataDir: own.userDataDir, extensionsDir, env, workspaceTrust: !!mod.session.workspaceTrust, userSettings: mod.session.userSettings });
        session = await withTimeout(opening, 150_000, `starting the code-server session of ${file}`).catch((err) => {
          // Still starting: stop it once it is up (or has failed), so nothing outlives the run.
          void opening.then((s) => s.close(), () => undefined);
          throw err;
        });
        console.log(`  (session of ${file} ready in ${Date.now() - t0} ms)`);
      } catch (err) {
        own.startError = new Error(`its own session could not be set up or started: ${err instanceof Error ? err.message : String(err)}`);
      }
      const record = await runTest(mod, file, session?.wb, own, perTestMs, results);
      if (record.state === 'failed') failedLogs.push(own.userDataDir);
    } finally {
      const t1 = Date.now();
      await session?.close();
      if (session) console.log(`  (session of ${file} closed in ${Date.now() - t1} ms)`);
    }
  }
  results.durationMs = Date.now() - started;
  const ok = printResults(results, 'e2e', { list: false });
  if (!ok) {
    if (fatal) console.error(`e2e: ${results.fatal.message}`);
    for (const dir of failedLogs) {
      const tails = [logTails(dir, /(remoteexthost|exthost)\.log$/, 40), logTails(dir, /Go Memory Insight\.log$/, 40)].filter(Boolean);
      if (tails.length > 0) console.error(`logs of ${path.relative(tmp, dir)}:\n${tails.join('\n')}`);
    }
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
