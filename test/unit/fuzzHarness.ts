// Fuzz tests bounded in time, each run in a worker thread so that a hang or a runaway allocation
// is caught and reported with its input instead of freezing or killing the test run.
//
//   GMI_FUZZ_SECONDS   the time for all the fuzz tests together (default 24; each of the two
//                      takes half), e.g. GMI_FUZZ_SECONDS=600 for a longer local run;
//   GMI_FUZZ_SEED      the seed (default: a new one each run, printed with any failure);
//   GMI_FUZZ_REPLAY    `TARGET:SEED:PATH` as printed with a counterexample: replays that one case.
//
// The worker is the test bundle itself, started again with workerData naming its target.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import fc from 'fast-check';

/** Seconds for each of the two fuzz tests. */
export const FUZZ_SECONDS_EACH = Math.max(1, Number(process.env.GMI_FUZZ_SECONDS ?? 24) || 24) / 2;
/** No input may take longer than this (the bound for any hostile input is 10 s). */
export const HANG_MS = 10_000;
/** V8 heap limit of the worker: an input that needs more fails the test (the bound: 1 GiB). */
const HEAP_LIMIT_MB = 1024;
/** Inputs bigger than this are not kept for a post-mortem (the fuzzers' inputs are far smaller). */
const SHARED_INPUT_BYTES = 16 << 20;

export interface FuzzTarget<T> {
  arbitrary: fc.Arbitrary<T>;
  /** The input as bytes, kept while it runs and written to a file when it fails. */
  bytes(value: T): Uint8Array;
  /** Throws when the case fails (`bytes` is bytes(value)); may count what happened in `stats`. */
  check(value: T, bytes: Uint8Array, stats: Record<string, number>): void;
}

interface Job {
  target: string;
  ms: number;
  seed: number;
  path?: string;
  /** [runs started, running (0/1), input length]. */
  control: SharedArrayBuffer;
  input: SharedArrayBuffer;
}

export interface FuzzReport {
  target: string;
  seed: number;
  runs: number;
  stats: Record<string, number>;
  /** The counterexample, how to replay it and where its input was written; undefined when none was found. */
  failure?: string;
}

/** In the worker started for `target`: true, and the target is run (call nothing else then). */
export function isFuzzWorker(target: string): boolean {
  return !isMainThread && (workerData as { gmiFuzz?: Job } | undefined)?.gmiFuzz?.target === target;
}

function saveInput(target: string, seed: number, bytes: Uint8Array): string {
  const file = path.join(os.tmpdir(), `gmi-fuzz-${target}-${seed}.bin`);
  fs.writeFileSync(file, bytes);
  return file;
}

function replayOf(target: string): { seed: number; path: string } | undefined {
  const r = process.env.GMI_FUZZ_REPLAY;
  if (!r) return undefined;
  const [t, seed, ...rest] = r.split(':');
  return t === target ? { seed: Number(seed), path: rest.join(':') } : undefined;
}

/** Worker side: runs the property for the job's time, then posts a FuzzReport. */
export function runFuzzWorker<T>(target: FuzzTarget<T>): void {
  const job = (workerData as { gmiFuzz: Job }).gmiFuzz;
  const control = new Int32Array(job.control);
  const input = new Uint8Array(job.input);
  const stats: Record<string, number> = {};
  const property = fc.property(target.arbitrary, (value) => {
    const bytes = target.bytes(value);
    const n = Math.min(bytes.length, input.length);
    input.set(bytes.subarray(0, n));
    Atomics.store(control, 2, n);
    Atomics.add(control, 0, 1);
    Atomics.store(control, 1, 1);
    try {
      target.check(value, bytes, stats);
    } finally {
      Atomics.store(control, 1, 0);
    }
  });
  const details = fc.check(property, {
    seed: job.seed,
    ...(job.path !== undefined ? { path: job.path } : { numRuns: Number.MAX_SAFE_INTEGER, plugins: [fc.interruptAfterTimeLimit(job.ms)] }),
  });
  const report: FuzzReport = { target: job.target, seed: job.seed, runs: details.numRuns, stats };
  if (details.failed) {
    const value = (details.counterexample as unknown[] | null)?.[0] as T | undefined;
    const file = value === undefined ? undefined : saveInput(job.target, job.seed, target.bytes(value));
    const error = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
    report.failure = [
      `counterexample after ${details.numRuns} runs (seed ${details.seed}, path ${details.counterexamplePath}):`,
      `  ${fc.stringify(details.counterexample).slice(0, 4000)}`,
      file ? `  input written to ${file}` : '',
      `  replay: GMI_FUZZ_REPLAY=${job.target}:${details.seed}:${details.counterexamplePath}`,
      `  ${error}`,
    ].join('\n');
  }
  parentPort!.postMessage(report);
}

/**
 * Main side: runs `target` of the test bundle `bundle` in a worker for FUZZ_SECONDS_EACH (or
 * replays GMI_FUZZ_REPLAY), and reports a hang (an input running HANG_MS) or the worker's
 * death (out of memory) with the input that caused it.
 */
export function fuzzInWorker(bundle: string, target: string): Promise<FuzzReport> {
  const replay = replayOf(target);
  const seed = replay?.seed ?? (process.env.GMI_FUZZ_SEED ? Number(process.env.GMI_FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff));
  const job: Job = { target, ms: FUZZ_SECONDS_EACH * 1000, seed, path: replay?.path, control: new SharedArrayBuffer(12), input: new SharedArrayBuffer(SHARED_INPUT_BYTES) };
  const control = new Int32Array(job.control);
  const worker = new Worker(bundle, { workerData: { gmiFuzz: job }, resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB }, stdout: false, stderr: false });
  return new Promise((resolve) => {
    let done = false;
    const lastInput = (): string => saveInput(target, seed, new Uint8Array(job.input, 0, Atomics.load(control, 2)).slice());
    const finish = (report: FuzzReport): void => {
      if (done) return;
      done = true;
      clearInterval(watch);
      void worker.terminate();
      resolve(report);
    };
    const died = (why: string): void => {
      const file = lastInput();
      finish({ target, seed, runs: Atomics.load(control, 0), stats: {}, failure: `${why}, at run ${Atomics.load(control, 0)} (seed ${seed}); its input is written to ${file}\n  replay: GMI_FUZZ_SEED=${seed} (the same runs lead to it)` });
    };
    let runs = -1;
    let since = Date.now();
    const watch = setInterval(() => {
      const now = Atomics.load(control, 0);
      if (now !== runs || Atomics.load(control, 1) === 0) {
        runs = now;
        since = Date.now();
      } else if (Date.now() - since > HANG_MS) {
        died(`an input ran for more than ${HANG_MS / 1000} s (the process's RSS is ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB)`);
      }
    }, 100);
    worker.on('message', (report: FuzzReport) => finish(report));
    worker.on('error', (err: Error & { code?: string }) => died(`the worker failed (${err.code ?? ''} ${err.message.split('\n')[0]})`));
    worker.on('exit', (code) => died(`the worker exited with status ${code}`));
  });
}
