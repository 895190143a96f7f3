// Parca's query API over its REST gateway (grpc-gateway in front of
// parca.query.v1alpha1.QueryService, mounted at /api):
//   merged profile  GET /api/profiles/query?mode=MODE_MERGE&reportType=REPORT_TYPE_PPROF
//                       &merge.query=TYPE{…}&merge.start=RFC3339&merge.end=RFC3339
//                   → {"pprof": base64 of the gzip'd pprof, "total": "…", "filtered": "…"}
//   profile types   GET /api/profiles/types?start=…&end=…  → {"types": [{name, sampleType, …, delta}]}
//   label names     GET /api/profiles/labels?profileType=…&start=…&end=…  → {"labelNames": […]}
//   label values    GET /api/profiles/labels/{name}/values?profileType=…&start=…&end=…  → {"labelValues": […]}
// (proto/parca/query/v1alpha1/query.proto; 64-bit numbers come as strings, timestamps as RFC 3339.)
import { DEFAULT_MAX_BYTES, endpoint, excerpt, FleetError, parseJson, request, type FleetServer, type HttpAnswer, type RequestOptions } from './http';
import { formatQuery, profileTypeId, type FleetQuery } from './query';
import type { TimeRange } from './timeRange';
import type { MergedProfile, ProfileTypeInfo } from './types';

const iso = (ms: number) => new Date(ms).toISOString();

/** The URL of a merged-profile query (exported for the tests). */
export function parcaQueryUrl(server: FleetServer, query: FleetQuery, range: TimeRange): URL {
  const url = endpoint(server, 'api/profiles/query');
  url.searchParams.set('mode', 'MODE_MERGE');
  url.searchParams.set('reportType', 'REPORT_TYPE_PPROF');
  url.searchParams.set('merge.query', formatQuery(query));
  url.searchParams.set('merge.start', iso(range.startMs));
  url.searchParams.set('merge.end', iso(range.endMs));
  return url;
}

/** A grpc-gateway error ({"code": 3, "message": "…"}) or another failure as FleetError. */
function parcaError(answer: HttpAnswer, url: URL): FleetError {
  let message = excerpt(answer.body);
  try {
    const j = JSON.parse(answer.body.toString('utf8')) as { message?: unknown };
    if (typeof j.message === 'string' && j.message) message = j.message;
  } catch {
    // not JSON: the excerpt says what came back
  }
  const hint = answer.status === 401 || answer.status === 403 ? ' (check the credentials)' : answer.status === 404 ? ' (is this a Parca server? the API is under /api)' : '';
  return new FleetError(`Parca at ${url.host} answered ${answer.status}: ${message}${hint}`, { status: answer.status });
}

async function getJson(server: FleetServer, url: URL, opts: RequestOptions): Promise<Record<string, unknown>> {
  const answer = await request(server, url, { method: 'GET', headers: { Accept: 'application/json' } }, opts);
  if (answer.status !== 200) throw parcaError(answer, url);
  const j = parseJson(answer, url);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new FleetError(`${url.href} answered ${excerpt(answer.body)}, not an object`);
  return j as Record<string, unknown>;
}

/** Decodes the answer of a merged-profile query: the gzip'd pprof bytes. */
export function decodeParcaQueryResponse(json: Record<string, unknown>): Buffer {
  const b64 = json.pprof;
  if (typeof b64 !== 'string') {
    const other = Object.keys(json).filter((k) => k !== 'total' && k !== 'filtered');
    throw new FleetError(`Parca's answer has no pprof report${other.length ? ` (it has ${other.join(', ')})` : ''}`);
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new FleetError("Parca's pprof report is not base64");
  const bytes = Buffer.from(b64, b64.includes('-') || b64.includes('_') ? 'base64url' : 'base64');
  if (bytes.length === 0) throw new FleetError('Parca returned an empty profile: no samples match the query in that window');
  return bytes;
}

export async function parcaMergedProfile(server: FleetServer, query: FleetQuery, range: TimeRange, opts: RequestOptions = {}): Promise<MergedProfile> {
  const url = parcaQueryUrl(server, query, range);
  // The pprof is base64 in JSON: a third bigger than the bytes the limit is about.
  const maxBytes = Math.ceil(((opts.maxBytes ?? DEFAULT_MAX_BYTES) * 4) / 3) + 64 * 1024;
  const json = await getJson(server, url, { ...opts, maxBytes });
  return { pprof: decodeParcaQueryResponse(json), api: 'parca.query.v1alpha1.QueryService/Query' };
}

function strings(json: Record<string, unknown>, key: string, url: URL): string[] {
  const v = json[key] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new FleetError(`${url.href}: "${key}" is not a list of strings`);
  return v as string[];
}

function rangeParams(url: URL, range: TimeRange): void {
  url.searchParams.set('start', iso(range.startMs));
  url.searchParams.set('end', iso(range.endMs));
}

export async function parcaProfileTypes(server: FleetServer, range: TimeRange, opts: RequestOptions = {}): Promise<ProfileTypeInfo[]> {
  const url = endpoint(server, 'api/profiles/types');
  rangeParams(url, range);
  const json = await getJson(server, url, opts);
  const types = json.types ?? [];
  if (!Array.isArray(types)) throw new FleetError(`${url.href}: "types" is not a list`);
  return types.map((t: Record<string, unknown>) => {
    const s = (k: string) => (typeof t[k] === 'string' ? (t[k] as string) : '');
    const info = { name: s('name'), sampleType: s('sampleType'), sampleUnit: s('sampleUnit'), periodType: s('periodType'), periodUnit: s('periodUnit'), delta: t.delta === true };
    return { id: profileTypeId(info), ...info };
  });
}

export async function parcaLabelNames(server: FleetServer, profileType: string, range: TimeRange, opts: RequestOptions = {}): Promise<string[]> {
  const url = endpoint(server, 'api/profiles/labels');
  url.searchParams.set('profileType', profileType);
  rangeParams(url, range);
  return strings(await getJson(server, url, opts), 'labelNames', url);
}

export async function parcaLabelValues(server: FleetServer, profileType: string, label: string, range: TimeRange, opts: RequestOptions = {}): Promise<string[]> {
  const url = endpoint(server, `api/profiles/labels/${encodeURIComponent(label)}/values`);
  url.searchParams.set('profileType', profileType);
  rangeParams(url, range);
  return strings(await getJson(server, url, opts), 'labelValues', url);
}
