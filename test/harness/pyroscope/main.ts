// The local Pyroscope-protocol server (server.ts) as a program, for the end-to-end tests and
// for trying the editor command by hand:
//   node out/test/harness/pyroscope.js [--token T] [--legacy] SERIES...
// SERIES is JSON: {"labels": {"service_name": "svc"}, "ago": "20m", "file": "heap.pprof"}
// ("ago": how long before now the profile was taken). Prints the server's address on the first
// line of stdout, then serves until stdin closes or SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { parseDuration } from '../../../src/fleet/timeRange';
import { startFakePyroscope, type StoredProfile } from './server';

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  let token: string | undefined;
  let legacy = false;
  const profiles: StoredProfile[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--token') token = args[++i];
    else if (a === '--legacy') legacy = true;
    else {
      const s = JSON.parse(a) as { labels?: Record<string, string>; ago?: string; file?: string };
      if (!s.file) throw new Error(`a series needs "file": ${a}`);
      profiles.push({ labels: s.labels ?? {}, timeMs: Date.now() - (s.ago ? parseDuration(s.ago) : 0), pprof: readFileSync(s.file) });
    }
  }
  const server = await startFakePyroscope({ profiles, legacy, ...(token ? { authorization: `Bearer ${token}` } : {}) });
  process.stdout.write(`${server.url}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
