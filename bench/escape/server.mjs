// The built language server (dist/server.js --stdio) driven over JSON-RPC, as the escape
// benchmarks drive it: start it, and stop it the way an editor does (shutdown, exit, then kill).
import { spawn } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

/** Starts `node [BENCH_SERVER_NODE_ARGS] serverJs --stdio`; the connection is not listening yet. */
export function startServer(serverJs, env) {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), serverJs, '--stdio'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  return { child, conn };
}

/** shutdown + exit, up to 3 s for the process to end, then kill. */
export async function stopServer({ child, conn }) {
  try {
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
  } catch {
    /* gone */
  }
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
  conn.dispose();
  child.kill();
}
