#!/usr/bin/env node
// `npm run demo`: builds and packages the extension, then opens the example Go module
// examples/hello/ in a real VS Code with the extension installed:
//   - desktop VS Code when `code` is on PATH (installs the .vsix, opens a new window, waits for it to close);
//   - otherwise code-server on http://127.0.0.1:8080 (or a free port), until Ctrl+C.
// Each step prints a line when it starts and when it ends, with its time, and a line every 15 s
// while it lasts (the first run installs code-server: about 3 minutes).
// Options: --code-server (even when `code` exists), --port N, --no-build,
//          --trust (code-server with workspace trust on, in a fresh profile: the example opens
//                   in Restricted Mode, so the untrusted path can be tried; without it the
//                   code-server demo turns workspace trust off. Desktop VS Code keeps its own
//                   trust setting, so --trust implies --code-server),
//          --check (start code-server, check the workbench page is served, stop: a smoke test).
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  root, vsixPath, cacheDir, codeServerBin, nodeBinDir, codeServerInstalled, codeServerEnv, startCodeServer, waitFor, CODE_SERVER_VERSION,
} from '../test/harness/codeServer.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const portArg = argv.includes('--port') ? Number(argv[argv.indexOf('--port') + 1]) : 8080;
const example = path.join(root, 'examples', 'hello');
const trust = flag('--trust');

function elapsed(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Runs one step of the demo: a line when it starts, one every 15 s while it lasts (with what
 * `detail()` says, e.g. how much is downloaded), and one when it ends, with its time.
 */
async function step(title, fn, { detail, expected } = {}) {
  const t0 = Date.now();
  console.log(`▸ ${title}…${expected ? ` (${expected})` : ''}`);
  const timer = setInterval(() => {
    void Promise.resolve(detail?.())
      .catch(() => undefined)
      .then((d) => console.log(`  … ${elapsed(Date.now() - t0)}${d ? `, ${d}` : ''}`));
  }, 15_000);
  try {
    const result = await fn();
    console.log(`✓ ${title} (${elapsed(Date.now() - t0)})`);
    return result;
  } catch (err) {
    console.log(`✗ ${title} failed after ${elapsed(Date.now() - t0)}`);
    throw err;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs a program to completion, its output shown indented as it comes (or kept, with `quiet`,
 * and shown only when it fails). Resolves with the output.
 */
function run(file, args, { cwd = root, env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk) => {
      const text = String(chunk);
      out += text;
      if (quiet) return;
      for (const line of text.split(/\r?\n/)) if (line.trim()) console.log(`  │ ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(file)} ${args.join(' ')} exited with ${code ?? signal}${quiet ? `:\n${out.split('\n').slice(-30).join('\n')}` : ''}`));
    });
  });
}

/** Megabytes under a folder (du), for the progress of the code-server install; undefined where du is missing. */
function megabytes(dir) {
  return new Promise((resolve) => {
    execFile('du', ['-sm', dir], { timeout: 10_000 }, (err, stdout) => {
      const mb = Number(String(stdout).split(/\s/)[0]);
      resolve(err || !Number.isFinite(mb) ? undefined : `${mb} MB in ${path.relative(root, dir)}`);
    });
  });
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

async function desktop(code) {
  await step(`Installing ${path.relative(root, vsixPath)} into desktop VS Code (${code})`, () => run(code, ['--install-extension', vsixPath, '--force']));
  console.log(`Opening ${example}; close the window (or press Ctrl+C) to end the demo.`);
  const child = spawn(code, ['--new-window', '--wait', example], { stdio: 'inherit', env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' } });
  await new Promise((resolve) => child.on('close', resolve));
}

async function codeServer() {
  if (!codeServerInstalled()) {
    await step(`Installing code-server ${CODE_SERVER_VERSION} and its Node runtime into ${path.relative(root, cacheDir)} (first run only)`, () => run('bash', [path.join(root, 'scripts', 'setup-code-server.sh'), cacheDir]), {
      expected: 'about 3 minutes: npm downloads code-server and its dependencies',
      detail: () => megabytes(cacheDir),
    });
  }
  // A demo profile that persists between demos (settings, opened editors), kept out of git.
  // With --trust a fresh one each time: a folder trusted once is remembered in the profile.
  const demoDir = path.join(root, '.vscode-test', 'demo');
  const userDataDir = path.join(demoDir, trust ? 'user-data-trust' : 'user-data');
  const extensionsDir = path.join(demoDir, 'extensions');
  if (trust) fs.rmSync(userDataDir, { recursive: true, force: true });
  fs.mkdirSync(userDataDir, { recursive: true });
  const env = codeServerEnv();
  // A fresh install of the current build each time.
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  await step('Installing the extension into code-server', async () => {
    if (!fs.existsSync(vsixPath)) throw new Error(`${vsixPath} does not exist: run npm run package`);
    const out = await run(path.join(nodeBinDir, 'node'), [codeServerBin, '--extensions-dir', extensionsDir, '--install-extension', vsixPath], { env, quiet: true });
    if (!/successfully installed/i.test(out)) throw new Error(`Installing ${vsixPath} failed:\n${out}`);
  });
  const server = await step(`Starting code-server on ${path.relative(root, example)}${trust ? ' with workspace trust on' : ''}`, () =>
    startCodeServer({ workspace: example, userDataDir, extensionsDir, env, port: portArg, workspaceTrust: trust }),
  );
  let stopping = false;
  const stop = async (why) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping code-server`);
    await server.stop();
    process.exit(0);
  };
  if (flag('--check')) {
    const res = await waitFor(async () => {
      const r = await fetch(server.url);
      const body = await r.text();
      return r.ok && body.includes('workbench') ? { status: r.status, bytes: body.length } : undefined;
    }, { timeoutMs: 30_000, message: `the workbench page at ${server.url}` });
    console.log(`demo check: ${server.url} served the workbench page (HTTP ${res.status}, ${res.bytes} bytes)`);
    await server.stop();
    return;
  }
  console.log(`\nGo Memory Insight demo: open ${server.url}`);
  if (trust) console.log('Workspace trust is on: the folder opens in Restricted Mode (no go command runs) until you trust it.');
  console.log(`(code-server pid ${server.pid}; press Ctrl+C to stop)`);
  process.on('SIGINT', () => void stop('Ctrl+C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const code = await server.exited;
  if (!stopping) {
    console.error(`code-server exited (${code}):\n${server.output().split('\n').slice(-20).join('\n')}`);
    process.exitCode = 1;
  }
}

async function main() {
  if (!flag('--no-build')) {
    await step('Building and packaging the extension (esbuild, vsce)', () => run('npm', ['run', '--silent', 'package'], { quiet: true }));
  }
  const code = flag('--code-server') || flag('--check') || trust ? undefined : onPath('code');
  if (code) await desktop(code);
  else await codeServer();
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
