// ProfileData as JSON, for the self-contained HTML page of `go-memory-insight pprof flame`:
// JSON.stringify turns a typed array into an object keyed by index, so the numeric columns
// are written as plain arrays and turned back into typed arrays when the page reads them,
// each number checked on the way (Int32Array.from would quietly turn "x" or 1.5 into a valid
// index), then the whole profile checked by validateProfileData.
import type { ProfileData } from './profileData';
import { isRecord, type Parsed, parseHostMessage, PROFILE_INT_COLUMNS as INT_COLUMNS, type ShowProfileMessage, validateProfileData } from './webviewProtocol';

type IntColumn = (typeof INT_COLUMNS)[number];

/** ProfileData with its typed arrays as plain arrays. */
export type ProfileDataJson = Omit<ProfileData, IntColumn | 'values'> & Record<IntColumn, number[]> & { values: number[][] };

export function encodeProfileData(data: ProfileData): ProfileDataJson {
  const out = { ...data } as unknown as ProfileDataJson;
  delete out.valuesExact; // bigints have no JSON form, and the page does not need them
  delete out.totalsExact;
  for (const k of INT_COLUMNS) out[k] = Array.from(data[k]);
  if (data.frameObjfile) (out as unknown as Record<string, unknown>).frameObjfile = Array.from(data.frameObjfile);
  out.values = data.values.map((row) => Array.from(row));
  const l = data.labels;
  if (l) {
    (out as unknown as Record<string, unknown>).labels = {
      strings: l.strings,
      ...Object.fromEntries(LABEL_INT_COLUMNS.map((k) => [k, Array.from(l[k])])),
      num: Array.from(l.num),
      values: l.values.map((row) => Array.from(row)),
    };
  }
  return out;
}

const LABEL_INT_COLUMNS = ['setStart', 'key', 'str', 'unit', 'groupStack', 'groupSet'] as const;

/** A JSON array of 32-bit integers as an Int32Array, or an error message. */
function toInt32(a: unknown, key: string): Int32Array | string {
  if (!Array.isArray(a)) return `${key} is not an array`;
  const arr = a as unknown[];
  const out = new Int32Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || (v | 0) !== v) return `${key}[${i}] is not a 32-bit integer`;
    out[i] = v;
  }
  return out;
}

/** A JSON array of finite numbers as a Float64Array, or an error message. */
function toFloat64(a: unknown, key: string): Float64Array | string {
  if (!Array.isArray(a)) return `${key} is not an array`;
  const arr = a as unknown[];
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || v - v !== 0) return `${key}[${i}] is not a finite number`;
    out[i] = v;
  }
  return out;
}

/** The object with its numeric columns as typed arrays (not yet validated as a whole), or an error message. */
function typedColumns(x: unknown): Parsed<Record<string, unknown>> {
  if (!isRecord(x)) return { ok: false, error: 'the profile is not an object' };
  const out: Record<string, unknown> = { ...x };
  for (const k of INT_COLUMNS) {
    const col = toInt32(x[k], k);
    if (typeof col === 'string') return { ok: false, error: col };
    out[k] = col;
  }
  if (x.frameObjfile !== undefined) {
    const col = toInt32(x.frameObjfile, 'frameObjfile');
    if (typeof col === 'string') return { ok: false, error: col };
    out.frameObjfile = col;
  }
  if (!Array.isArray(x.values)) return { ok: false, error: 'values is not an array' };
  const values: Float64Array[] = [];
  for (let t = 0; t < x.values.length; t++) {
    const row = toFloat64(x.values[t], `values[${t}]`);
    if (typeof row === 'string') return { ok: false, error: row };
    values.push(row);
  }
  out.values = values;
  if (x.labels !== undefined) {
    if (!isRecord(x.labels)) return { ok: false, error: 'labels is not an object' };
    const labels: Record<string, unknown> = { ...x.labels };
    for (const k of LABEL_INT_COLUMNS) {
      const col = toInt32(x.labels[k], `labels.${k}`);
      if (typeof col === 'string') return { ok: false, error: col };
      labels[k] = col;
    }
    const num = toFloat64(x.labels.num, 'labels.num');
    if (typeof num === 'string') return { ok: false, error: num };
    labels.num = num;
    if (!Array.isArray(x.labels.values)) return { ok: false, error: 'labels.values is not an array' };
    const rows: Float64Array[] = [];
    for (let t = 0; t < x.labels.values.length; t++) {
      const row = toFloat64(x.labels.values[t], `labels.values[${t}]`);
      if (typeof row === 'string') return { ok: false, error: row };
      rows.push(row);
    }
    labels.values = rows;
    out.labels = labels;
  }
  return { ok: true, value: out };
}

/** ProfileData from what encodeProfileData wrote (after JSON.parse), validated; or an error message. */
export function decodeProfileData(x: unknown): Parsed<ProfileData> {
  const typed = typedColumns(x);
  if (!typed.ok) return typed;
  const err = validateProfileData(typed.value);
  return err ? { ok: false, error: err } : { ok: true, value: typed.value as unknown as ProfileData };
}

/** A showProfile message with its profiles in JSON form (the CLI's page embeds it). */
export function encodeProfileMessage(msg: ShowProfileMessage): unknown {
  return { ...msg, data: encodeProfileData(msg.data), ...(msg.base ? { base: encodeProfileData(msg.base) } : {}) };
}

/** The showProfile message that encodeProfileMessage wrote (after JSON.parse), validated. */
export function decodeProfileMessage(x: unknown): Parsed<ShowProfileMessage> {
  if (!isRecord(x) || x.type !== 'showProfile') return { ok: false, error: 'not a profile message' };
  const data = typedColumns(x.data);
  if (!data.ok) return { ok: false, error: `showProfile: ${data.error}` };
  const msg: Record<string, unknown> = { ...x, data: data.value };
  if (x.base !== undefined) {
    const base = typedColumns(x.base);
    if (!base.ok) return { ok: false, error: `showProfile base: ${base.error}` };
    msg.base = base.value;
  }
  // parseHostMessage validates the profiles as wholes (index ranges and lengths).
  const parsed = parseHostMessage(msg);
  if (!parsed.ok) return parsed;
  return parsed.value.type === 'showProfile' ? { ok: true, value: parsed.value } : { ok: false, error: 'not a profile message' };
}
