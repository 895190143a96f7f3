// What the decoding worker (worker.ts, bundled as dist/decodeWorker.js) and its caller
// (decodeInWorker.ts) exchange. Pure: no `vscode`, no Node imports.
import type { ProfileData } from '../../shared/profileData';

/** The worker's input, passed as workerData. */
export interface DecodeRequest {
  /** The profile file's bytes (gzip or raw protobuf). */
  bytes: Uint8Array;
  /** Name of the profile (ProfileData.name). */
  name: string;
  /** Passed to the decoder: it refuses a profile it estimates to need more than this. */
  memoryBudgetBytes: number;
}

/** The worker's one message back: the profile (its typed arrays transferred), or why not. */
export type DecodeReply =
  | { ok: true; data: ProfileData; ms: number }
  | {
      ok: false;
      /** 'too-big': the decoder's budget refused it; 'invalid': not a readable profile. */
      kind: 'too-big' | 'invalid';
      message: string;
      /** With 'too-big', when the decoder says how much it would need. */
      neededBytes?: number;
    };

/** The distinct ArrayBuffers under a ProfileData's typed arrays (to transfer them, each once). */
export function profileDataBuffers(data: ProfileData): ArrayBuffer[] {
  const arrays = [data.funcStartLine, data.frameFunc, data.frameLine, ...(data.frameObjfile ? [data.frameObjfile] : []), data.stackStart, data.stackFrames, ...data.values];
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}
