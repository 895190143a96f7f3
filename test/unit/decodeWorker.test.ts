// The extension decodes profiles in a worker thread (src/extension/decode/decodeInWorker.ts
// running dist/decodeWorker.js): a valid profile comes back as the same ProfileData as decoding
// in-process; a hostile one ends with a clear one-line error while the calling process stays
// alive, responsive and small; a worker that runs out of heap, runs too long, dies or is
// cancelled is reported as such. Needs `node scripts/build.mjs --tests` (dist/decodeWorker.js).
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { DecodeError, decodeInWorker, decodeTimeoutMs } from '../../src/extension/decode/decodeInWorker';
import { gzipBomb, manySampleTypesProfile } from './hostileProfiles';

const root = path.resolve(__dirname, '../../..');
const workerPath = path.join(root, 'dist', 'decodeWorker.js');
const MiB = 1024 * 1024;
const RAISE = /; raise goMemoryInsight\.maxProfileMemory .*to open it$/;

/** What the child process (this file run with GMI_DECODE_CHILD=1) reports. */
interface ChildReport {
  ok: boolean;
  kind?: string;
  message?: string;
  ms: number;
  maxGapMs: number;
  maxRssMiB: number;
}

/**
 * In a child process: decodes a 5,000,000-sample-type profile (about 50 KB, gigabytes when
 * decoded naively) with a 256 MiB budget, timing the event loop meanwhile, and reports.
 */
async function child(): Promise<void> {
  const bytes = manySampleTypesProfile(5_000_000);
  let maxGap = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  let report: ChildReport;
  try {
    await decodeInWorker(bytes, { workerPath, name: 'hostile.pprof', memoryBudgetBytes: 256 * MiB });
    report = { ok: true, ms: 0, maxGapMs: 0, maxRssMiB: 0 };
  } catch (err) {
    const e = err as DecodeError;
    report = { ok: false, kind: e.kind, message: e.message, ms: 0, maxGapMs: 0, maxRssMiB: 0 };
  }
  clearInterval(tick);
  report.ms = performance.now() - started;
  report.maxGapMs = maxGap;
  report.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.send!(report);
}

/** A stand-in worker script (plain JS in a temp dir) for the failure paths. */
function fakeWorker(dir: string, name: string, body: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, `const { parentPort, workerData } = require('node:worker_threads');\n${body}\n`);
  return file;
}

if (process.env.GMI_DECODE_CHILD === '1') {
  void child();
} else {
  describe('decoding in a worker thread', function () {
    this.timeout(120_000);
    let tmp: string;

    before(() => {
      assert.ok(fs.existsSync(workerPath), `${workerPath} is missing: run node scripts/build.mjs --tests`);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-decode-worker-'));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('decodes a valid heap profile to the same ProfileData as in-process, its typed arrays transferred', async () => {
      const bytes = fs.readFileSync(path.join(root, 'test', 'fixtures', 'flame', 'heap.pprof'));
      const expected = toProfileData(decodeProfile(bytes), 'heap.pprof');
      const copy = new Uint8Array(bytes);
      const r = await decodeInWorker(copy, { workerPath, name: 'heap.pprof', memoryBudgetBytes: 256 * MiB, transfer: true });
      assert.deepEqual(r.data, expected);
      assert.ok(r.data.stackFrames instanceof Int32Array && r.data.values[0] instanceof Float64Array);
      assert.equal(copy.byteLength, 0, 'the input was transferred to the worker, not copied');
      // Without transfer the caller keeps its bytes.
      const kept = new Uint8Array(bytes);
      await decodeInWorker(kept, { workerPath, name: 'heap.pprof', memoryBudgetBytes: 256 * MiB });
      assert.equal(kept.byteLength, bytes.length);
    });

    it('ends a hostile profile (5,000,000 sample types in 44 KB) with a one-line error; the caller stays alive, responsive and under 1 GiB', async () => {
      const report = await new Promise<ChildReport>((resolve, reject) => {
        const c = fork(__filename, [], { env: { ...process.env, GMI_DECODE_CHILD: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        let got: ChildReport | undefined;
        c.on('message', (m) => (got = m as ChildReport));
        c.on('exit', (code, signal) => (got && code === 0 ? resolve(got) : reject(new Error(`the child exited with ${code ?? signal} (report: ${JSON.stringify(got)})`))));
      });
      assert.equal(report.ok, false, 'the profile was refused');
      // The heap limit stops the decoder today; a decoder that refuses absurd counts itself
      // ('too-big', or 'invalid' with its reason) is as good. Never a timeout or a crash.
      assert.ok(['out-of-memory', 'too-big', 'invalid'].includes(report.kind!), `kind ${report.kind}: ${report.message}`);
      if (report.kind !== 'invalid') assert.match(report.message!, /^this profile needs (more than 256 MiB|about .+)/);
      if (report.kind !== 'invalid') assert.match(report.message!, RAISE);
      assert.doesNotMatch(report.message!, /[\r\n]/);
      assert.ok(report.ms < 10_000, `took ${report.ms.toFixed(0)} ms`);
      assert.ok(report.maxRssMiB < 1024, `peak RSS ${report.maxRssMiB.toFixed(0)} MiB`);
      assert.ok(report.maxGapMs < 500, `the event loop stalled for ${report.maxGapMs.toFixed(0)} ms`);
    });

    it('refuses a decompression bomb (1 MB inflating to 1 GiB) once it inflates past the budget, and the caller stays small', async () => {
      const bomb = gzipBomb(64);
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      try {
        await assert.rejects(decodeInWorker(bomb, { workerPath, name: 'bomb.pb.gz', memoryBudgetBytes: 128 * MiB }), (e: DecodeError) => {
          assert.equal(e.kind, 'too-big', e.message);
          assert.match(e.message, /^this profile needs (?:about [\d.]+ [KMG]iB|more than 128 MiB); raise goMemoryInsight\.maxProfileMemory( \(now 128 MiB\))? to open it$/);
          return true;
        });
      } finally {
        clearInterval(sample);
      }
      assert.ok(peak - rssBefore < 400 * MiB, `RSS grew by ${((peak - rssBefore) / MiB).toFixed(0)} MiB`);
      // Corrupt gzip is not a valid profile, and says so.
      const corrupt = Buffer.from(manySampleTypesProfile(10));
      corrupt[20] ^= 0xff;
      await assert.rejects(decodeInWorker(corrupt, { workerPath, name: 'x', memoryBudgetBytes: 64 * MiB }), (e: DecodeError) => e.kind === 'invalid' && /corrupt gzip data/.test(e.message));
    });

    it('reports a worker that reaches its heap limit as "needs more than", and this process goes on', async () => {
      const hog = fakeWorker(tmp, 'hog', 'const keep = []; for (;;) keep.push({ a: new Array(64).fill(keep.length) });');
      const started = Date.now();
      await assert.rejects(decodeInWorker(new Uint8Array(10), { workerPath: hog, name: 'x', memoryBudgetBytes: 32 * MiB }), (e: DecodeError) => {
        assert.ok(e instanceof DecodeError);
        assert.equal(e.kind, 'out-of-memory');
        assert.equal(e.isLimit, true);
        assert.equal(e.message, 'this profile needs more than 32 MiB; raise goMemoryInsight.maxProfileMemory to open it');
        return true;
      });
      assert.ok(Date.now() - started < 10_000);
    });

    it('says how much a profile needs when the decoder refuses it as too big', async () => {
      const refuse = fakeWorker(tmp, 'refuse', `parentPort.postMessage({ ok: false, kind: 'too-big', message: 'the samples need 3 GiB', neededBytes: 3 * 1024 ** 3 });`);
      await assert.rejects(decodeInWorker(new Uint8Array(10), { workerPath: refuse, name: 'x', memoryBudgetBytes: 1024 * MiB }), (e: DecodeError) => {
        assert.equal(e.kind, 'too-big');
        assert.equal(e.neededBytes, 3 * 1024 ** 3);
        assert.equal(e.message, 'this profile needs about 3 GiB; raise goMemoryInsight.maxProfileMemory (now 1 GiB) to open it');
        return true;
      });
      // A file bigger than the budget is refused without starting a worker.
      await assert.rejects(decodeInWorker(new Uint8Array(2 * MiB), { workerPath: '/nonexistent.js', name: 'x', memoryBudgetBytes: MiB }), (e: DecodeError) => e.kind === 'too-big' && /needs about 2 MiB/.test(e.message));
    });

    it('stops a decode that runs too long, and a cancelled one, and reports a dead worker', async () => {
      const spin = fakeWorker(tmp, 'spin', 'for (;;) {}');
      let started = Date.now();
      await assert.rejects(decodeInWorker(new Uint8Array(10), { workerPath: spin, name: 'x', memoryBudgetBytes: 64 * MiB, timeoutMs: 1500 }), (e: DecodeError) => {
        assert.equal(e.kind, 'timeout');
        assert.equal(e.message, 'decoding took longer than 2 s and was stopped');
        return true;
      });
      assert.ok(Date.now() - started < 5_000);

      const abort = new AbortController();
      started = Date.now();
      setTimeout(() => abort.abort(), 200);
      await assert.rejects(decodeInWorker(new Uint8Array(10), { workerPath: spin, name: 'x', memoryBudgetBytes: 64 * MiB, signal: abort.signal }), (e: DecodeError) => e.kind === 'cancelled');
      assert.ok(Date.now() - started < 5_000);

      const die = fakeWorker(tmp, 'die', `throw new Error('boom');`);
      await assert.rejects(decodeInWorker(new Uint8Array(10), { workerPath: die, name: 'x', memoryBudgetBytes: 64 * MiB }), (e: DecodeError) => e.kind === 'crashed' && /boom/.test(e.message));
      const exit = fakeWorker(tmp, 'exit', 'process.exit(3);');
      await assert.rejects(decodeInWorker(new Uint8Array(10), { workerPath: exit, name: 'x', memoryBudgetBytes: 64 * MiB }), (e: DecodeError) => e.kind === 'crashed' && /exit code 3/.test(e.message));
    });

    it('reports a profile that is not one as invalid, with the decoder\'s reason', async () => {
      await assert.rejects(decodeInWorker(new TextEncoder().encode('heap profile: 1: 2 [3: 4] @ heap/1048576\n'), { workerPath, name: 'x', memoryBudgetBytes: 64 * MiB }), (e: DecodeError) => e.kind === 'invalid' && /legacy text profile/.test(e.message));
    });

    it('gives big inputs more time', () => {
      assert.equal(decodeTimeoutMs(1000), 11_000);
      assert.equal(decodeTimeoutMs(100 * MiB), 110_000);
    });
  });
}
