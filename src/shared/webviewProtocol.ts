// Messages between the flame graph webview and the extension host, declared once and
// imported by both sides. Every message is a discriminated union on `type` and is checked
// on receipt by the small validators below: neither side trusts what the other posts.
import type { ProfileData, ProfileLabels } from './profileData';
import { isGranularity, type Granularity } from '../pprof/refine/granularity';
import { REFINEMENT_KINDS, type RefinementChip } from '../pprof/refine/chips';
import type { GcCycle } from '../gc/gctrace';
import type { GrowthRow } from '../watch/growth';
import type { LeakProfileSupport, WatchPhase, WatchPoint } from '../watch/watcher';

/** UI state the webview keeps with setState, restored after hiding and window reloads. */
export interface FlameUiState {
  sampleIndex?: number;
  orientation?: 'icicle' | 'flame';
  /** Function indexes from the root to the zoomed frame (empty: not zoomed). */
  zoomPath?: number[];
  /** Function indexes from the root to the selected frame. */
  selectedPath?: number[];
  search?: string;
  sortKey?: 'name' | 'flat' | 'cum';
  sortDescending?: boolean;
  colorBlind?: boolean;
  showTable?: boolean;
  /** Function shown in the caller/callee view, by name (indexes change between profiles). */
  sandwichFunc?: string;
  /** The view's refinements (focus / ignore / hide / show, label filters), in the order added. */
  refinements?: RefinementChip[];
  granularity?: Granularity;
  /** The refinement bar is open (it also shows while the view is refined). */
  refineOpen?: boolean;
  /** The refinements and granularity before each change, for Undo (the last change last). */
  undo?: RefinementStep[];
}

/** What Undo goes back to: the refinements and granularity before a change. */
export interface RefinementStep {
  refinements: RefinementChip[];
  granularity?: Granularity;
}

/** Undo steps kept in the saved state. */
export const MAX_UNDO_STEPS = 50;

/** What the panel shows, remembered so a reloaded window can read the files again. */
export interface FlameSource {
  /** URI (as a string) of the profile file. */
  uri: string;
  /** URI of the base profile in diff mode. */
  baseUri?: string;
  /** Sample type the opener asked for (e.g. "alloc_space"). */
  sampleType?: string;
  title?: string;
  /** Directory of the Go package the profile was taken from (its module colours "your code" and maps paths). */
  sourceDir?: string;
  /** What produced the profile (a profiling run's package and target): its next profile reuses the panel. */
  reuseKey?: string;
  /** The GC trace file of the run that wrote the profile (the panel's GC tab). */
  gcTrace?: string;
}

// ---- host → webview ----

export interface ShowProfileMessage {
  type: 'showProfile';
  data: ProfileData;
  /** Diff mode: the base profile; `data` is the newer one. */
  base?: ProfileData;
  /** Sample type to select; when absent the webview keeps its saved choice or the profile's default. */
  sampleIndex?: number;
  title: string;
  source?: FlameSource;
  /** False in the CLI's standalone page: no go to source. */
  canOpenSource: boolean;
}

export interface ShowErrorMessage {
  type: 'showError';
  message: string;
}

export interface LoadingMessage {
  type: 'loading';
  message: string;
}

/** Selects the frames of the named function (used by the host's commands and tests). */
export interface SelectFunctionMessage {
  type: 'selectFunction';
  name: string;
}

export interface SourceResultMessage {
  type: 'sourceResult';
  ok: boolean;
  message: string;
}

/** The GC trace of the run the profile came from, for the GC tab (src/webview/gcTab.ts). */
export interface ShowGcTraceMessage {
  type: 'showGcTrace';
  cycles: GcCycle[];
  /** Where the trace came from, for the tab's heading. */
  name: string;
  /** A container memory limit to draw and check against (MB), when known. */
  containerLimitMB?: number;
}

/** What grew between the first and the newest snapshot of a heap watch. */
export interface WatchGrowth {
  firstAt: number;
  newestAt: number;
  firstBytes: number;
  newestBytes: number;
  growthBytes: number;
  /** How many lines grew in all; rows holds the heaviest. */
  grown: number;
  rows: GrowthRow[];
}

/** The whole state of a heap watch panel (src/webview/watchView.ts), sent after every poll. */
export interface ShowWatchMessage {
  type: 'showWatch';
  /** The service, e.g. "localhost:6060". */
  title: string;
  /** The pprof index polled. */
  base: string;
  intervalMs: number;
  phase: WatchPhase;
  /** Why it failed, retries or ended. */
  message?: string;
  polls: number;
  leakProfile: LeakProfileSupport;
  points: WatchPoint[];
  growth?: WatchGrowth;
}

export type HostMessage = ShowProfileMessage | ShowErrorMessage | LoadingMessage | SelectFunctionMessage | SourceResultMessage | ShowGcTraceMessage | ShowWatchMessage;

// ---- webview → host ----

export interface ReadyMessage {
  type: 'ready';
}

export interface OpenSourceMessage {
  type: 'openSource';
  /** Index into the function table of the profile the host sent (base profile when fromBase). */
  func: number;
  /** Line from the frame, 0 when unknown (the function's start line is used). */
  line: number;
  fromBase?: boolean;
}

export interface SampleTypeChangedMessage {
  type: 'sampleTypeChanged';
  sampleIndex: number;
}

export interface RenderedMessage {
  type: 'rendered';
  sampleIndex: number;
  nodeCount: number;
  /** Milliseconds from receiving the profile to the first drawn frame. */
  ms: number;
}

export interface WebviewErrorMessage {
  type: 'webviewError';
  message: string;
}

/** The GC tab drew a trace: what it shows (the tests read it back through the host). */
export interface GcShownMessage {
  type: 'gcShown';
  cycles: number;
  predictedCycles: number;
  verdict: string;
}

/** A button of the heap watch panel: stop polling, watch again from scratch, or open the growth in the flame graph. */
export interface WatchActionMessage {
  type: 'watchAction';
  action: 'stop' | 'restart' | 'openDiff';
}

/** A growth row of the heap watch panel was clicked: open its line (index into the rows sent). */
export interface WatchOpenLineMessage {
  type: 'watchOpenLine';
  row: number;
}

/** The heap watch panel drew a state: what it shows (the host keeps it for the tests). */
export interface WatchShownMessage {
  type: 'watchShown';
  phase: string;
  /** Points drawn on the charts (error points not counted). */
  points: number;
  /** Growth rows in the table. */
  rows: number;
  /** The figures line as shown ("In use … · … goroutines …"), or the error shown in its place. */
  figures: string;
}

export type WebviewMessage = ReadyMessage | OpenSourceMessage | SampleTypeChangedMessage | RenderedMessage | WebviewErrorMessage | GcShownMessage | WatchActionMessage | WatchOpenLineMessage | WatchShownMessage;

// ---- validation ----

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIndex(x: unknown, limit: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < limit;
}

const MAX_TEXT = 100_000;

function isText(x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_TEXT;
}

function checkStrings(obj: Record<string, unknown>, key: string): string | undefined {
  const a = obj[key];
  if (!Array.isArray(a)) return `${key} is not an array`;
  const arr = a as unknown[];
  for (let i = 0; i < arr.length; i++) if (typeof arr[i] !== 'string') return `${key}[${i}] is not a string`;
  return undefined;
}

/** Checks that every element of an index column is in [0, limit). */
function checkIndexes(a: Int32Array, key: string, limit: number): string | undefined {
  const n = a.length;
  for (let i = 0; i < n; i++) {
    // Negative values become huge unsigned ones: one comparison checks both ends.
    if (a[i]! >>> 0 >= limit) return `${key}[${i}] is out of range`;
  }
  return undefined;
}

/** The columns of ProfileData held in Int32Arrays. */
export const PROFILE_INT_COLUMNS = ['funcStartLine', 'frameFunc', 'frameLine', 'stackStart', 'stackFrames'] as const;

/**
 * Checks that a value has the shape of ProfileData (numeric columns in typed arrays) and that
 * every index in it is in range, so that code walking it cannot read past an array. Tight
 * loops over the typed arrays: a few milliseconds for millions of frames. Returns an error
 * message or undefined.
 */
export function validateProfileData(x: unknown): string | undefined {
  if (!isRecord(x)) return 'the profile is not an object';
  if (typeof x.name !== 'string') return 'the profile has no name';
  if (!Array.isArray(x.sampleTypes) || x.sampleTypes.length === 0) return 'the profile has no sample types';
  for (const st of x.sampleTypes) {
    if (!isRecord(st) || typeof st.type !== 'string' || typeof st.unit !== 'string') return 'a sample type is malformed';
  }
  const types = x.sampleTypes.length;
  if (!isIndex(x.defaultSampleIndex, types)) return 'defaultSampleIndex is out of range';
  for (const k of ['funcName', 'funcFile'] as const) {
    const e = checkStrings(x, k);
    if (e) return e;
  }
  for (const k of PROFILE_INT_COLUMNS) if (!(x[k] instanceof Int32Array)) return `${k} is not an Int32Array`;
  const d = x as unknown as ProfileData;
  const funcs = d.funcName.length;
  if (d.funcFile.length !== funcs || d.funcStartLine.length !== funcs) return 'the function table columns differ in length';
  const frameErr = checkIndexes(d.frameFunc, 'frameFunc', funcs);
  if (frameErr) return frameErr;
  const frames = d.frameFunc.length;
  if (d.frameLine.length !== frames) return 'the frame table columns differ in length';
  if (x.frameObjfile !== undefined || x.objfiles !== undefined) {
    const e = checkStrings(x, 'objfiles');
    if (e) return e;
    if (!(x.frameObjfile instanceof Int32Array)) return 'frameObjfile is not an Int32Array';
    if (x.frameObjfile.length !== frames) return 'the frame table columns differ in length';
    const objfiles = d.objfiles!.length;
    for (let i = 0; i < frames; i++) {
      const o = x.frameObjfile[i]!;
      if (o !== -1 && o >>> 0 >= objfiles) return `frameObjfile[${i}] is out of range`;
    }
  }
  const stackErr = checkIndexes(d.stackFrames, 'stackFrames', frames);
  if (stackErr) return stackErr;
  const { stackStart, stackFrames } = d;
  const last = stackStart.length - 1;
  if (last < 0 || stackStart[0] !== 0 || stackStart[last] !== stackFrames.length) return 'stackStart does not cover stackFrames';
  for (let i = 1; i <= last; i++) if (stackStart[i]! < stackStart[i - 1]!) return `stackStart[${i}] goes backwards`;
  if (!Array.isArray(x.values) || x.values.length !== types) return 'values does not have one row per sample type';
  for (let t = 0; t < types; t++) {
    const row: unknown = x.values[t];
    if (!(row instanceof Float64Array)) return `values[${t}] is not a Float64Array`;
    if (row.length !== last) return `values[${t}] does not have one value per stack`;
    for (let i = 0; i < last; i++) {
      const v = row[i]!;
      if (v - v !== 0) return `values[${t}][${i}] is not a finite number`;
    }
  }
  if (x.mainModule !== undefined && typeof x.mainModule !== 'string') return 'mainModule is not a string';
  if (x.notes !== undefined) {
    const e = checkStrings(x, 'notes');
    if (e) return e;
  }
  if (x.truncatedStacks !== undefined) {
    const t = x.truncatedStacks;
    const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (!isRecord(t) || !count(t.maxDepth) || !count(t.stacks) || !count(t.deepest)) return 'truncatedStacks is malformed';
  }
  if (x.labels !== undefined) return validateLabels(x.labels, last, types);
  return undefined;
}

function validateLabels(x: unknown, stacks: number, types: number): string | undefined {
  if (!isRecord(x)) return 'labels is not an object';
  const e = checkStrings(x, 'strings');
  if (e) return `labels: ${e}`;
  for (const k of ['setStart', 'key', 'str', 'unit', 'groupStack', 'groupSet'] as const) if (!(x[k] instanceof Int32Array)) return `labels.${k} is not an Int32Array`;
  if (!(x.num instanceof Float64Array)) return 'labels.num is not a Float64Array';
  const l = x as unknown as ProfileLabels;
  const strings = l.strings.length;
  const entries = l.key.length;
  if (l.str.length !== entries || l.num.length !== entries || l.unit.length !== entries) return 'the label columns differ in length';
  const sets = l.setStart.length - 1;
  if (sets < 0 || l.setStart[0] !== 0 || l.setStart[sets] !== entries) return 'labels.setStart does not cover the labels';
  for (let i = 1; i <= sets; i++) if (l.setStart[i]! < l.setStart[i - 1]!) return `labels.setStart[${i}] goes backwards`;
  for (let i = 0; i < entries; i++) {
    if (!(l.key[i]! >= 0 && l.key[i]! < strings) || !(l.str[i]! >= -1 && l.str[i]! < strings) || !(l.unit[i]! >= -1 && l.unit[i]! < strings)) return `label ${i} refers to a string out of range`;
  }
  const groups = l.groupStack.length;
  if (l.groupSet.length !== groups) return 'the label group columns differ in length';
  const ge = checkIndexes(l.groupStack, 'labels.groupStack', stacks) ?? checkIndexes(l.groupSet, 'labels.groupSet', sets);
  if (ge) return ge;
  if (!Array.isArray(l.values) || l.values.length !== types) return 'labels.values does not have one row per sample type';
  for (let t = 0; t < types; t++) {
    const row: unknown = l.values[t];
    if (!(row instanceof Float64Array) || row.length !== groups) return `labels.values[${t}] does not have one value per group`;
    for (let i = 0; i < groups; i++) if (row[i]! - row[i]! !== 0) return `labels.values[${t}][${i}] is not a finite number`;
  }
  return undefined;
}

function validateSource(x: unknown): FlameSource | undefined {
  if (!isRecord(x) || !isText(x.uri)) return undefined;
  const out: FlameSource = { uri: x.uri };
  if (isText(x.baseUri)) out.baseUri = x.baseUri;
  if (isText(x.sampleType)) out.sampleType = x.sampleType;
  if (isText(x.title)) out.title = x.title;
  if (isText(x.sourceDir)) out.sourceDir = x.sourceDir;
  if (isText(x.reuseKey)) out.reuseKey = x.reuseKey;
  if (isText(x.gcTrace)) out.gcTrace = x.gcTrace;
  return out;
}

/** Validates a message the webview received from the host. */
export function parseHostMessage(x: unknown): Parsed<HostMessage> {
  if (!isRecord(x) || typeof x.type !== 'string') return { ok: false, error: 'message without a type' };
  switch (x.type) {
    case 'showProfile': {
      const err = validateProfileData(x.data);
      if (err) return { ok: false, error: `showProfile: ${err}` };
      const data = x.data as ProfileData;
      let base: ProfileData | undefined;
      if (x.base !== undefined) {
        const be = validateProfileData(x.base);
        if (be) return { ok: false, error: `showProfile base: ${be}` };
        base = x.base as ProfileData;
      }
      if (x.sampleIndex !== undefined && !isIndex(x.sampleIndex, data.sampleTypes.length)) return { ok: false, error: 'showProfile: sampleIndex out of range' };
      if (!isText(x.title)) return { ok: false, error: 'showProfile: no title' };
      if (typeof x.canOpenSource !== 'boolean') return { ok: false, error: 'showProfile: canOpenSource missing' };
      const msg: ShowProfileMessage = { type: 'showProfile', data, title: x.title, canOpenSource: x.canOpenSource };
      if (base) msg.base = base;
      if (typeof x.sampleIndex === 'number') msg.sampleIndex = x.sampleIndex;
      const source = validateSource(x.source);
      if (source) msg.source = source;
      return { ok: true, value: msg };
    }
    case 'showError':
    case 'loading':
      if (!isText(x.message)) return { ok: false, error: `${x.type}: message is not text` };
      return { ok: true, value: { type: x.type, message: x.message } };
    case 'selectFunction':
      if (!isText(x.name)) return { ok: false, error: 'selectFunction: name is not text' };
      return { ok: true, value: { type: 'selectFunction', name: x.name } };
    case 'sourceResult':
      if (typeof x.ok !== 'boolean' || !isText(x.message)) return { ok: false, error: 'sourceResult: malformed' };
      return { ok: true, value: { type: 'sourceResult', ok: x.ok, message: x.message } };
    case 'showGcTrace': {
      if (!isText(x.name)) return { ok: false, error: 'showGcTrace: no name' };
      const cycles = validateGcCycles(x.cycles);
      if (typeof cycles === 'string') return { ok: false, error: `showGcTrace: ${cycles}` };
      const msg: ShowGcTraceMessage = { type: 'showGcTrace', cycles, name: x.name };
      if (x.containerLimitMB !== undefined) {
        if (!isFiniteNumber(x.containerLimitMB) || x.containerLimitMB <= 0) return { ok: false, error: 'showGcTrace: bad containerLimitMB' };
        msg.containerLimitMB = x.containerLimitMB;
      }
      return { ok: true, value: msg };
    }
    case 'showWatch': {
      const r = validateWatch(x);
      return typeof r === 'string' ? { ok: false, error: `showWatch: ${r}` } : { ok: true, value: r };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(x.type).slice(0, 60)}` };
  }
}

const WATCH_PHASES: readonly WatchPhase[] = ['starting', 'watching', 'retrying', 'done', 'stopped', 'failed'];
const LEAK_SUPPORT: readonly LeakProfileSupport[] = ['unknown', 'served', 'not served'];
/** Bounds of a showWatch message (the watch itself keeps at most 10 000 points). */
const MAX_WATCH_POINTS = 10_000;
const MAX_GROWTH_ROWS = 1000;

/** A showWatch message rebuilt field by field, or what is wrong with it. */
export function validateWatch(x: Record<string, unknown>): ShowWatchMessage | string {
  if (!isText(x.title) || !isText(x.base)) return 'title or base is not text';
  if (!isFiniteNumber(x.intervalMs) || x.intervalMs <= 0) return 'bad intervalMs';
  if (!WATCH_PHASES.includes(x.phase as WatchPhase)) return 'bad phase';
  if (!LEAK_SUPPORT.includes(x.leakProfile as LeakProfileSupport)) return 'bad leakProfile';
  if (!isFiniteNumber(x.polls) || x.polls < 0) return 'bad polls';
  if (x.message !== undefined && !isText(x.message)) return 'message is not text';
  if (!Array.isArray(x.points) || x.points.length > MAX_WATCH_POINTS) return 'points is not an array of at most 10000';
  const points: WatchPoint[] = [];
  for (let i = 0; i < x.points.length; i++) {
    const p: unknown = x.points[i];
    if (!isRecord(p) || !isFiniteNumber(p.at)) return `point ${i} is malformed`;
    const out: WatchPoint = { at: p.at };
    if (p.error !== undefined) {
      if (!isText(p.error)) return `point ${i}: error is not text`;
      out.error = p.error;
    }
    for (const k of ['inuseBytes', 'inuseObjects', 'goroutines', 'leakedGoroutines'] as const) {
      const v = p[k];
      if (v === undefined) continue;
      if (!isFiniteNumber(v) || v < 0) return `point ${i}: ${k} is not a count`;
      out[k] = v;
    }
    if (out.error === undefined && (out.inuseBytes === undefined || out.goroutines === undefined)) return `point ${i} has neither figures nor an error`;
    points.push(out);
  }
  const msg: ShowWatchMessage = { type: 'showWatch', title: x.title, base: x.base, intervalMs: x.intervalMs, phase: x.phase as WatchPhase, polls: x.polls, leakProfile: x.leakProfile as LeakProfileSupport, points };
  if (x.message !== undefined) msg.message = x.message;
  if (x.growth !== undefined) {
    const g = x.growth;
    if (!isRecord(g)) return 'growth is not an object';
    for (const k of ['firstAt', 'newestAt', 'firstBytes', 'newestBytes', 'growthBytes', 'grown'] as const) if (!isFiniteNumber(g[k])) return `growth: ${k} is not a number`;
    if (!Array.isArray(g.rows) || g.rows.length > MAX_GROWTH_ROWS) return 'growth: rows is not an array of at most 1000';
    const rows: GrowthRow[] = [];
    for (let i = 0; i < g.rows.length; i++) {
      const r: unknown = g.rows[i];
      if (!isRecord(r) || !isText(r.function) || !isText(r.file)) return `growth row ${i} is malformed`;
      const nums = ['line', 'firstBytes', 'newestBytes', 'growthBytes'] as const;
      for (const k of nums) if (!isFiniteNumber(r[k])) return `growth row ${i}: ${k} is not a number`;
      const row: GrowthRow = { function: r.function, file: r.file, line: r.line as number, firstBytes: r.firstBytes as number, newestBytes: r.newestBytes as number, growthBytes: r.growthBytes as number };
      for (const k of ['firstObjects', 'newestObjects', 'growthObjects'] as const) {
        if (r[k] === undefined) continue;
        if (!isFiniteNumber(r[k])) return `growth row ${i}: ${k} is not a number`;
        row[k] = r[k];
      }
      rows.push(row);
    }
    msg.growth = { firstAt: g.firstAt as number, newestAt: g.newestAt as number, firstBytes: g.firstBytes as number, newestBytes: g.newestBytes as number, growthBytes: g.growthBytes as number, grown: g.grown as number, rows };
  }
  return msg;
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** At most this many cycles in one message (a day of a busy service collecting every 100 ms). */
const MAX_GC_CYCLES = 1_000_000;

/** The cycles of a showGcTrace message, rebuilt field by field, or what is wrong with them. */
export function validateGcCycles(x: unknown): GcCycle[] | string {
  if (!Array.isArray(x)) return 'cycles is not an array';
  if (x.length === 0) return 'no cycles';
  if (x.length > MAX_GC_CYCLES) return `more than ${MAX_GC_CYCLES} cycles`;
  const out: GcCycle[] = [];
  for (let i = 0; i < x.length; i++) {
    const c: unknown = x[i];
    if (!isRecord(c)) return `cycle ${i} is not an object`;
    const nums = ['n', 'atSeconds', 'cpuPercent', 'pauseMs', 'heapStartMB', 'heapEndMB', 'liveMB', 'goalMB', 'procs', 'line'] as const;
    for (const k of nums) if (!isFiniteNumber(c[k]) || c[k] < 0) return `cycle ${i}: ${k} is not a number`;
    const clock = c.clockMs;
    if (!Array.isArray(clock) || clock.length !== 3 || !clock.every((v) => isFiniteNumber(v) && v >= 0)) return `cycle ${i}: clockMs is malformed`;
    const cpu = c.cpuMs;
    const cpuKeys = ['sweepTermination', 'assist', 'background', 'idle', 'markTermination'] as const;
    if (!isRecord(cpu) || !cpuKeys.every((k) => isFiniteNumber(cpu[k]) && (cpu[k] as number) >= 0)) return `cycle ${i}: cpuMs is malformed`;
    for (const k of ['stacksMB', 'globalsMB'] as const) if (c[k] !== undefined && (!isFiniteNumber(c[k]) || c[k] < 0)) return `cycle ${i}: ${k} is not a number`;
    if (typeof c.forced !== 'boolean' || typeof c.leakCheck !== 'boolean') return `cycle ${i}: forced or leakCheck is not a boolean`;
    const cycle: GcCycle = {
      n: c.n as number,
      atSeconds: c.atSeconds as number,
      cpuPercent: c.cpuPercent as number,
      clockMs: [clock[0] as number, clock[1] as number, clock[2] as number],
      cpuMs: { sweepTermination: cpu.sweepTermination as number, assist: cpu.assist as number, background: cpu.background as number, idle: cpu.idle as number, markTermination: cpu.markTermination as number },
      pauseMs: c.pauseMs as number,
      heapStartMB: c.heapStartMB as number,
      heapEndMB: c.heapEndMB as number,
      liveMB: c.liveMB as number,
      goalMB: c.goalMB as number,
      procs: c.procs as number,
      forced: c.forced,
      leakCheck: c.leakCheck,
      line: c.line as number,
    };
    if (c.stacksMB !== undefined) cycle.stacksMB = c.stacksMB as number;
    if (c.globalsMB !== undefined) cycle.globalsMB = c.globalsMB as number;
    out.push(cycle);
  }
  return out;
}

/**
 * Validates a message the host received from the webview. funcCount and baseFuncCount are the
 * sizes of the function tables of the profiles the host sent, so an out-of-range index is
 * rejected here.
 */
export function parseWebviewMessage(x: unknown, funcCount: number, baseFuncCount = 0): Parsed<WebviewMessage> {
  if (!isRecord(x) || typeof x.type !== 'string') return { ok: false, error: 'message without a type' };
  switch (x.type) {
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'openSource': {
      const fromBase = x.fromBase === true;
      if (!isIndex(x.func, fromBase ? baseFuncCount : funcCount)) return { ok: false, error: 'openSource: function index out of range' };
      if (typeof x.line !== 'number' || !Number.isInteger(x.line) || x.line < 0) return { ok: false, error: 'openSource: bad line' };
      return { ok: true, value: { type: 'openSource', func: x.func, line: x.line, fromBase } };
    }
    case 'sampleTypeChanged':
      if (typeof x.sampleIndex !== 'number' || !Number.isInteger(x.sampleIndex) || x.sampleIndex < 0) return { ok: false, error: 'sampleTypeChanged: bad index' };
      return { ok: true, value: { type: 'sampleTypeChanged', sampleIndex: x.sampleIndex } };
    case 'rendered':
      if (typeof x.sampleIndex !== 'number' || typeof x.nodeCount !== 'number' || typeof x.ms !== 'number') return { ok: false, error: 'rendered: malformed' };
      return { ok: true, value: { type: 'rendered', sampleIndex: x.sampleIndex, nodeCount: x.nodeCount, ms: x.ms } };
    case 'webviewError':
      if (!isText(x.message)) return { ok: false, error: 'webviewError: message is not text' };
      return { ok: true, value: { type: 'webviewError', message: x.message } };
    case 'gcShown':
      if (!isFiniteNumber(x.cycles) || !isFiniteNumber(x.predictedCycles) || !isText(x.verdict)) return { ok: false, error: 'gcShown: malformed' };
      return { ok: true, value: { type: 'gcShown', cycles: x.cycles, predictedCycles: x.predictedCycles, verdict: x.verdict } };
    case 'watchAction':
      if (x.action !== 'stop' && x.action !== 'restart' && x.action !== 'openDiff') return { ok: false, error: 'watchAction: unknown action' };
      return { ok: true, value: { type: 'watchAction', action: x.action } };
    case 'watchOpenLine':
      if (!isIndex(x.row, MAX_GROWTH_ROWS)) return { ok: false, error: 'watchOpenLine: bad row' };
      return { ok: true, value: { type: 'watchOpenLine', row: x.row } };
    case 'watchShown':
      if (!isText(x.phase) || !isFiniteNumber(x.points) || !isFiniteNumber(x.rows) || !isText(x.figures)) return { ok: false, error: 'watchShown: malformed' };
      return { ok: true, value: { type: 'watchShown', phase: x.phase, points: x.points, rows: x.rows, figures: x.figures } };
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(x.type).slice(0, 60)}` };
  }
}

/** Validates UI state read back with getState (it may come from an older version). */
export function parseUiState(x: unknown): FlameUiState {
  if (!isRecord(x)) return {};
  const s: FlameUiState = {};
  if (typeof x.sampleIndex === 'number' && Number.isInteger(x.sampleIndex) && x.sampleIndex >= 0) s.sampleIndex = x.sampleIndex;
  if (x.orientation === 'icicle' || x.orientation === 'flame') s.orientation = x.orientation;
  const path = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isInteger(n)) ? (v as number[]) : undefined);
  const zp = path(x.zoomPath);
  if (zp) s.zoomPath = zp;
  const sp = path(x.selectedPath);
  if (sp) s.selectedPath = sp;
  if (isText(x.search)) s.search = x.search;
  if (x.sortKey === 'name' || x.sortKey === 'flat' || x.sortKey === 'cum') s.sortKey = x.sortKey;
  if (typeof x.sortDescending === 'boolean') s.sortDescending = x.sortDescending;
  if (typeof x.colorBlind === 'boolean') s.colorBlind = x.colorBlind;
  if (typeof x.showTable === 'boolean') s.showTable = x.showTable;
  if (isText(x.sandwichFunc)) s.sandwichFunc = x.sandwichFunc;
  const refinements = parseChips(x.refinements);
  if (refinements.length > 0) s.refinements = refinements;
  if (isGranularity(x.granularity)) s.granularity = x.granularity;
  if (typeof x.refineOpen === 'boolean') s.refineOpen = x.refineOpen;
  if (Array.isArray(x.undo)) {
    const steps = x.undo
      .slice(-MAX_UNDO_STEPS)
      .filter(isRecord)
      .map((u): RefinementStep => ({ refinements: parseChips(u.refinements), ...(isGranularity(u.granularity) ? { granularity: u.granularity } : {}) }));
    if (steps.length > 0) s.undo = steps;
  }
  return s;
}

function parseChips(x: unknown): RefinementChip[] {
  if (!Array.isArray(x)) return [];
  const chips = x.filter((c): c is RefinementChip => isRecord(c) && (REFINEMENT_KINDS as readonly unknown[]).includes(c.kind) && isText(c.pattern));
  return chips.slice(0, 100).map((c) => ({ kind: c.kind, pattern: c.pattern }));
}

/** What the webview stores with setState: its UI state plus what it shows, for the serializer. */
export interface FlamePersistedState {
  ui: FlameUiState;
  source?: FlameSource;
}

/** What the heap watch panel keeps with setState: the service it polls, to poll again after a reload. */
export interface WatchPersistedState {
  base: string;
  intervalMs: number;
}

export function parseWatchState(x: unknown): WatchPersistedState | undefined {
  if (!isRecord(x) || !isText(x.base) || !isFiniteNumber(x.intervalMs) || x.intervalMs <= 0) return undefined;
  return { base: x.base, intervalMs: x.intervalMs };
}

export function parsePersistedState(x: unknown): FlamePersistedState {
  if (!isRecord(x)) return { ui: {} };
  const out: FlamePersistedState = { ui: parseUiState(x.ui) };
  const source = validateSource(x.source);
  if (source) out.source = source;
  return out;
}
