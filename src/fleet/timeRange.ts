// The time window of a merged profile: `--since 1h` (up to now), or `--from T --to T` where T
// is an RFC 3339 time (2026-05-01T10:00:00Z, or a local 2026-05-01 10:00), a Unix time in
// seconds or milliseconds, `now`, or `now-DURATION`. Durations: 90s, 15m, 1h30m, 2d, 1w.

export interface TimeRange {
  /** Milliseconds since the Unix epoch. */
  startMs: number;
  endMs: number;
}

export class TimeRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeRangeError';
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** A duration such as 30s, 15m, 1h30m, 2d or 1w in milliseconds; throws TimeRangeError. */
export function parseDuration(text: string): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (!s || matched !== s.length) throw new TimeRangeError(`"${text}" is not a duration such as 30s, 15m, 1h30m, 2d or 1w`);
  if (!(total > 0)) throw new TimeRangeError(`the duration "${text}" is zero`);
  return Math.round(total);
}

/** A point in time (see the header) in milliseconds; throws TimeRangeError. */
export function parseTime(text: string, nowMs: number): number {
  const s = text.trim();
  if (s === 'now') return nowMs;
  const rel = /^now\s*-\s*(.+)$/.exec(s);
  if (rel) return nowMs - parseDuration(rel[1]!);
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    // Seconds until the year 5138, milliseconds after that: 11 digits or fewer are seconds.
    return s.length <= 11 ? n * 1000 : n;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s)) {
    const t = Date.parse(s.replace(' ', 'T'));
    if (Number.isFinite(t)) return t;
  }
  throw new TimeRangeError(`"${text}" is not a time: use RFC 3339 (2026-05-01T10:00:00Z), Unix seconds, now or now-1h`);
}

export interface TimeRangeArgs {
  since?: string;
  from?: string;
  to?: string;
}

/** The window the flags give; the default is the last hour. Throws TimeRangeError. */
export function resolveTimeRange(args: TimeRangeArgs, nowMs: number = Date.now()): TimeRange {
  if (args.since !== undefined && (args.from !== undefined || args.to !== undefined)) {
    throw new TimeRangeError('give either --since or --from/--to, not both');
  }
  if (args.since !== undefined) return { startMs: nowMs - parseDuration(args.since), endMs: nowMs };
  const endMs = args.to !== undefined ? parseTime(args.to, nowMs) : nowMs;
  const startMs = args.from !== undefined ? parseTime(args.from, nowMs) : endMs - UNIT_MS.h!;
  if (!(startMs < endMs)) throw new TimeRangeError(`the window is empty: ${new Date(startMs).toISOString()} is not before ${new Date(endMs).toISOString()}`);
  return { startMs, endMs };
}

/** The same window shifted back, e.g. by a day for "this hour vs the same hour yesterday". */
export function shiftRange(r: TimeRange, byMs: number): TimeRange {
  return { startMs: r.startMs - byMs, endMs: r.endMs - byMs };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "2026-05-01 10:00–11:00 UTC", or with both dates when the window crosses a day. */
export function formatTimeRange(r: TimeRange): string {
  const a = new Date(r.startMs);
  const b = new Date(r.endMs);
  const day = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${d.getUTCSeconds() ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return day(a) === day(b) ? `${day(a)} ${time(a)}–${time(b)} UTC` : `${day(a)} ${time(a)} – ${day(b)} ${time(b)} UTC`;
}
