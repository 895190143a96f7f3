// Downloads a profile from a Go program's net/http/pprof endpoint with a size limit, a timeout,
// cancellation and errors that say what went wrong (src/net/boundedRequest.ts). Pure Node.
import { boundedRequest, networkErrorMessage } from '../../net/boundedRequest';
import { parseHttpUrl } from '../../net/url';

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
  const url = parseHttpUrl(input, 'Enter the address of a /debug/pprof/ endpoint, e.g. http://localhost:6060/debug/pprof/heap');
  if (typeof url === 'string') return url;
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

/** GETs a URL and returns the body. Rejects with FetchError. */
export async function fetchProfile(url: URL, opts: FetchOptions = {}): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const res = await boundedRequest(url, { method: 'GET', headers: { 'Accept': 'application/octet-stream, */*', 'User-Agent': 'go-memory-insight' } }, { maxBytes, timeoutMs: opts.timeoutMs, signal: opts.signal, onProgress: opts.onProgress }, {
    cancelled: () => new FetchError('Cancelled.'),
    tooBig: (declared) => new FetchError(declared !== undefined ? `The profile is ${declared} bytes, over the ${maxBytes}-byte limit.` : `The profile is over the ${maxBytes}-byte limit; stopped reading.`),
    timeout: () => new FetchError(`No complete answer from ${url.host} within ${Math.round(opts.timeoutMs! / 1000)} s.`),
    network: (e) => new FetchError(networkErrorMessage(e, url, { refused: 'is the program running and serving net/http/pprof on that port?', answer: 'the profile', other: (href, m) => `Could not fetch ${href}: ${m}` })),
    read: (e) => new FetchError(`Reading the answer from ${url.href} failed: ${e.message}`),
    early: (r) => {
      const status = r.statusCode ?? 0;
      if (status >= 300 && status < 400 && r.headers.location) return new FetchError(`${url.href} redirects to ${r.headers.location}; open that address instead.`);
      if (status === 200) return undefined;
      const hint = status === 404 ? ': is net/http/pprof imported (import _ "net/http/pprof") and the path right?' : '.';
      return new FetchError(`${url.href} returned ${status} ${r.statusMessage ?? ''}`.trimEnd() + hint, status);
    },
  });
  const type = String(res.headers['content-type'] ?? '');
  if (res.body.length === 0) throw new FetchError(`${url.href} returned an empty answer, not a profile.`);
  if (/text\/html/i.test(type)) throw new FetchError(`${url.href} returned an HTML page, not a profile (is this the pprof index? add an endpoint such as /heap).`);
  return res.body;
}
