// Hostile and huge profiles (test/hostile/cases.ts) stay bounded: through the built CLI in a
// child process (time, peak memory, one line of error or the right output, totals as
// go tool pprof -top reads them), and the decoder's options and errors in process.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decodeProfile, DEFAULT_MEMORY_BUDGET, MAX_SAMPLE_TYPES, ProfileError, readProfileData, toProfileData } from '../../src/pprof/decode';
import { buildTree, flatTable, sampleTotal, sampleTotalExact } from '../../src/pprof/tree';
import { limitStackDepth, MAX_STACK_DEPTH, truncatedFrameName } from '../../src/pprof/stackDepth';
import { loadProfileArg } from '../../src/cli/pprof';
import { CliError, type CliIO } from '../../src/cli/command';
import { BIG_VALUES, bigLines, bigValues, CASES, deep10M, header, lfield, sample, vfield } from '../hostile/cases';
import { goProfiles, pprofTop, runGo } from './pprofFixtures';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const GiB = 2 ** 30;

interface Run {
  ms: number;
  peak: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Peak RSS of a running process (VmHWM), 0 once it is gone. */
function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs a node script as a child, killed after timeoutMs; its peak RSS polled from /proc. */
function runNode(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const poll = setInterval(() => (peak = Math.max(peak, vmHwm(child.pid!))), 10);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', () => {
      peak = Math.max(peak, vmHwm(child.pid!));
      clearInterval(poll);
      clearTimeout(timer);
    });
    child.on('close', (code, signal) => resolve({ ms: performance.now() - t0, peak, code, signal, out, err }));
  });
}

interface TopJson {
  sampleType: string;
  unit: string;
  total: number;
  rows: Array<{ function: string; flat: number; cum: number }>;
  truncatedStacks?: { maxDepth: number; stacks: number; deepest: number };
}

/** The numbers of `pprof top --json` output as exact integers (JSON.parse would round them). */
function exactNumbers(json: string, key: 'total' | 'flat' | 'cum'): bigint[] {
  return [...json.matchAll(new RegExp(`"${key}":(-?\\d+)[,}]`, 'g'))].map((m) => BigInt(m[1]!));
}

function expectError(f: () => unknown, code: ProfileError['code'], message: RegExp): ProfileError {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof ProfileError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'));
    return err;
  }
  assert.fail('no ProfileError');
}

// Child mode (runNode([__filename]) with GMI_HOSTILE_CHILD=FILE): decodes FILE, builds its
// tree, prints {nodes, depth} as JSON; no mocha there.
const CHILD = process.env.GMI_HOSTILE_CHILD;
if (CHILD) {
  const data = toProfileData(decodeProfile(readFileSync(CHILD)), 'child');
  const tree = buildTree(data, { sampleIndex: data.defaultSampleIndex });
  process.stdout.write(JSON.stringify({ nodes: tree.nodeCount, depth: tree.maxDepth }) + '\n');
} else describe('hostile pprof profiles', function () {
  this.timeout(300_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gmi-hostile-'));
    for (const c of CASES) writeFileSync(join(dir, `${c.name}.pb.gz`), c.bytes());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('each crafted case ends within 10 s through the built CLI, under 1 GiB, with its output or a one-line error', async () => {
    for (const c of CASES) {
      const r = await runNode([CLI, 'pprof', 'top', join(dir, `${c.name}.pb.gz`), '--json'], 10_000);
      const what = `${c.name}: ${r.ms.toFixed(0)} ms, ${(r.peak / 2 ** 20).toFixed(0)} MiB, exit ${r.signal ?? r.code}, ${r.err.trim() || r.out.slice(0, 200)}`;
      assert.equal(r.signal, null, `killed after 10 s: ${what}`);
      assert.ok(r.peak < GiB, `peak RSS: ${what}`);
      if (c.expect === 'error') {
        assert.equal(r.code, 1, what);
        assert.equal(r.out, '', what);
        assert.match(r.err, /^go-memory-insight pprof: \S+: [^\n]+\n$/, what);
        assert.doesNotMatch(r.err, /allocation|heap out of memory|RangeError|bad_alloc/i, what);
      } else {
        assert.equal(r.code, 0, what);
        const top = JSON.parse(r.out) as TopJson;
        assert.ok(top.rows.length > 0, what);
      }
    }
  });

  it('says why: not a profile, too many sample types, or how much memory a big valid profile needs', async () => {
    const err = (name: string) => spawnSync(process.execPath, [CLI, 'pprof', 'top', join(dir, `${name}.pb.gz`)], { encoding: 'utf8' }).stderr;
    assert.match(err('gzipZeros'), /not a valid pprof profile: field number 0 at offset 0/);
    assert.match(err('sampleTypes5M'), /5,000,000 sample types; at most 1,000 are supported/);
    assert.match(err('sampleTypes8M'), /8,000,000 sample types/);
    // 131 million valid samples: about 2.5 GiB to open, so the figure, not "not a profile".
    const big = err('tinySamples1_5MB');
    assert.match(big, /this profile needs about [\d.]+ GiB of memory to open, more than the 1 GiB allowed \(raise the limit with --max-memory\)/);
    const needed = Number(/about ([\d.]+) GiB/.exec(big)![1]);
    assert.ok(needed >= 2 && needed <= 4, big);
    // 1.5 million locations in 5 MB: counted, estimated, refused before any is decoded.
    assert.match(err('locations1_5M'), /this profile needs about 1\.\d+ GiB of memory to open/);
  });

  it('gives the totals of go tool pprof -top on the cases it can read (a deep stack keeps its innermost frames)', async () => {
    const g = await goProfiles(); // (a directory where go runs)
    // deep1M: pprof keeps the 1,000,000 frames; the CLI keeps the innermost 4095 under one
    // synthetic frame, so flat values and the total are pprof's, and the cum of every function
    // it keeps; main.main, the root, is beyond the cut.
    const file = join(dir, 'deep1M.pb.gz');
    const want = await pprofTop(file, 'alloc_space', 'B', g.dir);
    const r = await runNode([CLI, 'pprof', 'top', file, '--json'], 10_000);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out) as TopJson;
    assert.equal(got.total, want.total);
    assert.deepEqual(got.truncatedStacks, { maxDepth: MAX_STACK_DEPTH, stacks: 1, deepest: 1_000_000 });
    const rows = new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }]));
    assert.deepEqual(rows.get(truncatedFrameName(MAX_STACK_DEPTH)), { flat: 0, cum: 4096 });
    for (const [fn, v] of want.rows) {
      if (fn === 'main.main') assert.equal(rows.has(fn), false);
      else assert.deepEqual(rows.get(fn), v, fn);
    }
    const text = spawnSync(process.execPath, [CLI, 'pprof', 'top', file], { encoding: 'utf8' }).stdout;
    assert.match(text, /^Stack truncated at 4,096 frames: 1 stack is deeper \(up to 1,000,000 frames\)/m);

    // bigLines: lines at and beyond 2^32 change nothing per function.
    const lines = join(dir, 'bigLines.pb.gz');
    const wantLines = await pprofTop(lines, 'things', 'B', g.dir);
    const gotLines = JSON.parse((await runNode([CLI, 'pprof', 'top', lines, '--json'], 10_000)).out) as TopJson;
    assert.equal(gotLines.total, wantLines.total);
    assert.deepEqual(new Map(gotLines.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), wantLines.rows);
  });

  it('prints values beyond 2^53 exactly in --json, as go tool pprof -raw has them (-top rounds them through float64)', async () => {
    const g = await goProfiles();
    const file = join(dir, 'bigValues.pb.gz');
    const r = await runNode([CLI, 'pprof', 'top', file, '--json'], 10_000);
    assert.equal(r.code, 0, r.err);
    // The exact values: the samples as go tool pprof -raw prints them, summed here.
    const raw = await runGo(['tool', 'pprof', '-raw', file], g.dir);
    assert.equal(raw.exitCode, 0, raw.stderr);
    const samples = [...raw.stdout.matchAll(/^\s+(\d+): ([\d ]+?)\s*$/gm)].map((m) => ({ value: BigInt(m[1]!), locs: m[2]!.split(' ') }));
    assert.equal(samples.length, 4);
    const total = samples.reduce((a, s) => a + s.value, 0n);
    assert.equal(total, BIG_VALUES.a + BIG_VALUES.b + BIG_VALUES.c);
    assert.deepEqual(exactNumbers(r.out, 'total'), [total]);
    const leaf = (loc: string) => samples.filter((s) => s.locs[0] === loc).reduce((a, s) => a + s.value, 0n);
    // Rows heaviest first: main.bigger, main.big, main.small, main.main.
    assert.deepEqual(exactNumbers(r.out, 'flat'), [leaf('2'), leaf('1'), leaf('3'), 0n]);
    assert.deepEqual(exactNumbers(r.out, 'cum'), [leaf('2'), leaf('1'), leaf('3'), total]);
    // go tool pprof -top agrees once both are doubles.
    const want = await pprofTop(file, 'things', 'B', g.dir);
    const got = JSON.parse(r.out) as TopJson;
    assert.equal(got.total, want.total);
    assert.deepEqual(new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), want.rows);
  });

  it('builds the call tree of a 1,000,000- and a 10,000,000-frame stack in bounded memory and time', async () => {
    // In a child process (this bundle in child mode, below): decode, ProfileData, tree.
    for (const name of ['deep1M', 'deep10M']) {
      const r = await runNode([__filename], 10_000, { ...process.env, GMI_HOSTILE_CHILD: join(dir, `${name}.pb.gz`) });
      assert.equal(r.code, 0, r.err);
      const got = JSON.parse(r.out) as { nodes: number; depth: number };
      assert.equal(got.nodes, MAX_STACK_DEPTH + 1);
      assert.equal(got.depth, MAX_STACK_DEPTH);
      assert.ok(r.peak < 400 * 2 ** 20, `${name}: ${(r.peak / 2 ** 20).toFixed(0)} MiB`);
    }
  });

  it('takes a memory budget, and reports a profile over it with code too-big and the bytes it needs', async () => {
    const g = await goProfiles();
    const p = decodeProfile(g.memBytes);
    assert.equal(DEFAULT_MEMORY_BUDGET, GiB);
    // The same profile in a budget too small for it: the figure is what the default budget took.
    const e = expectError(() => decodeProfile(g.memBytes, { memoryBudgetBytes: 64 * 1024 }), 'too-big', /needs about .* of memory to open, more than the 64 KiB allowed/);
    assert.ok(e.neededBytes! > 64 * 1024, String(e.neededBytes));
    assert.ok(e.neededBytes! < 64 * 2 ** 20, String(e.neededBytes));
    // The figure is an estimate, projected from what was read when the budget ran out: a budget
    // raised to it may be told a larger figure, and a few raises open the profile.
    let budget = e.neededBytes! * 2;
    let fits: ReturnType<typeof decodeProfile> | undefined;
    for (let i = 0; i < 6 && !fits; i++) {
      try {
        fits = decodeProfile(g.memBytes, { memoryBudgetBytes: budget });
      } catch (err) {
        assert.ok(err instanceof ProfileError && err.code === 'too-big' && err.neededBytes! > budget, String(err));
        budget = err.neededBytes! * 2;
      }
    }
    assert.ok(fits, `still too big at ${budget} bytes`);
    assert.equal(fits.sampleCount, p.sampleCount);
    expectError(() => toProfileData(p, 'x', { memoryBudgetBytes: 16 * 1024 }), 'too-big', /more than the 16 KiB allowed/);
    await assert.rejects(readProfileData(g.mem, 'mem', { memoryBudgetBytes: 1024 }), (err: unknown) => err instanceof ProfileError && err.code === 'too-big' && err.neededBytes! > 1024);
    // A gzip bomb of valid samples: too big before it is inflated, with a figure.
    const bomb = CASES.find((c) => c.name === 'tinySamples1_5MB')!.bytes();
    const big = expectError(() => decodeProfile(bomb), 'too-big', /GiB of memory/);
    assert.ok(big.neededBytes! > 2 * GiB, String(big.neededBytes));
    expectError(() => decodeProfile(bomb, { memoryBudgetBytes: 256 * 2 ** 20 }), 'too-big', /more than the 256 MiB allowed/);
  });

  it('bounds standard input: stops reading past the budget and says how much it would need', async () => {
    let produced = 0;
    const chunk = Buffer.alloc(1 << 20);
    const endless = Readable.from(
      (function* () {
        for (let i = 0; i < 4096; i++) {
          produced++;
          yield chunk;
        }
      })(),
    );
    const io: CliIO = { stdout: () => {}, stderr: () => {}, stdin: endless, cwd: dir, env: process.env };
    await assert.rejects(loadProfileArg('-', io, { memoryBudgetBytes: 64 * 2 ** 20 }), (err: unknown) => err instanceof CliError && /^-: standard input needs about .* more than the 64 MiB allowed \(raise the limit with --max-memory\)$/.test(err.message));
    assert.ok(produced < 64, `read ${produced} MiB of standard input`);
    // A file is not even read.
    await assert.rejects(loadProfileArg(join(dir, 'tinySamples1_5MB.pb.gz'), io, { memoryBudgetBytes: 2 * 2 ** 20 }), /needs about .* more than the 2 MiB allowed/);
  });

  it('refuses absurd counts before building anything from them', () => {
    const types = Array.from({ length: MAX_SAMPLE_TYPES + 1 }, () => lfield(1, [...vfield(1, 1), ...vfield(2, 1)])).flat();
    const many = Buffer.concat([Buffer.from(types), header([], [], [])]);
    expectError(() => decodeProfile(many), 'unsupported', /1,001 sample types; at most 1,000/);
    // Samples without their values (two bytes each), or locations without an id, are not a profile.
    const h = header([['samples', 'count']], [{ id: 1, name: 'f' }], [{ id: 1, lines: [[1, 1]] }]);
    const empty = Buffer.concat([h, Buffer.alloc(2_000_000, Buffer.from([0x12, 0x00]))]);
    expectError(() => decodeProfile(gzipSync(empty)), 'invalid', /a sample of 0 bytes cannot hold the values of 1 sample types/);
    const noId = Buffer.concat([h, Buffer.from(Array.from({ length: 100_000 }, () => lfield(4, [])).flat())]);
    expectError(() => decodeProfile(noId), 'invalid', /location 1 has id 0/); // (location 0 is the header's)
    // 200,000 distinct label sets in a small budget: too big, while reading them.
    const labelled = Buffer.concat([h, ...Array.from({ length: 200_000 }, (_, i) => Buffer.from(lfield(2, [...lfield(1, [1]), ...lfield(2, [1]), ...lfield(3, [...vfield(1, 1), ...vfield(3, i + 1)])])))]);
    assert.equal(decodeProfile(labelled).labelSetStart.length - 1, 200_000);
    expectError(() => decodeProfile(labelled, { memoryBudgetBytes: 12 * 2 ** 20 }), 'too-big', /more than the 12 MiB allowed/);
  });

  it('cuts deep stacks to their innermost frames, merging stacks that become equal, and keeps values', () => {
    const d = toProfileData(decodeProfile(deep10M()), 'deep');
    assert.deepEqual(d.truncatedStacks, { maxDepth: MAX_STACK_DEPTH, stacks: 1, deepest: 10_000_000 });
    assert.equal(d.stackFrames.length, MAX_STACK_DEPTH);
    const names = Array.from(d.stackFrames, (f) => d.funcName[d.frameFunc[f]!]);
    assert.equal(names[0], 'main.alloc');
    assert.equal(names[MAX_STACK_DEPTH - 1], truncatedFrameName(MAX_STACK_DEPTH));
    assert.ok(names.slice(1, -1).every((n) => n === 'main.recurse'));
    // Two stacks equal in their innermost frames merge once cut; a short one is untouched.
    const fns = [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ];
    const locs = fns.map((f) => ({ id: f.id, lines: [[f.id, f.id] as [number, number]] }));
    const h = header([['n', 'count']], fns, locs);
    const stack = (depth: number, root: number) => [1, ...Array.from({ length: depth - 2 }, () => 2), root];
    const bytes = Buffer.concat([h, Buffer.from([...sample({ locations: stack(50, 1), values: [1] }), ...sample({ locations: stack(60, 3), values: [10] }), ...sample({ locations: stack(8, 3), values: [100] })])]);
    const full = toProfileData(decodeProfile(bytes), 'x');
    assert.equal(full.truncatedStacks, undefined);
    const cut = toProfileData(decodeProfile(bytes), 'x', { maxStackDepth: 10 });
    assert.deepEqual(cut.truncatedStacks, { maxDepth: 10, stacks: 2, deepest: 60 });
    assert.equal(cut.stackStart.length - 1, 2);
    assert.deepEqual(cut.values.map((v) => Array.from(v).sort((x, y) => x - y)), [[11, 100]]);
    assert.equal(sampleTotal(cut, 0), sampleTotal(full, 0));
    // The flat values are those of the whole stacks.
    const flat = (d0: typeof full) => new Map(flatTable(d0, 0).map((r) => [d0.funcName[r.func], r.flat]));
    for (const [fn, v] of flat(full)) assert.equal(flat(cut).get(fn), v, fn);
    // Cutting twice changes nothing; the tree has the cut depth.
    assert.equal(limitStackDepth(cut, 10), cut);
    assert.equal(buildTree(cut, { sampleIndex: 0 }).maxDepth, 10);
  });

  it('keeps values beyond 2^53 exact and does not merge lines beyond 2^31 with real ones', () => {
    const d = toProfileData(decodeProfile(bigValues()), 'big');
    assert.equal(sampleTotalExact(d, 0), BIG_VALUES.a + BIG_VALUES.b + BIG_VALUES.c);
    const rows = new Map(flatTable(d, 0).map((r) => [d.funcName[r.func], r]));
    assert.equal(rows.get('main.bigger')!.flatExact, BIG_VALUES.b);
    assert.equal(rows.get('main.big')!.flatExact, BIG_VALUES.a);
    assert.equal(rows.get('main.main')!.cumExact, BIG_VALUES.a + BIG_VALUES.b + BIG_VALUES.c);
    // Sums past 2^53 of values below it are kept exact too.
    const fns = [{ id: 1, name: 'f' }];
    const h = header([['n', 'count']], fns, [{ id: 1, lines: [[1, 1]] }]);
    const many = Buffer.concat([h, ...Array.from({ length: 3 }, () => Buffer.from(sample({ locations: [1], values: [2n ** 52n + 1n] })))]);
    assert.equal(sampleTotalExact(toProfileData(decodeProfile(many), 'x'), 0), 3n * (2n ** 52n + 1n));
    // Real profiles have none of this.
    const small = Buffer.concat([h, Buffer.from(sample({ locations: [1], values: [5] }))]);
    assert.equal(toProfileData(decodeProfile(small), 'x').valuesExact, undefined);

    const l = toProfileData(decodeProfile(bigLines()), 'lines');
    const frames = Array.from(l.frameFunc, (f, i) => `${l.funcName[f]}:${l.frameLine[i]}`).sort();
    // Line 5 stays line 5; 2^32 + 5 and 2^40 are no source line (0), not line 5.
    assert.deepEqual(frames, ['main.lines:0', 'main.lines:5', 'main.main:3']);
    const byLine = buildTree(l, { sampleIndex: 0, byLine: true });
    const five = byLine.root.children[0]!.children.find((c) => c.line === 5)!;
    assert.equal(five.total, 1);
  });
});
