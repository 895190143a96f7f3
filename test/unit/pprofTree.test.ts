import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { buildTree, callersCallees, diffTree, flatTable, heaviestNodeOf, matchTotals, nodeName, OTHER_FUNC, ROOT_FUNC, sampleTotal, walkTree } from '../../src/pprof/tree';
import type { ProfileData } from '../../src/shared/profileData';
import type { FlameNode, FlameTree } from '../../src/shared/flameTree';
import { compilePattern, type Pattern } from '../../src/pprof/pattern';
import { goProfiles, pprofTop, type PprofTop } from './pprofFixtures';

function pattern(source: string): Pattern {
  const r = compilePattern(source);
  if (!r.ok) throw new Error(r.error);
  return r.pattern;
}

function checkTree(tree: FlameTree): void {
  let count = 0;
  let maxDepth = 0;
  walkTree(tree.root, (n, depth) => {
    count++;
    maxDepth = Math.max(maxDepth, depth);
    let sum = n.self;
    let baseSum = n.baseSelf ?? 0;
    for (let i = 0; i < n.children.length; i++) {
      const c = n.children[i]!;
      assert.equal(c.parent, n, 'parent link');
      sum += c.total;
      baseSum += c.baseTotal ?? 0;
      if (i > 0) assert.ok(n.children[i - 1]!.total >= c.total, 'children heaviest first');
    }
    assert.equal(n.total, sum, `total = self + children at ${nodeName(tree.data, n)}`);
    if (n.baseTotal !== undefined) assert.equal(n.baseTotal, baseSum);
  });
  assert.equal(count, tree.nodeCount);
  assert.equal(maxDepth, tree.maxDepth);
  assert.equal(tree.total, tree.root.total);
  assert.equal(tree.root.func, ROOT_FUNC);
  assert.equal(tree.root.parent, null);
}

/** Per function: sum of self over its nodes, and of total over its outermost nodes. */
function perFunction(tree: FlameTree): Map<number, { flat: number; cum: number }> {
  const out = new Map<number, { flat: number; cum: number }>();
  const visit = (n: FlameNode, onStack: Set<number>) => {
    if (n.func >= 0) {
      const e = out.get(n.func) ?? { flat: 0, cum: 0 };
      e.flat += n.self;
      if (!onStack.has(n.func)) e.cum += n.total;
      out.set(n.func, e);
    }
    const added = n.func >= 0 && !onStack.has(n.func);
    if (added) onStack.add(n.func);
    for (const c of n.children) visit(c, onStack);
    if (added) onStack.delete(n.func);
  };
  visit(tree.root, new Set());
  return out;
}

function assertMatchesPprof(data: ProfileData, index: number, want: PprofTop, rows = flatTable(data, index)): void {
  const got = new Map(rows.map((r) => [data.funcName[r.func]!, { flat: r.flat, cum: r.cum }]));
  assert.deepEqual(got, want.rows);
}

function pathValues(tree: FlameTree): Map<string, { total: number; self: number }> {
  const out = new Map<string, { total: number; self: number }>();
  const visit = (n: FlameNode, path: string) => {
    out.set(path, { total: n.total, self: n.self });
    for (const c of n.children) visit(c, `${path};${nodeName(tree.data, c)}`);
  };
  visit(tree.root, 'root');
  return out;
}

/** matchTotals and heaviestNodeOf against a walk of the tree's nodes (which makes them all). */
function checkSearch(tree: FlameTree, match: Uint8Array): void {
  const fresh = matchTotals(tree, match);
  let frames = 0;
  let total = 0;
  let baseTotal = 0;
  // Per function: the heaviest of its frames that have no frame of it above them.
  const best = new Map<number, number>();
  const onPath = new Set<number>();
  const visit = (n: FlameNode, under: boolean) => {
    const m = n.func >= 0 && match[n.func] === 1;
    if (m) {
      frames++;
      if (!under) {
        total += n.total;
        baseTotal += n.baseTotal ?? 0;
      }
      if (!onPath.has(n.func)) best.set(n.func, Math.max(best.get(n.func) ?? -Infinity, n.total));
    }
    const added = n.func >= 0 && !onPath.has(n.func);
    if (added) onPath.add(n.func);
    for (const c of n.children) visit(c, under || m);
    if (added) onPath.delete(n.func);
  };
  visit(tree.root, false);
  assert.deepEqual(fresh, { frames, total, baseTotal });
  for (let f = 0; f < match.length; f++) {
    if (!match[f]) continue;
    const node = heaviestNodeOf(tree, f);
    assert.equal(node?.total, best.get(f), `heaviest node of ${tree.data.funcName[f]}`);
    if (!node) continue;
    assert.equal(node.func, f);
    // It is the tree's own node, reached from the root, with no frame of f above it.
    let n: FlameNode = node;
    while (n.parent) {
      assert.ok(n.parent.children.includes(n), 'a child of its parent');
      n = n.parent;
      assert.notEqual(n.func, f);
    }
    assert.equal(n, tree.root);
  }
}

describe('pprof call trees', function () {
  this.timeout(180_000);

  it('flatTable equals go tool pprof -top for every sample type of a heap and a CPU profile', async () => {
    const g = await goProfiles();
    for (const [file, bytes, unit] of [[g.mem, g.memBytes, 'B'], [g.cpu, g.cpuBytes, 'ns']] as const) {
      const data = toProfileData(decodeProfile(bytes), file);
      for (let i = 0; i < data.sampleTypes.length; i++) {
        const want = await pprofTop(file, data.sampleTypes[i]!.type, unit, g.dir);
        assert.equal(sampleTotal(data, i), want.total, `${file} ${data.sampleTypes[i]!.type} total`);
        assertMatchesPprof(data, i, want);
      }
    }
  });

  it('focus, ignore and hide agree with go tool pprof', async () => {
    const g = await goProfiles();
    const cpu = toProfileData(decodeProfile(g.cpuBytes), 'cpu');
    const mem = toProfileData(decodeProfile(g.memBytes), 'mem');
    const focus = await pprofTop(g.cpu, 'cpu', 'ns', g.dir, ['-focus=workload\\.Spin$']);
    const focused = buildTree(cpu, { sampleIndex: 1, focus: pattern('workload\\.Spin$') });
    checkTree(focused);
    assert.equal(focused.total, focus.shown);
    assert.deepEqual(focused.root.children.map((c) => cpu.funcName[c.func]), ['example.com/workload.Spin']);
    assertMatchesPprof(cpu, 1, focus, flatTable(cpu, 1, { focus: pattern('workload\\.Spin$') }));

    const ignore = await pprofTop(g.mem, 'alloc_space', 'B', g.dir, ['-ignore=compress/flate']);
    const ignored = buildTree(mem, { sampleIndex: 1, ignore: pattern('compress/flate') });
    checkTree(ignored);
    assert.equal(ignored.total, ignore.shown);
    assertMatchesPprof(mem, 1, ignore, flatTable(mem, 1, { ignore: pattern('compress/flate') }));

    const hide = await pprofTop(g.mem, 'alloc_space', 'B', g.dir, ['-hide=workload\\.newPayload$']);
    assertMatchesPprof(mem, 1, hide, flatTable(mem, 1, { hide: pattern('workload\\.newPayload$') }));
    const hidden = buildTree(mem, { sampleIndex: 1, hide: pattern('workload\\.newPayload$') });
    checkTree(hidden);
    walkTree(hidden.root, (n) => assert.notEqual(nodeName(mem, n), 'example.com/workload.newPayload'));
    assert.equal(hidden.total, sampleTotal(mem, 1));
  });

  it('builds trees whose per-function self and outermost totals are pprof flat and cum, recursion included', async () => {
    const g = await goProfiles();
    for (const bytes of [g.memBytes, g.cpuBytes]) {
      const data = toProfileData(decodeProfile(bytes), 'p');
      for (let i = 0; i < data.sampleTypes.length; i++) {
        for (const byLine of [false, true]) {
          const tree = buildTree(data, { sampleIndex: i, byLine });
          checkTree(tree);
          assert.equal(tree.total, sampleTotal(data, i));
          const fromTree = perFunction(tree);
          for (const r of flatTable(data, i)) assert.deepEqual(fromTree.get(r.func), { flat: r.flat, cum: r.cum }, data.funcName[r.func]);
        }
      }
    }
    // The fixture really recurses: Spin calls Spin, Even calls Odd calls Even.
    const cpu = toProfileData(decodeProfile(g.cpuBytes), 'cpu');
    const spin = cpu.funcName.indexOf('example.com/workload.Spin');
    let nested = false;
    walkTree(buildTree(cpu, { sampleIndex: 1 }).root, (n) => {
      if (n.func === spin && n.parent?.func === spin) nested = true;
    });
    assert.ok(nested);
  });

  it('trims tiny nodes into "other" nodes without changing totals', async () => {
    const g = await goProfiles();
    const data = toProfileData(decodeProfile(g.memBytes), 'mem');
    const full = buildTree(data, { sampleIndex: 1 });
    const trimmed = buildTree(data, { sampleIndex: 1, minFraction: 0.01 });
    checkTree(trimmed);
    assert.equal(trimmed.total, full.total);
    assert.ok(trimmed.nodeCount < full.nodeCount);
    let others = 0;
    walkTree(trimmed.root, (n) => {
      if (n.func === OTHER_FUNC) {
        others++;
        assert.ok(n.merged! >= 1 && n.self === n.total && n.children.length === 0);
      } else if (n !== trimmed.root) assert.ok(n.total >= 0.01 * trimmed.total);
    });
    assert.ok(others > 0);
    // Kept nodes keep their values.
    const fullPaths = pathValues(full);
    for (const [path, v] of pathValues(trimmed)) if (!path.includes('other (')) assert.deepEqual(v, fullPaths.get(path), path);
  });

  it('diffs two real profiles by function name, keeping nodes that only the base has', async () => {
    const g = await goProfiles();
    const base = toProfileData(decodeProfile(g.memBytes), 'full run');
    const next = toProfileData(decodeProfile(g.memAllocBytes), 'TestAllocate only');
    const diff = diffTree(base, next, { sampleIndex: 1 });
    checkTree(diff);
    assert.equal(diff.root.total, sampleTotal(next, 1));
    assert.equal(diff.root.baseTotal, sampleTotal(base, 1));
    const nextPaths = pathValues(buildTree(next, { sampleIndex: 1 }));
    const basePaths = pathValues(buildTree(base, { sampleIndex: 1 }));
    const seen = new Set<string>();
    let onlyBase = 0;
    const visit = (n: FlameNode, path: string) => {
      seen.add(path);
      assert.equal(n.total, nextPaths.get(path)?.total ?? 0, path);
      assert.equal(n.baseTotal, basePaths.get(path)?.total ?? 0, path);
      assert.equal(n.self, nextPaths.get(path)?.self ?? 0, path);
      assert.equal(n.baseSelf, basePaths.get(path)?.self ?? 0, path);
      if (n.total === 0 && n.baseTotal! > 0) onlyBase++;
      for (const c of n.children) visit(c, `${path};${nodeName(diff.data, c)}`);
    };
    visit(diff.root, 'root');
    for (const p of [...nextPaths.keys(), ...basePaths.keys()]) assert.ok(seen.has(p), p);
    assert.ok(onlyBase > 0, 'the CPU profiler allocations appear only in the base');
    // A profile against itself: no change anywhere.
    walkTree(diffTree(next, next, { sampleIndex: 1 }).root, (n) => assert.equal(n.total, n.baseTotal));
  });

  it('builds the callers and callees of a recursive function over all its call sites', async () => {
    const g = await goProfiles();
    for (const [bytes, fn, idx] of [[g.cpuBytes, 'example.com/workload.Spin', 1], [g.memBytes, 'example.com/workload.Build', 1], [g.memBytes, 'example.com/workload.Odd', 0]] as const) {
      const data = toProfileData(decodeProfile(bytes), 'p');
      const f = data.funcName.indexOf(fn);
      assert.ok(f >= 0, fn);
      const { callers, callees } = callersCallees(data, f, idx);
      const cum = flatTable(data, idx).find((r) => r.func === f)!.cum;
      for (const t of [callers, callees]) {
        assert.equal(t.root.func, f);
        assert.equal(t.total, cum);
        walkTree(t.root, (n) => assert.equal(n.total, n.self + n.children.reduce((a, c) => a + c.total, 0)));
      }
      // Direct callers and callees, counted straight from the stacks.
      const callerSum = new Map<number, number>();
      const calleeSum = new Map<number, number>();
      for (let s = 0; s + 1 < data.stackStart.length; s++) {
        const v = data.values[idx]![s]!;
        const frames = data.stackFrames.slice(data.stackStart[s], data.stackStart[s + 1]).map((x) => data.frameFunc[x]!);
        const inner = frames.indexOf(f);
        if (inner < 0 || v === 0) continue;
        const outer = frames.lastIndexOf(f);
        if (inner + 1 < frames.length) callerSum.set(frames[inner + 1]!, (callerSum.get(frames[inner + 1]!) ?? 0) + v);
        if (outer > 0) calleeSum.set(frames[outer - 1]!, (calleeSum.get(frames[outer - 1]!) ?? 0) + v);
      }
      assert.deepEqual(new Map(callers.root.children.map((c) => [c.func, c.total])), callerSum);
      assert.deepEqual(new Map(callees.root.children.map((c) => [c.func, c.total])), calleeSum);
    }
  });

  it('counts search matches and finds the heaviest frame of a function like a walk of the whole tree', async () => {
    const g = await goProfiles();
    const mem = toProfileData(decodeProfile(g.memBytes), 'mem');
    const memAlloc = toProfileData(decodeProfile(g.memAllocBytes), 'mem-alloc');
    const re = /workload\.(Build|Odd|Even|newPayload)$|^runtime\./;
    const trees = [buildTree(mem, { sampleIndex: 1 }), buildTree(mem, { sampleIndex: 1, minFraction: 0.02 }), buildTree(mem, { sampleIndex: 0, byLine: true }), diffTree(mem, memAlloc, { sampleIndex: 1, minFraction: 0.01 })];
    for (const tree of trees) {
      const match = Uint8Array.from(tree.data.funcName, (n) => (re.test(n) ? 1 : 0));
      assert.ok(match.reduce((a, b) => a + b, 0) >= 4, 'several functions match');
      checkSearch(tree, match);
    }
    assert.ok(matchTotals(trees[0]!, Uint8Array.from(mem.funcName, (n) => (n === 'example.com/workload.Odd' ? 1 : 0))).frames > 1, 'a recursive function has frames below its own');
  });

  it('rejects an out-of-range sample index or function', async () => {
    const g = await goProfiles();
    const data = toProfileData(decodeProfile(g.cpuBytes), 'cpu');
    assert.throws(() => buildTree(data, { sampleIndex: 2 }), /sample index 2 is out of range/);
    assert.throws(() => flatTable(data, -1), /out of range/);
    assert.throws(() => callersCallees(data, data.funcName.length, 0), /function index/);
  });

  it('keeps its invariants on generated profiles with recursion, negative and zero values', () => {
    const gen = fc
      .record({
        nFuncs: fc.integer({ min: 1, max: 6 }),
        frames: fc.array(fc.tuple(fc.nat(5), fc.nat(3)), { minLength: 1, maxLength: 10 }),
        stacks: fc.array(fc.tuple(fc.array(fc.nat(9), { maxLength: 10 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 50 })), { maxLength: 30 }),
      })
      .map(({ nFuncs, frames, stacks }): ProfileData => {
        const stackStart = [0];
        const stackFrames: number[] = [];
        for (const [fs] of stacks) {
          for (const x of fs) stackFrames.push(x % frames.length);
          stackStart.push(stackFrames.length);
        }
        return {
          name: 'gen',
          sampleTypes: [{ type: 'delta', unit: 'bytes' }, { type: 'count', unit: 'count' }],
          defaultSampleIndex: 1,
          funcName: Array.from({ length: nFuncs }, (_, i) => `pkg.f${i}`),
          funcFile: Array.from({ length: nFuncs }, () => 'f.go'),
          funcStartLine: new Int32Array(nFuncs).fill(1),
          frameFunc: Int32Array.from(frames, ([f]) => f % nFuncs),
          frameLine: Int32Array.from(frames, ([, l]) => l),
          stackStart: Int32Array.from(stackStart),
          stackFrames: Int32Array.from(stackFrames),
          values: [Float64Array.from(stacks, ([, v]) => v), Float64Array.from(stacks, ([, , c]) => c)],
        };
      });
    fc.assert(
      fc.property(gen, gen, fc.constantFrom(0, 0.05, 0.3), (a, b, minFraction) => {
        for (let i = 0; i < 2; i++) {
          const tree = buildTree(a, { sampleIndex: i });
          checkTree(tree);
          assert.equal(tree.total, sampleTotal(a, i));
          // flat/cum from a straightforward count over the stacks.
          const ref = new Map<number, { flat: number; cum: number }>();
          for (let s = 0; s + 1 < a.stackStart.length; s++) {
            const v = a.values[i]![s]!;
            if (v === 0) continue;
            const fns = a.stackFrames.slice(a.stackStart[s], a.stackStart[s + 1]).map((x) => a.frameFunc[x]!);
            fns.forEach((fn, k) => {
              const e = ref.get(fn) ?? { flat: 0, cum: 0 };
              if (k === 0) e.flat += v;
              if (fns.indexOf(fn) === k) e.cum += v;
              ref.set(fn, e);
            });
          }
          const rows = flatTable(a, i);
          assert.deepEqual(new Map(rows.map((r) => [r.func, { flat: r.flat, cum: r.cum }])), new Map([...ref].filter(([, e]) => e.flat !== 0 || e.cum !== 0)));
          const fromTree = perFunction(tree);
          for (const r of rows) assert.deepEqual(fromTree.get(r.func), { flat: r.flat, cum: r.cum });
          const trimmed = buildTree(a, { sampleIndex: i, minFraction, byLine: true });
          checkTree(trimmed);
          assert.equal(trimmed.total, tree.total);
          const diff = diffTree(a, b, { sampleIndex: i, minFraction });
          checkTree(diff);
          const half = Uint8Array.from(diff.data.funcName, (_, f) => f % 2);
          checkSearch(diff, half);
          checkSearch(trimmed, half.subarray(0, a.funcName.length));
          assert.equal(diff.root.total, sampleTotal(b, i));
          assert.equal(diff.root.baseTotal, sampleTotal(a, i));
        }
      }),
      { numRuns: 400 },
    );
  });
});
