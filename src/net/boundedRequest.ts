// One HTTP request with the bounds every fetch of this project keeps (node:http/https, no
// dependencies): an answer read up to a size limit (the declared length checked first), a
// timeout for the whole answer, cancellation, and network errors in words. Shared by Open
// Profile from URL and the heap watch (src/extension/flame/fetchProfile.ts) and by the fleet
// clients (src/fleet/http.ts), which each word their own errors. Pure Node.
import * as http from 'node:http';
import * as https from 'node:https';

export interface BoundedRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface BoundedRequestOptions {
  signal?: AbortSignal;
  maxBytes: number;
  /** Gives up after this long without the whole answer (ms); none when undefined or 0. */
  timeoutMs?: number;
  onProgress?: (received: number) => void;
}

export interface BoundedResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The errors a caller rejects with, in its own words. */
export interface BoundedErrors {
  cancelled(): Error;
  /** The answer is over maxBytes: `declared` when its Content-Length said so before reading. */
  tooBig(declared: number | undefined): Error;
  timeout(): Error;
  network(err: NodeJS.ErrnoException): Error;
  read(err: Error): Error;
  /** Looked at when the headers arrive: an Error ends the request without reading the body. */
  early?(res: http.IncomingMessage): Error | undefined;
}

export function boundedRequest(url: URL, init: BoundedRequestInit, opts: BoundedRequestOptions, errors: BoundedErrors): Promise<BoundedResponse> {
  return new Promise<BoundedResponse>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(errors.cancelled());
      return;
    }
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      reject(e);
    };
    const headers = init.body ? { ...init.headers, 'Content-Length': String(init.body.length) } : init.headers;
    const req = mod.request(url, { method: init.method, headers }, (res) => {
      const early = errors.early?.(res);
      if (early) {
        res.resume();
        fail(early);
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        res.resume();
        fail(errors.tooBig(declared));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) {
          fail(errors.tooBig(undefined));
          return;
        }
        chunks.push(chunk);
        opts.onProgress?.(size);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => fail(errors.read(e)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => fail(settled ? e : errors.network(e)));
    const onAbort = () => fail(errors.cancelled());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => fail(errors.timeout()), opts.timeoutMs) : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    req.end(init.body);
  });
}

/** A network error in words; `words` says what was expected at the address and what the answer was. */
export function networkErrorMessage(err: NodeJS.ErrnoException, url: URL, words: { refused: string; answer: string; other: (href: string, message: string) => string }): string {
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `Connection refused at ${where}: ${words.refused}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Unknown host ${url.hostname}.`;
    case 'ECONNRESET':
      return `The connection to ${where} was reset before ${words.answer} arrived.`;
    case 'ETIMEDOUT':
      return `Connecting to ${where} timed out.`;
    default:
      return words.other(url.href, err.message);
  }
}
