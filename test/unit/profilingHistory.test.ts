import * as assert from 'node:assert/strict';
import { addToHistory, compareChoices, describeBenches, entryFiles, historyBenches, limitHistory, newHistoryId, readHistory, removeFromHistory, type HistoryEntry } from '../../src/profiling/history';
import { parseBenchLine } from '../../src/profiling/bench';

function entry(id: string, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return { id, time: 1, command: 'Profile benchmark', target: 'BenchmarkX', packageDir: '/w/p', memProfile: `/s/${id}.mem.pprof`, sampleTypes: ['alloc_space'], ...extra };
}

describe('profiling: history', () => {
  it('adds newest first and drops the oldest beyond the limit', () => {
    let list: HistoryEntry[] = [];
    const dropped: HistoryEntry[] = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      const u = addToHistory(list, entry(id), 3);
      list = u.kept;
      dropped.push(...u.dropped);
    }
    assert.deepEqual(list.map((e) => e.id), ['d', 'c', 'b']);
    assert.deepEqual(dropped.map((e) => e.id), ['a']);
    assert.deepEqual(entryFiles(dropped), ['/s/a.mem.pprof']);
  });

  it('removes one entry, re-limits, and lists both profile files of an entry', () => {
    const list = [entry('a', { cpuProfile: '/s/a.cpu.pprof' }), entry('b'), entry('c')];
    const r = removeFromHistory(list, 'a');
    assert.deepEqual(r.kept.map((e) => e.id), ['b', 'c']);
    assert.deepEqual(entryFiles(r.dropped), ['/s/a.mem.pprof', '/s/a.cpu.pprof']);
    assert.deepEqual(limitHistory(list, 1).dropped.map((e) => e.id), ['b', 'c']);
    assert.deepEqual(limitHistory(list, 0).kept.map((e) => e.id), ['a'], 'keeps at least one');
  });

  it('reads back only well-formed entries from storage', () => {
    const raw = [entry('ok'), { id: 3 }, null, 'x', { id: 'partial', time: 5, packageDir: '/p', sampleTypes: ['a', 1] }];
    const read = readHistory(raw);
    assert.deepEqual(read.map((e) => e.id), ['ok', 'partial']);
    assert.deepEqual(read[1].sampleTypes, ['a']);
    assert.equal(read[1].command, 'Profile');
    assert.deepEqual(readHistory(undefined), []);
    assert.deepEqual(readHistory({ not: 'a list' }), []);
  });

  it('makes ids that sort by time', () => {
    const a = newHistoryId(new Date(2026, 0, 2, 3, 4, 5), 0.5);
    const b = newHistoryId(new Date(2026, 0, 2, 3, 4, 6), 0.1);
    assert.equal(a, '20260102-030405-8000');
    assert.ok(a < b);
  });

  it('keeps b.N and the per-op figures of benchmark runs, and reads entries from before they were kept', () => {
    const r = parseBenchLine('BenchmarkBuildSizes/small-8 17004 72902 ns/op 33280 B/op 25 allocs/op 3.5 MB/s')!;
    const benches = historyBenches([r]);
    assert.deepEqual(benches, [{ name: 'BenchmarkBuildSizes/small', func: 'BenchmarkBuildSizes', iterations: 17004, nsPerOp: 72902, bytesPerOp: 33280, allocsPerOp: 25, usesLoop: undefined }]);
    assert.equal(historyBenches([r], new Set(['BenchmarkBuildSizes']))[0]!.usesLoop, true);
    const stored = JSON.parse(JSON.stringify([entry('a', { benchmarks: benches, benchtime: '100ms' }), entry('old')])) as unknown;
    const [a, old] = readHistory(stored);
    assert.deepEqual(a!.benchmarks, benches);
    assert.equal(a!.benchtime, '100ms');
    assert.equal(old!.benchmarks, undefined);
    // Broken benchmark records are dropped, not trusted.
    const [bad] = readHistory([{ ...entry('b'), benchmarks: [{ name: 'X' }, { name: 'BenchmarkY', func: 'BenchmarkY', iterations: -1 }, 'x'] }]);
    assert.equal(bad!.benchmarks, undefined);
    assert.equal(describeBenches(benches), 'BenchmarkBuildSizes/small 17,004 ops · 33,280 B/op');
    assert.equal(describeBenches(undefined), undefined);
  });

  it('offers the history first and Browse… last when comparing; for the base, earlier runs of the same target first', () => {
    const list = [
      entry('n', { target: 'BenchmarkX' }),
      entry('t', { target: 'all tests' }),
      entry('x1', { target: 'BenchmarkX' }),
      entry('gone', { target: 'BenchmarkX', memProfile: undefined }),
      entry('other', { target: 'BenchmarkX', packageDir: '/w/q' }),
      entry('x2', { target: 'BenchmarkX' }),
    ];
    const ids = (cs: ReturnType<typeof compareChoices>): string[] => cs.map((c) => (c.kind === 'entry' ? c.entry.id : 'Browse…'));
    assert.deepEqual(ids(compareChoices(list)), ['n', 't', 'x1', 'other', 'x2', 'Browse…']);
    assert.deepEqual(ids(compareChoices(list, list[0])), ['x1', 'x2', 't', 'other', 'Browse…']);
    assert.deepEqual(ids(compareChoices([])), ['Browse…']);
  });
});
