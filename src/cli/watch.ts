// `go-memory-insight watch URL`: polls a running service's net/http/pprof heap (after a GC),
// goroutine and goroutineleak endpoints, prints one line per snapshot, and at the end the lines
// whose in-use bytes grew most from the first snapshot to the newest.
import { decodeProfile, toProfileData } from '../pprof/decode';
import { formatBytes } from '../pprof/units';
import { fetchProfile } from '../extension/flame/fetchProfile';
import { HeapWatcher, type WatchPoint } from '../watch/watcher';
import { MIN_INTERVAL_MS, parseDuration, watchEndpoints, watchOptions } from '../watch/options';
import type { HeapGrowth } from '../watch/growth';
import { CliError, scanArgs, type CliCommand, type CliIO } from './command';

const USAGE = `Usage: go-memory-insight watch URL [--interval 5s] [--count N] [--top N] [--timeout 30s]
                             [--max-points N] [--json]

Polls a running Go service that serves net/http/pprof: /debug/pprof/heap?gc=1 (in-use heap
after a GC), /debug/pprof/goroutine, and /debug/pprof/goroutineleak where the service serves
it (Go 1.26 built with GOEXPERIMENT=goroutineleakprofile; a 404 means it does not). Prints one
line per snapshot, then the lines whose in-use bytes grew most from the first snapshot to the
newest. Stops after --count snapshots, or on Ctrl-C.

URL is host:port, http://host:port, the pprof index (…/debug/pprof/) or one of its profiles.

  --interval   time between polls (default 5s, at least 1s): 500ms, 5s, 2m…
  --count      stop after this many snapshots (default: until interrupted)
  --top        growth rows to print (default 20)
  --timeout    give up on a request after this long (default 30s)
  --max-points points kept in memory (default 120; the first always stays)
  --json       print {"base", "intervalMs", "status", "leakProfile", "series": [{at, inuseBytes,
               inuseObjects, goroutines, leakedGoroutines?, error?}], "growth": {firstBytes,
               newestBytes, growthBytes, grown, rows: [{function, file, line, firstBytes,
               newestBytes, growthBytes, firstObjects?, newestObjects?, growthObjects?}]}} at the end
`;

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new CliError(`${flag}: expected a duration such as 5s or 500ms, got "${text}"`, 2);
  return ms;
}

function count(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${flag}: expected a whole number, got "${text}"`, 2);
  return Number(text);
}

function pointLine(p: WatchPoint): string {
  const time = new Date(p.at).toISOString().slice(11, 19);
  if (p.error) return `${time}  error: ${p.error}\n`;
  const leak = p.leakedGoroutines !== undefined ? `  ${p.leakedGoroutines} leaked` : '';
  return `${time}  in use ${formatBytes(p.inuseBytes ?? 0).padStart(10)}  ${String(p.goroutines ?? 0).padStart(6)} goroutines${leak}\n`;
}

function growthText(g: HeapGrowth): string {
  const sign = g.growthBytes >= 0 ? '+' : '-';
  const lines = [`\nin use ${formatBytes(g.firstBytes)} -> ${formatBytes(g.newestBytes)} (${sign}${formatBytes(Math.abs(g.growthBytes))}); ${g.grown} line${g.grown === 1 ? '' : 's'} grew`];
  if (g.rows.length > 0) {
    lines.push(`${'growth'.padStart(10)}  ${'newest'.padStart(10)}  line`);
    for (const r of g.rows) lines.push(`${('+' + formatBytes(r.growthBytes)).padStart(10)}  ${formatBytes(r.newestBytes).padStart(10)}  ${r.function} ${r.file}:${r.line}`);
  }
  return lines.join('\n') + '\n';
}

export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'poll a running service\'s heap and goroutines and list what grew',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    let json = false;
    let top = 20;
    const input: { intervalMs?: number; count?: number; timeoutMs?: number; maxPoints?: number } = {};
    const positional = scanArgs(args, (flag, value) => {
      if (flag === '--json') json = true;
      else if (flag === '--interval') input.intervalMs = duration(flag, value());
      else if (flag === '--timeout') input.timeoutMs = duration(flag, value());
      else if (flag === '--count') input.count = count(flag, value());
      else if (flag === '--top') top = count(flag, value());
      else if (flag === '--max-points') input.maxPoints = count(flag, value());
      else return false;
      return true;
    });
    if (positional.length !== 1) throw new CliError('expected one URL (see --help)', 2);
    const endpoints = watchEndpoints(positional[0]!);
    if (typeof endpoints === 'string') throw new CliError(endpoints, 2);
    if (input.intervalMs !== undefined && input.intervalMs < MIN_INTERVAL_MS) io.stderr(`go-memory-insight watch: --interval is at least ${MIN_INTERVAL_MS / 1000}s; using that\n`);
    const options = watchOptions(input);
    const watcher = new HeapWatcher(endpoints, options, {
      fetch: (url, o) => fetchProfile(url, o),
      decode: (bytes, name) => Promise.resolve(toProfileData(decodeProfile(bytes), name)),
    });
    let last: WatchPoint | undefined;
    watcher.onChange = (w) => {
      if (json) return;
      const s = w.series();
      const p = s[s.length - 1];
      // Called after each poll (and on status changes): a new newest point is printed once.
      if (!p || p === last) return;
      if (!last && w.status().leakProfile === 'not served') io.stderr('note: the service does not serve /debug/pprof/goroutineleak (Go 1.26 built with GOEXPERIMENT=goroutineleakprofile does)\n');
      last = p;
      io.stdout(pointLine(p));
    };
    const stop = (): void => watcher.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let status;
    try {
      status = await watcher.start();
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    const growth = watcher.growth({ limit: top });
    if (json) {
      const out = {
        base: endpoints.base.href,
        intervalMs: options.intervalMs,
        status: status.phase,
        ...(status.message ? { message: status.message } : {}),
        leakProfile: status.leakProfile,
        series: watcher.series(),
        growth: growth ?? null,
      };
      io.stdout(JSON.stringify(out, null, 2) + '\n');
    } else if (growth) {
      io.stdout(growthText(growth));
    }
    if (status.phase === 'failed') throw new CliError(status.message ?? 'the watch failed');
    return 0;
  },
};
