import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProfileData } from '../../src/pprof/decode';
import { flatTable } from '../../src/pprof/tree';
import type { ProfileData } from '../../src/shared/profileData';
import { buildGoTestArgs } from '../../src/profiling/goTestArgs';
import { aggregateLines, callPathsThrough, formatLineAnnotation, heaviestLines, sampleTypeLabel, shortFuncName } from '../../src/profiling/lines';
import { copyFixture, markerLine, runGo } from './profilingFixture';

describe('profiling: allocations per source line, on a real heap profile', function () {
  this.timeout(180000);
  let fx: ReturnType<typeof copyFixture>;
  let profile: string;
  let data: ProfileData;
  let allocSpace: number;
  let records: string;
  let heaviest: number;
  const inFixture = (file: string): boolean => file.startsWith(fx.dir + path.sep);

  before(async () => {
    fx = copyFixture();
    profile = path.join(path.dirname(fx.dir), 'mem.pprof');
    // Every allocation sampled, so the figures are exact.
    const args = buildGoTestArgs({ target: { kind: 'benchmark', name: 'BenchmarkBuild' }, memProfile: profile, memProfileRate: 1, testFlags: ['-benchtime=50x'] });
    const res = await runGo(fx.dir, args);
    assert.equal(res.exitCode, 0, res.stdout + res.stderr);
    data = await readProfileData(profile);
    allocSpace = data.sampleTypes.findIndex((t) => t.type === 'alloc_space');
    assert.ok(allocSpace >= 0, JSON.stringify(data.sampleTypes));
    records = path.join(fx.dir, 'records.go');
    heaviest = markerLine(records, 'ALLOC-HEAVIEST');
  });
  after(() => fx.cleanup());

  it('puts the heaviest line of the workspace where the fixture says', () => {
    const agg = aggregateLines(data, allocSpace, { include: inFixture });
    const top = heaviestLines(agg, 3);
    assert.deepEqual([top[0].file, top[0].line], [records, heaviest]);
    // 50 iterations × 64 records × a 4 KiB payload, at least (the size class may round up).
    assert.ok(top[0].value >= 50 * 64 * 4096, `${top[0].value}`);
    // Every attributed line is in the fixture, and the other allocating lines are there too.
    for (const file of agg.byFile.keys()) assert.ok(inFixture(file), file);
    const lines = heaviestLines(agg).filter((l) => l.file === records).map((l) => l.line);
    for (const marker of ['ALLOC: the record', 'ALLOC: the slice of pointers']) assert.ok(lines.includes(markerLine(records, marker)), marker);
    assert.ok(agg.attributed <= agg.total);
  });

  it('agrees with go tool pprof -lines on the value of that line', async () => {
    const agg = aggregateLines(data, allocSpace);
    const res = await runGo(fx.dir, ['tool', 'pprof', '-sample_index=alloc_space', '-lines', '-top', '-unit=B', '-nodecount=1', profile]);
    assert.equal(res.exitCode, 0, res.stderr);
    const m = new RegExp(String.raw`^\s*(\d+)B\s.*records\.go:${heaviest}\s*$`, 'm').exec(res.stdout);
    assert.ok(m, res.stdout);
    assert.equal(agg.byFile.get(records)?.get(heaviest), Number(m[1]));
    // Without a filter every sample lands on its leaf line: nothing is lost.
    assert.equal(agg.attributed, agg.total);
  });

  it('attributes allocations made in the runtime or the standard library to the calling workspace line', () => {
    const all = aggregateLines(data, allocSpace);
    const mine = aggregateLines(data, allocSpace, { include: inFixture });
    assert.equal(mine.total, all.total);
    // Per workspace line, at least what pprof counts as flat there (more when a std/runtime
    // callee allocated on its behalf, e.g. strconv.Itoa and string concatenation).
    let flatInFixture = 0;
    for (const row of flatTable(data, allocSpace)) if (inFixture(data.funcFile[row.func])) flatInFixture += row.flat;
    assert.ok(mine.attributed >= flatInFixture, `${mine.attributed} < ${flatInFixture}`);
    const nameLine = markerLine(records, 'ALLOC: the name');
    assert.ok((mine.byFile.get(records)?.get(nameLine) ?? 0) > (all.byFile.get(records)?.get(nameLine) ?? 0), 'the name is built by runtime/strconv callees');
  });

  it('lists the heaviest call paths through a line, root first', () => {
    const paths = callPathsThrough(data, allocSpace, records, heaviest, 3);
    const line = aggregateLines(data, allocSpace).byFile.get(records)!.get(heaviest)!;
    assert.equal(paths.through, line, 'nothing is called from the payload line, so through = its own value');
    assert.ok(paths.paths.length >= 1 && paths.paths.length <= 3);
    const names = paths.paths[0].frames.map((f) => shortFuncName(f.func));
    assert.deepEqual(names.slice(-3), ['profiling.BenchmarkBuild', 'profiling.Build', 'profiling.makeRecord']);
    assert.equal(paths.paths[0].frames.at(-1)!.line, heaviest);
    for (let i = 1; i < paths.paths.length; i++) assert.ok(paths.paths[i - 1].value >= paths.paths[i].value);
    assert.ok(paths.paths.reduce((s, p) => s + p.value, 0) <= paths.through);

    // The call site in Build: everything makeRecord allocates goes through it.
    const callSite = markerLine(records, 'makeRecord(i)');
    const through = callPathsThrough(data, allocSpace, records, callSite, 5);
    assert.ok(through.through > line);
    assert.equal(callPathsThrough(data, allocSpace, records, 9999).through, 0);
  });

  it('formats the annotation with the sample type shown', () => {
    const t = data.sampleTypes[allocSpace];
    assert.match(formatLineAnnotation(3 * 1024 ** 3 / 2, 4 * 1024 ** 3, t), /^▲ 1\.5 GiB alloc · 37\.5%$/);
    assert.equal(sampleTypeLabel('inuse_space'), 'in use');
    assert.equal(sampleTypeLabel('alloc_objects'), 'allocs');
    assert.equal(shortFuncName('github.com/a/b.(*T).Method'), 'b.(*T).Method');
    assert.equal(shortFuncName('main.main'), 'main.main');
  });

  it('rejects a sample index the profile does not have', () => {
    assert.throws(() => aggregateLines(data, data.sampleTypes.length), /out of range/);
    assert.throws(() => callPathsThrough(data, -1, records, 1), /out of range/);
  });

  it('the profile file is what go wrote', () => {
    assert.ok(fs.statSync(profile).size > 0);
  });
});
