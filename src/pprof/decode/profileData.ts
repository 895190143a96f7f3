// PprofProfile to ProfileData, the compact form the flame graph and the CLI use: frames,
// stacks with equal frames merged, drop_frames/keep_frames applied, deep stacks cut.
import { pprofDisplayName } from '../displayName';
import { MAX_STACK_DEPTH, limitStackDepth } from '../stackDepth';
import { MemoryBudget, type ProfileDataOptions, ProfileError, budgetOf } from './budget';
import type { PprofProfile } from './model';
import type { ProfileData, SampleTypeInfo } from '../../shared/profileData';
import { TWO32 } from './wire';
import { compilePattern } from '../pattern';
import { readProfile } from './profile';
import { trimmed } from './samples';
import { labelGroups } from './labels';

/** The index of the sample type to show first: default_sample_type if set, else the last. */
export function defaultSampleIndex(p: { sampleTypes: SampleTypeInfo[]; defaultSampleType: string }): number {
  if (p.defaultSampleType) {
    const i = p.sampleTypes.findIndex((t) => t.type === p.defaultSampleType);
    if (i >= 0) return i;
  }
  return p.sampleTypes.length - 1;
}

/**
 * Resolves a --sample-index style argument: a sample type name (alloc_space) or a number.
 * Throws ProfileError listing the available types otherwise.
 */
export function resolveSampleIndex(types: SampleTypeInfo[], which: string | number | undefined, fallback: number): number {
  if (which === undefined || which === '') return fallback;
  const names = types.map((t) => t.type).join(', ');
  if (typeof which === 'number' || /^\d+$/.test(which)) {
    const i = Number(which);
    if (i < types.length) return i;
    throw new ProfileError(`sample index ${i} is out of range: the profile has ${types.length} sample types (${names})`);
  }
  const i = types.findIndex((t) => t.type === which);
  if (i < 0) throw new ProfileError(`no sample type "${which}" in this profile; it has: ${names}`);
  return i;
}

/**
 * pprof's simplifyFunc: the name drop_frames/keep_frames are matched against, without a
 * leading '.' (PPC ELF v1) and without an argument list: cut at the first '(' that does not
 * start "(anonymous namespace)" and is not part of "operator()".
 */
function simplifyFunc(name: string): string {
  const f = name.startsWith('.') ? name.slice(1) : name;
  for (const m of f.matchAll(/\(anonymous namespace\)|operator\(\)|\(/g)) {
    if (m[0] === '(') return f.slice(0, m.index);
  }
  return f;
}

/**
 * Which locations the profile's drop_frames/keep_frames remove, as pprof does when it opens a
 * profile: per location, -1 = keep all lines, -2 = drop the location and its callees,
 * k >= 0 = keep lines k.. (the caller part) and drop its callees. Null when nothing is dropped.
 * The patterns have Go's syntax and match in linear time (src/pprof/pattern.ts); when one does
 * not compile, nothing is dropped (as in pprof) and a note says so.
 */
function pruneRules(p: PprofProfile, notes: string[]): Int32Array | null {
  if (!p.dropFrames) return null;
  const drop = compilePattern(p.dropFrames, 'whole');
  const keep = p.keepFrames ? compilePattern(p.keepFrames, 'whole') : undefined;
  if (!drop.ok) {
    notes.push(`drop_frames was not applied: ${drop.error}`);
    return null;
  }
  if (keep && !keep.ok) {
    notes.push(`drop_frames was not applied: keep_frames: ${keep.error}`);
    return null;
  }
  const keepPattern = keep?.pattern;
  // Per function: 0 not yet matched, 1 drop, 2 keep (pprof caches by name likewise).
  const verdict = new Uint8Array(p.functions.length);
  const dropped = (fn: number): boolean => {
    if (verdict[fn] === 0) {
      const s = simplifyFunc(p.functions[fn]!.name);
      verdict[fn] = drop.pattern.test(s) && !keepPattern?.test(s) ? 1 : 2;
    }
    return verdict[fn] === 1;
  };
  const rule = new Int32Array(p.locations.length).fill(-1);
  p.locations.forEach((loc, li) => {
    for (let i = loc.lines.length - 1; i >= 0; i--) {
      const fn = loc.lines[i]!.function;
      if (fn < 0 || !p.functions[fn]!.name) continue;
      if (dropped(fn)) {
        rule[li] = i === loc.lines.length - 1 ? -2 : i + 1;
        return;
      }
    }
  });
  return rule;
}

/**
 * The compact form of a profile for trees and the webview: one function table, frames per
 * (function, line), stacks of frames (leaf first, inlined frames expanded) with samples of
 * identical frame sequences merged (labels are not part of ProfileData).
 */
export function toProfileData(p: PprofProfile, name: string, opts: ProfileDataOptions = {}): ProfileData {
  const nTypes = p.sampleTypes.length;
  const budget = new MemoryBudget(budgetOf(opts));
  // (ProfileData takes about 0.6 times the model on Go heap profiles: for the figure.)
  const model = modelBytes(p);
  budget.charge(model, model * 1.6);
  // Functions: the profile's own, plus one per unsymbolized address / nameless line.
  // The names go tool pprof shows (generic shapes without their parameter lists).
  const funcName = p.functions.map((f) => pprofDisplayName(f.name, f.systemName));
  const funcFile = p.functions.map((f) => f.file);
  const funcStartLine = p.functions.map((f) => lineNumber(f.startLine));
  const extraFunc = new Map<string, number>();
  const syntheticFunc = (label: string, file: string): number => {
    let i = extraFunc.get(label);
    if (i === undefined) {
      i = funcName.length;
      extraFunc.set(label, i);
      funcName.push(label);
      funcFile.push(file);
      funcStartLine.push(0);
    }
    return i;
  };
  // Frames, deduplicated by (object file, function, line); per location the range of its frames.
  const frameFunc: number[] = [];
  const frameLine: number[] = [];
  const frameObjfile: number[] = [];
  // The object files: the mappings' file names, each once (-1: no mapping or no name).
  const objfiles: string[] = [];
  const objfileIds = new Map<string, number>();
  const mappingObjfile = p.mappings.map((m) => {
    if (!m.file) return -1;
    let id = objfileIds.get(m.file);
    if (id === undefined) {
      id = objfiles.length;
      objfileIds.set(m.file, id);
      objfiles.push(m.file);
    }
    return id;
  });
  // Per object file (index + 1): (function, line) to frame.
  const frameIds: Map<number, number>[] = [];
  let ids: Map<number, number>;
  let obj = -1;
  const frame = (fn: number, line: number): number => {
    const key = fn * TWO32 + (line >>> 0);
    let id = ids.get(key);
    if (id === undefined) {
      id = frameFunc.length;
      ids.set(key, id);
      frameFunc.push(fn);
      frameLine.push(line);
      frameObjfile.push(obj);
    }
    return id;
  };
  const notes: string[] = [];
  const rules = pruneRules(p, notes);
  const locFrameStart = new Uint32Array(p.locations.length + 1);
  const locFrames: number[] = [];
  p.locations.forEach((loc, li) => {
    const mapFile = loc.mapping >= 0 ? p.mappings[loc.mapping]!.file : '';
    obj = loc.mapping >= 0 ? mappingObjfile[loc.mapping]! : -1;
    ids = frameIds[obj + 1] ??= new Map();
    const rule = rules ? rules[li]! : -1;
    const first = rule >= 0 ? rule : 0;
    if (loc.lines.length === 0) {
      locFrames.push(frame(syntheticFunc(`0x${loc.address.toString(16)}`, mapFile), 0));
    } else {
      for (let i = first; i < loc.lines.length; i++) {
        const ln = loc.lines[i]!;
        const fn = ln.function >= 0 ? ln.function : syntheticFunc(`0x${loc.address.toString(16)}`, mapFile);
        locFrames.push(frame(fn, lineNumber(ln.line)));
      }
    }
    locFrameStart[li + 1] = locFrames.length;
  });
  const lf = Int32Array.from(locFrames);
  // The frame of each location that has exactly one (most have), else -1.
  const single = new Int32Array(p.locations.length);
  let maxFrames = 0;
  for (let li = 0; li < p.locations.length; li++) {
    const k = locFrameStart[li + 1]! - locFrameStart[li]!;
    single[li] = k === 1 ? lf[locFrameStart[li]!]! : -1;
    if (k > maxFrames) maxFrames = k;
  }

  // The decoder has merged samples with equal locations into location stacks; merge the
  // location stacks whose frame sequences are equal (different addresses on the same line
  // give equal frames; so may pruning). Open addressing on a hash of the frames, the table
  // sized for the worst case (every location stack distinct), at most two thirds full (a
  // smaller table is a faster one: its lookups miss the cache less).
  const { sampleCount, sampleStack, stackLocStart, stackLocations, sampleValues } = p;
  const nLocStacks = stackLocStart.length - 1;
  const stackOf = new Int32Array(nLocStacks);
  let cap = 16;
  while (cap * 2 < nLocStacks * 3) cap *= 2;
  const table = new Int32Array(cap);
  const mask = cap - 1;
  const hashes = new Int32Array(nLocStacks);
  const stackStart = new Int32Array(nLocStacks + 1);
  let nStacks = 0;
  // Room for the frames of every location stack: the exact size unless stacks merge.
  let frameBound = stackLocations.length;
  if (maxFrames > 1) {
    frameBound = 0;
    for (let i = 0; i < stackLocations.length; i++) {
      const loc = stackLocations[i]!;
      frameBound += locFrameStart[loc + 1]! - locFrameStart[loc]!;
    }
  }
  // What ProfileData takes (the frame table: a map entry and two array slots per frame).
  const pdBytes = locFrames.length * 64 + nLocStacks * 24 + cap * 4 + frameBound * 4 + nTypes * nLocStacks * 8;
  budget.charge(pdBytes);
  const stackFrames = new Int32Array(frameBound);
  let nFrames = 0;
  for (let k = 0; k < nLocStacks; k++) {
    let lo = stackLocStart[k]!;
    const hi = stackLocStart[k + 1]!;
    if (rules) lo = prunedStart(rules, stackLocations, lo, hi);
    // Copy the frames after the last stack (kept if they make a new one), hashing them.
    let h = 0x811c9dc5 | 0;
    let j = nFrames;
    for (let i = lo; i < hi; i++) {
      const loc = stackLocations[i]!;
      const fr = single[loc]!;
      if (fr >= 0) {
        stackFrames[j++] = fr;
        h = Math.imul(h ^ fr, 0x01000193);
        continue;
      }
      const fe = locFrameStart[loc + 1]!;
      for (let f = locFrameStart[loc]!; f < fe; f++) {
        const fr = lf[f]!;
        stackFrames[j++] = fr;
        h = Math.imul(h ^ fr, 0x01000193);
      }
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    const len = j - nFrames;
    let slot = h & mask;
    let id = -1;
    for (;;) {
      const e = table[slot]!;
      if (e === 0) break;
      const c = e - 1;
      if (hashes[c] === h) {
        const a = stackStart[c]!;
        if (stackStart[c + 1]! - a === len) {
          let i = 0;
          while (i < len && stackFrames[a + i] === stackFrames[nFrames + i]) i++;
          if (i === len) {
            id = c;
            break;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    if (id < 0) {
      id = nStacks++;
      table[slot] = id + 1;
      hashes[id] = h;
      nFrames = j;
      stackStart[nStacks] = nFrames;
    }
    stackOf[k] = id;
  }

  // Values per stack, summed in sample order.
  const values: Float64Array[] = [];
  for (let t = 0; t < nTypes; t++) values.push(new Float64Array(nStacks));
  if (nTypes === 1) {
    const v0 = values[0]!;
    for (let s = 0; s < sampleCount; s++) v0[stackOf[sampleStack[s]!]!]! += sampleValues[s]!;
  } else if (nTypes === 2 || nTypes === 4) {
    // Go's heap (4 types) and CPU (2 types) profiles.
    const v0 = values[0]!;
    const v1 = values[1]!;
    const v2 = nTypes === 4 ? values[2]! : v0;
    const v3 = nTypes === 4 ? values[3]! : v1;
    if (nTypes === 2) {
      for (let s = 0; s < sampleCount; s++) {
        const id = stackOf[sampleStack[s]!]!;
        v0[id]! += sampleValues[2 * s]!;
        v1[id]! += sampleValues[2 * s + 1]!;
      }
    } else {
      for (let s = 0; s < sampleCount; s++) {
        const id = stackOf[sampleStack[s]!]!;
        const b = 4 * s;
        v0[id]! += sampleValues[b]!;
        v1[id]! += sampleValues[b + 1]!;
        v2[id]! += sampleValues[b + 2]!;
        v3[id]! += sampleValues[b + 3]!;
      }
    }
  } else {
    for (let s = 0; s < sampleCount; s++) {
      const id = stackOf[sampleStack[s]!]!;
      const b = s * nTypes;
      for (let t = 0; t < nTypes; t++) values[t]![id]! += sampleValues[b + t]!;
    }
  }

  const valuesExact = exactSums(p, stackOf, nStacks, values, budget);

  const data: ProfileData = {
    name,
    sampleTypes: p.sampleTypes.map((t) => ({ ...t })),
    defaultSampleIndex: defaultSampleIndex(p),
    funcName,
    funcFile,
    funcStartLine: Int32Array.from(funcStartLine),
    frameFunc: Int32Array.from(frameFunc),
    frameLine: Int32Array.from(frameLine),
    ...(objfiles.length > 0 ? { frameObjfile: Int32Array.from(frameObjfile), objfiles } : {}),
    stackStart: trimmed(stackStart, nStacks + 1),
    stackFrames: trimmed(stackFrames, nFrames),
    values,
  };
  if (p.durationNanos) data.durationNanos = p.durationNanos;
  if (p.timeNanos) data.timeNanos = Number(p.timeNanos);
  if (p.periodType) data.periodType = { ...p.periodType };
  if (p.period) data.period = p.period;
  if (p.comments.length > 0) data.comments = p.comments.slice();
  if (notes.length > 0) data.notes = notes;
  if (valuesExact) data.valuesExact = valuesExact;
  if (p.hasNegativeValues) {
    const t = pprofTotals(p);
    data.totals = Array.from(t, Number);
    data.totalsExact = t;
  }
  const labels = labelGroups(p, stackOf, budget);
  if (labels) data.labels = labels;
  return limitStackDepth(data, opts.maxStackDepth ?? MAX_STACK_DEPTH);
}

/**
 * A line number as ProfileData keeps it (32-bit): lines outside [0, 2^31) are no source line
 * (pprof reads them as int64), so they become 0, unknown, rather than wrap onto real lines.
 */
function lineNumber(line: number): number {
  return line >= 0 && line <= 0x7fffffff ? line : 0;
}

/** About the memory a decoded profile takes (its columns, and its objects as measured). */
function modelBytes(p: PprofProfile): number {
  let lines = 0;
  for (const l of p.locations) lines += l.lines.length;
  const columns = [p.sampleStack, p.stackLocStart, p.stackLocations, p.sampleValues, p.sampleLabelSet, p.labelSetStart, p.labelKey, p.labelStr, p.labelNum, p.labelNumUnit];
  let bytes = 0;
  for (const c of columns) bytes += c.byteLength;
  return bytes + p.locations.length * 160 + lines * 100 + p.functions.length * 120 + p.mappings.length * 200 + p.strings.length * 40 + p.sampleTypes.length * 64 + (p.sampleValuesExact?.size ?? 0) * 96;
}

/**
 * The per-stack sums as exact int64 (wrapping like pprof's), when the doubles may be rounded:
 * a sample value beyond 2^53, or sums that can pass it. Undefined otherwise (real profiles).
 * With no negative value, the doubles are exact while the total is below 2^53 (each partial
 * sum is at most the total); with negative ones, while the sum of magnitudes is.
 */
function exactSums(p: PprofProfile, stackOf: Int32Array, nStacks: number, values: Float64Array[], budget: MemoryBudget): BigInt64Array[] | undefined {
  const { sampleCount, sampleStack, sampleValues } = p;
  const exact = p.sampleValuesExact;
  const nTypes = values.length;
  if (!exact) {
    let most = 0;
    if (p.hasNegativeValues) {
      for (let i = 0; i < sampleValues.length; i++) most += Math.abs(sampleValues[i]!);
    } else {
      for (const row of values) {
        let sum = 0;
        for (let s = 0; s < row.length; s++) sum += row[s]!;
        most = Math.max(most, sum);
      }
    }
    if (most < 2 ** 53) return undefined;
  }
  budget.charge(nTypes * nStacks * 8);
  const out: BigInt64Array[] = [];
  for (let t = 0; t < nTypes; t++) out.push(new BigInt64Array(nStacks));
  for (let s = 0; s < sampleCount; s++) {
    const id = stackOf[sampleStack[s]!]!;
    for (let t = 0; t < nTypes; t++) {
      const i = s * nTypes + t;
      out[t]![id]! += exact?.get(i) ?? BigInt(sampleValues[i]!);
    }
  }
  return out;
}

/**
 * pprof's total of each sample type (report.computeTotal): the sum of each sample's magnitude,
 * over the samples labelled pprof::base=true when that sum is not 0 (a profile written with
 * -diff_base), else over all. As int64, wrapping like pprof's.
 */
function pprofTotals(p: PprofProfile): BigInt64Array {
  const nTypes = p.sampleTypes.length;
  const { sampleCount, sampleValues, sampleLabelSet, labelSetStart, labelKey, labelStr } = p;
  const exact = p.sampleValuesExact;
  const baseKey = p.strings.indexOf('pprof::base');
  const trueStr = p.strings.indexOf('true');
  // Per label set: 1 when it has pprof::base=true.
  const nSets = labelSetStart.length - 1;
  const isBase = new Uint8Array(Math.max(0, nSets));
  if (baseKey > 0 && trueStr > 0) {
    for (let k = 0; k < nSets; k++) {
      for (let e = labelSetStart[k]!; e < labelSetStart[k + 1]!; e++) if (labelKey[e] === baseKey && labelStr[e] === trueStr) isBase[k] = 1;
    }
  }
  const all = new BigInt64Array(nTypes);
  const base = new BigInt64Array(nTypes);
  for (let s = 0; s < sampleCount; s++) {
    const b = nSets > 0 && isBase[sampleLabelSet[s]!] === 1;
    for (let t = 0; t < nTypes; t++) {
      const i = s * nTypes + t;
      let v = exact?.get(i) ?? BigInt(sampleValues[i]!);
      if (v < 0n) v = -v;
      all[t]! += v;
      if (b) base[t]! += v;
    }
  }
  for (let t = 0; t < nTypes; t++) if (base[t] !== 0n) all[t] = base[t]!;
  return all;
}

/**
 * Applies pprof's Prune to one sample's locations [lo, hi) (leaf first): scanning from the
 * root, after the first location that is not dropped, the first dropped location cuts the
 * stack (itself included when the whole location matches). Returns the new lo.
 */
function prunedStart(rules: Int32Array, locs: Uint32Array, lo: number, hi: number): number {
  let foundUser = false;
  for (let i = hi - 1; i >= lo; i--) {
    const r = rules[locs[i]!]!;
    if (r === -1) {
      foundUser = true;
      continue;
    }
    if (!foundUser) continue;
    return r === -2 ? i + 1 : i;
  }
  return lo;
}

/** Decodes a profile file straight to ProfileData (named after the file). */
export async function readProfileData(file: string, name = file.split(/[\\/]/).pop() ?? file, opts: ProfileDataOptions = {}): Promise<ProfileData> {
  return toProfileData(await readProfile(file, opts), name, opts);
}
