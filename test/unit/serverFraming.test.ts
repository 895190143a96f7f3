// The language server over --stdio, given frames that are not LSP messages: it says why in one
// line on stderr and exits with status 1 (the client then starts a new one), quickly and without
// holding what the client sends. Over IPC, the extension's transport, nothing changes.
import * as assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader } from 'vscode-jsonrpc/node';
import { FramingError, MessageFramer } from '../../src/server/framing';

const root = path.resolve(__dirname, '../../..');
const serverJs = path.join(root, 'dist', 'server.js');

const frame = (body: string, header = ''): Buffer => Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n${header}\r\n${body}`, 'utf8');
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } };

describe('LSP framing: MessageFramer', () => {
  it('reads messages however the bytes are split, with any header case, other headers and multi-byte text', () => {
    const messages = fc.array(fc.record({ jsonrpc: fc.constant('2.0'), method: fc.string(), params: fc.jsonValue() }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 20 }), (list, cuts) => {
        const bytes = Buffer.concat(list.map((m, i) => (i % 2 === 0 ? frame(JSON.stringify(m)) : frame(JSON.stringify(m), 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'))));
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const framer = new MessageFramer();
        const got: unknown[] = [];
        let from = 0;
        for (const to of [...at, bytes.length]) {
          got.push(...framer.push(bytes.subarray(from, to)));
          from = to;
        }
        assert.deepEqual(got, JSON.parse(JSON.stringify(list)));
      }),
    );
    const lower = new MessageFramer().push(Buffer.from('content-length:  2 \r\n\r\n{}'));
    assert.deepEqual(lower, [{}]);
  });

  it('refuses the first malformed frame, and everything after it', () => {
    const limits = { maxHeaderBytes: 512, maxContentLength: 1000 };
    const cases: [string, Buffer, RegExp][] = [
      ['Content-Length: abc', Buffer.from('Content-Length: abc\r\n\r\n{}'), /Content-Length that is not a number of bytes: "abc"/],
      ['negative', Buffer.from('Content-Length: -5\r\n\r\n{}'), /not a number of bytes: "-5"/],
      ['absurd', Buffer.from('Content-Length: 1000000000000\r\n\r\n'), /Content-Length of 1000000000000 bytes, over the limit of 1000/],
      ['more digits than a number holds', Buffer.from(`Content-Length: ${'9'.repeat(400)}\r\n\r\n`), /not a number of bytes: "9{40}…"/],
      ['no Content-Length', Buffer.from('Content-Type: x\r\n\r\n{}'), /without Content-Length/],
      ['no colon', Buffer.from('hello\r\n\r\n'), /not "Name: value": "hello"/],
      ['two lengths', Buffer.from('Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}'), /two Content-Length headers/],
      ['no end of header', Buffer.from('Content-Length: 2\r\n' + 'x'.repeat(1000)), /header longer than 512 bytes/],
      ['not JSON', Buffer.from('Content-Length: 9\r\n\r\nnot json!'), /9 bytes that is not JSON: "not json!"/],
      ['not an object', Buffer.from('Content-Length: 2\r\n\r\n42'), /not a JSON object: "42"/],
      ['empty body', Buffer.from('Content-Length: 0\r\n\r\n'), /0 bytes that is not JSON/],
    ];
    for (const [name, bytes, message] of cases) {
      const framer = new MessageFramer(limits);
      assert.throws(() => framer.push(Buffer.concat([frame('{"a":1}'), bytes])), (err: unknown) => err instanceof FramingError && message.test(err.message) && !err.message.includes('\n'), name);
      assert.throws(() => framer.push(frame('{}')), FramingError, `${name}: nothing after it`);
    }
    // A header that never ends is refused after maxHeaderBytes, however it comes.
    const framer = new MessageFramer(limits);
    assert.throws(() => {
      for (let i = 0; i < 1000; i++) framer.push(Buffer.from('y'));
    }, /header longer than 512 bytes/);
  });
});

/** Linux: the peak resident set of a process, in bytes (its VmHWM), or undefined. */
function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stderr: string;
  peakRss?: number;
}

/** Starts the server over --stdio, initializes it, then writes `bytes` (a function: written piece by piece until it ends). */
async function stdioServer(bytes: Buffer | ((child: ChildProcess) => Promise<void>)): Promise<Ended> {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined);
  let peak: number | undefined;
  const poll = setInterval(() => (peak = peakRss(child.pid!) ?? peak), 20);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const reader = new StreamMessageReader(child.stdout!);
    // The reply to initialize (log messages may come first).
    const first = new Promise<unknown>((resolve) => reader.listen((m) => void ((m as { id?: unknown }).id === 1 && resolve(m))));
    child.stdin!.write(frame(JSON.stringify(initialize)));
    const reply = (await first) as { id: number; result?: { serverInfo?: { name: string } } };
    assert.equal(reply.result?.serverInfo?.name, 'go-memory-insight', 'the server answered before the bad frame');
    const started = Date.now();
    if (typeof bytes === 'function') void bytes(child).catch(() => undefined);
    else child.stdin!.write(bytes);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
    const end = await Promise.race([exited, timeout]);
    if (end === 'timeout') throw new Error(`the server did not exit within 10 s; stderr: ${stderr}`);
    return { ...end, ms: Date.now() - started, stderr, peakRss: peak };
  } finally {
    clearInterval(poll);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

const ONE_LINE = /^go-memory-insight language server: malformed message from the client: [^\n]+; exiting\n$/;
const RSS_LIMIT = 200 * 1024 * 1024;

describe('LSP framing: the language server over --stdio', function () {
  this.timeout(120_000);
  before(() => {
    if (!fs.existsSync(serverJs)) throw new Error(`build first: ${serverJs} is missing`);
  });

  const cases: [string, Buffer | ((child: ChildProcess) => Promise<void>), RegExp][] = [
    ['Content-Length: abc', Buffer.from('Content-Length: abc\r\n\r\n{}'), /not a number of bytes: "abc"/],
    ['a negative Content-Length', Buffer.from(`Content-Length: -5\r\n\r\n${JSON.stringify(initialize)}`), /not a number of bytes: "-5"/],
    [
      'Content-Length: 10^12, followed by 64 MB (nothing of it is allocated or kept)',
      async (child) => {
        const mb = Buffer.alloc(1 << 20, 0x61);
        child.stdin!.write('Content-Length: 1000000000000\r\n\r\n');
        for (let i = 0; i < 64 && child.exitCode === null; i++) if (!child.stdin!.write(mb)) await new Promise((r) => child.stdin!.once('drain', r));
      },
      /Content-Length of 1000000000000 bytes, over the limit/,
    ],
    [
      'a header without an empty line, for 64 MB',
      async (child) => {
        const mb = Buffer.from('X-Padding: '.padEnd(1 << 20, 'y'));
        child.stdin!.write('Content-Length: 10\r\n');
        for (let i = 0; i < 64 && child.exitCode === null; i++) if (!child.stdin!.write(mb)) await new Promise((r) => child.stdin!.once('drain', r));
      },
      /header longer than \d+ bytes/,
    ],
    ['a body that is not JSON', Buffer.from('Content-Length: 9\r\n\r\nnot json!'), /not JSON: "not json!"/],
    ['a header line without a colon', Buffer.from('hello\r\n\r\n'), /not "Name: value"/],
  ];

  for (const [name, bytes, message] of cases) {
    it(`${name}: one line on stderr, exit status 1, within seconds`, async () => {
      const r = await stdioServer(bytes);
      assert.equal(r.code, 1, `exit ${r.code} ${r.signal}; stderr: ${r.stderr}`);
      assert.match(r.stderr, ONE_LINE);
      assert.match(r.stderr, message);
      assert.ok(r.ms < 5000, `${r.ms} ms`);
      if (r.peakRss !== undefined) assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${(r.peakRss / 1e6).toFixed(0)} MB`);
    });
  }

  it('as before: shutdown and exit end it with status 0, stdin closed without a shutdown with 1', async () => {
    const bye = Buffer.concat([frame(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'shutdown' })), frame(JSON.stringify({ jsonrpc: '2.0', method: 'exit' }))]);
    let r = await stdioServer(bye);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    r = await stdioServer(async (child) => void child.stdin!.end());
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
  });
});

describe('LSP framing: the language server over IPC (the extension\'s transport) is unchanged', function () {
  this.timeout(60_000);
  it('answers initialize, and exits with 0 after shutdown and exit', async () => {
    const child = fork(serverJs, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    conn.listen();
    try {
      const result = (await conn.sendRequest('initialize', initialize.params)) as { serverInfo?: { name: string } };
      assert.equal(result.serverInfo?.name, 'go-memory-insight');
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
      assert.equal(await exited, 0, stderr);
    } finally {
      conn.dispose();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
