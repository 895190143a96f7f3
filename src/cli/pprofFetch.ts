// `go-memory-insight pprof fetch (--parca URL | --pyroscope URL) --query 'TYPE{…}' [--since 1h |
// --from T --to T] -o FILE`: the merged profile of a query over a window, from a continuous
// profiling engine, written as a gzip'd pprof file (checked by decoding it first).
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CliIO } from './command';
import { CliError, scanArgs } from './command';
// Only functions from './pprof' (which lists this subcommand): its constants are not set yet
// while this module loads.
import { parseSize, type PprofSubcommand } from './pprof';
import { defaultSampleIndex, ProfileError, type DecodeOptions } from '../pprof/decode';
import { formatValue } from '../pprof/units';
import { authFromEnv, BASIC_AUTH_ENV, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, FleetError, parseServerUrl, TOKEN_ENV } from '../fleet/http';
import { fetchMergedProfile, type Engine, type EngineKind } from '../fleet/client';
import { parseQuery, QueryError } from '../fleet/query';
import { resolveTimeRange, TimeRangeError, type TimeRangeArgs } from '../fleet/timeRange';

interface FetchArgs {
  kind?: EngineKind;
  url?: string;
  query?: string;
  out?: string;
  tenant?: string;
  range: TimeRangeArgs;
  timeoutMs: number;
  maxBytes: number;
  decode: DecodeOptions;
}

function parseArgs(args: string[]): FetchArgs {
  const a: FetchArgs = { range: {}, timeoutMs: DEFAULT_TIMEOUT_MS, maxBytes: DEFAULT_MAX_BYTES, decode: {} };
  const engine = (kind: EngineKind, flag: string, url: string) => {
    if (a.kind) throw new CliError(`give one server: --parca or --pyroscope (${flag} after --${a.kind})`, 2);
    a.kind = kind;
    a.url = url;
  };
  const rest = scanArgs(args, (flag, value) => {
    switch (flag) {
      case '--parca':
        engine('parca', flag, value());
        return true;
      case '--pyroscope':
        engine('pyroscope', flag, value());
        return true;
      case '--query':
      case '-q':
        a.query = value();
        return true;
      case '--since':
        a.range.since = value();
        return true;
      case '--from':
        a.range.from = value();
        return true;
      case '--to':
        a.range.to = value();
        return true;
      case '-o':
      case '--output':
        a.out = value();
        return true;
      case '--tenant':
        a.tenant = value();
        return true;
      case '--timeout': {
        const v = value();
        const s = Number(v);
        if (!(s > 0)) throw new CliError(`--timeout: expected seconds, got "${v}"`, 2);
        a.timeoutMs = s * 1000;
        return true;
      }
      case '--max-size':
        a.maxBytes = parseSize(flag, value());
        return true;
      case '--max-memory':
        a.decode.memoryBudgetBytes = parseSize(flag, value());
        return true;
      default:
        return false;
    }
  });
  if (rest.length > 0) throw new CliError(`unexpected argument "${rest[0]}"`, 2);
  if (!a.kind) throw new CliError('missing the server: --parca URL or --pyroscope URL', 2);
  if (!a.query) throw new CliError("missing --query 'TYPE{label=\"value\",…}', e.g. --query 'memory:inuse_space:bytes:space:bytes{job=\"svc\"}'", 2);
  if (!a.out) throw new CliError('missing -o FILE', 2);
  return a;
}

async function runFetch(args: string[], io: CliIO): Promise<number> {
  const a = parseArgs(args);
  const url = parseServerUrl(a.url!);
  if (typeof url === 'string') throw new CliError(`--${a.kind}: ${url}`, 2);
  let engine: Engine;
  try {
    const auth = authFromEnv(io.env);
    engine = { kind: a.kind!, server: { url, ...(auth ? { auth } : {}), ...(a.tenant ? { tenant: a.tenant } : {}) } };
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  let query, range;
  try {
    query = parseQuery(a.query!);
    range = resolveTimeRange(a.range);
  } catch (err) {
    if (err instanceof QueryError) throw new CliError(`--query: ${err.message}`, 2);
    if (err instanceof TimeRangeError) throw new CliError(err.message, 2);
    throw err;
  }
  let fetched;
  try {
    fetched = await fetchMergedProfile(engine, query, range, { timeoutMs: a.timeoutMs, maxBytes: a.maxBytes, ...a.decode });
  } catch (err) {
    if (err instanceof FleetError) throw new CliError(err.message);
    if (err instanceof ProfileError) throw new CliError(`the server's answer is not a usable pprof profile: ${err.message}${err.code === 'too-big' ? ' (raise the limit with --max-memory)' : ''}`);
    throw err;
  }
  const outPath = path.isAbsolute(a.out!) ? a.out! : path.join(io.cwd, a.out!);
  try {
    await writeFile(outPath, fetched.gz);
  } catch (err) {
    throw new CliError(`cannot write ${a.out}: ${(err as Error).message}`);
  }
  const p = fetched.profile;
  const index = defaultSampleIndex(p);
  const st = p.sampleTypes[index];
  let total = 0;
  const n = p.sampleValues.length / Math.max(1, p.sampleTypes.length);
  for (let s = 0; s < n; s++) total += p.sampleValues[s * p.sampleTypes.length + index]!;
  const what = st ? `, ${st.type} ${formatValue(total, st.unit)}` : '';
  io.stderr(`wrote ${a.out} (${Math.round(fetched.gz.length / 1024)} KiB${what}) from ${fetched.title} via ${fetched.api}\n`);
  return 0;
}

export const pprofFetch: PprofSubcommand = {
  name: 'fetch',
  summary: 'the merged profile of a query over a time window, from Parca or Grafana Pyroscope',
  synopsis: "(--parca URL | --pyroscope URL) --query 'TYPE{label=\"value\",…}' [--since 1h | --from T --to T] -o FILE",
  help: [
    'TYPE            name:sample_type:sample_unit:period_type:period_unit, e.g.',
    '                memory:inuse_space:bytes:space:bytes (Parca adds :delta for CPU)',
    '{…}             label matchers: name="v", name!="v", name=~"re", name!~"re"',
    '--since D       the last D: 30m, 1h, 1h30m, 2d (default 1h)',
    '--from/--to T   RFC 3339 (2026-05-01T10:00:00Z), Unix seconds, now, now-2h',
    '-o FILE         where to write the profile (gzip\'d pprof, for go tool pprof too)',
    '--tenant ID     Pyroscope tenant (X-Scope-OrgID) on a multi-tenant server',
    '--timeout S     seconds to wait for the answer (default 120)',
    '--max-size N    largest answer read, e.g. 512M (default 256M)',
    '--max-memory N  memory the profile may take once decoded, e.g. 2G (default 1G)',
    `Credentials from the environment: ${TOKEN_ENV} (bearer token) or`,
    `${BASIC_AUTH_ENV} (user:password).`,
    'Parca: GET /api/profiles/query (mode MODE_MERGE, report REPORT_TYPE_PPROF).',
    'Pyroscope: Connect querier.v1.QuerierService/SelectMergeStacktraces (pprof format,',
    'v2.2+), else SelectMergeProfile.',
  ],
  run: runFetch,
};
