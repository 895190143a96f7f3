// The decoding worker (bundled as dist/decodeWorker.js): decodes one profile into ProfileData
// off the extension host's main thread, in a worker_threads Worker whose heap is capped
// (see decodeInWorker.ts), and posts it back with its typed arrays transferred, not copied.
// One profile per worker: the worker ends after its one reply.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeProfile, toProfileData } from '../../pprof/decode';
import { profileDataBuffers, type DecodeReply, type DecodeRequest } from './protocol';

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
    // The decoder inflates within the budget and refuses, with its estimate, what would need more.
    const opts = { memoryBudgetBytes: req.memoryBudgetBytes };
    const data = toProfileData(decodeProfile(req.bytes, opts), req.name, opts);
    reply = { ok: true, data, ms: performance.now() - started };
  } catch (err) {
    port.postMessage(failure(err));
    return;
  }
  port.postMessage(reply, profileDataBuffers(reply.data));
}

if (parentPort) run(parentPort, workerData as DecodeRequest);
