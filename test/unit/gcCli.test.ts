// `go-memory-insight gctrace` on traces the Go runtime writes at test time, through the built
// CLI (dist/cli.js) and its entry point.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/command';
import { parseGcTrace, summarize } from '../../src/gc/gctrace';
import { whatIf } from '../../src/gc/whatIf';
import { cleanupGcLoad, runGcLoad, type GcLoadRun } from './gcFixture';

const CLI = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

function built(args: string[], cwd: string, input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function inProcess(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: Readable.from([]), cwd, env: process.env };
  return { code: await main(args, io), out, err };
}

describe('go-memory-insight gctrace', function () {
  this.timeout(300_000);
  let dir: string;
  let run: GcLoadRun;
  before(async () => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node scripts/build.mjs)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-gccli-'));
    run = await runGcLoad({ gogc: '100' });
    fs.writeFileSync(path.join(dir, 'trace.txt'), run.trace);
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    cleanupGcLoad();
  });

  it('--json gives every cycle, the summary and the what-if in the documented shape', () => {
    const r = built(['gctrace', 'trace.txt', '--json', '--what-if', 'GOGC=200,GOMEMLIMIT=300MiB'], dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const got = JSON.parse(r.out) as { cycles: Record<string, unknown>[]; summary: Record<string, unknown>; whatIf: Record<string, unknown> };
    assert.deepEqual(Object.keys(got), ['cycles', 'summary', 'whatIf']);
    assert.equal(got.cycles.length, run.stats.numGC);
    for (const c of got.cycles) {
      assert.deepEqual(Object.keys(c), ['n', 'atSeconds', 'cpuPercent', 'pauseMs', 'heapStartMB', 'heapEndMB', 'liveMB', 'goalMB', 'stacksMB', 'globalsMB', 'procs', 'forced']);
    }
    assert.equal(got.cycles.filter((c) => c.forced).length, run.stats.numForcedGC);
    assert.equal(got.cycles[got.cycles.length - 1]!.liveMB, Math.floor(run.stats.liveBytes / 2 ** 20));
    const cycles = parseGcTrace(run.trace).runs[0]!.cycles;
    assert.deepEqual(got.summary, JSON.parse(JSON.stringify(summarize(cycles))));
    assert.equal(got.summary.cycles, run.stats.numGC);
    const w = whatIf(cycles, { gogc: 200, memoryLimitMB: 300 });
    assert.deepEqual(got.whatIf, { gogc: 200, memoryLimitMB: 300, cycles: w.cycles, peakGoalMB: w.peakGoalMB, gcCpuPercent: w.gcCpuPercent });
    assert.ok((got.whatIf.cycles as number) < run.stats.numGC, 'GOGC=200 collects less often');
  });

  it('prints a short summary from standard input, program output and all', async () => {
    const merged = await runGcLoad({ args: ['-chatter'], merged: true });
    const r = built(['gctrace', '-', '--what-if', 'GOGC=50'], dir, merged.trace);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^${merged.stats.numGC} GC cycles \\(${merged.stats.numForcedGC} forced\\) in [\\d.]+ s, GOMAXPROCS 1$`));
    assert.match(r.out, /^GC CPU {6}\d+% of the program's CPU$/m);
    assert.match(r.out, /^pauses {6}[\d.]+ ms in all, longest [\d.]+ ms$/m);
    assert.match(r.out, /^What if GOGC=50 \(recorded: GOGC=100, inferred\):$/m);
    const m = /^ {2}cycles {6}(\d+) \(recorded (\d+), \+(\d+)%\)$/m.exec(r.out);
    assert.ok(m, r.out);
    assert.ok(Number(m[1]) > Number(m[2]), 'GOGC=50 collects more often');
  });

  it('warns about a second process in the input and uses the one with the most cycles', async () => {
    const other = await runGcLoad({ gogc: '400' });
    fs.writeFileSync(path.join(dir, 'two.txt'), other.trace + run.trace);
    const r = await inProcess(['gctrace', 'two.txt', '--json'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^warning: two\.txt: the traces of 2 processes; using the one with the most cycles \(\d+\)\n$/);
    assert.equal((JSON.parse(r.out) as { cycles: unknown[] }).cycles.length, run.stats.numGC);
  });

  it('--container-limit suggests a GOMEMLIMIT and warns when the heap comes near the limit', async () => {
    const cycles = parseGcTrace(run.trace).runs[0]!.cycles;
    const peak = summarize(cycles).peakGoalMB;
    const limit = Math.round(peak * 0.9);
    const r = await inProcess(['gctrace', 'trace.txt', '--json', '--container-limit', `${limit}MiB`], dir);
    assert.equal(r.code, 0, r.err);
    const c = (JSON.parse(r.out) as { container: { limitMB: number; suggestedGoMemLimitMB: number; peakNeedMB: number; warning: string | null; reasoning: string[] } }).container;
    assert.equal(c.limitMB, limit);
    assert.equal(c.suggestedGoMemLimitMB, Math.floor(limit * 0.9));
    assert.ok(c.peakNeedMB > peak);
    assert.match(c.warning ?? '', new RegExp(`set GOMEMLIMIT=${c.suggestedGoMemLimitMB}MiB`));
    const human = await inProcess(['gctrace', 'trace.txt', '--container-limit', '8GiB'], dir);
    assert.match(human.out, /^Container limit 8192 MB: suggested GOMEMLIMIT=7372MiB$/m);
    assert.doesNotMatch(human.out, /warning/);
  });

  it('fails with one line and a non-zero status on bad input', async () => {
    fs.writeFileSync(path.join(dir, 'program.txt'), 'hello\nworld\n');
    const cases: Array<[string[], number, RegExp]> = [
      [['gctrace', 'missing.txt'], 1, /cannot read missing\.txt: no such file/],
      [['gctrace', 'program.txt'], 1, /program\.txt: no GC trace lines .*GODEBUG=gctrace=1/],
      [['gctrace', '.'], 1, /cannot read \.: is a directory/],
      [['gctrace'], 2, /missing trace file/],
      [['gctrace', 'trace.txt', '--what-if', 'GOGC=abc'], 2, /--what-if: GOGC must be a whole number or off, got "abc"/],
      [['gctrace', 'trace.txt', '--what-if', 'GOMEMLIMIT=lots'], 2, /GOMEMLIMIT: expected a size such as 512MiB or 2GiB, got "lots"/],
      [['gctrace', 'trace.txt', '--what-if', 'GOMAXPROCS=2'], 2, /unknown setting "GOMAXPROCS"/],
      [['gctrace', 'trace.txt', '--what-if'], 2, /--what-if needs a value/],
      [['gctrace', 'trace.txt', '--bogus'], 2, /unknown flag --bogus/],
      [['gctrace', 'trace.txt', '--container-limit', 'big'], 2, /GOMEMLIMIT: expected a size/],
    ];
    for (const [args, code, message] of cases) {
      const r = await inProcess(args, dir);
      assert.equal(r.code, code, args.join(' '));
      assert.match(r.err, message);
      assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
      assert.equal(r.out, '');
    }
    const b = built(['gctrace', 'program.txt'], dir);
    assert.equal(b.code, 1);
    assert.match(b.err, /^go-memory-insight gctrace: program\.txt: no GC trace lines[^\n]*\n$/);
  });
});
