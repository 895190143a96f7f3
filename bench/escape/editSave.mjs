// Edit → save → new finding benchmark: the path a user waits on. On a real third-party module
// (default github.com/valyala/fasthttp, fetched from the Go module proxy), it drives the built
// language server (dist/server.js --stdio) as an editor does: each run appends a new function
// that allocates to the package's biggest non-test file, saves it, and times until a
// publishDiagnostics for that file carries a finding on the new line. Each run is paired with
// gopls' own invocation after the same kind of edit, whole process against whole process,
// alternating which goes first. It also times saving the unchanged package (the warm path).
// Per run it prints the server's window/logMessage lines and, on Linux, the go command's own
// processes on both sides (sampled every 50 ms from /proc), to show where the time goes.
// The module is copied once to $TMPDIR/gmi-bench-editsave/; the edited file is restored at the end.
// Prints figures; it is not a test. Run `npm run build` first.
//
// gopls' invocation, from gopls/internal/golang/compileropt.go (CompilerOptDetails, golang/tools):
//   outDir, err := os.MkdirTemp("", fmt.Sprintf("gopls-%d.details", os.Getpid()))
//   outDirURI := protocol.URIFromPath(outDir)
//   // We use "go test -c" not "go build" as it covers all three packages
//   // (p, "p [p.test]", "p_test [p.test]") in the directory, if they exist.
//   inv, cleanupInvocation, err := snapshot.GoCommandInvocation(cache.NoNetwork, pkgDir.Path(), "test", []string{
//       "-c",
//       "-vet=off", // weirdly -c doesn't disable vet
//       fmt.Sprintf("-gcflags=-json=0,%s", outDirURI), // JSON schema version 0
//       fmt.Sprintf("-o=%s", cond(runtime.GOOS == "windows", "NUL", "/dev/null")),
//       ".",
//   })
// and Snapshot.GoCommandInvocation adds `if !allowNetwork && !s.Options().AllowImplicitNetworkAccess
// { inv.Env = append(inv.Env, "GOPROXY=off") }` (plus an -overlay of unsaved buffers: none after a
// save). So: `go test -c -vet=off -gcflags=-json=0,file:///tmp/gopls-PID.detailsN -o=/dev/null .`
// in the package directory with GOPROXY=off. Both sides here run with GOPROXY=off once the module
// and its dependencies are downloaded.
//
// Usage: node bench/escape/editSave.mjs [--module path@version] [--pkg dir-in-module] [--runs N] [--default-settings]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer, stopServer } from './server.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
};
const runs = Number(opt('--runs', '5'));
const pkgRel = opt('--pkg', '.');
const go = process.env.GO ?? 'go';
const serverJs = path.join(root, 'dist', 'server.js');
if (!fs.existsSync(serverJs)) throw new Error('run `npm run build` first');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs wants a positive integer');

/** The default module: fasthttp at the version the package list says go get accepted, else the newest. */
function defaultModule() {
  const mod = 'github.com/valyala/fasthttp';
  try {
    const list = fs.readFileSync('/work/.library/env/packages/go-partial.tsv', 'utf8');
    const row = list.split('\n').find((l) => l.startsWith(`${mod}\t`));
    const version = row?.split('\t')[1];
    if (version && /^v\d/.test(version)) return `${mod}@${version}`;
  } catch {
    /* no list here */
  }
  return `${mod}@latest`;
}

/** Runs a command to its end; resolves with its exit code, output and wall time. */
function run(cmd, args, { cwd, env, quiet = true, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child.pid);
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (quiet ? err.push(d) : process.stderr.write(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: performance.now() - t0, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${opts?.cwd ?? process.cwd()}) failed with ${r.code}:\n${r.stderr.slice(-4000)}`);
  return r;
}

// ---- the module: downloaded once, copied to a writable folder under the OS temp dir ---------

const setupEnv = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
const download = JSON.parse((await must(go, ['mod', 'download', '-json', opt('--module', defaultModule())], { cwd: os.tmpdir(), env: setupEnv })).stdout);
if (download.Error) throw new Error(download.Error);
const moduleId = `${download.Path}@${download.Version}`;
const cacheRoot = path.join(os.tmpdir(), 'gmi-bench-editsave');
const moduleDir = path.join(cacheRoot, moduleId.replaceAll('/', '_'));
const readyMark = path.join(moduleDir, '.gmi-bench-ready');
if (!fs.existsSync(readyMark)) {
  fs.rmSync(moduleDir, { recursive: true, force: true });
  fs.mkdirSync(cacheRoot, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheRoot, 'staging-'));
  fs.cpSync(download.Dir, staging, { recursive: true });
  // The module cache is read-only: make the copy writable.
  const writable = (p) => {
    const st = fs.statSync(p);
    fs.chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) writable(path.join(p, n));
  };
  writable(staging);
  console.log(`downloading the dependencies of ${moduleId} into the module cache…`);
  await must(go, ['mod', 'download'], { cwd: staging, env: setupEnv });
  fs.renameSync(staging, moduleDir);
  fs.writeFileSync(readyMark, `${moduleId}\n`);
}
const pkgDir = path.resolve(moduleDir, pkgRel);
if (!pkgDir.startsWith(moduleDir)) throw new Error(`--pkg ${pkgRel} is outside the module`);

// From here on nothing is downloaded (gopls runs its invocation with GOPROXY=off too). The
// module builds as published when GOFLAGS is empty; otherwise both sides get -mod=mod.
const baseEnv = { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '' };
const listed = await run(go, ['list', '-json=ImportPath,GoFiles', '.'], { cwd: pkgDir, env: baseEnv });
const env = listed.code === 0 ? baseEnv : { ...baseEnv, GOFLAGS: '-mod=mod' };
const pkgInfo = JSON.parse(listed.code === 0 ? listed.stdout : (await must(go, ['list', '-json=ImportPath,GoFiles', '.'], { cwd: pkgDir, env })).stdout);

// The package's biggest non-test file (of those this platform builds) is the one open in the editor.
const openName = pkgInfo.GoFiles.map((n) => [n, fs.statSync(path.join(pkgDir, n)).size]).sort((a, b) => b[1] - a[1])[0][0];
const openFile = path.join(pkgDir, openName);
const uri = pathToFileURL(openFile).href;
// Start from the published file, whatever an interrupted run left behind.
const pristine = fs.readFileSync(path.join(download.Dir, pkgRel, openName), 'utf8');
fs.writeFileSync(openFile, pristine);
const restore = () => fs.writeFileSync(openFile, pristine);
process.on('exit', restore);

const goVersion = (await must(go, ['version'], { env })).stdout.trim();
const cpus = os.cpus();
console.log(`${goVersion}; ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}); Node ${process.version}; load average ${os.loadavg()[0].toFixed(1)}`);
console.log(`module ${moduleId}, package ${pkgInfo.ImportPath} (${pkgRel}), ${pkgInfo.GoFiles.length} non-test files; open file ${openName} (${(pristine.length / 1024).toFixed(0)} KiB)`);
console.log(`module copy: ${moduleDir}; GOFLAGS=${env.GOFLAGS || '(empty)'} GOTOOLCHAIN=local GOPROXY=off`);

// ---- edits ------------------------------------------------------------------------------------

// A tag unique to this invocation: a function name the go build cache has never seen, so no
// compile is replayed from an earlier benchmark.
const tag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let text = pristine.endsWith('\n') ? pristine : `${pristine}\n`;
/** Appends a function whose array escapes; returns the new text and its line (0-based). */
function appendAllocation(name) {
  const line = text.split('\n').length; // the blank line before it is the last one now
  text = `${text}\nfunc ${name}() *[64]byte { v := new([64]byte); return v }\n`;
  return { text, line };
}

// ---- the language server ------------------------------------------------------------------

const server = startServer(serverJs, env);
const { child, conn } = server;
let lastMessageAt = performance.now();
let lastPublishAt = 0;
const logs = []; // { at, message }
const statusOf = new Map();
let fileWaiter; // (params) => void
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  lastMessageAt = performance.now();
  if (p.uri.startsWith(pathToFileURL(pkgDir).href)) lastPublishAt = lastMessageAt;
  if (p.uri === uri) fileWaiter?.(p);
});
conn.onNotification('goMemory/analysisStatus', (s) => {
  lastMessageAt = performance.now();
  statusOf.set(s.packageDir, s);
});
conn.onNotification('window/logMessage', (m) => {
  lastMessageAt = performance.now();
  logs.push({ at: lastMessageAt, message: m.message });
  if (process.env.BENCH_VERBOSE) console.log(`[server] ${m.message}`);
});
conn.onNotification('window/showMessage', (m) => logs.push({ at: performance.now(), message: `[shown] ${m.message}` }));
conn.onRequest('workspace/codeLens/refresh', () => null);
conn.onRequest('workspace/diagnostic/refresh', () => null);
conn.onRequest('client/registerCapability', () => null);
conn.onRequest('client/unregisterCapability', () => null);
conn.onRequest('window/workDoneProgress/create', () => null);
conn.onRequest('window/showMessageRequest', () => null);
const folders = [{ uri: pathToFileURL(moduleDir).href, name: path.basename(moduleDir) }];
conn.onRequest('workspace/workspaceFolders', () => folders);
// The server's defaults, except two: the test files are analysed too (gopls' invocation compiles
// them: like with like), and no per-package limit hides the new finding (fasthttp's header.go
// alone has more than the default 200). --default-settings keeps every default.
const settings = argv.includes('--default-settings') ? {} : { escapeAnalysis: { includeTestFiles: true, maxDiagnostics: 1e9 } };
conn.onRequest('workspace/configuration', (p) => p.items.map((item) => (item.section === 'goMemoryInsight' ? settings : {})));
conn.listen();
const init = await conn.sendRequest('initialize', {
  processId: process.pid,
  rootUri: folders[0].uri,
  workspaceFolders: folders,
  capabilities: { workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: false } }, textDocument: { synchronization: { didSave: true }, publishDiagnostics: { relatedInformation: true } } },
  initializationOptions: {},
});
await conn.sendNotification('initialized', {});
console.log(`server ${init.serverInfo?.name ?? '?'} ${init.serverInfo?.version ?? '?'} (${path.relative(root, serverJs)}, built ${fs.statSync(serverJs).mtime.toISOString()})`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const LIMIT_MS = 10 * 60_000;

/** Resolves at the first publishDiagnostics for the open file that `accept` takes. */
function publishedWhere(accept, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      fileWaiter = undefined;
      reject(new Error(`no diagnostics for ${openName} ${what} within ${LIMIT_MS / 1000} s; last status ${JSON.stringify(statusOf.get(pkgDir))}`));
    }, LIMIT_MS);
    fileWaiter = (p) => {
      if (!accept(p)) {
        const s = statusOf.get(pkgDir);
        if (s && (s.state === 'build-failed' || s.state === 'error')) {
          clearTimeout(t);
          fileWaiter = undefined;
          reject(new Error(`analysis ${s.state}: ${s.message}`));
        }
        return;
      }
      clearTimeout(t);
      fileWaiter = undefined;
      resolve(performance.now());
    };
  });
}

const hasChildrenFiles = fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
/** The processes below pid as { pid, parent } (Linux /proc/PID/task/TID/children); undefined where there is none. */
function descendants(pid) {
  if (!hasChildrenFiles) return undefined;
  const found = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    let tasks = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      /* gone meanwhile */
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        /* gone meanwhile */
      }
      for (const k of kids.split(' ').filter(Boolean)) {
        found.push({ pid: Number(k), parent: p });
        queue.push(Number(k));
      }
    }
  }
  return found;
}

/**
 * Samples the processes below rootPid every 50 ms (both sides alike), to say which compile
 * took how long: each one's command line and when it was first and last seen.
 */
function traceProcesses({ rootIsGo = false } = {}) {
  const seen = new Map();
  let rootPid;
  const tick = () => {
    if (rootPid === undefined) return;
    const now = performance.now();
    for (const { pid: p, parent } of descendants(rootPid) ?? []) {
      let argv;
      try {
        argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
      } catch {
        continue;
      }
      const s = seen.get(p) ?? { first: now, argv, parent };
      // Read again each time: a fresh fork shows its parent's until it execs. A zombie (ended,
      // not yet waited for) shows none, and is not running.
      if (argv.length === 0) continue;
      s.last = now;
      s.argv = argv;
      seen.set(p, s);
    }
  };
  const timer = setInterval(tick, 50);
  return {
    root(pid) {
      rootPid = pid;
      tick();
    },
    /** The package's own compiles, the go command and the link, as "label +start–end s" from t0. */
    stop(t0) {
      clearInterval(timer);
      tick();
      const parts = [];
      const toolOf = (argv) => path.basename(argv?.[0] ?? '?');
      for (const { argv, first, last, parent } of [...seen.values()].sort((a, b) => a.first - b.first)) {
        const tool = toolOf(argv);
        const at = `+${((first - t0) / 1000).toFixed(1)}–${((last - t0) / 1000).toFixed(1)} s`;
        // Only the go command and the tools it runs: a process below a tool, or a go below go,
        // is a fork caught before it ran its own program.
        const byGo = parent === rootPid || toolOf(seen.get(parent)?.argv) === 'go';
        if (tool === 'go') {
          if (parent === rootPid && !rootIsGo) parts.push(`go ${argv[1] ?? ''} ${at}`);
        } else if (!byGo) continue;
        else if (tool === 'link') parts.push(`link ${at}`);
        else if (tool === 'compile') {
          const p = argv[argv.indexOf('-p') + 1] ?? '?';
          if (p !== pkgInfo.ImportPath && p !== `${pkgInfo.ImportPath}_test` && p !== 'main') continue;
          const tests = argv.some((a) => a.endsWith('_test.go'));
          parts.push(`compile ${p === 'main' ? 'testmain' : path.basename(p)}${tests && !p.endsWith('_test') ? ' +tests' : ''} ${at}`);
        }
      }
      return parts.join('; ');
    },
  };
}

function isReaper(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('reaper.js');
  } catch {
    return false;
  }
}

/**
 * Waits until the server is idle: its last status for the package is final, no process of its
 * own (every go command ended) and no message for a second. Returns when the last diagnostics of the package came.
 */
async function idle() {
  const deadline = performance.now() + LIMIT_MS;
  let quietSince;
  while (performance.now() < deadline) {
    // The server's reaper (dist/reaper.js) lives as long as the server: it is not work.
    const kids = descendants(child.pid)?.filter(({ pid }) => !isReaper(pid));
    const now = performance.now();
    // The server reports its last step: a status that is not "analysing" (nor the package's own
    // findings with the test files still compiling); the model is built after go exits.
    const status = statusOf.get(pkgDir);
    const settled = status !== undefined && status.state !== 'analysing' && !/analysing test files/.test(status.message ?? '');
    const quiet = settled && now - lastMessageAt >= (kids === undefined ? 5000 : 1000) && (kids === undefined || kids.length === 0);
    if (quiet) {
      quietSince ??= now;
      if (now - quietSince >= 500) return lastPublishAt;
    } else quietSince = undefined;
    await sleep(100);
  }
  throw new Error('the server did not become idle');
}

const shortLog = (m) => m.replaceAll(pkgDir, '<pkg>').replaceAll(moduleDir, '<module>');
function logsSince(t0) {
  return logs.filter((l) => l.at >= t0).map((l) => `      server log +${(l.at - t0).toFixed(0)} ms: ${shortLog(l.message)}`);
}

let version = 1;
const change = (newText) => conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: newText }] });
/** What the editor does on save: write the file, send didSave, then its watcher reports the file. */
async function save(newText) {
  if (newText !== undefined) fs.writeFileSync(openFile, newText);
  await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
  await conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
}

/** Ours: type the edit (didChange), then save and time until the new line has a finding. */
async function oursAfterEdit(name) {
  const { text: newText, line } = appendAllocation(name);
  await change(newText);
  await sleep(300); // the typing happened before the save
  const logFrom = performance.now();
  const procs = traceProcesses();
  procs.root(child.pid);
  const found = publishedWhere((p) => p.diagnostics.some((d) => d.range.start.line === line), `with a finding on line ${line + 1}`);
  const t0 = performance.now();
  await save(newText);
  const tFound = await found;
  const tLast = await idle();
  return { ms: tFound - t0, allMs: Math.max(tLast, tFound) - t0, line, log: logsSince(logFrom), procs: procs.stop(t0) };
}

/** Whether the compiler's -json log in dir has a heap finding on line (1-based) of the open file. */
function jsonHasFinding(dir, line1) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.json')) files.push(path.join(d, e.name));
    }
  };
  walk(dir);
  for (const f of files) {
    const [head, ...rest] = fs.readFileSync(f, 'utf8').split('\n');
    try {
      if (!String(JSON.parse(head).file).endsWith(`${path.sep}${openName}`)) continue;
    } catch {
      continue;
    }
    for (const l of rest) {
      if (!l.trim()) continue;
      try {
        const d = JSON.parse(l);
        if (d.range?.start?.line === line1 && /^escape|^leak/.test(String(d.code))) return true;
      } catch {
        /* not JSON */
      }
    }
  }
  return false;
}

/** gopls: the same kind of edit saved (the server is not told), then its invocation, whole process. */
async function goplsAfterEdit(name) {
  const { text: newText, line } = appendAllocation(name);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `gopls-${process.pid}.details`));
  const procs = traceProcesses({ rootIsGo: true });
  const t0 = performance.now();
  fs.writeFileSync(openFile, newText);
  const r = await run(go, ['test', '-c', '-vet=off', `-gcflags=-json=0,${pathToFileURL(outDir).href}`, `-o=${os.devNull}`, '.'], { cwd: pkgDir, env, onSpawn: (pid) => procs.root(pid) });
  const ms = performance.now() - t0;
  const trace = procs.stop(t0);
  if (r.code !== 0) throw new Error(`gopls' invocation failed with ${r.code}:\n${r.stderr.slice(-4000)}`);
  const found = jsonHasFinding(outDir, line + 1);
  fs.rmSync(outDir, { recursive: true, force: true });
  return { ms, found, procs: trace };
}

/** Brings the server's result up to what is on disk (after a gopls edit it was not told of). */
async function sync() {
  await change(text);
  const done = publishedWhere(() => true, 'after a save');
  await save(text);
  await done;
  await idle();
}

// ---- open, warm up ------------------------------------------------------------------------

{
  const t0 = performance.now();
  const first = publishedWhere(() => true, 'after opening it');
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version, text: pristine } });
  const tFirst = await first;
  await idle();
  const s = statusOf.get(pkgDir);
  console.log(`opened ${openName}: first diagnostics in ${(tFirst - t0).toFixed(0)} ms (status ${s?.state}, ${s?.escapes ?? '?'} heap escapes in the package)`);
  for (const l of logsSince(t0)) console.log(l);
}
// One round of each, not counted: builds what the test binary links and fills the caches.
{
  const w1 = await oursAfterEdit(`gmiBenchWarm_${tag}`);
  const w2 = await goplsAfterEdit(`gmiGoplsWarm_${tag}`);
  await sync();
  console.log(`warm-up (not counted): ours ${w1.ms.toFixed(0)} ms, gopls' invocation ${w2.ms.toFixed(0)} ms`);
}

// ---- paired runs --------------------------------------------------------------------------

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`\nedit → save → new finding, ${runs} runs (ours: from writing the file + didSave to the first publishDiagnostics for ${openName} with a finding on the new line;`);
console.log(`  ours, all: until the server is idle, its go command ended and the package's last diagnostics published;`);
console.log(`  gopls: go test -c -vet=off -gcflags=-json=0,<fresh dir URI> -o=${os.devNull} . from writing the file to its exit, not counting gopls' parsing of its log)`);
const rows = [];
for (let i = 1; i <= runs; i++) {
  const oursFirst = i % 2 === 1;
  let ours;
  let gopls;
  if (oursFirst) {
    ours = await oursAfterEdit(`gmiBench_${tag}_${i}`);
    gopls = await goplsAfterEdit(`gmiGopls_${tag}_${i}`);
  } else {
    gopls = await goplsAfterEdit(`gmiGopls_${tag}_${i}`);
    ours = await oursAfterEdit(`gmiBench_${tag}_${i}`);
  }
  rows.push({ ours: ours.ms, all: ours.allMs, gopls: gopls.ms, ratio: ours.ms / gopls.ms });
  console.log(`run ${i} (${oursFirst ? 'ours first' : 'gopls first'}): ours ${fmt(ours.ms)} to the new finding (line ${ours.line + 1}), ${fmt(ours.allMs)} all; gopls' invocation ${fmt(gopls.ms)}${gopls.found ? '' : ' (its -json log had NO finding on its new line)'}; ratio ours/gopls ${(ours.ms / gopls.ms).toFixed(2)}`);
  for (const l of ours.log) console.log(l);
  console.log(`      ours' processes: ${ours.procs}`);
  console.log(`      gopls' processes: go test (whole) +0.0–${(gopls.ms / 1000).toFixed(1)} s; ${gopls.procs}`);
}

// ---- the warm path: save with nothing changed ---------------------------------------------

await sync(); // the last edit may have been gopls', which the server was not told of
const unchanged = [];
const reusedBefore = logs.filter((l) => /is current/.test(l.message)).length;
const ranBefore = logs.filter((l) => /^Analysed /.test(l.message)).length;
for (let i = 0; i < runs; i++) {
  await sleep(1500);
  const done = publishedWhere(() => true, 'after an unchanged save');
  const t0 = performance.now();
  await save();
  unchanged.push((await done) - t0);
  await idle();
}
const reused = logs.filter((l) => /is current/.test(l.message)).length - reusedBefore;
const ran = logs.filter((l) => /^Analysed /.test(l.message)).length - ranBefore;

const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: mid, min: s[0], max: s[s.length - 1] };
};
const summary = (label, a, f) => {
  const s = stats(a);
  console.log(`${label.padEnd(58)} median ${f(s.median)}, min ${f(s.min)}, max ${f(s.max)}`);
};
console.log(`\nsummary: ${moduleId}, package ${pkgInfo.ImportPath}, ${goVersion}, ${cpus.length} CPUs, load average now ${os.loadavg()[0].toFixed(1)}`);
summary('edit → save → new finding, ours (cold: the file changed)', rows.map((r) => r.ours), fmt);
summary('edit → save, ours until idle (every publish done)', rows.map((r) => r.all), fmt);
summary("edit → save, gopls' invocation (go test -c ... -json=0)", rows.map((r) => r.gopls), fmt);
summary('ratio ours (new finding) / gopls, run by run', rows.map((r) => r.ratio), (x) => x.toFixed(2));
summary('save unchanged → diagnostics re-published (warm path)', unchanged, (ms) => `${ms.toFixed(1)} ms`);
console.log(`warm path: ${reused} of ${runs} saves answered from the last result ("is current" in the server log), ${ran} go runs`);

await stopServer(server);
restore();
// Done: leave even if a stream of the stopped server is still open.
process.exit(0);
