// Grafana Pyroscope's query API: the Connect protocol (unary: POST /SERVICE/METHOD, the
// request message as the body) on querier.v1.QuerierService (api/querier/v1/querier.proto,
// api/types/v1/types.proto in grafana/pyroscope).
//
//   merged profile  SelectMergeStacktraces {profile_typeID, label_selector, start, end (ms),
//                   format: PROFILE_FORMAT_PPROF} → {pprof: {profile: google.v1.Profile}}
//                   (v2.2 and later). A server that does not know that format answers without
//                   the pprof field (or "unimplemented"): then SelectMergeProfile (same request
//                   fields) → google.v1.Profile, which older servers have.
//   pickers         ProfileTypes {start, end} → {profileTypes: [{ID, name, sampleType, …}]}
//                   LabelNames {matchers, start, end} → {names}; LabelValues {name, matchers, start, end} → {names}
//
// The profile calls use the binary codec (application/proto): the answer's Profile message is
// then the pprof bytes themselves, with no conversion. The pickers use JSON (application/json).
// The few request fields are written, and the answer's two wrapping fields read, by the small
// protobuf wire code below.
import { endpoint, excerpt, FleetError, parseJson, request, type FleetServer, type HttpAnswer, type RequestOptions } from './http';
import { formatSelector, type FleetQuery } from './query';
import type { TimeRange } from './timeRange';
import type { MergedProfile, ProfileTypeInfo } from './types';

export const QUERIER = 'querier.v1.QuerierService';
/** querier.v1.ProfileFormat.PROFILE_FORMAT_PPROF */
const PROFILE_FORMAT_PPROF = 4;

// --- protobuf wire format (just what these messages need) ---

function varint(out: number[], value: number | bigint): void {
  let v = BigInt.asUintN(64, BigInt(value));
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

class Writer {
  private readonly parts: number[] = [];
  int(field: number, value: number): this {
    if (value !== 0) {
      varint(this.parts, (field << 3) | 0);
      varint(this.parts, value);
    }
    return this;
  }
  string(field: number, value: string): this {
    if (value !== '') {
      const bytes = Buffer.from(value, 'utf8');
      varint(this.parts, (field << 3) | 2);
      varint(this.parts, bytes.length);
      for (const b of bytes) this.parts.push(b);
    }
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** The length-delimited fields of a message by number (the last one wins, as for a singular field). */
export function lengthDelimitedFields(msg: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let i = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= msg.length) throw new FleetError('Pyroscope answered a truncated protobuf message');
      const b = msg[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 63n) throw new FleetError('Pyroscope answered a malformed protobuf message (varint too long)');
    }
  };
  while (i < msg.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    switch (key & 7) {
      case 0:
        readVarint();
        break;
      case 1:
        i += 8;
        break;
      case 5:
        i += 4;
        break;
      case 2: {
        const len = Number(readVarint());
        if (i + len > msg.length) throw new FleetError('Pyroscope answered a truncated protobuf message');
        out.set(field, msg.subarray(i, i + len));
        i += len;
        break;
      }
      default:
        throw new FleetError(`Pyroscope answered a malformed protobuf message (wire type ${key & 7})`);
    }
    if (i > msg.length) throw new FleetError('Pyroscope answered a truncated protobuf message');
  }
  return out;
}

/** SelectMergeStacktracesRequest: 1 profile_typeID, 2 label_selector, 3 start, 4 end, 6 format. */
export function selectMergeStacktracesRequest(query: FleetQuery, range: TimeRange): Uint8Array {
  return new Writer().string(1, query.profileType.id).string(2, formatSelector(query.matchers)).int(3, range.startMs).int(4, range.endMs).int(6, PROFILE_FORMAT_PPROF).bytes();
}

/** SelectMergeProfileRequest: 1 profile_typeID, 2 label_selector, 3 start, 4 end. */
export function selectMergeProfileRequest(query: FleetQuery, range: TimeRange): Uint8Array {
  return new Writer().string(1, query.profileType.id).string(2, formatSelector(query.matchers)).int(3, range.startMs).int(4, range.endMs).bytes();
}

/**
 * The pprof bytes in a SelectMergeStacktracesResponse (field 5 pprof → PprofProfile field 1
 * profile), or undefined when the server left them out (a server before v2.2).
 */
export function pprofOfStacktracesResponse(body: Uint8Array): Buffer | undefined {
  const pprof = lengthDelimitedFields(body).get(5);
  if (!pprof) return undefined;
  const profile = lengthDelimitedFields(pprof).get(1);
  return profile ? Buffer.from(profile) : Buffer.alloc(0);
}

// --- Connect ---

/** A Connect error ({"code": "unimplemented", "message": "…"}) or another failure as FleetError. */
function connectError(answer: HttpAnswer, url: URL): FleetError {
  let code: string | undefined;
  let message = excerpt(answer.body);
  try {
    const j = JSON.parse(answer.body.toString('utf8')) as { code?: unknown; message?: unknown };
    if (typeof j.code === 'string') code = j.code;
    if (typeof j.message === 'string' && j.message) message = j.message;
  } catch {
    // not a Connect error body: the excerpt says what came back
  }
  const hint = answer.status === 401 || answer.status === 403 ? ' (check the credentials, and the tenant for a multi-tenant server)' : answer.status === 404 && !code ? ' (is this a Pyroscope server?)' : '';
  const what = code ? `${code}: ${message}` : `${answer.status}: ${message}`;
  return new FleetError(`Pyroscope at ${url.host} answered ${what}${hint}`, { status: answer.status, ...(code ? { code } : {}) });
}

async function callProto(server: FleetServer, method: string, body: Uint8Array, opts: RequestOptions): Promise<Buffer> {
  const url = endpoint(server, `${QUERIER}/${method}`);
  const answer = await request(server, url, { method: 'POST', headers: { 'Content-Type': 'application/proto', 'Connect-Protocol-Version': '1', 'Accept-Encoding': 'identity' }, body }, opts);
  if (answer.status !== 200) throw connectError(answer, url);
  if (!/^application\/proto\b/i.test(answer.contentType)) throw new FleetError(`${url.href} answered ${answer.contentType || 'no content type'}, not application/proto: ${excerpt(answer.body)}`);
  return answer.body;
}

async function callJson(server: FleetServer, method: string, message: unknown, opts: RequestOptions): Promise<Record<string, unknown>> {
  const url = endpoint(server, `${QUERIER}/${method}`);
  const answer = await request(server, url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Connect-Protocol-Version': '1', 'Accept-Encoding': 'identity' }, body: Buffer.from(JSON.stringify(message)) }, opts);
  if (answer.status !== 200) throw connectError(answer, url);
  const j = parseJson(answer, url);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new FleetError(`${url.href} answered ${excerpt(answer.body)}, not an object`);
  return j as Record<string, unknown>;
}

/** Errors after which the older SelectMergeProfile is worth trying. */
function olderServer(err: unknown): boolean {
  return err instanceof FleetError && (err.code === 'unimplemented' || (err.code === undefined && err.status === 404));
}

export async function pyroscopeMergedProfile(server: FleetServer, query: FleetQuery, range: TimeRange, opts: RequestOptions = {}): Promise<MergedProfile> {
  let pprof: Buffer | undefined;
  try {
    pprof = pprofOfStacktracesResponse(await callProto(server, 'SelectMergeStacktraces', selectMergeStacktracesRequest(query, range), opts));
  } catch (err) {
    if (!olderServer(err)) throw err;
  }
  if (pprof !== undefined) {
    if (pprof.length === 0) throw new FleetError('Pyroscope returned an empty profile: no samples match the query in that window');
    return { pprof, api: `${QUERIER}/SelectMergeStacktraces` };
  }
  const legacy = await callProto(server, 'SelectMergeProfile', selectMergeProfileRequest(query, range), opts);
  if (legacy.length === 0) throw new FleetError('Pyroscope returned an empty profile: no samples match the query in that window');
  return { pprof: legacy, api: `${QUERIER}/SelectMergeProfile` };
}

function names(json: Record<string, unknown>, method: string): string[] {
  const v = json.names ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new FleetError(`${method}: "names" is not a list of strings`);
  return v as string[];
}

export async function pyroscopeProfileTypes(server: FleetServer, range: TimeRange, opts: RequestOptions = {}): Promise<ProfileTypeInfo[]> {
  const json = await callJson(server, 'ProfileTypes', { start: String(range.startMs), end: String(range.endMs) }, opts);
  const types = json.profileTypes ?? [];
  if (!Array.isArray(types)) throw new FleetError('ProfileTypes: "profileTypes" is not a list');
  return types.map((t: Record<string, unknown>) => {
    const s = (k: string) => (typeof t[k] === 'string' ? (t[k] as string) : '');
    return { id: s('ID'), name: s('name'), sampleType: s('sampleType'), sampleUnit: s('sampleUnit'), periodType: s('periodType'), periodUnit: s('periodUnit') };
  }).filter((t) => t.id !== '');
}

/** The matcher that limits label look-ups to one profile type (Pyroscope keeps it as __profile_type__). */
function typeMatcher(profileType: string): string {
  return `{__profile_type__=${JSON.stringify(profileType)}}`;
}

export async function pyroscopeLabelNames(server: FleetServer, profileType: string, range: TimeRange, opts: RequestOptions = {}): Promise<string[]> {
  const json = await callJson(server, 'LabelNames', { matchers: [typeMatcher(profileType)], start: String(range.startMs), end: String(range.endMs) }, opts);
  return names(json, 'LabelNames');
}

export async function pyroscopeLabelValues(server: FleetServer, profileType: string, label: string, range: TimeRange, opts: RequestOptions = {}): Promise<string[]> {
  const json = await callJson(server, 'LabelValues', { name: label, matchers: [typeMatcher(profileType)], start: String(range.startMs), end: String(range.endMs) }, opts);
  return names(json, 'LabelValues');
}
