// HTTP for the profiling engines' APIs (node:http/https, no dependencies): one request with a
// size limit on the answer, a timeout, cancellation, auth, and errors that say what went wrong.
import { boundedRequest, networkErrorMessage } from '../net/boundedRequest';
import { parseHttpUrl } from '../net/url';

/** Largest answer read, as for Open Profile from URL (256 MiB). */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Default time for one request, answer included (ms). */
export const DEFAULT_TIMEOUT_MS = 120_000;

export class FleetError extends Error {
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The Connect error code (e.g. "unimplemented"), when the server gave one. */
  readonly code?: string;

  constructor(message: string, details: { status?: number; code?: string } = {}) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'FleetError';
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
  }
}

/** Credentials: a bearer token or user:password for basic auth. Never kept in settings. */
export type FleetAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

/** Environment variables the CLI reads credentials from. */
export const TOKEN_ENV = 'GMI_FLEET_TOKEN';
export const BASIC_AUTH_ENV = 'GMI_FLEET_BASIC_AUTH';

/** Credentials from the environment: $GMI_FLEET_TOKEN (bearer) or $GMI_FLEET_BASIC_AUTH (user:password). */
export function authFromEnv(env: NodeJS.ProcessEnv): FleetAuth | undefined {
  const token = env[TOKEN_ENV]?.trim();
  const basic = env[BASIC_AUTH_ENV];
  if (token && basic) throw new FleetError(`both ${TOKEN_ENV} and ${BASIC_AUTH_ENV} are set; keep one`);
  if (token) return { kind: 'bearer', token };
  if (basic) return parseBasicAuth(basic, BASIC_AUTH_ENV);
  return undefined;
}

/** "user:password" (the password may contain ':'). */
export function parseBasicAuth(text: string, where: string): FleetAuth {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new FleetError(`${where} must be user:password`);
  return { kind: 'basic', user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function authHeader(auth: FleetAuth): string {
  return auth.kind === 'bearer' ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
}

/** Where a server is and how to talk to it. */
export interface FleetServer {
  url: URL;
  auth?: FleetAuth;
  /** Pyroscope's tenant (X-Scope-OrgID), for multi-tenant installs. */
  tenant?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  maxBytes?: number;
  timeoutMs?: number;
  onProgress?: (received: number) => void;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Checks what the user typed as a server address: http(s), no query. Returns the URL or an error. */
export function parseServerUrl(input: string): URL | string {
  const url = parseHttpUrl(input, 'Enter the server address, e.g. http://localhost:7070 (Parca) or http://localhost:4040 (Pyroscope)');
  if (typeof url === 'string') return url;
  if (url.username || url.password) return 'Put no credentials in the address: set them with "Set Profile Server Credentials…" (or GMI_FLEET_TOKEN / GMI_FLEET_BASIC_AUTH for the CLI)';
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The server's address joined with an API path (the server may live under a path prefix). */
export function endpoint(server: FleetServer, apiPath: string): URL {
  return new URL(apiPath.replace(/^\//, ''), server.url);
}

/**
 * Sends one request and reads the whole answer (any status). Rejects with FleetError on
 * network errors, a too big answer, the timeout or cancellation ("Cancelled.").
 */
export async function request(server: FleetServer, url: URL, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Uint8Array }, opts: RequestOptions = {}): Promise<HttpAnswer> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { 'User-Agent': 'go-memory-insight', ...init.headers };
  if (server.auth) headers['Authorization'] = authHeader(server.auth);
  if (server.tenant) headers['X-Scope-OrgID'] = server.tenant;
  const res = await boundedRequest(url, { method: init.method, headers, body: init.body }, { maxBytes, timeoutMs, signal: opts.signal, onProgress: opts.onProgress }, {
    cancelled: () => new FleetError('Cancelled.'),
    tooBig: (declared) => new FleetError(declared !== undefined ? `The answer from ${url.host} is ${declared} bytes, over the ${maxBytes}-byte limit.` : `The answer from ${url.host} is over the ${maxBytes}-byte limit; stopped reading.`),
    timeout: () => new FleetError(`No complete answer from ${url.host} within ${Math.round(timeoutMs / 1000)} s.`),
    network: (e) => new FleetError(networkErrorMessage(e, url, { refused: 'is the server running on that port?', answer: 'the answer', other: (href, m) => `Request to ${href} failed: ${m}` })),
    read: (e) => new FleetError(`Reading the answer from ${url.host} failed: ${e.message}`),
  });
  return { status: res.status, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
}

/** A one-line excerpt of an error body for messages. */
export function excerpt(body: Buffer, max = 300): string {
  const text = body.subarray(0, max * 4).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Parses a JSON answer; FleetError when it is not JSON. */
export function parseJson(answer: HttpAnswer, url: URL): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new FleetError(`${url.href} did not answer JSON (${answer.contentType || 'no content type'}): ${excerpt(answer.body)}`, { status: answer.status });
  }
}
