// Downloads a profile from a Go program's net/http/pprof endpoint (node:http/https, no
// dependencies) with a size limit, cancellation and errors that say what went wrong.
import * as http from 'node:http';
import * as https from 'node:https';

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export class FetchError extends Error {
  constructor(
    message: string,
    /** The HTTP status when the server answered with something other than 200. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  signal?: AbortSignal;
  maxBytes?: number;
  /** Gives up after this long without the whole answer (ms). */
  timeoutMs?: number;
  onProgress?: (received: number) => void;
}

/** Endpoints that sample for a while and take ?seconds=N. */
export function takesSeconds(url: URL): boolean {
  return /\/debug\/pprof\/(profile|trace)$/.test(url.pathname);
}

/**
 * Checks and completes what the user typed: adds http:// when no scheme is given and the
 * heap endpoint when only host:port is given. Returns the URL or an error message.
 */
export function parseProfileUrl(input: string): URL | string {
  let text = input.trim();
  if (!text) return 'Enter the address of a /debug/pprof/ endpoint, e.g. http://localhost:6060/debug/pprof/heap';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `Not a valid URL: ${input}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only http and https URLs are supported, not ${url.protocol}`;
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/debug/pprof/heap';
  if (/\/debug\/pprof\/trace$/.test(url.pathname)) return 'The execution trace (/debug/pprof/trace) is not a pprof profile; use /debug/pprof/heap, /allocs or /profile.';
  return url;
}

/** Human name of an endpoint for titles: "heap", "allocs", "profile (30 s)". */
export function endpointName(url: URL): string {
  const name = url.pathname.split('/').filter(Boolean).pop() ?? 'profile';
  const seconds = url.searchParams.get('seconds');
  return seconds ? `${name} (${seconds} s)` : name;
}

function describeNetworkError(err: NodeJS.ErrnoException, url: URL): string {
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `Connection refused at ${where}: is the program running and serving net/http/pprof on that port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Unknown host ${url.hostname}.`;
    case 'ECONNRESET':
      return `The connection to ${where} was reset before the profile arrived.`;
    case 'ETIMEDOUT':
      return `Connecting to ${where} timed out.`;
    default:
      return `Could not fetch ${url.href}: ${err.message}`;
  }
}

/** GETs a URL and returns the body. Rejects with FetchError (or an AbortError when cancelled). */
export function fetchProfile(url: URL, opts: FetchOptions = {}): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise<Buffer>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new FetchError('Cancelled.'));
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
    const req = mod.get(url, { headers: { 'Accept': 'application/octet-stream, */*', 'User-Agent': 'go-memory-insight' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        fail(new FetchError(`${url.href} redirects to ${res.headers.location}; open that address instead.`));
        return;
      }
      if (status !== 200) {
        res.resume();
        const hint = status === 404 ? ': is net/http/pprof imported (import _ "net/http/pprof") and the path right?' : '.';
        fail(new FetchError(`${url.href} returned ${status} ${res.statusMessage ?? ''}`.trimEnd() + hint, status));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.resume();
        fail(new FetchError(`The profile is ${declared} bytes, over the ${maxBytes}-byte limit.`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(new FetchError(`The profile is over the ${maxBytes}-byte limit; stopped reading.`));
          return;
        }
        chunks.push(chunk);
        opts.onProgress?.(size);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        cleanup();
        const body = Buffer.concat(chunks);
        const type = String(res.headers['content-type'] ?? '');
        if (body.length === 0) reject(new FetchError(`${url.href} returned an empty answer, not a profile.`));
        else if (/text\/html/i.test(type)) reject(new FetchError(`${url.href} returned an HTML page, not a profile (is this the pprof index? add an endpoint such as /heap).`));
        else resolve(body);
      });
      res.on('error', (e) => fail(new FetchError(`Reading the answer from ${url.href} failed: ${e.message}`)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => fail(settled ? e : new FetchError(describeNetworkError(e, url))));
    const onAbort = () => fail(new FetchError('Cancelled.'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => fail(new FetchError(`No complete answer from ${url.host} within ${Math.round(opts.timeoutMs! / 1000)} s.`)), opts.timeoutMs) : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
  });
}
