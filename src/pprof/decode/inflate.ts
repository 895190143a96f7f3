// gzip inflation within the budget, and the first check that the data looks like a profile.
import { type DecodeOptions, MemoryBudget, ProfileError, RAW_FACTOR, budgetOf, tooBig } from './budget';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { topValue, topVarint } from './wire';

/** Input bytes inflated first (at most ~1 MB out), to check that the data looks like a profile. */
const PREFIX_INPUT = 1024;

/**
 * The bytes of a profile file inflated if they are gzip data (by the magic bytes), as
 * decodeProfile reads them. The inflated data may take at most half the memory budget (see
 * maxInputBytes): beyond it, the 'too-big' ProfileError. Its first kilobytes are inflated
 * first and checked (checkPrefix): gigabytes of zeros stop there, as not a profile.
 */
export function inflate(bytes: Uint8Array, opts: DecodeOptions = {}): Uint8Array {
  return inflateWithin(bytes, new MemoryBudget(budgetOf(opts)));
}

export function inflateWithin(bytes: Uint8Array, budget: MemoryBudget): Uint8Array {
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  budget.charge(bytes.length);
  const n = bytes.length;
  const corrupt = (err: unknown) => new ProfileError(`corrupt gzip data: ${(err as Error).message}`);
  // The start: deflate turns a byte into at most 1032, so this stays small.
  if (n > PREFIX_INPUT) {
    let prefix: Uint8Array;
    try {
      prefix = gunzipSync(bytes.subarray(0, PREFIX_INPUT), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw corrupt(err);
    }
    checkPrefix(prefix);
  }
  const limit = Math.floor((budget.limit - budget.used) / 2);
  // The last four bytes of gzip data are the inflated size (mod 2^32). Output chunks that
  // big let zlib inflate into one buffer, with no copy joining chunks at the end. Only a
  // hint: it is believed up to deflate's maximum ratio (1032:1); a wrong or truncated
  // trailer costs some chunks, not correctness. Beyond the limit, the profile is too big
  // (without inflating it: a file that lies about it is not a profile anyway).
  const isize = (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
  const plausible = n >= 18 && isize <= n * 1032;
  const tooLarge = (size: number) => tooBig(budget.used + size * RAW_FACTOR, budget.limit);
  if (plausible && isize > limit) throw tooLarge(isize);
  const chunkSize = plausible && isize > 1 << 16 ? isize + 1 : 1 << 16;
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes, { maxOutputLength: Math.max(limit, 1), chunkSize });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(Math.max(limit + 1, plausible ? isize : 0));
    throw corrupt(err);
  }
  budget.charge(out.length);
  return out;
}

/**
 * Checks the start of inflated data: a legacy text profile, or top-level fields that no
 * profile has (field number 0, group or reserved wire types) throw ProfileError. Fields
 * cut by the end of the prefix are fine.
 */
function checkPrefix(prefix: Uint8Array): void {
  const text = looksLikeText(prefix);
  if (text) throw new ProfileError(text);
  let pos = 0;
  const len = prefix.length;
  const varintEnd = (at: number): number => {
    for (let i = at; i < Math.min(len, at + 10); i++) if (prefix[i]! < 0x80) return i + 1;
    return at + 10 <= len ? -2 : -1; // -2: malformed, -1: cut by the end
  };
  while (pos < len) {
    const tagEnd = varintEnd(pos);
    if (tagEnd === -1) return;
    if (tagEnd === -2) throw new ProfileError(`not a valid pprof profile: malformed varint at offset ${pos}`);
    topVarint(prefix, pos);
    const field = Math.floor(topValue / 8);
    const wire = topValue % 8;
    if (field === 0) throw new ProfileError(`not a valid pprof profile: field number 0 at offset ${pos}`);
    if (wire === 3) return; // a group (no profile has one; the decoder skips it)
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) throw new ProfileError(`not a valid pprof profile: wire type ${wire} at offset ${pos}`);
    pos = tagEnd;
    if (wire === 0) {
      const e = varintEnd(pos);
      if (e === -1) return;
      if (e === -2) throw new ProfileError(`not a valid pprof profile: malformed varint at offset ${pos}`);
      pos = e;
    } else if (wire === 2) {
      const e = varintEnd(pos);
      if (e < 0) return;
      topVarint(prefix, pos);
      pos = e + topValue;
    } else pos += wire === 1 ? 8 : 4;
  }
}

export function looksLikeText(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
  if (/^(heap profile:|--- (contention|mutex|heapz|threadz)|[a-z]+ profile: total \d+|goroutine profile:|--- cpu)/.test(head)) {
    return 'this is a legacy text profile (debug=1); write it in the binary format (debug=0), e.g. go test -memprofile';
  }
  return undefined;
}
