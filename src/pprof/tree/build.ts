// The trees of a view: one profile's call tree, the diff of two, and a function's callers and
// callees.
import { type Filters, checkSampleIndex, filtersFor } from './filters';
import type { FlameTree, TreeOptions } from '../../shared/flameTree';
import { KeySpace, Levels, Paths, TrieBuilder } from './trie';
import type { ProfileData } from '../../shared/profileData';
import { ROOT_FUNC, finish } from './nodes';

export interface Sandwich {
  /** Rooted at the function; children are its callers, their children the callers' callers. */
  callers: FlameTree;
  /** Rooted at the function; children are its callees. */
  callees: FlameTree;
}

/** The trie key of every frame of a profile (-1: hidden). funcMap maps its functions to the tree's. */
function frameKeys(data: ProfileData, keys: KeySpace, funcMap: Int32Array | null, hide: Uint8Array | null): Int32Array {
  const { frameFunc, frameLine } = data;
  const out = new Int32Array(frameFunc.length);
  for (let i = 0; i < frameFunc.length; i++) {
    const fn = frameFunc[i]!;
    out[i] = hide && hide[fn] ? -1 : keys.keyOf(funcMap ? funcMap[fn]! : fn, frameLine[i]!);
  }
  return out;
}

/** Adds the stacks of one profile (outermost frame first) as paths, with focus and ignore applied. */
function addStacks(paths: Paths, data: ProfileData, values: Float64Array, frameKey: Int32Array, f: Filters, base: boolean): void {
  const { frameFunc, stackStart, stackFrames } = data;
  const stackCount = stackStart.length - 1;
  for (let s = 0; s < stackCount; s++) {
    const v = values[s]!;
    if (v === 0) continue;
    const lo = stackStart[s]!;
    let hi = stackStart[s + 1]! - 1; // the outermost frame
    if (f.ignore) {
      let drop = false;
      for (let i = lo; i <= hi; i++) {
        if (f.ignore[frameFunc[stackFrames[i]!]!]) {
          drop = true;
          break;
        }
      }
      if (drop) continue;
    }
    if (f.focus) {
      while (hi >= lo && !f.focus[frameFunc[stackFrames[hi]!]!]) hi--;
      if (hi < lo) continue;
    }
    let len = hi - lo + 1;
    if (f.hide) for (let i = lo; i <= hi; i++) if (frameKey[stackFrames[i]!]! < 0) len--;
    paths.add(hi, len, v, base);
  }
}

/**
 * The call tree of one profile for a sample type: self/total per node, frames merged by
 * function (or function+line), with focus/ignore/hide and trimming of tiny nodes.
 */
export function buildTree(data: ProfileData, opts: TreeOptions): FlameTree {
  const values = checkSampleIndex(data, opts.sampleIndex);
  const f = filtersFor(data, opts);
  const keys = new KeySpace(!!opts.byLine, data.funcName.length);
  const frameKey = frameKeys(data, keys, null, f.hide);
  const paths = new Paths(data.stackStart.length - 1, false);
  addStacks(paths, data, values, frameKey, f, false);
  const levels = new Levels(paths);
  levels.fill(paths, 0, paths.count, data.stackFrames, frameKey, -1);
  return finish(new TrieBuilder(paths, levels, keys.size).build(), keys, ROOT_FUNC, opts.minFraction, opts.sampleIndex, data);
}

/**
 * The difference between two profiles as one tree. Functions are matched by name and file,
 * never by index. self/total are the new profile's values, baseSelf/baseTotal the base's;
 * nodes present only in the base have total 0. The returned tree's `data` is `next` with
 * the base-only functions appended to its function table, so every node's func indexes it.
 */
export function diffTree(base: ProfileData, next: ProfileData, opts: TreeOptions): FlameTree {
  const nextValues = checkSampleIndex(next, opts.sampleIndex);
  const typeName = next.sampleTypes[opts.sampleIndex]!.type;
  let baseIndex = base.sampleTypes.findIndex((t) => t.type === typeName);
  if (baseIndex < 0) baseIndex = opts.sampleIndex;
  const baseValues = checkSampleIndex(base, baseIndex);

  const funcName = next.funcName.slice();
  const funcFile = next.funcFile.slice();
  const baseOnlyStartLine: number[] = [];
  const joint = new Map<string, number>();
  const nextMap = new Int32Array(next.funcName.length);
  for (let i = 0; i < next.funcName.length; i++) {
    const key = `${next.funcName[i]}\u0000${next.funcFile[i]}`;
    let j = joint.get(key);
    if (j === undefined) joint.set(key, (j = i));
    nextMap[i] = j;
  }
  const baseMap = new Int32Array(base.funcName.length);
  for (let i = 0; i < base.funcName.length; i++) {
    const key = `${base.funcName[i]}\u0000${base.funcFile[i]}`;
    let j = joint.get(key);
    if (j === undefined) {
      j = funcName.length;
      joint.set(key, j);
      funcName.push(base.funcName[i]!);
      funcFile.push(base.funcFile[i]!);
      baseOnlyStartLine.push(base.funcStartLine[i]!);
    }
    baseMap[i] = j;
  }
  const funcStartLine = new Int32Array(funcName.length);
  funcStartLine.set(next.funcStartLine);
  funcStartLine.set(baseOnlyStartLine, next.funcName.length);
  const data: ProfileData = { ...next, funcName, funcFile, funcStartLine };

  const keys = new KeySpace(!!opts.byLine, funcName.length);
  const fNext = filtersFor(next, opts);
  const fBase = filtersFor(base, opts);
  const nextKey = frameKeys(next, keys, nextMap, fNext.hide);
  const baseKey = frameKeys(base, keys, baseMap, fBase.hide);
  const paths = new Paths(next.stackStart.length + base.stackStart.length - 2, true);
  addStacks(paths, next, nextValues, nextKey, fNext, false);
  const fromBase = paths.count;
  addStacks(paths, base, baseValues, baseKey, fBase, true);
  const levels = new Levels(paths);
  levels.fill(paths, 0, fromBase, next.stackFrames, nextKey, -1);
  levels.fill(paths, fromBase, paths.count, base.stackFrames, baseKey, -1);
  return finish(new TrieBuilder(paths, levels, keys.size).build(), keys, ROOT_FUNC, opts.minFraction, opts.sampleIndex, data, base);
}

/**
 * The "sandwich" of one function, merged over all its call sites: its callers as an inverted
 * tree (from the innermost occurrence on each stack outwards) and its callees (from the
 * outermost occurrence inwards). Both roots are the function with total = its cum value.
 */
export function callersCallees(data: ProfileData, funcIndex: number, sampleIndex: number): Sandwich {
  const values = checkSampleIndex(data, sampleIndex);
  if (!Number.isInteger(funcIndex) || funcIndex < 0 || funcIndex >= data.funcName.length) {
    throw new RangeError(`function index ${funcIndex} is out of range: the profile has ${data.funcName.length} functions`);
  }
  const { frameFunc, stackStart, stackFrames } = data;
  const stackCount = stackStart.length - 1;
  const callers = new Paths(stackCount, false);
  const callees = new Paths(stackCount, false);
  for (let s = 0; s < stackCount; s++) {
    const v = values[s]!;
    if (v === 0) continue;
    const lo = stackStart[s]!;
    const hi = stackStart[s + 1]!;
    let inner = -1;
    let outer = -1;
    for (let i = lo; i < hi; i++) {
      if (frameFunc[stackFrames[i]!] === funcIndex) {
        if (inner < 0) inner = i;
        outer = i;
      }
    }
    if (inner < 0) continue;
    callers.add(inner + 1, hi - inner - 1, v, false);
    callees.add(outer - 1, outer - lo, v, false);
  }
  const keys = new KeySpace(false, data.funcName.length);
  const tree = (paths: Paths, step: 1 | -1): FlameTree => {
    const levels = new Levels(paths);
    levels.fill(paths, 0, paths.count, stackFrames, frameFunc, step);
    return finish(new TrieBuilder(paths, levels, keys.size).build(), keys, funcIndex, undefined, sampleIndex, data);
  };
  return { callers: tree(callers, 1), callees: tree(callees, -1) };
}
