// Watching a service's heap: the endpoints and bounds from what the user typed, and the watch
// itself against a real Go service (test/harness/pprof-service) that leaks buffers and
// goroutines when told to. The growth it ranks is checked against `go tool pprof -diff_base`
// on the same two snapshots; the service's own count of what it leaked is the ground truth.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { fetchProfile } from '../../src/extension/flame/fetchProfile';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { heapGrowth } from '../../src/watch/growth';
import { MIN_INTERVAL_MS, nextDelay, parseDuration, watchEndpoints, watchOptions, type WatchEndpoints, type WatchOptionsInput } from '../../src/watch/options';
import { HeapWatcher, type WatchDeps } from '../../src/watch/watcher';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/command';
import { pprofTop } from './pprofFixtures';
import { closedPort, LEAK_BUFFER_SIZE, startService, type RunningService } from './pprofService';

const deps: WatchDeps = {
  fetch: (url, o) => fetchProfile(url, o),
  decode: (bytes, name) => Promise.resolve(toProfileData(decodeProfile(bytes), name)),
};

function endpoints(text: string): WatchEndpoints {
  const e = watchEndpoints(text);
  if (typeof e === 'string') throw new Error(e);
  return e;
}

function watcher(url: string, opts: WatchOptionsInput): HeapWatcher {
  return new HeapWatcher(endpoints(url), watchOptions({ intervalMs: MIN_INTERVAL_MS, ...opts }), deps);
}

describe('watch: endpoints and bounds', () => {
  it('finds the pprof index from an address, the index or one of its profiles', () => {
    for (const input of ['localhost:6060', 'http://localhost:6060', 'http://localhost:6060/', 'localhost:6060/debug/pprof/', 'http://localhost:6060/debug/pprof/heap?debug=1', 'localhost:6060/debug/pprof/goroutine']) {
      const e = endpoints(input);
      assert.equal(e.base.href, 'http://localhost:6060/debug/pprof/', input);
      assert.equal(e.heap.href, 'http://localhost:6060/debug/pprof/heap?gc=1');
      assert.equal(e.goroutine.href, 'http://localhost:6060/debug/pprof/goroutine');
      assert.equal(e.goroutineLeak.href, 'http://localhost:6060/debug/pprof/goroutineleak');
    }
    assert.equal(endpoints('https://svc.example:8443/admin/pprof').heap.href, 'https://svc.example:8443/admin/pprof/heap?gc=1');
    assert.match(watchEndpoints('') as string, /Enter the address/);
    assert.match(watchEndpoints('ftp://x') as string, /Only http and https/);
    assert.match(watchEndpoints('http://[nope') as string, /Not a valid URL/);
  });

  it('keeps every bound in its range, the interval above its floor', () => {
    const d = watchOptions();
    assert.deepEqual(d, { intervalMs: 5000, count: 0, maxPoints: 120, maxBytes: 64 << 20, timeoutMs: 30_000, maxFailures: 3 });
    const o = watchOptions({ intervalMs: 10, maxPoints: 1, count: -3, maxBytes: 1, timeoutMs: 0, maxFailures: 0 });
    assert.equal(o.intervalMs, MIN_INTERVAL_MS);
    assert.equal(o.maxPoints, 2, 'the first point and the newest');
    assert.equal(o.count, 0);
    assert.ok(o.maxBytes >= 1024 && o.timeoutMs >= 100 && o.maxFailures >= 1);
    assert.equal(watchOptions({ intervalMs: NaN }).intervalMs, 5000);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('3'), 3000);
    assert.equal(parseDuration('soon'), undefined);
    // The interval counts from the start of a poll; a slow poll is followed at once.
    assert.equal(nextDelay(5000, 1000, 1800), 4200);
    assert.equal(nextDelay(5000, 1000, 9000), 0);
  });
});

describe('watch: a leaking Go service', function () {
  this.timeout(180_000);
  let svc: RunningService;
  let tmp: string;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gmi-watch-'));
    // Every allocation recorded: the in-use figures are exact, not estimates.
    svc = await startService({ leakProfile: true, args: ['-rate', '1'] });
  });
  after(async () => {
    await svc?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('plots in-use bytes and goroutines and ranks the leaking line first, with pprof\'s figures', async () => {
    const w = watcher(svc.addr, { count: 3 });
    let leaked: { buffers: number; goroutines: number } | undefined;
    const leaks: Promise<unknown>[] = [];
    w.onChange = (x) => {
      // After the first snapshot, and after the second: 7 then 5 buffers and goroutines.
      const polls = x.status().polls;
      if (x.series().length === polls && (polls === 1 || polls === 2) && leaks.length < polls) leaks.push(svc.leak(polls === 1 ? 7 : 5).then((t) => (leaked = t)));
    };
    const status = await w.start();
    await Promise.all(leaks);
    assert.equal(status.phase, 'done', status.message);
    assert.equal(status.polls, 3);
    assert.equal(status.leakProfile, 'served');
    const s = w.series();
    assert.equal(s.length, 3);
    assert.ok(s.every((p) => p.error === undefined && p.inuseBytes! > 0));
    assert.ok(s[1]!.at - s[0]!.at >= MIN_INTERVAL_MS - 5, 'polls an interval apart');
    assert.deepEqual(leaked, { buffers: 12, goroutines: 12 });
    // The goroutineleak profile counts exactly the goroutines blocked for ever.
    assert.deepEqual(s.map((p) => p.leakedGoroutines! - s[0]!.leakedGoroutines!), [0, 7, 12]);
    assert.ok(s[2]!.goroutines! - s[0]!.goroutines! >= 12);
    assert.ok(s[2]!.inuseBytes! - s[0]!.inuseBytes! >= 12 * LEAK_BUFFER_SIZE);

    const g = w.growth({ limit: 1000 })!;
    assert.ok(g);
    const top = g.rows[0]!;
    assert.equal(top.function, 'main.retainBuffers');
    assert.equal(top.growthBytes, 12 * LEAK_BUFFER_SIZE, 'exactly the buffers leaked since the first snapshot');
    assert.equal(top.growthObjects, 12);
    assert.equal(g.growthBytes, s[2]!.inuseBytes! - s[0]!.inuseBytes!);

    // go tool pprof -diff_base on the same two snapshots: the same lines, the same growth.
    const first = path.join(tmp, 'first.pb.gz');
    const newest = path.join(tmp, 'newest.pb.gz');
    writeFileSync(first, w.first()!.bytes);
    writeFileSync(newest, w.newest()!.bytes);
    const want = await pprofTop(newest, 'inuse_space', 'B', tmp, ['-lines', '-hide=^runtime\\.', `-diff_base=${first}`]);
    const wantGrown = new Map([...want.rows].filter(([, v]) => v.flat > 0).map(([k, v]) => [k, v.flat]));
    assert.deepEqual(new Map(g.rows.map((r) => [`${r.function} ${r.file}:${r.line}`, r.growthBytes])), wantGrown);
    assert.equal(g.grown, wantGrown.size);
    // By function: the leaking function's lines together (the buffers, and the slice that holds them).
    const byFunc = heapGrowth(w.first()!.data, w.newest()!.data, { by: 'function' });
    assert.equal(byFunc.rows[0]!.function, 'main.retainBuffers');
    assert.equal(byFunc.rows[0]!.line, 0);
    const lines = g.rows.filter((r) => r.function === 'main.retainBuffers');
    assert.ok(lines.length >= 1);
    assert.equal(byFunc.rows[0]!.growthBytes, lines.reduce((a, r) => a + r.growthBytes, 0));
  });

  it('keeps the first point and the newest ones, at most maxPoints', async () => {
    const w = watcher(svc.url, { count: 4, maxPoints: 2 });
    const ats: number[] = [];
    w.onChange = (x) => {
      const last = x.series().at(-1);
      if (last && !ats.includes(last.at)) ats.push(last.at);
    };
    const status = await w.start();
    assert.equal(status.polls, 4);
    assert.deepEqual(w.series().map((p) => p.at), [ats[0], ats[3]]);
    assert.equal(w.first()!.at, ats[0]);
    assert.equal(w.newest()!.at, ats[3]);
  });

  it('stops at once when asked, between polls and during one', async () => {
    const w = watcher(svc.url, { intervalMs: 60_000 });
    w.onChange = (x) => {
      if (x.status().polls === 1) x.stop();
    };
    const t0 = Date.now();
    const status = await w.start();
    assert.equal(status.phase, 'stopped');
    assert.equal(status.polls, 1);
    assert.ok(Date.now() - t0 < 10_000, 'did not wait for the next poll');
    // During a request that never ends (/stall/… holds it open).
    const stalled = watcher(`${svc.url}/stall/`, { timeoutMs: 60_000 });
    setTimeout(() => stalled.stop(), 300);
    const t1 = Date.now();
    const s2 = await stalled.start();
    assert.equal(s2.phase, 'stopped');
    assert.equal(s2.polls, 0);
    assert.ok(Date.now() - t1 < 5000);
    assert.equal(stalled.series().length, 0);
  });

  it('says why when the address is no pprof endpoint, nobody listens or the answer does not come', async () => {
    const text = await watcher(`${svc.url}/hello/`, { count: 1 }).start();
    assert.equal(text.phase, 'failed');
    assert.match(text.message!, /hello\/heap\?gc=1 did not return a pprof profile/);
    const missing = await watcher(`${svc.url}/nothing/here/`, { count: 1 }).start();
    assert.match(missing.message!, /returned 404 .*net\/http\/pprof/);
    const port = await closedPort();
    const refused = watcher(`127.0.0.1:${port}`, { count: 1 });
    const r = await refused.start();
    assert.equal(r.phase, 'failed');
    assert.match(r.message!, /^Connection refused at 127\.0\.0\.1:\d+: is the program running/);
    assert.equal(refused.series().length, 0, 'nothing recorded');
    assert.equal(refused.growth(), undefined);
    const slow = await watcher(`${svc.url}/stall/`, { count: 1, timeoutMs: 400 }).start();
    assert.equal(slow.phase, 'failed');
    assert.match(slow.message!, /No complete answer from 127\.0\.0\.1:\d+ within/);
    const small = await watcher(svc.url, { count: 1, maxBytes: 1024 }).start();
    assert.match(small.message!, /over the 1024-byte limit/);
  });
});

describe('watch: a service without the goroutineleak profile, and one that goes away', function () {
  this.timeout(180_000);

  it('asks for goroutineleak once, and goes on without it', async () => {
    const svc = await startService({ leakProfile: false });
    try {
      const w = watcher(svc.url, { count: 2 });
      const status = await w.start();
      assert.equal(status.phase, 'done', status.message);
      assert.equal(status.leakProfile, 'not served');
      assert.ok(w.series().every((p) => p.leakedGoroutines === undefined && p.goroutines! > 0));
    } finally {
      await svc.stop();
    }
  });

  it('a service that dies: polls fail, the last point is the error, and the watch ends after maxFailures', async () => {
    const svc = await startService();
    const w = watcher(svc.url, { maxFailures: 2 });
    const phases: string[] = [];
    w.onChange = (x) => {
      const st = x.status();
      if (phases.at(-1) !== st.phase) phases.push(st.phase);
      if (st.polls === 2 && svc.proc.exitCode === null && svc.proc.signalCode === null) void svc.stop();
    };
    const status = await w.start();
    assert.equal(status.phase, 'failed');
    assert.equal(status.polls, 2);
    assert.match(status.message!, /Connection refused .*\(2 polls failed in a row; stopped\)/);
    assert.deepEqual(phases, ['starting', 'watching', 'retrying', 'failed']);
    const s = w.series();
    assert.equal(s.length, 4);
    assert.match(s.at(-1)!.error!, /Connection refused/);
    assert.ok(w.growth(), 'the growth up to the last snapshot stays available');
  });
});

describe('go-memory-insight watch', function () {
  this.timeout(180_000);
  let svc: RunningService;
  before(async () => {
    svc = await startService({ leakProfile: true, args: ['-rate', '1', '-leak-every', '200ms'] });
  });
  after(() => svc?.stop());

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: Readable.from([]), cwd: process.cwd(), env: process.env };
    const code = await main(['watch', ...args], io);
    return { code, out, err };
  }

  it('prints the series and the top growth as JSON', async () => {
    const { code, out, err } = await cli([svc.addr, '--interval', '1s', '--count', '2', '--top', '3', '--json']);
    assert.equal(code, 0, err);
    const r = JSON.parse(out) as { base: string; status: string; leakProfile: string; series: { inuseBytes: number; leakedGoroutines: number }[]; growth: { rows: { function: string; growthBytes: number }[]; growthBytes: number } };
    assert.equal(r.base, `${svc.url}/debug/pprof/`);
    assert.equal(r.status, 'done');
    assert.equal(r.leakProfile, 'served');
    assert.equal(r.series.length, 2);
    assert.ok(r.series[1]!.leakedGoroutines > r.series[0]!.leakedGoroutines, 'the timer leaked goroutines between the snapshots');
    assert.ok(r.growth.rows.length <= 3);
    assert.equal(r.growth.rows[0]!.function, 'main.retainBuffers');
    assert.equal(r.growth.rows[0]!.growthBytes % LEAK_BUFFER_SIZE, 0);
    assert.equal(r.growth.growthBytes, r.series[1]!.inuseBytes - r.series[0]!.inuseBytes);
  });

  it('prints a line per snapshot and the growth table; fails with one line when nobody listens', async () => {
    const { code, out } = await cli([svc.url, '--interval', '1s', '--count', '2', '--top', '2']);
    assert.equal(code, 0);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d {2}in use +[\d.]+ (KiB|MiB) +\d+ goroutines {2}\d+ leaked$/);
    assert.match(lines[1]!, /^\d\d:\d\d:\d\d {2}in use /);
    assert.match(out, /\n {2}\+[\d.]+ KiB +[\d.]+ KiB {2}main\.retainBuffers .*main\.go:\d+\n/);
    const port = await closedPort();
    const failed = await cli([`127.0.0.1:${port}`, '--count', '1']);
    assert.equal(failed.code, 1);
    assert.match(failed.err, /^go-memory-insight watch: Connection refused at 127\.0\.0\.1:\d+/);
    const bad = await cli([svc.url, '--interval', 'often']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--interval: expected a duration/);
  });
});
