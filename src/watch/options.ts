// What a heap watch polls and how often: the service's net/http/pprof endpoints from the
// address the user typed, and the bounds of the polling (an interval with a floor, a cap on the
// points kept, a size limit per answer, a timeout per request). Pure: shared by the extension
// and the CLI.

/** The shortest interval between two polls: `heap?gc=1` runs a full GC in the service. */
export const MIN_INTERVAL_MS = 1000;
export const MAX_INTERVAL_MS = 3_600_000;
export const DEFAULT_INTERVAL_MS = 5000;
/** Points kept in memory (the first one always stays: it is the base of the growth). */
export const DEFAULT_MAX_POINTS = 120;
export const MIN_MAX_POINTS = 2;
export const MAX_MAX_POINTS = 10_000;
/** Bytes one answer may have: a heap profile of a large service is a few MiB. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Polls that may fail in a row before the watch gives up (the first poll may not fail). */
export const DEFAULT_MAX_FAILURES = 3;

export interface WatchOptions {
  intervalMs: number;
  /** Stop after this many successful polls (0: until stopped). */
  count: number;
  maxPoints: number;
  maxBytes: number;
  timeoutMs: number;
  maxFailures: number;
}

export interface WatchOptionsInput {
  intervalMs?: number;
  count?: number;
  maxPoints?: number;
  maxBytes?: number;
  timeoutMs?: number;
  maxFailures?: number;
}

function whole(x: number | undefined, fallback: number, lo: number, hi: number): number {
  if (x === undefined || !Number.isFinite(x)) return fallback;
  return Math.min(hi, Math.max(lo, Math.round(x)));
}

/** Fills in the defaults and clamps every bound into its range (the interval to its floor). */
export function watchOptions(input: WatchOptionsInput = {}): WatchOptions {
  return {
    intervalMs: whole(input.intervalMs, DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
    count: whole(input.count, 0, 0, Number.MAX_SAFE_INTEGER),
    maxPoints: whole(input.maxPoints, DEFAULT_MAX_POINTS, MIN_MAX_POINTS, MAX_MAX_POINTS),
    maxBytes: whole(input.maxBytes, DEFAULT_MAX_BYTES, 1024, 2 ** 31),
    timeoutMs: whole(input.timeoutMs, DEFAULT_TIMEOUT_MS, 100, 600_000),
    maxFailures: whole(input.maxFailures, DEFAULT_MAX_FAILURES, 1, 1000),
  };
}

/** "5s", "500ms", "2m", "1h" or a bare number of seconds, in ms; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The endpoints one poll reads. */
export interface WatchEndpoints {
  /** The profile index, e.g. http://host:6060/debug/pprof/ */
  base: URL;
  heap: URL;
  goroutine: URL;
  goroutineLeak: URL;
}

/**
 * The endpoints from what the user typed: `host:port`, `http://host:port`, the pprof index
 * (`…/debug/pprof/`) or any of its profiles (`…/debug/pprof/heap`). A path elsewhere is taken
 * as the index of a pprof handler mounted there. Returns the endpoints or an error message.
 */
export function watchEndpoints(input: string): WatchEndpoints | string {
  let text = input.trim();
  if (!text) return 'Enter the address of a service serving net/http/pprof, e.g. http://localhost:6060';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `Not a valid URL: ${input.trim()}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only http and https URLs are supported, not ${url.protocol}`;
  let path = url.pathname;
  if (path === '' || path === '/') path = '/debug/pprof/';
  else {
    // A profile of the index: its directory is the index.
    const m = /^(.*\/)(heap|allocs|goroutine|goroutineleak|block|mutex|threadcreate|profile|trace|cmdline|symbol)$/.exec(path);
    if (m) path = m[1]!;
    else if (!path.endsWith('/')) path += '/';
  }
  const base = new URL(url.href);
  base.pathname = path;
  base.search = '';
  base.hash = '';
  const at = (name: string, query = ''): URL => {
    const u = new URL(base.href);
    u.pathname = path + name;
    u.search = query;
    return u;
  };
  return { base, heap: at('heap', 'gc=1'), goroutine: at('goroutine'), goroutineLeak: at('goroutineleak') };
}

/** The delay before the next poll: the interval counted from when the last one started, never negative. */
export function nextDelay(intervalMs: number, startedAt: number, endedAt: number): number {
  return Math.max(0, intervalMs - Math.max(0, endedAt - startedAt));
}
