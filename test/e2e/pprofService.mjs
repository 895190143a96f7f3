// The test service test/harness/pprof-service (a Go program serving net/http/pprof), built and
// started for an end-to-end test; it prints its address on its first line.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { root } from '../harness/codeServer.mjs';

/** Builds and starts the service; returns its address (host:port) and a stop function. */
export async function startPprofService() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-e2e-pprof-'));
  const source = path.join(root, 'test', 'harness', 'pprof-service');
  execFileSync('go', ['build', '-o', path.join(dir, 'svc'), '.'], { cwd: source, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } });
  const proc = spawn(path.join(dir, 'svc'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const addr = await new Promise((resolve, reject) => {
    proc.stdout.once('data', (b) => resolve(b.toString().trim()));
    proc.once('exit', (c) => reject(new Error(`the pprof service exited with ${c}`)));
  });
  return {
    addr,
    stop: () => {
      proc.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
