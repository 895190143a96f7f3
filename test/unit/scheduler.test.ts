import * as assert from 'node:assert/strict';
import { KeyedScheduler } from '../../src/server/escape/scheduler';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedScheduler', () => {
  it('debounces: only the last of several quick requests runs', async () => {
    const s = new KeyedScheduler<string>(() => 20);
    const ran: string[] = [];
    const finished = deferred<string>();
    for (const name of ['a', 'b', 'c']) {
      s.schedule('pkg', { run: async () => (ran.push(name), name), done: (r) => finished.resolve(r), failed: () => undefined });
    }
    assert.equal(await finished.promise, 'c');
    assert.deepEqual(ran, ['c']);
  });

  it('a newer run aborts the older one and only the newer result is delivered', async () => {
    const s = new KeyedScheduler<string>(() => 0);
    const delivered: string[] = [];
    let firstSignal: AbortSignal | undefined;
    const gate = deferred<void>();
    const second = deferred<void>();
    s.schedule('pkg', {
      run: async (signal) => {
        firstSignal = signal;
        await gate.promise;
        return 'old';
      },
      done: (r) => delivered.push(r),
      failed: () => undefined,
    });
    s.schedule('pkg', { run: async () => 'new', done: (r) => { delivered.push(r); second.resolve(); }, failed: () => undefined });
    await second.promise;
    gate.resolve();
    await new Promise((r) => setImmediate(r));
    assert.equal(firstSignal?.aborted, true);
    assert.deepEqual(delivered, ['new']);
  });

  it('keys are independent', async () => {
    const s = new KeyedScheduler<string>(() => 0);
    const got = new Set<string>();
    const both = deferred<void>();
    for (const k of ['p1', 'p2']) {
      s.schedule(k, { run: async () => k, done: (r) => { got.add(r); if (got.size === 2) both.resolve(); }, failed: () => undefined });
    }
    await both.promise;
    assert.deepEqual([...got].sort(), ['p1', 'p2']);
  });

  it('reports failures of the newest run', async () => {
    const s = new KeyedScheduler<string>(() => 0);
    const failed = deferred<unknown>();
    s.schedule('pkg', { run: async () => { throw new Error('boom'); }, done: () => undefined, failed: (e) => failed.resolve(e) });
    assert.match(String(await failed.promise), /boom/);
    assert.equal(s.isBusy('pkg'), false);
  });
});
