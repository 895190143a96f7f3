// Caps the depth of a profile's stacks, so that a hostile or runaway one (a million frames of
// recursion in a kilobyte of gzip) costs a tree of bounded depth in the extension, the CLI
// and the flame graph page. Pure and browser-safe: toProfileData applies it, and the page
// applies it again to whatever it is sent.
//
// What is kept: the innermost frames, as the Go runtime does when a stack is deeper than it
// records (the unwinder starts at the leaf; pprof then shows such stacks hanging from the
// root). So flat values, which `top` sorts by and which say what allocates, stay those of
// pprof, and so do the cumulative values of the functions near the leaf. The outer frames of a
// cut stack are replaced by one synthetic outermost frame, "… stack truncated at N frames",
// under which every cut stack hangs in the flame graph; ProfileData.truncatedStacks says how
// many stacks were cut, for the note the CLI prints and the page shows.
//
// The cap, 4096 frames, is far above what Go writes (the runtime records 32 frames of a heap
// sample before Go 1.23, 128 by default since, and at most 1024 with GODEBUG=profstackdepth;
// a CPU sample 64), inlined frames included; and low enough that the page draws and walks such
// a stack without running out of call stack.
import type { ProfileData } from '../shared/profileData';

/** Stacks deeper than this many frames are cut (see above). */
export const MAX_STACK_DEPTH = 4096;

/** The name of the synthetic outermost frame of a cut stack. */
export function truncatedFrameName(maxDepth: number): string {
  return `… stack truncated at ${maxDepth} frames`;
}

/** A one-line note about the stacks that were cut, or undefined when none was. */
export function truncationNote(data: Pick<ProfileData, 'truncatedStacks'>): string | undefined {
  const t = data.truncatedStacks;
  if (!t) return undefined;
  const f = (x: number) => x.toLocaleString('en-US');
  const which = t.stacks === 1 ? '1 stack is' : `${f(t.stacks)} stacks are`;
  return `Stack truncated at ${f(t.maxDepth)} frames: ${which} deeper (up to ${f(t.deepest)} frames); the innermost frames are kept, the outer ones shown as one frame "${truncatedFrameName(t.maxDepth)}".`;
}

/** Frames of the deepest stack. */
export function deepestStack(data: Pick<ProfileData, 'stackStart'>): number {
  const { stackStart } = data;
  let most = 0;
  for (let s = 0; s + 1 < stackStart.length; s++) most = Math.max(most, stackStart[s + 1]! - stackStart[s]!);
  return most;
}

/**
 * The profile with every stack deeper than maxDepth frames cut to its maxDepth - 1 innermost
 * frames under one synthetic outermost frame (a function and a frame appended to the tables),
 * cut stacks that become equal merged, and truncatedStacks set. The profile itself when no
 * stack is that deep.
 */
export function limitStackDepth(data: ProfileData, maxDepth = MAX_STACK_DEPTH): ProfileData {
  const depth = Math.max(2, Math.floor(maxDepth));
  const { stackStart, stackFrames } = data;
  const nStacks = stackStart.length - 1;
  let cut = 0;
  let deepest = 0;
  let dropped = 0;
  for (let s = 0; s < nStacks; s++) {
    const len = stackStart[s + 1]! - stackStart[s]!;
    if (len > depth) {
      cut++;
      dropped += len - depth;
      if (len > deepest) deepest = len;
    }
  }
  if (cut === 0) return data;

  // The synthetic function and its frame.
  const fn = data.funcName.length;
  const funcName = [...data.funcName, truncatedFrameName(depth)];
  const funcFile = [...data.funcFile, ''];
  const funcStartLine = new Int32Array(fn + 1);
  funcStartLine.set(data.funcStartLine);
  const frame = data.frameFunc.length;
  const frameFunc = new Int32Array(frame + 1);
  frameFunc.set(data.frameFunc);
  frameFunc[frame] = fn;
  const frameLine = new Int32Array(frame + 1);
  frameLine.set(data.frameLine);
  let frameObjfile: Int32Array | undefined;
  if (data.frameObjfile) {
    frameObjfile = new Int32Array(frame + 1);
    frameObjfile.set(data.frameObjfile);
    frameObjfile[frame] = -1;
  }

  // The stacks, the cut ones merged when equal (only cut stacks end in the synthetic frame).
  const newStart = new Int32Array(nStacks + 1);
  const newFrames = new Int32Array(stackFrames.length - dropped);
  const newOf = new Int32Array(nStacks);
  const byHash = new Map<number, number[]>();
  let n = 0;
  let at = 0;
  for (let s = 0; s < nStacks; s++) {
    const lo = stackStart[s]!;
    const len = stackStart[s + 1]! - lo;
    if (len <= depth) {
      newFrames.set(stackFrames.subarray(lo, lo + len), at);
      at += len;
      newOf[s] = n;
      newStart[++n] = at;
      continue;
    }
    newFrames.set(stackFrames.subarray(lo, lo + depth - 1), at);
    newFrames[at + depth - 1] = frame;
    let h = 0x811c9dc5 | 0;
    for (let i = at; i < at + depth; i++) h = Math.imul(h ^ newFrames[i]!, 0x01000193);
    const same = byHash.get(h);
    let id = -1;
    if (same) {
      for (const c of same) {
        const a = newStart[c]!;
        let i = 0;
        while (i < depth && newFrames[a + i] === newFrames[at + i]) i++;
        if (i === depth) {
          id = c;
          break;
        }
      }
    }
    if (id >= 0) {
      newOf[s] = id;
      continue;
    }
    if (same) same.push(n);
    else byHash.set(h, [n]);
    at += depth;
    newOf[s] = n;
    newStart[++n] = at;
  }

  const values = data.values.map((row) => {
    const out = new Float64Array(n);
    for (let s = 0; s < nStacks; s++) out[newOf[s]!]! += row[s]!;
    return out;
  });
  const out: ProfileData = {
    ...data,
    funcName,
    funcFile,
    funcStartLine,
    frameFunc,
    frameLine,
    ...(frameObjfile ? { frameObjfile } : {}),
    stackStart: n === nStacks ? newStart : newStart.slice(0, n + 1),
    stackFrames: at === newFrames.length ? newFrames : newFrames.slice(0, at),
    values,
    truncatedStacks: { maxDepth: depth, stacks: cut, deepest: Math.max(deepest, data.truncatedStacks?.deepest ?? 0) },
  };
  if (data.valuesExact) {
    out.valuesExact = data.valuesExact.map((row) => {
      const x = new BigInt64Array(n);
      for (let s = 0; s < nStacks; s++) x[newOf[s]!]! += row[s] ?? 0n; // (not validated by the page, which does not use them)
      return x;
    });
  }
  if (data.labels) out.labels = { ...data.labels, groupStack: data.labels.groupStack.map((s) => newOf[s] ?? s) };
  return out;
}
