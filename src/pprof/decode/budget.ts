// Errors and the memory budget of a decode: ProfileError, and the estimate of what a profile
// takes, charged as it is read (see the bounds in ../decode.ts).
import { formatBytes } from '../units';

/**
 * What went wrong: 'invalid' (not a pprof profile, or a malformed one), 'too-big' (it needs
 * more memory than the budget allows; see neededBytes) or 'unsupported' (absurd counts, such
 * as millions of sample types, that no profiler writes).
 */
export type ProfileErrorCode = 'invalid' | 'too-big' | 'unsupported';

/** A malformed, unreadable or too big profile. The message is one line. */
export class ProfileError extends Error {
  readonly code: ProfileErrorCode;
  /** With code 'too-big': about how many bytes of memory opening the profile takes. */
  readonly neededBytes?: number;

  constructor(message: string, details: { code?: ProfileErrorCode; neededBytes?: number } = {}) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'ProfileError';
    this.code = details.code ?? 'invalid';
    if (details.neededBytes !== undefined) this.neededBytes = details.neededBytes;
  }
}

/** Default DecodeOptions.memoryBudgetBytes: 1 GiB, what an editor can spare for one profile. */
export const DEFAULT_MEMORY_BUDGET = 2 ** 30;

/** Profiles with more sample types are refused (Go writes at most 4; other profilers a few). */
export const MAX_SAMPLE_TYPES = 1000;

export interface DecodeOptions {
  /**
   * Memory the decoded profile may take, in bytes (DEFAULT_MEMORY_BUDGET when not set): the
   * inflated data, the model and (for toProfileData) ProfileData, estimated from the counts
   * of what the file holds as it is read. Beyond it: ProfileError with code 'too-big'.
   */
  memoryBudgetBytes?: number;
}

export interface ProfileDataOptions extends DecodeOptions {
  /** Stacks deeper than this many frames are cut (MAX_STACK_DEPTH when not set); see stackDepth.ts. */
  maxStackDepth?: number;
}

export function budgetOf(opts: DecodeOptions | undefined): number {
  const b = opts?.memoryBudgetBytes;
  return b !== undefined && b > 0 ? b : DEFAULT_MEMORY_BUDGET;
}

/** The 'too-big' error. */
export function tooBig(needed: number, limit: number, what = 'this profile'): ProfileError {
  const n = Math.ceil(needed);
  return new ProfileError(`${what} needs about ${formatBytes(n)} of memory to open, more than the ${formatBytes(limit)} allowed`, { code: 'too-big', neededBytes: n });
}

/**
 * The memory a decode has taken (estimated), charged as it goes. `charge` throws the
 * 'too-big' ProfileError once the total passes the limit.
 */
export class MemoryBudget {
  used = 0;
  /** While something is read in order: what the total will be at this rate, for the figure. */
  project: ((used: number) => number) | undefined;
  constructor(readonly limit: number) {}

  /** Adds bytes; over the limit, throws with `projected` (at least the total so far) as the figure. */
  charge(bytes: number, projected = 0): void {
    this.used += bytes;
    if (this.used > this.limit) throw tooBig(Math.max(this.used, projected, this.project?.(this.used) ?? 0), this.limit);
  }
}

/**
 * The largest input (a file, standard input) worth reading for a budget: decoding takes the
 * data and at least as much again, so more than half the budget is too big to start.
 */
export function maxInputBytes(opts?: DecodeOptions): number {
  return Math.floor(budgetOf(opts) / 2);
}

/** The 'too-big' error for input of `size` bytes (or more) over maxInputBytes. */
export function inputTooBig(size: number, opts?: DecodeOptions, what = 'this profile'): ProfileError {
  return tooBig(size * RAW_FACTOR, budgetOf(opts), what);
}

/** Memory a profile takes per byte of its inflated data (the data, the model, ProfileData): measured on Go heap profiles. */
export const RAW_FACTOR = 3;
