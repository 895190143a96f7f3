import * as assert from 'node:assert/strict';
import { formatQuery, parseQuery, parseSelector, QueryError } from '../../src/fleet/query';
import { formatTimeRange, parseDuration, parseTime, resolveTimeRange, TimeRangeError } from '../../src/fleet/timeRange';
import { authFromEnv, authHeader, FleetError, parseServerUrl, endpoint } from '../../src/fleet/http';
import { parcaQueryUrl, decodeParcaQueryResponse } from '../../src/fleet/parca';
import { lengthDelimitedFields, pprofOfStacktracesResponse, selectMergeStacktracesRequest } from '../../src/fleet/pyroscope';

describe('fleet query syntax', () => {
  it('parses TYPE{matchers} with every operator, both quotes and escapes, and prints it back canonically', () => {
    const q = parseQuery(` memory:inuse_space:bytes:space:bytes{ job = "svc", pod!='a\\'b', zone=~"eu-.*" ,env!~"dev|test", path="C:\\\\x\\n"} `);
    assert.deepEqual(q.profileType, { id: 'memory:inuse_space:bytes:space:bytes', name: 'memory', sampleType: 'inuse_space', sampleUnit: 'bytes', periodType: 'space', periodUnit: 'bytes', delta: false });
    assert.deepEqual(q.matchers, [
      { name: 'job', op: '=', value: 'svc' },
      { name: 'pod', op: '!=', value: "a'b" },
      { name: 'zone', op: '=~', value: 'eu-.*' },
      { name: 'env', op: '!~', value: 'dev|test' },
      { name: 'path', op: '=', value: 'C:\\x\n' },
    ]);
    const text = formatQuery(q);
    assert.equal(text, 'memory:inuse_space:bytes:space:bytes{job="svc",pod!="a\'b",zone=~"eu-.*",env!~"dev|test",path="C:\\\\x\\n"}');
    assert.deepEqual(parseQuery(text), q, 'the canonical form parses to the same query');
  });

  it('takes a type alone, an empty selector and Parca\'s :delta suffix', () => {
    assert.deepEqual(parseQuery('memory:alloc_space:bytes:space:bytes').matchers, []);
    assert.deepEqual(parseQuery('memory:alloc_space:bytes:space:bytes{}').matchers, []);
    const cpu = parseQuery('process_cpu:cpu:nanoseconds:cpu:nanoseconds:delta{job="a"}');
    assert.equal(cpu.profileType.delta, true);
    assert.equal(formatQuery(cpu), 'process_cpu:cpu:nanoseconds:cpu:nanoseconds:delta{job="a"}');
  });

  it('says what is wrong with a bad query', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['{job="a"}', /starts with the profile type/],
      ['memory:inuse_space:bytes{job="a"}', /not of the form name:sample_type/],
      ['memory:inuse_space:bytes:space:bytes:cumulative', /not of the form/],
      ['memory::bytes:space:bytes', /empty or invalid part/],
      ['memory:inuse_space:bytes:space:bytes{job=svc}', /must be quoted/],
      ['memory:inuse_space:bytes:space:bytes{job="svc"', /in braces/],
      ['memory:inuse_space:bytes:space:bytes{job="svc}', /no closing "/],
      ['memory:inuse_space:bytes:space:bytes{job~"svc"}', /expected =, !=, =~ or !~ after job/],
      ['memory:inuse_space:bytes:space:bytes{9job="svc"}', /expected a label name/],
      ['memory:inuse_space:bytes:space:bytes{a="1" b="2"}', /expected , or }/],
      ['memory:inuse_space:bytes:space:bytes{a=~"("}', /regular expression for a is invalid/],
      ['memory:inuse_space:bytes:space:bytes{a="\\q"}', /unknown escape/],
      ['memory:inuse_space:bytes:space:bytes{a=~"x(?=y)"}', /regular expression for a is invalid/],
    ];
    for (const [text, why] of bad) assert.throws(() => parseQuery(text), (e: unknown) => e instanceof QueryError && why.test(e.message), text);
    assert.throws(() => parseSelector('job="a"'), QueryError);
    // RE2 syntax that JavaScript lacks is Prometheus's, so it is accepted.
    assert.equal(parseQuery('memory:inuse_space:bytes:space:bytes{a=~"(?P<x>a)|\\\\pL"}').matchers[0]!.value, '(?P<x>a)|\\pL');
  });
});

describe('fleet time windows', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('reads durations, times and windows', () => {
    assert.equal(parseDuration('1h30m'), 90 * 60_000);
    assert.equal(parseDuration('2d'), 2 * 86_400_000);
    assert.equal(parseDuration('1w'), 7 * 86_400_000);
    assert.equal(parseDuration('500ms'), 500);
    for (const bad of ['', '1', 'h', '1x', '0s', '1h 30m']) assert.throws(() => parseDuration(bad), TimeRangeError, bad);
    assert.equal(parseTime('now', now), now);
    assert.equal(parseTime('now-2h', now), now - 7_200_000);
    assert.equal(parseTime('2026-05-01T10:00:00Z', now), Date.parse('2026-05-01T10:00:00Z'));
    assert.equal(parseTime('2026-05-01T10:00:00+02:00', now), Date.parse('2026-05-01T08:00:00Z'));
    assert.equal(parseTime('1777600000', now), 1_777_600_000_000);
    assert.equal(parseTime('1777600000123', now), 1_777_600_000_123);
    assert.throws(() => parseTime('yesterday', now), TimeRangeError);
    assert.deepEqual(resolveTimeRange({ since: '15m' }, now), { startMs: now - 900_000, endMs: now });
    assert.deepEqual(resolveTimeRange({}, now), { startMs: now - 3_600_000, endMs: now });
    assert.deepEqual(resolveTimeRange({ from: 'now-3h', to: 'now-1h' }, now), { startMs: now - 3 * 3_600_000, endMs: now - 3_600_000 });
    assert.throws(() => resolveTimeRange({ since: '1h', from: 'now-2h' }, now), /either --since or --from/);
    assert.throws(() => resolveTimeRange({ from: 'now', to: 'now-1h' }, now), /window is empty/);
    assert.equal(formatTimeRange({ startMs: now - 3_600_000, endMs: now }), '2026-05-01 11:00–12:00 UTC');
    assert.equal(formatTimeRange({ startMs: now - 86_400_000, endMs: now }), '2026-04-30 12:00 – 2026-05-01 12:00 UTC');
  });
});

describe('fleet requests and answers', () => {
  it('takes credentials from the environment only in one form, and builds the headers', () => {
    assert.equal(authFromEnv({}), undefined);
    assert.equal(authHeader(authFromEnv({ GMI_FLEET_TOKEN: 'abc' })!), 'Bearer abc');
    assert.equal(authHeader(authFromEnv({ GMI_FLEET_BASIC_AUTH: 'me:pa:ss' })!), `Basic ${Buffer.from('me:pa:ss').toString('base64')}`);
    assert.throws(() => authFromEnv({ GMI_FLEET_TOKEN: 'a', GMI_FLEET_BASIC_AUTH: 'b:c' }), FleetError);
    assert.throws(() => authFromEnv({ GMI_FLEET_BASIC_AUTH: 'nocolon' }), /user:password/);
  });

  it('checks server addresses and keeps a path prefix', () => {
    assert.equal(parseServerUrl('localhost:7070').toString(), 'http://localhost:7070/');
    assert.match(String(parseServerUrl('http://me:secret@host')), /no credentials in the address/);
    assert.match(String(parseServerUrl('ftp://host')), /Only http and https/);
    const prefixed = parseServerUrl('https://grafana.example/pyroscope?x=1') as URL;
    assert.equal(endpoint({ url: prefixed }, 'querier.v1.QuerierService/ProfileTypes').href, 'https://grafana.example/pyroscope/querier.v1.QuerierService/ProfileTypes');
  });

  it('builds Parca\'s merge query and decodes its answer', () => {
    const url = parcaQueryUrl({ url: new URL('http://h:7070/') }, parseQuery('memory:inuse_space:bytes:space:bytes{job="a b"}'), { startMs: Date.parse('2026-05-01T11:00:00Z'), endMs: Date.parse('2026-05-01T12:00:00Z') });
    assert.equal(url.pathname, '/api/profiles/query');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      'mode': 'MODE_MERGE',
      'reportType': 'REPORT_TYPE_PPROF',
      'merge.query': 'memory:inuse_space:bytes:space:bytes{job="a b"}',
      'merge.start': '2026-05-01T11:00:00.000Z',
      'merge.end': '2026-05-01T12:00:00.000Z',
    });
    assert.deepEqual(decodeParcaQueryResponse({ pprof: Buffer.from([0x1f, 0x8b, 8]).toString('base64'), total: '5' }), Buffer.from([0x1f, 0x8b, 8]));
    assert.throws(() => decodeParcaQueryResponse({ flamegraph: {} }), /no pprof report \(it has flamegraph\)/);
    assert.throws(() => decodeParcaQueryResponse({ pprof: '' }), /empty profile/);
    assert.throws(() => decodeParcaQueryResponse({ pprof: 'not base64!' }), /not base64/);
  });

  it('writes Pyroscope\'s request fields and reads the pprof out of its answer', () => {
    const body = selectMergeStacktracesRequest(parseQuery('memory:alloc_space:bytes:space:bytes{service_name="x"}'), { startMs: 1000, endMs: 300_000_000_000 });
    // 1: string, 2: string, 3/4: varint, 6: varint 4 (PROFILE_FORMAT_PPROF)
    const fields = lengthDelimitedFields(body);
    assert.equal(Buffer.from(fields.get(1)!).toString(), 'memory:alloc_space:bytes:space:bytes');
    assert.equal(Buffer.from(fields.get(2)!).toString(), '{service_name="x"}');
    assert.deepEqual([...body.subarray(body.length - 2)], [6 << 3, 4]);
    const profile = Buffer.from('fake pprof bytes');
    const inner = Buffer.concat([Buffer.from([(1 << 3) | 2, profile.length]), profile]);
    const answer = Buffer.concat([Buffer.from([(1 << 3) | 2, 0]), Buffer.from([(5 << 3) | 2, inner.length]), inner]);
    assert.deepEqual(pprofOfStacktracesResponse(answer), profile);
    assert.equal(pprofOfStacktracesResponse(Buffer.from([(1 << 3) | 2, 0])), undefined, 'a flame graph answer has no pprof');
    assert.throws(() => pprofOfStacktracesResponse(Buffer.from([(5 << 3) | 2, 9, 1])), /truncated/);
  });
});
