#!/usr/bin/env node
// Runs the integration suite (test/integration/suite/*.test.ts) inside a real VS Code.
//
//   node test/harness/run-integration.mjs [--runner code-server|electron] [--grep PATTERN] [--skip-build]
//
// code-server (default when it is installed in .vscode-test/ or can be installed by
// scripts/setup-code-server.sh): installs the packaged .vsix and the test-runner extension
// (test/integration/runner/) into a fresh extensions dir, starts code-server on a fresh copy
// of test/fixtures/, opens the workbench in headless Chromium (the extension host only starts
// when a browser connects) and waits for the runner to write the results file.
// electron: @vscode/test-electron downloads desktop VS Code and runs the same suite.
//
// VS Code runs with GMI_TEST_HOOKS=1: the extension then registers the commands the suite reads
// its state through (src/extension/testHooks.ts).
//
// Env: GMI_TEST_TIMEOUT_MS (whole suite, default 600000), GMI_SUMMARY_FILE (where to write
// {passed, failed} for scripts/test-all.mjs), GMI_KEEP_TEMP=1 (keep the temp dir).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  root, codeServerInstalled, ensureCodeServer, codeServerEnv, makeTempDir, makeFixtureWorkspace,
  installVsix, startCodeServer, launchBrowser, logTails, waitFor,
} from './codeServer.mjs';
import { printResults, writeSummary } from './results.mjs';

function parseArgs(argv) {
  const opts = { runner: undefined, grep: process.env.GMI_TEST_GREP, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runner') opts.runner = argv[++i];
    else if (a.startsWith('--runner=')) opts.runner = a.slice('--runner='.length);
    else if (a === '--grep') opts.grep = argv[++i];
    else if (a === '--skip-build') opts.build = false;
    else throw new Error(`Unknown argument ${a}`);
  }
  if (opts.runner && !['code-server', 'electron'].includes(opts.runner)) throw new Error(`--runner must be code-server or electron, not ${opts.runner}`);
  return opts;
}

function canInstallCodeServer() {
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore' });
    return process.platform === 'linux' && process.arch === 'x64';
  } catch {
    return false;
  }
}

export function buildAll() {
  const t = Date.now();
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--tests'], { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`built the test bundles and dist-vsix/go-memory-insight.vsix in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

const RUNNER_ID = 'go-memory-insight.go-memory-insight-test-runner';

/**
 * Installs the test-runner extension: the bundled out/test/integration/ tree with the
 * runner's package.json at its root and node_modules linked to the repo's (for mocha).
 * Code-server lists user extensions in extensions.json, so the folder is added there too.
 */
function installRunner(extensionsDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'test', 'integration', 'runner', 'package.json'), 'utf8'));
  const dir = path.join(extensionsDir, `${RUNNER_ID}-${manifest.version}`);
  fs.cpSync(path.join(root, 'out', 'test', 'integration'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, undefined, 2));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const listFile = path.join(extensionsDir, 'extensions.json');
  const list = fs.existsSync(listFile) ? JSON.parse(fs.readFileSync(listFile, 'utf8')) : [];
  list.push({
    identifier: { id: RUNNER_ID },
    version: manifest.version,
    location: { $mid: 1, path: dir, scheme: 'file' },
    relativeLocation: path.basename(dir),
    metadata: { installedTimestamp: Date.now(), source: 'vsix' },
  });
  fs.writeFileSync(listFile, JSON.stringify(list));
}

async function runCodeServer(opts) {
  ensureCodeServer();
  const timeoutMs = Number(process.env.GMI_TEST_TIMEOUT_MS || 600_000);
  const tmp = makeTempDir('gmi-integration-');
  const workspace = makeFixtureWorkspace(tmp);
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const resultsFile = path.join(tmp, 'results.json');
  // GMI_ROOT: the suite builds programs kept in the repository (test/harness/pprof-service).
  const env = codeServerEnv({ GMI_TEST_RESULTS: resultsFile, GMI_TEST_GREP: opts.grep ?? '', GMI_ROOT: root, GMI_TEST_HOOKS: '1' });
  installVsix(extensionsDir, env);
  installRunner(extensionsDir);

  let server;
  let browser;
  let results;
  let failure;
  const started = Date.now();
  try {
    server = await startCodeServer({ workspace, userDataDir, extensionsDir, env });
    console.log(`code-server ${server.base} (pid ${server.pid}) on ${workspace}`);
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url, { timeout: 60_000 });
    let shown = 0;
    const progressFile = `${resultsFile}.progress`;
    const showProgress = () => {
      if (!fs.existsSync(progressFile)) return;
      const lines = fs.readFileSync(progressFile, 'utf8').split('\n').filter(Boolean);
      for (const l of lines.slice(shown)) {
        const t = JSON.parse(l);
        console.log(`  ${t.state === 'passed' ? '✓' : t.state === 'failed' ? '✗' : '-'} ${t.fullTitle}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}`);
      }
      shown = lines.length;
    };
    await waitFor(
      () => {
        showProgress();
        return fs.existsSync(resultsFile);
      },
      {
        timeoutMs,
        intervalMs: 250,
        message: `the test runner to write ${resultsFile}`,
        describe: () =>
          `${shown} test(s) finished; page errors: ${pageErrors.slice(-5).join(' | ') || 'none'}; ` +
          (fs.existsSync(progressFile) ? 'the runner started' : 'the runner never started (is the extension host up? did the runner activate?)'),
      },
    );
    results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } catch (err) {
    failure = err;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  console.log(`code-server session: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const ok = !failure && !!results && printResults(results, 'integration', { list: false });
  if (!ok) {
    if (failure) console.error(`integration: ${failure.message}`);
    console.error(logTails(userDataDir, /(remoteexthost|exthost)\.log$/, 60));
    console.error(logTails(userDataDir, /Go Memory Insight\.log$/, 60));
    if (server) console.error(`--- code-server output (tail)\n${server.output().split('\n').slice(-30).join('\n')}`);
  }
  writeSummary(results, !ok);
  if (process.env.GMI_KEEP_TEMP === '1' || !ok) console.log(`temp dir kept: ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  return ok;
}

async function runElectron(opts) {
  const { runTests } = await import('@vscode/test-electron');
  const tmp = makeTempDir('gmi-integration-');
  const workspace = makeFixtureWorkspace(tmp);
  const resultsFile = path.join(tmp, 'results.json');
  let code;
  try {
    code = await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
      launchArgs: [workspace, '--disable-workspace-trust', '--disable-extensions', '--user-data-dir', path.join(tmp, 'user-data'), '--extensions-dir', path.join(tmp, 'extensions')],
      extensionTestsEnv: { GOTOOLCHAIN: 'local', GMI_TEST_RESULTS: resultsFile, GMI_TEST_GREP: opts.grep ?? '', GMI_ROOT: root, GMI_TEST_HOOKS: '1' },
    });
  } catch (err) {
    console.error(`integration (electron): ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  }
  const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : undefined;
  const ok = code === 0 && !!results && printResults(results, 'integration');
  writeSummary(results, !ok);
  fs.rmSync(tmp, { recursive: true, force: true });
  return ok;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const runner = opts.runner ?? (codeServerInstalled() || canInstallCodeServer() ? 'code-server' : 'electron');
  console.log(`integration runner: ${runner}`);
  if (opts.build) buildAll();
  const ok = runner === 'code-server' ? await runCodeServer(opts) : await runElectron(opts);
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
