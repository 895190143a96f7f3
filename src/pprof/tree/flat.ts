// The flat per-function table, like `go tool pprof -top`.
import type { Pattern } from '../pattern';
import type { ProfileData } from '../../shared/profileData';
import { checkSampleIndex, filtersFor } from './filters';

export interface FlatRow {
  /** Index into ProfileData's function table. */
  func: number;
  /** Value of samples whose leaf frame is in this function. */
  flat: number;
  /** Value of samples with this function anywhere on the stack (counted once per sample). */
  cum: number;
  /** flat and cum as exact int64, when the profile has ProfileData.valuesExact. */
  flatExact?: bigint;
  cumExact?: bigint;
}

export interface FlatOptions {
  /** Keep only samples with a frame matching this (the stack is not re-rooted). */
  focus?: Pattern;
  /** Drop samples that have a frame matching this. */
  ignore?: Pattern;
  /** Remove frames matching this; their values go to the nearest visible caller. */
  hide?: Pattern;
}

/**
 * Flat and cumulative value per function, like `go tool pprof -top`: flat is the value of
 * samples whose leaf frame (innermost inlined frame included) is in the function, cum counts
 * each sample once per function even when it recurses. Functions with both values 0 are left
 * out; rows are sorted by flat, then cum, heaviest first.
 */
export function flatTable(data: ProfileData, sampleIndex: number, opts: FlatOptions = {}): FlatRow[] {
  const values = checkSampleIndex(data, sampleIndex);
  const f = filtersFor(data, opts);
  const { frameFunc, stackStart, stackFrames } = data;
  const nf = data.funcName.length;
  const flat = new Float64Array(nf);
  const cum = new Float64Array(nf);
  const touched = new Uint8Array(nf);
  const stamp = new Int32Array(nf);
  const stackCount = stackStart.length - 1;
  // Exact sums too, in the rare profiles whose doubles may be rounded.
  const exact = data.valuesExact?.[sampleIndex];
  const flatX = exact ? new BigInt64Array(nf) : null;
  const cumX = exact ? new BigInt64Array(nf) : null;
  for (let s = 0; s < stackCount; s++) {
    const v = values[s]!;
    if (v === 0 && !(exact && exact[s] !== 0n)) continue;
    const lo = stackStart[s]!;
    const hi = stackStart[s + 1]!;
    if (f.ignore || f.focus) {
      let ignored = false;
      let focused = !f.focus;
      for (let i = lo; i < hi; i++) {
        const fn = frameFunc[stackFrames[i]!]!;
        if (f.ignore && f.ignore[fn]) ignored = true;
        if (f.focus && f.focus[fn]) focused = true;
      }
      if (ignored || !focused) continue;
    }
    let leafDone = false;
    for (let i = lo; i < hi; i++) {
      const fn = frameFunc[stackFrames[i]!]!;
      if (f.hide && f.hide[fn]) continue;
      if (!leafDone) {
        flat[fn]! += v;
        if (flatX) flatX[fn]! += exact![s]!;
        leafDone = true;
      }
      if (stamp[fn] !== s + 1) {
        stamp[fn] = s + 1;
        cum[fn]! += v;
        if (cumX) cumX[fn]! += exact![s]!;
        touched[fn] = 1;
      }
    }
  }
  const rows: FlatRow[] = [];
  for (let fn = 0; fn < nf; fn++) {
    if (!touched[fn]) continue;
    if (flatX && cumX) {
      if (flatX[fn] !== 0n || cumX[fn] !== 0n) rows.push({ func: fn, flat: flat[fn]!, cum: cum[fn]!, flatExact: flatX[fn]!, cumExact: cumX[fn]! });
    } else if (flat[fn] !== 0 || cum[fn] !== 0) rows.push({ func: fn, flat: flat[fn]!, cum: cum[fn]! });
  }
  if (flatX) rows.sort((a, b) => cmp(b.flatExact!, a.flatExact!) || cmp(b.cumExact!, a.cumExact!) || cmp(data.funcName[a.func]!, data.funcName[b.func]!) || a.func - b.func);
  else rows.sort((a, b) => b.flat - a.flat || b.cum - a.cum || cmp(data.funcName[a.func]!, data.funcName[b.func]!) || a.func - b.func);
  return rows;
}

function cmp<T extends string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
