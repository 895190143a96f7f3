import * as assert from 'node:assert/strict';
import { addToHistory, entryFiles, limitHistory, newHistoryId, readHistory, removeFromHistory, type HistoryEntry } from '../../src/profiling/history';

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
});
