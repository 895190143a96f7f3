// The Pyroscope client and `pprof fetch --pyroscope` against test/harness/pyroscope/server.ts,
// a local server of Pyroscope's Connect querier API (Pyroscope itself cannot be installed
// here), serving real heap profiles written by `go test`. Totals are checked with go tool pprof.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { detectEngine, fetchMergedProfile, labelNames, labelValues, profileTypes, type Engine } from '../../src/fleet/client';
import { parseQuery } from '../../src/fleet/query';
import { FleetError } from '../../src/fleet/http';
import { startFakePyroscope, type FakePyroscope } from '../harness/pyroscope/server';
import { goProfiles, pprofTop, type GoProfiles } from './pprofFixtures';
import { runCli, type CliRun } from './cliRun';

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, cwd, { env });
}

const ALLOC = 'memory:alloc_space:bytes:space:bytes';

describe('fleet: Pyroscope (local Connect server)', function () {
  this.timeout(180_000);
  let g: GoProfiles;
  const now = Date.now();
  const stored = () => [
    { labels: { service_name: 'svc-a', pod: 'a-1' }, timeMs: now - 30 * 60_000, pprof: g.memBytes },
    { labels: { service_name: 'svc-b', pod: 'b-1' }, timeMs: now - 10 * 60_000, pprof: g.memAllocBytes },
    // Outside a 45-minute window:
    { labels: { service_name: 'svc-a', pod: 'a-2' }, timeMs: now - 2 * 3_600_000, pprof: g.memAllocBytes },
  ];
  const window = { startMs: now - 45 * 60_000, endMs: now };
  let fake: FakePyroscope | undefined;

  before(async () => {
    g = await goProfiles();
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('lists profile types, label names and values for the pickers', async () => {
    fake = await startFakePyroscope({ profiles: stored() });
    const e: Engine = { kind: 'pyroscope', server: { url: new URL(fake.url) } };
    assert.equal(await detectEngine(e.server), 'pyroscope');
    const types = await profileTypes(e, window);
    assert.deepEqual(types.map((t) => t.id).sort(), ['memory:alloc_objects:count:space:bytes', ALLOC, 'memory:inuse_objects:count:space:bytes', 'memory:inuse_space:bytes:space:bytes']);
    assert.deepEqual(types.find((t) => t.id === ALLOC), { id: ALLOC, name: 'memory', sampleType: 'alloc_space', sampleUnit: 'bytes', periodType: 'space', periodUnit: 'bytes' });
    assert.deepEqual(await labelNames(e, ALLOC, window), ['__name__', '__profile_type__', 'pod', 'service_name']);
    assert.deepEqual(await labelValues(e, ALLOC, 'service_name', window), ['svc-a', 'svc-b']);
    assert.deepEqual(await labelValues(e, ALLOC, 'pod', window), ['a-1', 'b-1'], 'a-2 is outside the window');
    const lv = fake.requests.find((r) => r.method === 'LabelValues')!;
    assert.equal(lv.contentType, 'application/json');
    assert.deepEqual(lv.message.matchers, [`{__profile_type__="${ALLOC}"}`]);
    assert.equal(lv.message.start, String(window.startMs));
  });

  it('pprof fetch --pyroscope writes the merged profile: its total is the sum of the series in the window, as go tool pprof reads them', async () => {
    fake = await startFakePyroscope({ profiles: stored(), authorization: 'Bearer s3cret', tenant: 'team-a' });
    const r = await cli(['pprof', 'fetch', '--pyroscope', fake.url, '--query', `${ALLOC}{service_name=~"svc-.*"}`, '--since', '45m', '--tenant', 'team-a', '-o', 'merged.pb.gz'], g.dir, { GMI_FLEET_TOKEN: 's3cret' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /wrote merged\.pb\.gz \(\d+ KiB, alloc_space [\d.]+ ?[KMG]?i?B\) from Pyroscope 127\.0\.0\.1:\d+ · memory:alloc_space:bytes:space:bytes\{service_name=~"svc-\.\*"\} · .* UTC via querier\.v1\.QuerierService\/SelectMergeStacktraces/);
    const merged = readFileSync(join(g.dir, 'merged.pb.gz'));
    assert.deepEqual([...merged.subarray(0, 2)], [0x1f, 0x8b], 'written gzip\'d');
    const got = await pprofTop('merged.pb.gz', 'alloc_space', 'B', g.dir);
    const a = await pprofTop(g.mem, 'alloc_space', 'B', g.dir);
    const b = await pprofTop(g.memAlloc, 'alloc_space', 'B', g.dir);
    assert.ok(a.total > 0 && b.total > 0);
    assert.equal(got.total, a.total + b.total);
    // Functions merged by name across the two series: each one's flat is the sum of its flats.
    for (const [fn, row] of got.rows) assert.equal(row.flat, (a.rows.get(fn)?.flat ?? 0) + (b.rows.get(fn)?.flat ?? 0), fn);
    const req = fake.requests.find((x) => x.method === 'SelectMergeStacktraces')!;
    assert.equal(req.contentType, 'application/proto');
    assert.equal(req.authorization, 'Bearer s3cret');
    assert.equal(req.tenant, 'team-a');
    assert.equal(req.message.format, 'PROFILE_FORMAT_PPROF');
    assert.equal(req.message.profileTypeID, ALLOC);
    assert.equal(req.message.labelSelector, '{service_name=~"svc-.*"}');
    assert.ok(Math.abs(Number(req.message.end) - Date.now()) < 60_000 && Number(req.message.end) - Number(req.message.start) === 45 * 60_000);
    assert.equal(fake.requests.some((x) => x.method === 'SelectMergeProfile'), false, 'no fallback on a v2.2 server');
  });

  it('falls back to SelectMergeProfile on a server before v2.2, with the same profile', async () => {
    fake = await startFakePyroscope({ profiles: stored(), legacy: true });
    const e: Engine = { kind: 'pyroscope', server: { url: new URL(fake.url) } };
    const got = await fetchMergedProfile(e, parseQuery(`${ALLOC}{service_name="svc-b"}`), window);
    assert.equal(got.api, 'querier.v1.QuerierService/SelectMergeProfile');
    assert.deepEqual(fake.requests.map((r) => r.method), ['SelectMergeStacktraces', 'SelectMergeProfile']);
    assert.deepEqual(got.profile.sampleTypes.map((t) => t.type), ['alloc_space']);
    let total = 0;
    for (const v of got.profile.sampleValues) total += v;
    assert.equal(total, (await pprofTop(g.memAlloc, 'alloc_space', 'B', g.dir)).total);
    const fns = got.profile.functions.map((f) => `${f.name} ${f.file}`);
    assert.equal(new Set(fns).size, fns.length, 'each function once, as Pyroscope merges by symbol');
    assert.match(got.title, /^Pyroscope 127\.0\.0\.1:\d+ · memory:alloc_space:bytes:space:bytes\{service_name="svc-b"\} · /);
  });

  it('reports the server\'s own words: wrong credentials, a bad selector, no data', async () => {
    fake = await startFakePyroscope({ profiles: stored(), authorization: 'Basic ' + Buffer.from('u:p').toString('base64') });
    const bad = await cli(['pprof', 'fetch', '--pyroscope', fake.url, '--query', ALLOC, '-o', 'x.pb.gz'], g.dir, { GMI_FLEET_BASIC_AUTH: 'u:wrong' });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Pyroscope at 127\.0\.0\.1:\d+ answered unauthenticated: invalid credentials \(check the credentials/);
    const e: Engine = { kind: 'pyroscope', server: { url: new URL(fake.url), auth: { kind: 'basic', user: 'u', password: 'p' } } };
    await assert.rejects(fetchMergedProfile(e, parseQuery(`${ALLOC}{service_name="nobody"}`), window), (err: unknown) => err instanceof FleetError && /^Pyroscope has no samples for memory:alloc_space:bytes:space:bytes\{service_name="nobody"\} in .* UTC: check the labels/.test(err.message));
    const usage = await cli(['pprof', 'fetch', '--pyroscope', fake.url, '--query', 'memory{x="1"}', '-o', 'x.pb.gz'], g.dir);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--query: profile type "memory" is not of the form/);
    const both = await cli(['pprof', 'fetch', '--pyroscope', fake.url, '--parca', fake.url, '--query', ALLOC, '-o', 'x'], g.dir);
    assert.equal(both.code, 2);
    assert.match(both.err, /give one server/);
  });
});
