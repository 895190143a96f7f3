// The query of a merged profile, as both engines spell it: a profile type id and a label
// selector, `TYPE{label="value",…}`, e.g. `memory:inuse_space:bytes:space:bytes{job="svc"}`.
//
// TYPE is `name:sample_type:sample_unit:period_type:period_unit`, the id Pyroscope uses and
// the metric name Parca uses (Parca appends `:delta` for delta profiles such as CPU). The
// selector is a Prometheus label selector: matchers `name="v"`, `name!="v"`, `name=~"re"`,
// `name!~"re"`, separated by commas; values in double or single quotes with backslash escapes.
// Parsed here so a typo is reported before any request, and printed back in one canonical form.
import type { ProfileTypeInfo } from './types';
import { compilePattern } from '../pprof/pattern';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** A parsed profile type id: its parts, and whether it ends in ":delta". */
export type ProfileTypeId = Required<ProfileTypeInfo>;

export interface FleetQuery {
  profileType: ProfileTypeId;
  matchers: LabelMatcher[];
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPE_PART = /^[A-Za-z0-9_.\-/]+$/;

/** Parses a profile type id; throws QueryError with what is wrong. */
export function parseProfileTypeId(text: string): ProfileTypeId {
  const id = text.trim();
  const parts = id.split(':');
  if (parts.length !== 5 && !(parts.length === 6 && parts[5] === 'delta')) {
    throw new QueryError(`profile type "${id}" is not of the form name:sample_type:sample_unit:period_type:period_unit (e.g. memory:inuse_space:bytes:space:bytes)`);
  }
  for (const p of parts) {
    if (!TYPE_PART.test(p)) throw new QueryError(`profile type "${id}" has an empty or invalid part "${p}"`);
  }
  const [name, sampleType, sampleUnit, periodType, periodUnit] = parts as [string, string, string, string, string];
  return { id, name, sampleType, sampleUnit, periodType, periodUnit, delta: parts.length === 6 };
}

function unescape(body: string, quote: string, where: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case 'u': {
        const hex = body.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new QueryError(`bad \\u escape in the value at column ${where + i}`);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        throw new QueryError(`unknown escape \\${n ?? ''} in a ${quote}-quoted value at column ${where + i}`);
    }
  }
  return out;
}

/** Parses `{a="b", c!~"d"}` (braces included; `{}` is no matcher). */
export function parseSelector(text: string): LabelMatcher[] {
  const s = text.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) throw new QueryError(`a label selector is written in braces, e.g. {job="svc"}: got ${JSON.stringify(s)}`);
  const matchers: LabelMatcher[] = [];
  let i = 1;
  const end = s.length - 1;
  const skipSpace = () => {
    while (i < end && /\s/.test(s[i]!)) i++;
  };
  skipSpace();
  while (i < end) {
    const nameStart = i;
    while (i < end && /[A-Za-z0-9_]/.test(s[i]!)) i++;
    const name = s.slice(nameStart, i);
    if (!LABEL_NAME.test(name)) throw new QueryError(`expected a label name at column ${nameStart + 1} of ${s}`);
    skipSpace();
    const op = (['!=', '=~', '!~', '='] as const).find((o) => s.startsWith(o, i));
    if (!op) throw new QueryError(`expected =, !=, =~ or !~ after ${name} at column ${i + 1}`);
    i += op.length;
    skipSpace();
    const quote = s[i];
    if (quote !== '"' && quote !== "'") throw new QueryError(`the value of ${name} must be quoted, e.g. ${name}${op}"value" (column ${i + 1})`);
    const valueStart = ++i;
    while (i < end && s[i] !== quote) i += s[i] === '\\' ? 2 : 1;
    if (i >= end) throw new QueryError(`the value of ${name} has no closing ${quote}`);
    const value = unescape(s.slice(valueStart, i), quote, valueStart + 1);
    i++;
    if (op === '=~' || op === '!~') {
      // Prometheus matchers are RE2 (Go) regular expressions, anchored at both ends.
      const re = compilePattern(value, 'whole');
      if (!re.ok) throw new QueryError(`the regular expression for ${name} is invalid: ${re.error}`);
    }
    matchers.push({ name, op, value });
    skipSpace();
    if (i < end) {
      if (s[i] !== ',') throw new QueryError(`expected , or } after the value of ${name} at column ${i + 1}`);
      i++;
      skipSpace();
    }
  }
  return matchers;
}

/**
 * Parses `TYPE{…}` (the selector may be left out: all series of that type). Throws QueryError.
 */
export function parseQuery(text: string): FleetQuery {
  const s = text.trim();
  if (!s) throw new QueryError('the query is empty; e.g. memory:inuse_space:bytes:space:bytes{job="svc"}');
  const brace = s.indexOf('{');
  if (brace === 0) throw new QueryError(`the query starts with the profile type, e.g. memory:inuse_space:bytes:space:bytes${s}`);
  const profileType = parseProfileTypeId(brace < 0 ? s : s.slice(0, brace));
  const matchers = brace < 0 ? [] : parseSelector(s.slice(brace));
  return { profileType, matchers };
}

/** A value quoted for a selector (double quotes; JSON's escapes are Prometheus's too). */
function quote(value: string): string {
  return JSON.stringify(value);
}

/** `{a="b",c!~"d"}`; `{}` for no matcher. */
export function formatSelector(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.op}${quote(m.value)}`).join(',')}}`;
}

/** The canonical text of a query: `TYPE{…}`. */
export function formatQuery(q: FleetQuery): string {
  return `${q.profileType.id}${formatSelector(q.matchers)}`;
}

/** Builds a profile type id from its parts (as the engines list them). */
export function profileTypeId(t: { name: string; sampleType: string; sampleUnit: string; periodType: string; periodUnit: string; delta?: boolean }): string {
  return `${t.name}:${t.sampleType}:${t.sampleUnit}:${t.periodType}:${t.periodUnit}${t.delta ? ':delta' : ''}`;
}
