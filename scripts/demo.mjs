#!/usr/bin/env node
// `npm run demo`: builds and packages the extension, then opens the example Go module
// examples/hello/ in a real VS Code with the extension installed:
//   - desktop VS Code when `code` is on PATH (installs the .vsix, opens a new window, waits for it to close);
//   - otherwise code-server on http://127.0.0.1:8080 (or a free port), until Ctrl+C.
// Options: --code-server (even when `code` exists), --port N, --no-build,
//          --check (start code-server, check the workbench page is served, stop: a smoke test).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  root, vsixPath, ensureCodeServer, codeServerEnv, installVsix, startCodeServer, waitFor,
} from '../test/harness/codeServer.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const portArg = argv.includes('--port') ? Number(argv[argv.indexOf('--port') + 1]) : 8080;
const example = path.join(root, 'examples', 'hello');

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
  console.log(`Installing ${path.relative(root, vsixPath)} into desktop VS Code (${code})`);
  execFileSync(code, ['--install-extension', vsixPath, '--force'], { stdio: 'inherit' });
  console.log(`Opening ${example}; close the window (or press Ctrl+C) to end the demo.`);
  const child = spawn(code, ['--new-window', '--wait', example], { stdio: 'inherit', env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' } });
  await new Promise((resolve) => child.on('close', resolve));
}

async function codeServer() {
  ensureCodeServer();
  // A demo profile that persists between demos (settings, opened editors), kept out of git.
  const demoDir = path.join(root, '.vscode-test', 'demo');
  const userDataDir = path.join(demoDir, 'user-data');
  const extensionsDir = path.join(demoDir, 'extensions');
  fs.mkdirSync(userDataDir, { recursive: true });
  const env = codeServerEnv();
  // A fresh install of the current build each time.
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  installVsix(extensionsDir, env);
  const server = await startCodeServer({ workspace: example, userDataDir, extensionsDir, env, port: portArg });
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
  console.log(`\nGo Memory Insight demo: open ${server.url}\n(code-server pid ${server.pid}; press Ctrl+C to stop)`);
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
    console.log('Building and packaging the extension…');
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const code = flag('--code-server') || flag('--check') ? undefined : onPath('code');
  if (code) await desktop(code);
  else await codeServer();
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
