// No go command outlives its owner. The built CLI (dist/cli.js) and language server
// (dist/server.js) run escape analysis on test/fixtures/hang, a cgo package whose C compiler
// (fake-cc.sh, through CC) sleeps for ten minutes: `go list -export` really hangs in a
// compiler child. Each test waits until that child exists, ends the owner one way, and polls
// until the go command and the compiler are gone.
import * as assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

const root = path.resolve(__dirname, '../../..');
const cliJs = path.join(root, 'dist', 'cli.js');
const serverJs = path.join(root, 'dist', 'server.js');
const reaperJs = path.join(root, 'dist', 'reaper.js');
const FIXTURE = path.join(root, 'test', 'fixtures', 'hang');

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** /proc/PID/stat's state and process group, or undefined when there is no such process. */
function procStat(pid: number): { state: string; pgid: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, pgid: Number(f[2]) };
  } catch {
    return undefined;
  }
}

/** Running: exists and is not a zombie waiting for init to reap it (a zombie runs nothing). */
function running(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** The processes of a group that still run. */
function groupMembers(pgid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      const s = procStat(pid);
      return s !== undefined && s.pgid === pgid && s.state !== 'Z' && s.state !== 'X';
    });
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('process exit: no go command outlives the CLI or the language server', function () {
  // Each test takes about a second; the limit leaves room for a busy 2-core machine.
  this.timeout(10_000);
  let tmp: string;
  let dir: string;
  let cc: string;
  let pidFile: string;
  let n = 0;
  /** What a test started, killed in afterEach whatever happened. */
  let owners: ChildProcess[] = [];
  let hang: { cc: number; pgid: number } | undefined;
  let conn: MessageConnection | undefined;

  before(function () {
    if (process.platform !== 'linux') this.skip();
    for (const f of [cliJs, serverJs, reaperJs]) if (!fs.existsSync(f)) throw new Error(`build first: ${f} is missing`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-hang-'));
    dir = path.join(tmp, 'hang');
    fs.cpSync(FIXTURE, dir, { recursive: true });
    cc = path.join(dir, 'fake-cc.sh');
    fs.chmodSync(cc, 0o755);
  });

  beforeEach(() => {
    pidFile = path.join(tmp, `cc-${++n}.pids`);
    owners = [];
    hang = undefined;
    conn = undefined;
  });

  afterEach(() => {
    conn?.dispose();
    for (const o of owners) if (o.exitCode === null && o.signalCode === null) o.kill('SIGKILL');
    if (hang) {
      for (const pid of groupMembers(hang.pgid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  function env(): NodeJS.ProcessEnv {
    return { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', CGO_ENABLED: '1', CC: cc, GMI_HANG_PIDFILE: pidFile };
  }

  /** Waits until the fake compiler runs; checks it is in the go command's own process group. */
  async function waitForHang(owner: ChildProcess): Promise<{ cc: number; pgid: number }> {
    const pid = await waitFor(() => {
      if (owner.exitCode !== null || owner.signalCode !== null) throw new Error(`the owner exited (${owner.exitCode ?? owner.signalCode}) before the build hung`);
      const first = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      return Number.isInteger(first) && first > 0 && running(first) ? first : undefined;
    }, 'the hanging C compiler', 8000);
    const pgid = procStat(pid)!.pgid;
    hang = { cc: pid, pgid };
    assert.notEqual(pgid, procStat(owner.pid!)!.pgid, 'the go command has a process group of its own');
    assert.match(cmdline(pgid), /\bgo\b.*\blist\b.*-export/, 'the group leader is the go command');
    return hang;
  }

  /** Polls until the go command, the compiler and everything else in their group are gone. */
  async function assertAllGone(h: { cc: number; pgid: number }, timeoutMs = 4000): Promise<void> {
    await waitFor(() => (groupMembers(h.pgid).length === 0 && !running(h.cc) ? true : undefined), `go (pid ${h.pgid}) and the compiler (pid ${h.cc}) to be gone`, timeoutMs);
    const all = fs.readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
    assert.deepEqual(all.filter(running), [], 'every fake compiler that started is gone');
  }

  function startCli(): ChildProcess {
    const child = spawn(process.execPath, [cliJs, 'escape', '--dir', dir], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.resume();
    owners.push(child);
    return child;
  }

  async function startServer(transport: 'stdio' | 'ipc'): Promise<ChildProcess> {
    let child: ChildProcess;
    if (transport === 'stdio') {
      child = spawn(process.execPath, [serverJs, '--stdio'], { env: env(), stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdin!.on('error', () => undefined);
      conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    } else {
      child = fork(serverJs, ['--node-ipc'], { env: env(), stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    }
    owners.push(child);
    conn.onError(() => undefined);
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.listen();
    // No processId: the library's own parent watchdog stays out of these tests.
    await conn.sendRequest('initialize', { processId: null, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'hang' }], capabilities: {}, initializationOptions: {} });
    await conn.sendNotification('initialized', {});
    const file = path.join(dir, 'hang.go');
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(file).href, languageId: 'go', version: 1, text: fs.readFileSync(file, 'utf8') } });
    return child;
  }

  for (const [signal, title] of [
    ['SIGINT', 'CLI: SIGINT (Ctrl-C) kills the go command and the compiler, and the CLI dies of SIGINT'],
    ['SIGTERM', 'CLI: SIGTERM kills the go command and the compiler'],
  ] as const) {
    it(title, async () => {
      const cli = startCli();
      const h = await waitForHang(cli);
      cli.kill(signal);
      await assertAllGone(h);
      assert.deepEqual(await exited(cli), { code: null, signal });
    });
  }

  it('CLI: its parent killed with SIGKILL, the CLI notices, kills the go command and exits', async () => {
    // sh starts the CLI in the background, prints its pid and waits; then sh is killed.
    const sh = spawn('/bin/sh', ['-c', `"$0" "$@" </dev/null >/dev/null 2>&1 & echo $!; wait`, process.execPath, cliJs, 'escape', '--dir', dir], { env: env(), stdio: ['ignore', 'pipe', 'ignore'] });
    owners.push(sh);
    let out = '';
    sh.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const cliPid = await waitFor(() => (/^\d+\n/.test(out) ? Number(out.trim()) : undefined), 'the CLI pid', 4000);
    const h = await waitForHang(sh);
    assert.ok(running(cliPid));
    sh.kill('SIGKILL');
    try {
      await assertAllGone(h);
      await waitFor(() => (running(cliPid) ? undefined : true), 'the orphaned CLI to exit', 4000);
    } finally {
      if (running(cliPid)) process.kill(cliPid, 'SIGKILL');
    }
  });

  it('server (--stdio): SIGTERM kills the go command and the compiler', async () => {
    const server = await startServer('stdio');
    const h = await waitForHang(server);
    server.kill('SIGTERM');
    await assertAllGone(h);
    assert.equal((await exited(server)).signal, 'SIGTERM');
  });

  it('server (--stdio): SIGKILL, which the server cannot catch; its reaper kills the go command and the compiler', async () => {
    const server = await startServer('stdio');
    const h = await waitForHang(server);
    const reapers = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && cmdline(Number(p)).includes(reaperJs)).map(Number);
    assert.ok(reapers.length > 0, 'a reaper process runs beside the server');
    server.kill('SIGKILL');
    await assertAllGone(h);
    assert.equal((await exited(server)).signal, 'SIGKILL');
    // The reaper is done once the server is gone.
    await waitFor(() => (reapers.some(running) ? undefined : true), 'the reaper to exit', 4000);
  });

  it('server (--stdio): the client closes stdin without shutdown; the go command and the compiler are killed, the server exits', async () => {
    const server = await startServer('stdio');
    const h = await waitForHang(server);
    server.stdin!.end();
    await assertAllGone(h);
    const exit = await exited(server);
    assert.equal(exit.signal, null);
  });

  it('server (--node-ipc, as the extension starts it): the IPC channel closes; the go command and the compiler are killed, the server exits', async () => {
    const server = await startServer('ipc');
    const h = await waitForHang(server);
    server.disconnect();
    await assertAllGone(h);
    const exit = await exited(server);
    assert.equal(exit.signal, null);
  });
});
