// Decodes a profile in a worker_threads Worker (dist/decodeWorker.js, see worker.ts), so a
// hostile or huge profile never blocks or crashes the thread that asked: the worker's heap
// is capped (resourceLimits) at the memory budget, the decoder is given the same budget, a
// timer stops a decode that runs too long, and the caller can cancel. The ProfileData comes
// back with its typed arrays transferred. Every failure is a DecodeError with a one-line
// message. Pure Node (no `vscode` import): unit-tested in plain Node.
import { Worker } from 'node:worker_threads';
import { formatBytes } from '../../pprof/units';
import type { ProfileData } from '../../shared/profileData';
import type { DecodeReply, DecodeRequest } from './protocol';

export const MAX_PROFILE_MEMORY_SETTING = 'goMemoryInsight.maxProfileMemory';

const MiB = 1024 * 1024;

/**
 * Why a decode failed: 'invalid' (not a readable profile), 'too-big' (the decoder's estimate,
 * or the file itself, exceeds the budget), 'out-of-memory' (the worker reached its heap
 * limit), 'timeout', 'crashed' (the worker died some other way), 'cancelled'.
 */
export type DecodeFailureKind = 'invalid' | 'too-big' | 'out-of-memory' | 'timeout' | 'crashed' | 'cancelled';

export class DecodeError extends Error {
  constructor(
    readonly kind: DecodeFailureKind,
    message: string,
    /** With 'too-big': how much the decoder says the profile needs, when it says. */
    readonly neededBytes?: number,
  ) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'DecodeError';
  }

  /** The failure is a limit (memory or time), not a fault of the file's format. */
  get isLimit(): boolean {
    return this.kind === 'too-big' || this.kind === 'out-of-memory' || this.kind === 'timeout';
  }
}

export interface WorkerDecodeOptions {
  /** The worker script: dist/decodeWorker.js. */
  workerPath: string;
  /** ProfileData.name, usually the file name. */
  name: string;
  /** The memory a decode may use: the worker's heap limit and the decoder's budget. */
  memoryBudgetBytes: number;
  /** Default: decodeTimeoutMs(bytes.length). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Transfer the input's memory to the worker instead of copying it (the caller's array is
   * detached). Only done when the array spans its whole buffer.
   */
  transfer?: boolean;
}

export interface WorkerDecodeResult {
  data: ProfileData;
  /** Time spent decoding in the worker. */
  decodeMs: number;
  /** From starting the worker to having the data. */
  totalMs: number;
}

/** The time a decode may take: 10 s, plus 1 s per MiB of input (a 1M-sample profile decodes in under 1 s). */
export function decodeTimeoutMs(inputBytes: number): number {
  return 10_000 + Math.ceil(inputBytes / MiB) * 1000;
}

/** The budget as the worker's heap limit, in whole MiB (at least 16). */
export function heapLimitMb(memoryBudgetBytes: number): number {
  return Math.max(16, Math.floor(memoryBudgetBytes / MiB));
}

function raiseHint(): string {
  return `raise ${MAX_PROFILE_MEMORY_SETTING} to open it`;
}

/** "this profile needs more than 1 GiB; raise goMemoryInsight.maxProfileMemory to open it" */
export function needsMoreThan(memoryBudgetBytes: number): string {
  return `this profile needs more than ${formatBytes(memoryBudgetBytes)}; ${raiseHint()}`;
}

/** "this profile needs about 2.6 GiB; raise goMemoryInsight.maxProfileMemory (now 1 GiB) to open it" */
export function needsAbout(neededBytes: number, memoryBudgetBytes: number): string {
  return `this profile needs about ${formatBytes(neededBytes)}; raise ${MAX_PROFILE_MEMORY_SETTING} (now ${formatBytes(memoryBudgetBytes)}) to open it`;
}

function replyError(reply: Extract<DecodeReply, { ok: false }>, budget: number): DecodeError {
  if (reply.kind === 'too-big') {
    const needed = reply.neededBytes;
    return new DecodeError('too-big', needed !== undefined && needed > budget ? needsAbout(needed, budget) : needsMoreThan(budget), needed);
  }
  return new DecodeError('invalid', reply.message);
}

function isWholeBuffer(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

/**
 * Decodes `bytes` (a pprof file, gzip or not) into ProfileData in a fresh worker. Rejects with
 * a DecodeError; never leaves the worker running once it settles.
 */
export function decodeInWorker(bytes: Uint8Array, opts: WorkerDecodeOptions): Promise<WorkerDecodeResult> {
  const budget = opts.memoryBudgetBytes;
  if (opts.signal?.aborted) return Promise.reject(new DecodeError('cancelled', 'decoding was cancelled'));
  // A profile is never smaller decoded than its file: one over the budget cannot fit.
  if (bytes.length > budget) return Promise.reject(new DecodeError('too-big', needsAbout(bytes.length, budget), bytes.length));
  const timeoutMs = opts.timeoutMs ?? decodeTimeoutMs(bytes.length);
  const started = performance.now();
  return new Promise<WorkerDecodeResult>((resolve, reject) => {
    const request: DecodeRequest = { bytes, name: opts.name, memoryBudgetBytes: budget };
    let worker: Worker;
    try {
      worker = new Worker(opts.workerPath, {
        workerData: request,
        transferList: opts.transfer && isWholeBuffer(bytes) ? [bytes.buffer as ArrayBuffer] : [],
        // Young generation: V8's default for the heap size. The decoder's typed arrays live
        // outside the V8 heap; the decoder's own budget bounds those.
        resourceLimits: { maxOldGenerationSizeMb: heapLimitMb(budget) },
        // The host's flags (an inspector port, say) are not for the worker.
        execArgv: [],
      });
    } catch (err) {
      reject(new DecodeError('crashed', `the decoder could not start: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    let settled = false;
    const finish = (outcome: { data: ProfileData; decodeMs: number } | DecodeError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate().catch(() => undefined);
      if (outcome instanceof DecodeError) reject(outcome);
      else resolve({ ...outcome, totalMs: performance.now() - started });
    };
    const onAbort = (): void => finish(new DecodeError('cancelled', 'decoding was cancelled'));
    const timer = setTimeout(() => finish(new DecodeError('timeout', `decoding took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`)), timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: DecodeReply) => {
      if (reply.ok) finish({ data: reply.data, decodeMs: reply.ms });
      else finish(replyError(reply, budget));
    });
    worker.on('messageerror', (err) => finish(new DecodeError('crashed', `the decoder's answer could not be read: ${err.message}`)));
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(new DecodeError('out-of-memory', needsMoreThan(budget)));
      else finish(new DecodeError('crashed', `the decoder stopped unexpectedly: ${err.message}`));
    });
    worker.on('exit', (code) => finish(new DecodeError('crashed', `the decoder stopped unexpectedly (exit code ${code})`)));
  });
}
