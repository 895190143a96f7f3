// A profile refined as pprof's applyFocus refines it (profile/filter.go FilterSamplesByName and
// FilterSamplesByTag): samples kept by focus / ignore and the label filters, frames removed by
// hide / show. Patterns match a frame's function name, its file name or its object file (the
// binary or library of its location's mapping), as in pprof's Location.matchesName. The result is a new
// ProfileData with the same function, frame and stack numbering: a dropped sample's stack gets
// the value 0, a hidden frame leaves its stack, so trees and tables need no options.
import type { ProfileData } from '../../shared/profileData';
import type { Pattern } from '../pattern';
import type { TagFilter } from './tagFilter';

export interface Refinements {
  /** Keep samples with a frame matching this. */
  focus?: Pattern;
  /** Drop samples with a frame matching this. */
  ignore?: Pattern;
  /** Remove the frames matching this from the stacks. */
  hide?: Pattern;
  /** Remove the frames not matching this from the stacks. */
  show?: Pattern;
  /** Keep samples whose labels pass this. */
  tagFocus?: TagFilter;
  /** Drop samples whose labels pass this. */
  tagIgnore?: TagFilter;
}

/**
 * Per frame: 1 when its function's name or file, or its object file, matches (each name is
 * matched once). A match of the object file takes every frame of the location, as pprof's
 * matchesName, unmatchedLines and matchedLines do.
 */
function matchFrames(data: ProfileData, re: Pattern): Uint8Array {
  const byFunc = new Uint8Array(data.funcName.length);
  for (let i = 0; i < byFunc.length; i++) byFunc[i] = re.test(data.funcName[i]!) || (data.funcFile[i] !== '' && re.test(data.funcFile[i]!)) ? 1 : 0;
  const { frameFunc, frameObjfile, objfiles } = data;
  const out = new Uint8Array(frameFunc.length);
  for (let f = 0; f < out.length; f++) out[f] = byFunc[frameFunc[f]!]!;
  if (frameObjfile && objfiles) {
    const byObj = objfiles.map((o) => re.test(o));
    for (let f = 0; f < out.length; f++) {
      const o = frameObjfile[f]!;
      if (o >= 0 && byObj[o]) out[f] = 1;
    }
  }
  return out;
}

export function hasRefinements(r: Refinements): boolean {
  return !!(r.focus || r.ignore || r.hide || r.show || r.tagFocus || r.tagIgnore);
}

export function refineProfile(data: ProfileData, r: Refinements): ProfileData {
  if (!hasRefinements(r)) return data;
  const nTypes = data.values.length;
  const nStacks = data.stackStart.length - 1;

  // Values: from the label groups when labels are filtered.
  let values: Float64Array[];
  if (r.tagFocus || r.tagIgnore) {
    values = [];
    for (let t = 0; t < nTypes; t++) values.push(new Float64Array(nStacks));
    const l = data.labels;
    if (l) {
      const sets = l.setStart.length - 1;
      const pass = new Uint8Array(sets);
      for (let s = 0; s < sets; s++) pass[s] = (!r.tagFocus || r.tagFocus.test(l, s)) && !(r.tagIgnore && r.tagIgnore.test(l, s)) ? 1 : 0;
      for (let g = 0; g < l.groupStack.length; g++) {
        if (!pass[l.groupSet[g]!]) continue;
        const stack = l.groupStack[g]!;
        for (let t = 0; t < nTypes; t++) values[t]![stack]! += l.values[t]![g]!;
      }
    } else if (!r.tagFocus) {
      // No labels: a tag ignore drops nothing (a tag focus keeps nothing).
      values = data.values.map((v) => v.slice());
    }
  } else {
    values = data.values.map((v) => v.slice());
  }

  const { stackStart, stackFrames } = data;
  // Focus and ignore: per sample, on the frames before hide/show.
  if (r.focus || r.ignore) {
    const focus = r.focus && matchFrames(data, r.focus);
    const ignore = r.ignore && matchFrames(data, r.ignore);
    for (let s = 0; s < nStacks; s++) {
      let focused = !focus;
      let ignored = false;
      for (let i = stackStart[s]!; i < stackStart[s + 1]!; i++) {
        const f = stackFrames[i]!;
        if (ignore && ignore[f]) {
          ignored = true;
          break;
        }
        if (focus && focus[f]) focused = true;
      }
      if (ignored || !focused) for (let t = 0; t < nTypes; t++) values[t]![s] = 0;
    }
  }

  const out: ProfileData = { ...data, values };
  delete out.valuesExact;
  delete out.labels;
  // Hide and show: frames leave their stacks; a stack left empty keeps no value.
  if (r.hide || r.show) {
    const hide = r.hide && matchFrames(data, r.hide);
    const show = r.show && matchFrames(data, r.show);
    const hidden = (f: number) => (hide && hide[f] === 1) || (show && show[f] === 0);
    const newStart = new Int32Array(nStacks + 1);
    const newFrames = new Int32Array(stackFrames.length);
    let n = 0;
    for (let s = 0; s < nStacks; s++) {
      const before = n;
      for (let i = stackStart[s]!; i < stackStart[s + 1]!; i++) {
        const f = stackFrames[i]!;
        if (!hidden(f)) newFrames[n++] = f;
      }
      newStart[s + 1] = n;
      if (n === before) for (let t = 0; t < nTypes; t++) values[t]![s] = 0;
    }
    out.stackStart = newStart;
    out.stackFrames = newFrames.slice(0, n);
  }
  return out;
}
