// A local server that speaks Grafana Pyroscope's query API (the Connect protocol on
// querier.v1.QuerierService) over profiles it is given, for testing the Pyroscope client:
// Pyroscope itself cannot be installed on the test machines (no module proxy, Debian or npm
// package). Messages are encoded with protobufjs from ./querier.proto (the published field
// numbers), independently of the client's own wire code.
//
// Connect unary: POST /querier.v1.QuerierService/METHOD with application/json or
// application/proto; errors are {"code", "message"} JSON with the Connect HTTP status.
// ProfileTypes, LabelNames and LabelValues take both codecs; the two profile methods take
// application/proto (their answer embeds a pprof Profile, kept here as its bytes).
//
// Merging is done as Pyroscope does for one profile type: the samples of every stored profile
// whose labels match the selector and whose time is in [start, end] are put in one profile with
// the one sample type of the id; equal functions, locations and stacks merged.
// `legacy: true` plays a server before v2.2: SelectMergeStacktraces ignores the pprof format
// and answers a flame graph, so a client has to fall back to SelectMergeProfile.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as protobuf from 'protobufjs';
import querierProto from './querier.proto';
import profileProto from '../../../src/pprof/profile.proto';

export interface StoredProfile {
  /** Series labels, e.g. {service_name: "checkout"}; the profile type name goes in __name__ (default "memory"). */
  labels: Record<string, string>;
  timeMs: number;
  /** A pprof profile, gzip'd or not. */
  pprof: Uint8Array;
}

export interface FakePyroscopeOptions {
  profiles: StoredProfile[];
  legacy?: boolean;
  /** When set, every request must carry exactly this Authorization header. */
  authorization?: string;
  /** When set, every request must carry this X-Scope-OrgID. */
  tenant?: string;
}

export interface RecordedRequest {
  method: string;
  contentType: string;
  authorization?: string;
  tenant?: string;
  /** The decoded request message (plain object, 64-bit numbers as strings). */
  message: Record<string, unknown>;
}

export interface FakePyroscope {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

// Field names in lowerCamelCase, as protobuf's JSON mapping spells them (ID stays ID).
const root = protobuf.parse(querierProto).root;
const profileRoot = protobuf.parse(profileProto, { keepCase: true }).root;
const T = (name: string) => root.lookupType(`querier.v1.${name}`);
const ProfileT = profileRoot.lookupType('gomemoryinsight.pprof.Profile');
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: false, arrays: true };

type Obj = Record<string, unknown>;
interface Series {
  labels: Record<string, string>;
  typeId: string;
  sampleIndex: number;
  stored: StoredProfile;
  profile: Obj;
}

const num = (x: unknown): number => (x === undefined || x === null ? 0 : Number(x));

class ConnectError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

function decodeProfile(bytes: Uint8Array): Obj {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return ProfileT.toObject(ProfileT.decode(raw), TO_OBJECT) as Obj;
}

/** One series per stored profile and sample type, labelled as Pyroscope does (__profile_type__, __name__). */
function seriesOf(stored: StoredProfile[]): Series[] {
  const out: Series[] = [];
  for (const s of stored) {
    const profile = decodeProfile(s.pprof);
    const strings = profile.string_table as string[];
    const period = (profile.period_type as Obj | undefined) ?? {};
    const name = s.labels.__name__ ?? 'memory';
    const types = (profile.sample_type as Obj[]) ?? [];
    types.forEach((st, i) => {
      const typeId = [name, strings[num(st.type)], strings[num(st.unit)], strings[num(period.type)], strings[num(period.unit)]].join(':');
      out.push({ labels: { ...s.labels, __name__: name, __profile_type__: typeId }, typeId, sampleIndex: i, stored: s, profile });
    });
  }
  return out;
}

interface Matcher {
  name: string;
  op: string;
  value: string;
}

/** A Prometheus selector, parsed here on its own terms (not with the client's parser). */
function parseSelector(text: string): Matcher[] {
  const s = text.trim();
  if (s === '' || s === '{}') return [];
  if (!s.startsWith('{') || !s.endsWith('}')) throw new ConnectError('invalid_argument', `parse error: unexpected selector ${s}`, 400);
  const body = s.slice(1, -1);
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/gy;
  const out: Matcher[] = [];
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < body.length && (m = re.exec(body)) !== null) {
    out.push({ name: m[1]!, op: m[2]!, value: JSON.parse(`"${m[3]!}"`) as string });
    at = re.lastIndex;
  }
  if (at !== body.length) throw new ConnectError('invalid_argument', `parse error at char ${at + 2}: unexpected input in selector ${s}`, 400);
  return out;
}

function matches(labels: Record<string, string>, ms: Matcher[]): boolean {
  return ms.every((m) => {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=': return v === m.value;
      case '!=': return v !== m.value;
      case '=~': return new RegExp(`^(?:${m.value})$`).test(v);
      default: return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  });
}

const inRange = (s: Series, start: number, end: number) => (start === 0 && end === 0) || (s.stored.timeMs >= start && s.stored.timeMs <= end);

/** The merged profile of the selected series, one sample type: what SelectMergeProfile answers. */
function merge(selected: Series[], typeId: string, start: number, end: number): Uint8Array {
  const parts = typeId.split(':');
  const strings: string[] = [''];
  const index = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const out = {
    sample_type: [{ type: str(parts[1]!), unit: str(parts[2]!) }],
    sample: [] as Obj[],
    mapping: [] as Obj[],
    location: [] as Obj[],
    function: [] as Obj[],
    string_table: strings,
    time_nanos: String(BigInt(end) * 1_000_000n),
    duration_nanos: String(BigInt(Math.max(0, end - start)) * 1_000_000n),
    period_type: { type: str(parts[3]!), unit: str(parts[4]!) },
    period: '0',
  };
  // Equal functions, locations and mappings across the profiles become one, and samples with
  // equal stacks one sample, as in Pyroscope's merge (by symbols, not by the profiles' ids).
  const mappings = new Map<string, number>();
  const functions = new Map<string, number>();
  const locations = new Map<string, number>();
  const samples = new Map<string, { location_id: number[]; value: bigint }>();
  for (const s of selected) {
    const p = s.profile;
    const ps = p.string_table as string[];
    const text = (i: unknown) => ps[num(i)] ?? '';
    if (out.period === '0' && p.period !== undefined) out.period = String(p.period);
    const mappingIds = new Map<number, number>();
    for (const m of (p.mapping as Obj[]) ?? []) {
      const key = [text(m.filename), text(m.build_id), m.memory_start, m.memory_limit, m.file_offset].join('\0');
      let id = mappings.get(key);
      if (id === undefined) {
        id = mappings.size + 1;
        mappings.set(key, id);
        out.mapping.push({ ...m, id, filename: str(text(m.filename)), build_id: str(text(m.build_id)) });
      }
      mappingIds.set(num(m.id), id);
    }
    const functionIds = new Map<number, number>();
    for (const f of (p.function as Obj[]) ?? []) {
      const key = [text(f.name), text(f.system_name), text(f.filename), num(f.start_line)].join('\0');
      let id = functions.get(key);
      if (id === undefined) {
        id = functions.size + 1;
        functions.set(key, id);
        out.function.push({ ...f, id, name: str(text(f.name)), system_name: str(text(f.system_name)), filename: str(text(f.filename)) });
      }
      functionIds.set(num(f.id), id);
    }
    const locationIds = new Map<number, number>();
    for (const l of (p.location as Obj[]) ?? []) {
      const lines: Obj[] = ((l.line as Obj[]) ?? []).map((ln) => ({ ...ln, function_id: functionIds.get(num(ln.function_id)) ?? 0 }));
      const mappingId = mappingIds.get(num(l.mapping_id)) ?? 0;
      const key = [mappingId, l.address ?? 0, ...lines.map((ln) => `${ln.function_id}:${num(ln.line)}`)].join('\0');
      let id = locations.get(key);
      if (id === undefined) {
        id = locations.size + 1;
        locations.set(key, id);
        out.location.push({ ...l, id, mapping_id: mappingId, line: lines });
      }
      locationIds.set(num(l.id), id);
    }
    for (const sample of (p.sample as Obj[]) ?? []) {
      const value = BigInt(String(((sample.value as unknown[]) ?? [])[s.sampleIndex] ?? 0));
      if (value === 0n) continue;
      const ids = ((sample.location_id as unknown[]) ?? []).map((id) => locationIds.get(num(id)) ?? 0);
      const key = ids.join(',');
      const seen = samples.get(key);
      if (seen) seen.value += value;
      else samples.set(key, { location_id: ids, value });
    }
  }
  for (const x of samples.values()) out.sample.push({ location_id: x.location_id, value: [x.value.toString()] });
  return ProfileT.encode(ProfileT.fromObject(out)).finish();
}

/** A flame graph answer with the one thing a pre-2.2 client reads: the total. */
function flamegraphOf(profile: Uint8Array): Obj {
  const p = ProfileT.toObject(ProfileT.decode(profile), TO_OBJECT) as Obj;
  let total = 0n;
  for (const s of (p.sample as Obj[]) ?? []) total += BigInt(String(((s.value as unknown[]) ?? [])[0] ?? 0));
  return { names: ['total'], levels: [{ values: ['0', total.toString(), '0', '0'] }], total: total.toString(), maxSelf: '0' };
}

export async function startFakePyroscope(opts: FakePyroscopeOptions): Promise<FakePyroscope> {
  const series = seriesOf(opts.profiles);
  const requests: RecordedRequest[] = [];

  const handle = (method: string, msg: Obj): { type: string; message: Obj } | { raw: Uint8Array } => {
    const start = num(msg.start);
    const end = num(msg.end);
    switch (method) {
      case 'ProfileTypes': {
        const seen = new Map<string, Obj>();
        for (const s of series) {
          if (!inRange(s, start, end) || seen.has(s.typeId)) continue;
          const [name, sampleType, sampleUnit, periodType, periodUnit] = s.typeId.split(':');
          seen.set(s.typeId, { ID: s.typeId, name, sampleType, sampleUnit, periodType, periodUnit });
        }
        return { type: 'ProfileTypesResponse', message: { profileTypes: [...seen.values()] } };
      }
      case 'LabelNames':
      case 'LabelValues': {
        const selectors = ((msg.matchers as string[]) ?? []).map(parseSelector);
        const hit = series.filter((s) => inRange(s, start, end) && (selectors.length === 0 || selectors.some((ms) => matches(s.labels, ms))));
        const set = new Set<string>();
        for (const s of hit) {
          if (method === 'LabelNames') for (const k of Object.keys(s.labels)) set.add(k);
          else if (s.labels[String(msg.name)] !== undefined) set.add(s.labels[String(msg.name)]!);
        }
        return { type: `${method}Response`, message: { names: [...set].sort() } };
      }
      case 'SelectMergeStacktraces':
      case 'SelectMergeProfile': {
        const typeId = String(msg.profileTypeID ?? '');
        if (typeId.split(':').length !== 5) throw new ConnectError('invalid_argument', `profile-type selection must be of the form <name>:<sample-type>:<sample-unit>:<period-type>:<period-unit>, got ${JSON.stringify(typeId)}`, 400);
        const ms = parseSelector(String(msg.labelSelector ?? ''));
        const selected = series.filter((s) => s.typeId === typeId && inRange(s, start, end) && matches(s.labels, ms));
        const profile = merge(selected, typeId, start, end);
        if (method === 'SelectMergeProfile') return { raw: profile };
        if (msg.format === 'PROFILE_FORMAT_PPROF' && !opts.legacy) return { type: 'SelectMergeStacktracesResponse', message: { pprof: { profile } } };
        return { type: 'SelectMergeStacktracesResponse', message: { flamegraph: flamegraphOf(profile) } };
      }
      default:
        throw new ConnectError('unimplemented', `querier.v1.QuerierService/${method} is not implemented`, 404);
    }
  };

  const REQUEST_TYPES: Record<string, string> = {
    ProfileTypes: 'ProfileTypesRequest',
    LabelNames: 'LabelNamesRequest',
    LabelValues: 'LabelValuesRequest',
    SelectMergeStacktraces: 'SelectMergeStacktracesRequest',
    SelectMergeProfile: 'SelectMergeProfileRequest',
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fail = (e: ConnectError) => {
        res.writeHead(e.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: e.code, message: e.message }));
      };
      try {
        const m = /^\/querier\.v1\.QuerierService\/(\w+)$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !m) throw new ConnectError('unimplemented', `no route for ${req.method} ${req.url}`, 404);
        const method = m[1]!;
        const contentType = String(req.headers['content-type'] ?? '');
        const json = /^application\/json\b/.test(contentType);
        if (!json && !/^application\/proto\b/.test(contentType)) throw new ConnectError('unknown', `unsupported content type ${contentType}`, 415);
        const authorization = req.headers.authorization;
        const tenant = req.headers['x-scope-orgid'] as string | undefined;
        if (opts.authorization !== undefined && authorization !== opts.authorization) throw new ConnectError('unauthenticated', 'invalid credentials', 401);
        if (opts.tenant !== undefined && tenant !== opts.tenant) throw new ConnectError('unauthenticated', 'no org id', 401);
        const reqType = REQUEST_TYPES[method];
        if (!reqType) throw new ConnectError('unimplemented', `querier.v1.QuerierService/${method} is not implemented`, 404);
        const body = Buffer.concat(chunks);
        let decoded: protobuf.Message;
        try {
          decoded = json ? T(reqType).fromObject(JSON.parse(body.toString('utf8') || '{}') as Obj) : T(reqType).decode(body);
        } catch (err) {
          throw new ConnectError('invalid_argument', `cannot decode the request: ${(err as Error).message}`, 400);
        }
        const message = T(reqType).toObject(decoded, TO_OBJECT) as Obj;
        requests.push({ method, contentType, ...(authorization ? { authorization } : {}), ...(tenant ? { tenant } : {}), message });
        if (json && (method === 'SelectMergeStacktraces' || method === 'SelectMergeProfile')) throw new ConnectError('unimplemented', 'this test server answers profiles in application/proto only', 415);
        const answer = handle(method, message);
        if ('raw' in answer) {
          res.writeHead(200, { 'Content-Type': 'application/proto' });
          res.end(Buffer.from(answer.raw));
          return;
        }
        const t = T(answer.type);
        if (json) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(t.toObject(t.fromObject(answer.message), { longs: String, enums: String, json: true })));
        } else {
          res.writeHead(200, { 'Content-Type': 'application/proto' });
          res.end(Buffer.from(t.encode(t.fromObject(answer.message)).finish()));
        }
      } catch (err) {
        fail(err instanceof ConnectError ? err : new ConnectError('internal', (err as Error).message, 500));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
