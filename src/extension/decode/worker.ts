// The decoding worker (bundled as dist/decodeWorker.js): decodes one profile into ProfileData
// off the extension host's main thread, in a worker_threads Worker whose heap is capped
// (see decodeInWorker.ts), and posts it back with its typed arrays transferred, not copied.
// One profile per worker: the worker ends after its one reply.
import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeProfile, toProfileData, type PprofProfile } from '../../pprof/decode';
import { profileDataBuffers, type DecodeReply, type DecodeRequest } from './protocol';

/**
 * decodeProfile with its options argument: `memoryBudgetBytes` makes the decoder refuse a
 * profile it estimates to need more than that, with a ProfileError whose `code` is 'too-big'
 * and whose `neededBytes` says how much. A decoder without the argument ignores it (the
 * worker's heap limit is the backstop either way).
 */
const decode: (input: Uint8Array, options?: { memoryBudgetBytes?: number }) => PprofProfile = decodeProfile;

/**
 * Gzip data inflated within the budget, before the decoder sees it: the inflated bytes live
 * outside the V8 heap, where the worker's heap limit does not reach, so a decompression bomb
 * would otherwise cost up to the decoder's own cap (1 GiB) whatever the budget. Bytes that are
 * not gzip are returned as they are.
 */
function inflateWithin(bytes: Uint8Array, budget: number): Uint8Array {
  const n = bytes.length;
  if (n < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const limit = Math.min(budget, bufferConstants.MAX_LENGTH);
  // The gzip trailer's inflated size (mod 2^32), believed up to deflate's maximum ratio:
  // output chunks that big inflate into one buffer, with no copy joining chunks at the end.
  const isize = n >= 18 ? (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0 : 0;
  const chunkSize = isize > 1 << 16 && isize < limit && isize <= n * 1032 ? isize + 1 : 1 << 16;
  try {
    return gunzipSync(bytes, { maxOutputLength: limit, chunkSize });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw Object.assign(new Error('the profile inflates to more than the memory limit'), { code: 'too-big' });
    throw new Error(`corrupt gzip data: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function failure(err: unknown): DecodeReply {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; neededBytes?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === 'too-big') {
    const reply: DecodeReply = { ok: false, kind: 'too-big', message };
    if (typeof e.neededBytes === 'number' && Number.isFinite(e.neededBytes) && e.neededBytes > 0) reply.neededBytes = e.neededBytes;
    return reply;
  }
  return { ok: false, kind: 'invalid', message };
}

function run(port: NonNullable<typeof parentPort>, req: DecodeRequest): void {
  const started = performance.now();
  let reply: DecodeReply;
  try {
    const bytes = inflateWithin(req.bytes, req.memoryBudgetBytes);
    if (bytes.length === 0) throw new Error('empty profile after decompression');
    const data = toProfileData(decode(bytes, { memoryBudgetBytes: req.memoryBudgetBytes }), req.name);
    reply = { ok: true, data, ms: performance.now() - started };
  } catch (err) {
    port.postMessage(failure(err));
    return;
  }
  port.postMessage(reply, profileDataBuffers(reply.data));
}

if (parentPort) run(parentPort, workerData as DecodeRequest);
