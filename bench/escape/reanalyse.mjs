// Re-analysis benchmark: drives the built language server (dist/server.js --stdio) like an
// editor does, on a package the size of net/http, and times "save → diagnostics published":
//   - a save that changes nothing (the server re-publishes the result it has),
//   - a save after a change elsewhere in the workspace (the go command runs again; its cache
//     replays the compiler's output since the package itself did not change),
// side by side with the gopls-style invocation (go test -c -vet=off -gcflags=-json=0,<fresh dir>).
// Prints figures; it is not a test. Run `npm run build` first.
// Usage: node bench/escape/reanalyse.mjs [--runs N] [package, default net/http]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer, stopServer } from './server.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
const pkg = argv.filter((a, i) => !a.startsWith('--') && i !== runsAt + 1)[0] ?? 'net/http';
const go = process.env.GO ?? 'go';
const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' };
const serverJs = path.join(root, 'dist', 'server.js');
if (!fs.existsSync(serverJs)) throw new Error('run `npm run build` first');

const pkgDir = execFileSync(go, ['list', '-f', '{{.Dir}}', pkg], { env, encoding: 'utf8' }).trim();
const goFiles = fs.readdirSync(pkgDir).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go')).sort();
// The package's biggest non-test file is the one "open in the editor".
const openName = goFiles.map((n) => [n, fs.statSync(path.join(pkgDir, n)).size]).sort((a, b) => b[1] - a[1])[0][0];
const openFile = path.join(pkgDir, openName);
const uri = pathToFileURL(openFile).href;

const server = startServer(serverJs, env);
const { conn } = server;
let waiter;
let lastStatus;
const logs = [];
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  if (p.uri === uri && waiter) {
    const w = waiter;
    waiter = undefined;
    w(p);
  }
});
conn.onNotification('goMemory/analysisStatus', (s) => (lastStatus = s));
conn.onNotification('window/logMessage', (m) => logs.push(m.message));
conn.onRequest('workspace/codeLens/refresh', () => null);
conn.listen();
await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(pkgDir).href, capabilities: {}, initializationOptions: {} });
await conn.sendNotification('initialized', {});

function published(timeoutMs = 600_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no diagnostics for ${openName} within ${timeoutMs} ms`)), timeoutMs);
    waiter = (p) => {
      clearTimeout(t);
      resolve(p);
    };
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function timed(send) {
  // Saves come seconds apart in an editor: let the server finish the previous round first
  // (it publishes the files that are not open after the open ones).
  await sleep(1500);
  const done = published();
  const t0 = performance.now();
  await send();
  const p = await done;
  return { ms: performance.now() - t0, p };
}

const save = () => conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
let otherChanges = 0;
// A file elsewhere in the workspace changed on disk (the editor's watcher reports it): the
// server cannot know the package does not depend on it, so its next save runs go again.
const changeElsewhere = () =>
  conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(os.tmpdir(), `gmi-bench-elsewhere-${process.pid}-${otherChanges++}.go`)).href, type: 2 }] });

/** Waits until the run has ended: the package's final status, not its first part's. */
async function settled() {
  const deadline = Date.now() + 120_000;
  while (!lastStatus || lastStatus.state === 'analysing' || /analysing test files/.test(lastStatus.message ?? '')) {
    if (Date.now() > deadline) throw new Error(`the analysis did not end; last status ${JSON.stringify(lastStatus)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const first = await timed(() => conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: fs.readFileSync(openFile, 'utf8') } }));
await settled();
console.log(`${pkg}: opened ${openName}: first diagnostics in ${first.ms.toFixed(0)} ms (${first.p.diagnostics.length} on that file; status ${lastStatus?.state}, ${lastStatus?.escapes ?? '?'} heap escapes in the package)`);

const unchanged = [];
for (let i = 0; i < runs; i++) unchanged.push((await timed(save)).ms);
const reran = [];
for (let i = 0; i < runs; i++) {
  await changeElsewhere();
  reran.push((await timed(save)).ms);
  await settled(); // the test variants, so that the next run starts on a quiet machine
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const list = (a) => a.map((t) => t.toFixed(0)).join(' / ');
console.log(`save → diagnostics published, package unchanged: median ${median(unchanged).toFixed(1)} ms (${list(unchanged)})`);
console.log(`save → diagnostics published after a change elsewhere (the package's own compile replayed from the go command's cache, parsed and published): median ${median(reran).toFixed(0)} ms (${list(reran)})`);
// Each run logs the package's own findings first ("test files still compiling"), then the whole.
const ranGo = logs.filter((l) => /^Analysed /.test(l) && !l.includes('test files still compiling')).length;
const reused = logs.filter((l) => /is current/.test(l)).length;
console.log(`server log: ${reused} results re-published, ${ranGo} go runs (1 on open + ${runs} after a change elsewhere expected)`);

await stopServer(server);

const gopls = [];
for (let i = 0; i < 2; i++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-gopls-'));
  const t0 = performance.now();
  spawnSync(go, ['test', '-c', '-vet=off', `-gcflags=-json=0,${dir}`, '-o', os.devNull, '.'], { cwd: pkgDir, env, stdio: 'ignore' });
  gopls.push(performance.now() - t0);
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`gopls-style invocation (go test -c -vet=off -gcflags=-json=0,<fresh dir> -o ${os.devNull} .), go command alone: ${list(gopls)} ms`);
// Done: leave even if a stream of the stopped server is still open.
process.exit(0);
