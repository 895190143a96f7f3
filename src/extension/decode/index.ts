// The extension's profile decoder: every profile the extension shows is decoded here, in a
// worker thread with a capped heap (decodeInWorker.ts), never on the extension host's main
// thread. The cap is the goMemoryInsight.maxProfileMemory setting. Errors are one line.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProfileData } from '../../shared/profileData';
import { DecodeError, decodeInWorker, MAX_PROFILE_MEMORY_SETTING, needsAbout } from './decodeInWorker';

export { DecodeError };

const MiB = 1024 * 1024;
export const DEFAULT_MAX_PROFILE_MEMORY_MIB = 1024;
const MIN_MIB = 64;
const MAX_MIB = 32768;

/** goMemoryInsight.maxProfileMemory in bytes (MiB in the setting; the default when unset or invalid). */
export function maxProfileMemoryBytes(): number {
  const v = vscode.workspace.getConfiguration().get<unknown>(MAX_PROFILE_MEMORY_SETTING);
  const mib = typeof v === 'number' && Number.isFinite(v) ? Math.min(MAX_MIB, Math.max(MIN_MIB, v)) : DEFAULT_MAX_PROFILE_MEMORY_MIB;
  return Math.round(mib * MiB);
}

/** Counts of the decodes run since activation (the integration tests read them). */
export interface DecodeStats {
  started: number;
  succeeded: number;
  failed: number;
  /** Profile names in the order their decodes started (the last 50). */
  names: string[];
}

export interface DecodeCallOptions {
  signal?: AbortSignal;
  /** Hand the bytes' memory to the worker (the caller's array is detached). */
  transfer?: boolean;
  /** Log a success at debug level (a heap watch decodes three profiles per poll). */
  quiet?: boolean;
}

export class ProfileDecoder {
  private readonly counts: DecodeStats = { started: 0, succeeded: 0, failed: 0, names: [] };

  constructor(
    /** dist/decodeWorker.js */
    private readonly workerPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  stats(): DecodeStats {
    return { ...this.counts, names: [...this.counts.names] };
  }

  /** Decodes a profile's bytes; rejects with a DecodeError. */
  async decode(bytes: Uint8Array, name: string, opts: DecodeCallOptions = {}): Promise<ProfileData> {
    const budget = maxProfileMemoryBytes();
    this.counts.started++;
    this.counts.names.push(name);
    if (this.counts.names.length > 50) this.counts.names.shift();
    const size = bytes.length;
    try {
      const r = await decodeInWorker(bytes, { workerPath: this.workerPath, name, memoryBudgetBytes: budget, signal: opts.signal, transfer: opts.transfer });
      this.counts.succeeded++;
      const line = `Decoded ${name} (${size} bytes) in ${r.decodeMs.toFixed(0)} ms in a worker (${r.totalMs.toFixed(0)} ms in all)`;
      if (opts.quiet) this.log.debug(line);
      else this.log.info(line);
      return r.data;
    } catch (err) {
      this.counts.failed++;
      const e = err instanceof DecodeError ? err : new DecodeError('crashed', err instanceof Error ? err.message : String(err));
      if (e.kind !== 'cancelled') this.log.warn(`Decoding ${name} (${size} bytes) failed (${e.kind}, limit ${Math.round(budget / MiB)} MiB): ${e.message}`);
      throw e;
    }
  }

  /**
   * Reads and decodes a profile file. Rejects with an Error whose one-line message names the
   * file, and whose `cause` is the DecodeError when decoding failed.
   */
  async load(uri: vscode.Uri, opts: { signal?: AbortSignal } = {}): Promise<ProfileData> {
    const where = uri.scheme === 'file' ? uri.fsPath : uri.toString();
    const name = path.posix.basename(uri.path);
    let bytes: Uint8Array;
    try {
      // Not read at all when the file alone is over the budget.
      const { size } = await vscode.workspace.fs.stat(uri);
      const budget = maxProfileMemoryBytes();
      if (size > budget) throw new DecodeError('too-big', needsAbout(size, budget), size);
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (err) {
      if (err instanceof DecodeError) throw new Error(`Cannot open ${name}: ${err.message}`, { cause: err });
      throw new Error(`Cannot read ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    try {
      return await this.decode(bytes, name, { signal: opts.signal, transfer: true });
    } catch (err) {
      // decode() rejects with DecodeErrors only.
      const kind = (err as DecodeError).kind;
      const why = (err as DecodeError).message;
      const message = kind === 'invalid' ? `${name} is not a readable pprof profile: ${why}` : kind === 'cancelled' ? `Opening ${name} was cancelled.` : `Cannot open ${name}: ${why}`;
      throw new Error(message, { cause: err });
    }
  }
}

/** The DecodeError behind an error from ProfileDecoder.load or decode, if any. */
export function decodeErrorOf(err: unknown): DecodeError | undefined {
  if (err instanceof DecodeError) return err;
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof DecodeError ? cause : undefined;
}
