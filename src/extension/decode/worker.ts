// The decoding worker (bundled as dist/decodeWorker.js): decodes one profile into ProfileData
// off the extension host's main thread, in a worker_threads Worker whose heap is capped
// (see decodeInWorker.ts), and posts it back with its typed arrays transferred, not copied.
// One profile per worker: the worker ends after its one reply.
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
    const data = toProfileData(decode(req.bytes, { memoryBudgetBytes: req.memoryBudgetBytes }), req.name);
    reply = { ok: true, data, ms: performance.now() - started };
  } catch (err) {
    port.postMessage(failure(err));
    return;
  }
  port.postMessage(reply, profileDataBuffers(reply.data));
}

if (parentPort) run(parentPort, workerData as DecodeRequest);
