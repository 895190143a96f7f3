// `pprof fetch --parca` against a real Parca (v0.28.0, built by scripts/setup-parca.sh, which
// .ci/run runs before the tests and then sets GMI_REQUIRE_PARCA=1 so a missing binary fails
// there instead of skipping) scraping a Go service's net/http/pprof.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectEngine, fetchMergedProfile, labelNames, labelValues, profileTypes, type Engine } from '../../src/fleet/client';
import { FleetError } from '../../src/fleet/http';
import { parseQuery } from '../../src/fleet/query';
import { parcaBinary, startParca, waitFor, type ParcaRun } from './parcaFixture';
import { pprofTop } from './pprofFixtures';
import { runCli, type CliRun } from './cliRun';

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, cwd, { env });
}

const INUSE = 'memory:inuse_space:bytes:space:bytes';

describe('fleet: Parca (a real server scraping a Go service)', function () {
  this.timeout(240_000);
  let parca: ParcaRun | undefined;

  before(async function () {
    if (!existsSync(parcaBinary())) {
      if (process.env.GMI_REQUIRE_PARCA) throw new Error(`Parca is not built at ${parcaBinary()} (scripts/setup-parca.sh)`);
      console.log(`      (skipped: no Parca binary at ${parcaBinary()}; build it with scripts/setup-parca.sh, as .ci/run does)`);
      this.skip();
    }
    parca = await startParca();
  });
  after(async () => {
    await parca?.stop();
  });

  it('lists the scraped types and labels, and pprof fetch --parca writes a merged heap profile that go tool pprof reads with the same totals', async () => {
    const p = parca!;
    const e: Engine = { kind: 'parca', server: { url: new URL(p.url) } };
    const window = () => ({ startMs: Date.now() - 10 * 60_000, endMs: Date.now() + 1000 });
    // Wait for samples: Parca answers once it has scraped the service at least once.
    const first = await waitFor(async () => {
      try {
        return await fetchMergedProfile(e, parseQuery(`${INUSE}{job="svc"}`), window());
      } catch (err) {
        if (err instanceof FleetError) return undefined;
        throw err;
      }
    }, `Parca to have samples (log: ${p.log().slice(-2000)})`, 120_000);
    assert.equal(first.api, 'parca.query.v1alpha1.QueryService/Query');
    assert.deepEqual(first.profile.sampleTypes.map((t) => `${t.type}/${t.unit}`), ['inuse_space/bytes']);

    assert.equal(await detectEngine(e.server), 'parca', 'the editor finds the engine by asking');
    const types = (await profileTypes(e, window())).map((t) => t.id);
    for (const t of [INUSE, 'memory:alloc_space:bytes:space:bytes', 'memory:alloc_objects:count:space:bytes', 'memory:inuse_objects:count:space:bytes']) assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
    const names = await labelNames(e, INUSE, window());
    assert.ok(names.includes('job') && names.includes('instance'), names.join(', '));
    assert.deepEqual(await labelValues(e, INUSE, 'job', window()), ['svc']);
    assert.deepEqual(await labelValues(e, INUSE, 'instance', window()), [p.target]);

    const r = await cli(['pprof', 'fetch', '--parca', p.url, '--query', `${INUSE}{job="svc",instance="${p.target}"}`, '--from', 'now-10m', '--to', 'now', '-o', 'merged.pb.gz'], p.dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /wrote merged\.pb\.gz \(\d+ KiB, inuse_space [\d.]+ ?[KMG]?i?B\) from Parca 127\.0\.0\.1:\d+ · memory:inuse_space:bytes:space:bytes\{job="svc",instance="127\.0\.0\.1:\d+"\} · .* UTC via parca\.query\.v1alpha1\.QueryService\/Query/);
    const file = join(p.dir, 'merged.pb.gz');
    const want = await pprofTop(file, 'inuse_space', 'B', p.dir);
    const top = await cli(['pprof', 'top', file, '--json'], p.dir);
    assert.equal(top.code, 0, top.err);
    const got = JSON.parse(top.out) as { sampleType: string; total: number; rows: Array<{ function: string; flat: number; cum: number }> };
    assert.equal(got.sampleType, 'inuse_space');
    assert.ok(want.total > 0, 'the service keeps heap alive: the merged profile has some');
    assert.equal(got.total, want.total);
    // The service's 100 × 64 KiB kept alive are allocated in main.main.
    const mainRow = got.rows.find((row) => row.function === 'main.main');
    assert.ok(mainRow && mainRow.flat > 0, `main.main in ${got.rows.map((x) => x.function).join(', ')}`);
    assert.equal(mainRow.flat, want.rows.get('main.main')!.flat);
    for (const row of got.rows) {
      const w = want.rows.get(row.function);
      if (w) assert.equal(row.cum, w.cum, row.function);
    }
  });

  it('says when nothing matches, and what the server answered when it is not the API asked for', async () => {
    const p = parca!;
    const none = await cli(['pprof', 'fetch', '--parca', p.url, '--query', `${INUSE}{job="nobody"}`, '--since', '5m', '-o', 'x.pb.gz'], p.dir);
    assert.equal(none.code, 1);
    assert.match(none.err, /^go-memory-insight pprof: Parca has no samples for memory:inuse_space:bytes:space:bytes\{job="nobody"\} in .* UTC: check the labels and the window/);
    const prefixed = await cli(['pprof', 'fetch', '--parca', `${p.url}/elsewhere`, '--query', INUSE, '--since', '5m', '-o', 'x.pb.gz'], p.dir);
    assert.equal(prefixed.code, 1);
    assert.match(prefixed.err, /Parca at 127\.0\.0\.1:\d+ answered 404: 404 page not found \(is this a Parca server\? the API is under \/api\)/);
    const wrongKind = await cli(['pprof', 'fetch', '--pyroscope', p.url, '--query', INUSE, '--since', '5m', '-o', 'x.pb.gz'], p.dir);
    assert.equal(wrongKind.code, 1);
    assert.match(wrongKind.err, /Pyroscope at 127\.0\.0\.1:\d+ answered 404: 404 page not found \(is this a Pyroscope server\?\)/);
    assert.equal(existsSync(join(p.dir, 'x.pb.gz')), false, 'nothing written');
  });
});
