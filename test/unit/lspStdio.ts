// The built language server (dist/server.js --stdio) driven as an editor drives it, for the
// server tests: started on a workspace root, with what it publishes, reports and logs recorded.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export const SERVER_JS = path.resolve(__dirname, '../../..', 'dist', 'server.js');

export interface StdioServer<D> {
  conn: MessageConnection;
  child: ChildProcess;
  /** The last publishDiagnostics per URI. */
  published: Map<string, { uri: string; diagnostics: D[] }>;
  statuses: { state: string; packageDir?: string; message?: string; escapes?: number }[];
  logs: string[];
  /** How many publishDiagnostics came so far. */
  publishCount(): number;
  stop(): Promise<void>;
}

/** Starts the server with `root` as the workspace root and completes the initialize handshake. */
export async function startStdioServer<D>(root: string, env: NodeJS.ProcessEnv = { ...process.env, GOTOOLCHAIN: 'local' }): Promise<StdioServer<D>> {
  if (!fs.existsSync(SERVER_JS)) throw new Error(`build first: ${SERVER_JS} is missing`);
  const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const published: StdioServer<D>['published'] = new Map();
  const statuses: StdioServer<D>['statuses'] = [];
  const logs: string[] = [];
  let count = 0;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: D[] }) => {
    published.set(p.uri, p);
    count++;
  });
  conn.onNotification('goMemory/analysisStatus', (s: StdioServer<D>['statuses'][number]) => {
    statuses.push(s);
  });
  conn.onNotification('window/logMessage', (m: { message: string }) => {
    logs.push(m.message);
    if (process.env.GMI_DEBUG) console.log('[server]', m.message);
  });
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, initializationOptions: {} });
  await conn.sendNotification('initialized', {});
  const stop = async (): Promise<void> => {
    try {
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } catch {
      /* already gone */
    }
    conn.dispose();
    child.kill();
  };
  return { conn, child, published, statuses, logs, publishCount: () => count, stop };
}

/** Polls `probe` every 50 ms until it returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
