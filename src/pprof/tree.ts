// Call trees built from ProfileData: the flame graph, the diff of two profiles, the flat
// per-function table (like `go tool pprof -top`) and the callers/callees "sandwich".
// Pure and browser-safe: it runs in the webview bundle as well as in Node.
//
// Trees are first built in typed arrays (a trie keyed by (parent node, frame key) in an
// open-addressing hash table, no per-sample objects), and only then materialized as
// FlameNode objects, trimmed and sorted.
import type { ProfileData } from '../shared/profileData';
import type { FlameNode, FlameTree, TreeOptions } from '../shared/flameTree';

/** FlameNode.func of the synthetic root. */
export const ROOT_FUNC = -1;
/** FlameNode.func of the node that stands for trimmed tiny siblings. */
export const OTHER_FUNC = -2;

export interface FlatRow {
  /** Index into ProfileData's function table. */
  func: number;
  /** Value of samples whose leaf frame is in this function. */
  flat: number;
  /** Value of samples with this function anywhere on the stack (counted once per sample). */
  cum: number;
}

export interface FlatOptions {
  /** Keep only samples with a frame matching this (the stack is not re-rooted). */
  focus?: RegExp;
  /** Drop samples that have a frame matching this. */
  ignore?: RegExp;
  /** Remove frames matching this; their values go to the nearest visible caller. */
  hide?: RegExp;
}

export interface Sandwich {
  /** Rooted at the function; children are its callers, their children the callers' callers. */
  callers: FlameTree;
  /** Rooted at the function; children are its callees. */
  callees: FlameTree;
}

function checkSampleIndex(data: ProfileData, sampleIndex: number): number[] {
  const values = data.values[sampleIndex];
  if (!Number.isInteger(sampleIndex) || values === undefined) {
    throw new RangeError(`sample index ${sampleIndex} is out of range: the profile has ${data.sampleTypes.length} sample types`);
  }
  return values;
}

/** Sum of a sample type's values over all samples. */
export function sampleTotal(data: ProfileData, sampleIndex: number): number {
  const values = checkSampleIndex(data, sampleIndex);
  let t = 0;
  for (let i = 0; i < values.length; i++) t += values[i]!;
  return t;
}

/** Per function: 1 when its name matches re. Null when there is no pattern. */
function matchFunctions(re: RegExp | undefined, names: readonly string[]): Uint8Array | null {
  if (!re) return null;
  // A global or sticky RegExp keeps lastIndex between test() calls: use a stateless copy.
  const r = re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
  const out = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = r.test(names[i]!) ? 1 : 0;
  return out;
}

/** A trie of frame keys in typed arrays, with one or two value slots (new and base). */
class Trie {
  parent: Int32Array;
  key: Int32Array;
  self: Float64Array;
  baseSelf: Float64Array | null;
  count = 1; // node 0 is the root
  private table: Int32Array;
  private mask: number;

  constructor(withBase: boolean, sizeHint: number) {
    let cap = 1024;
    while (cap < sizeHint) cap *= 2;
    this.parent = new Int32Array(cap);
    this.key = new Int32Array(cap);
    this.self = new Float64Array(cap);
    this.baseSelf = withBase ? new Float64Array(cap) : null;
    this.parent[0] = -1;
    this.key[0] = -1;
    this.table = new Int32Array(cap * 2 * 3);
    this.mask = cap * 2 - 1;
  }

  private static hash(p: number, k: number): number {
    let h = Math.imul(p, 0x9e3779b1) ^ Math.imul(k + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return h ^ (h >>> 12);
  }

  /**
   * The child of node p with key k, created when missing. A table entry holds node + 1 (0:
   * empty), parent and key side by side: one cache miss per probe on large trees.
   */
  child(p: number, k: number): number {
    const table = this.table;
    const mask = this.mask;
    let i = Trie.hash(p, k) & mask;
    for (;;) {
      const e = i * 3;
      const slot = table[e]!;
      if (slot === 0) break;
      if (table[e + 1] === p && table[e + 2] === k) return slot - 1;
      i = (i + 1) & mask;
    }
    const n = this.count++;
    if (n >= this.parent.length) {
      this.grow();
      return this.child(p, k); // the table was rebuilt: find the slot again (node n not stored yet)
    }
    this.parent[n] = p;
    this.key[n] = k;
    table[i * 3] = n + 1;
    table[i * 3 + 1] = p;
    table[i * 3 + 2] = k;
    return n;
  }

  private grow(): void {
    this.count--; // the node being created is re-created by the caller
    const cap = this.parent.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.parent = grow32(this.parent);
    this.key = grow32(this.key);
    this.self = grow64(this.self);
    if (this.baseSelf) this.baseSelf = grow64(this.baseSelf);
    this.table = new Int32Array(cap * 2 * 3);
    this.mask = cap * 2 - 1;
    for (let n = 1; n < this.count; n++) {
      const p = this.parent[n]!;
      const k = this.key[n]!;
      let i = Trie.hash(p, k) & this.mask;
      while (this.table[i * 3] !== 0) i = (i + 1) & this.mask;
      this.table[i * 3] = n + 1;
      this.table[i * 3 + 1] = p;
      this.table[i * 3 + 2] = k;
    }
  }
}

/** Maps each frame of a profile to a trie key (-1: hidden), and keys back to (func, line). */
class KeySpace {
  readonly keyFunc: number[] = [];
  readonly keyLine: number[] = [];
  private readonly ids = new Map<number, number>();
  constructor(private readonly byLine: boolean) {}

  /** Key of a (function, line): the function itself when not by line. */
  keyOf(func: number, line: number): number {
    if (!this.byLine) return func;
    const packed = func * 4294967296 + (line >>> 0);
    let id = this.ids.get(packed);
    if (id === undefined) {
      id = this.keyFunc.length;
      this.ids.set(packed, id);
      this.keyFunc.push(func);
      this.keyLine.push(line);
    }
    return id;
  }
  func(key: number): number {
    return this.byLine ? this.keyFunc[key]! : key;
  }
  line(key: number): number {
    return this.byLine ? this.keyLine[key]! : 0;
  }
}

interface Filters {
  focus: Uint8Array | null;
  ignore: Uint8Array | null;
  hide: Uint8Array | null;
}

function filtersFor(data: ProfileData, opts: { focus?: RegExp; ignore?: RegExp; hide?: RegExp }): Filters {
  return {
    focus: matchFunctions(opts.focus, data.funcName),
    ignore: matchFunctions(opts.ignore, data.funcName),
    hide: matchFunctions(opts.hide, data.funcName),
  };
}

/**
 * Adds every sample of one profile to the trie. funcMap maps the profile's function indices
 * to the tree's (identity for a single profile, the joint table for a diff).
 */
function addProfile(trie: Trie, keys: KeySpace, data: ProfileData, values: number[], funcMap: Int32Array | null, f: Filters, base: boolean): void {
  const { frameFunc, frameLine, stackStart, stackFrames } = data;
  const frameKey = new Int32Array(frameFunc.length);
  for (let i = 0; i < frameFunc.length; i++) {
    const fn = frameFunc[i]!;
    frameKey[i] = f.hide && f.hide[fn] ? -1 : keys.keyOf(funcMap ? funcMap[fn]! : fn, frameLine[i]!);
  }
  const selfArr = base ? trie.baseSelf! : null;
  const stackCount = stackStart.length - 1;
  let pathKeys = new Int32Array(64);
  let pathNodes = new Int32Array(64);
  let pathLen = 0;
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
    // Consecutive stacks usually share their outer frames: reuse the previous stack's path
    // as long as the keys agree, and only look up the rest in the trie.
    let node = 0;
    let depth = 0;
    let same = true;
    for (let i = hi; i >= lo; i--) {
      const k = frameKey[stackFrames[i]!]!;
      if (k < 0) continue;
      if (same && depth < pathLen && pathKeys[depth] === k) {
        node = pathNodes[depth]!;
      } else {
        same = false;
        node = trie.child(node, k);
        if (depth >= pathKeys.length) {
          const keys2 = new Int32Array(pathKeys.length * 2);
          keys2.set(pathKeys);
          pathKeys = keys2;
          const nodes2 = new Int32Array(pathNodes.length * 2);
          nodes2.set(pathNodes);
          pathNodes = nodes2;
        }
        pathKeys[depth] = k;
        pathNodes[depth] = node;
      }
      depth++;
    }
    pathLen = depth;
    if (selfArr) selfArr[node]! += v;
    else trie.self[node]! += v;
  }
}

/** Turns the trie into FlameNode objects: totals, trimming into "other" nodes, sorting. */
function materialize(trie: Trie, keys: KeySpace, rootFunc: number, minFraction: number | undefined): { root: FlameNode; nodeCount: number } {
  const n = trie.count;
  const parent = trie.parent;
  const self = trie.self;
  const total = Float64Array.from(self.subarray(0, n));
  const baseSelf = trie.baseSelf;
  const baseTotal = baseSelf ? Float64Array.from(baseSelf.subarray(0, n)) : null;
  // Children are always created after their parent: one backward pass sums the totals.
  for (let i = n - 1; i > 0; i--) {
    total[parent[i]!]! += total[i]!;
    if (baseTotal) baseTotal[parent[i]!]! += baseTotal[i]!;
  }
  // Per node: function and line (the root's are given).
  const func = new Int32Array(n);
  const line = new Int32Array(n);
  func[0] = rootFunc;
  for (let i = 1; i < n; i++) {
    const k = trie.key[i]!;
    func[i] = keys.func(k);
    line[i] = keys.line(k);
  }
  // Children lists in CSR form, each sorted as byWeight sorts FlameNodes (in typed arrays:
  // the objects are then made once, in order, into arrays of the exact size).
  const childStart = new Int32Array(n + 1);
  for (let i = 1; i < n; i++) childStart[parent[i]! + 1]!++;
  for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
  const fill = childStart.slice(0, n);
  const childList = new Int32Array(Math.max(n - 1, 0));
  for (let i = 1; i < n; i++) childList[fill[parent[i]!]!++] = i;
  const cmp = (a: number, b: number) => total[b]! - total[a]! || (baseTotal ? baseTotal[b]! - baseTotal[a]! : 0) || func[a]! - func[b]! || line[a]! - line[b]!;
  for (let i = 0; i < n; i++) {
    const a = childStart[i]!;
    const b = childStart[i + 1]!;
    if (b - a > 1) childList.subarray(a, b).sort(cmp);
  }

  const weight = (i: number) => (baseTotal ? Math.max(Math.abs(total[i]!), Math.abs(baseTotal[i]!)) : Math.abs(total[i]!));
  const threshold = minFraction && minFraction > 0 ? minFraction * weight(0) : 0;

  const root = newNode(0, rootFunc, 0, self, total, baseSelf, baseTotal, null);
  let nodeCount = 1;
  const workIds: number[] = [0];
  const workNodes: FlameNode[] = [root];
  while (workIds.length > 0) {
    const i = workIds.pop()!;
    const node = workNodes.pop()!;
    const a = childStart[i]!;
    const b = childStart[i + 1]!;
    if (a === b) continue;
    let kept = b - a;
    if (threshold > 0) {
      kept = 0;
      for (let c = a; c < b; c++) if (weight(childList[c]!) >= threshold) kept++;
    }
    const children: FlameNode[] = new Array<FlameNode>(kept);
    let nc = 0;
    let other: FlameNode | null = null;
    for (let c = a; c < b; c++) {
      const ci = childList[c]!;
      if (threshold > 0 && weight(ci) < threshold) {
        if (!other) {
          other = { func: OTHER_FUNC, line: 0, self: 0, total: 0, children: [], parent: node, merged: 0 };
          if (baseSelf) other.baseSelf = other.baseTotal = 0;
          nodeCount++;
        }
        other.self += total[ci]!;
        other.total += total[ci]!;
        if (baseTotal) {
          other.baseSelf! += baseTotal[ci]!;
          other.baseTotal! += baseTotal[ci]!;
        }
        other.merged!++;
        continue;
      }
      const child = newNode(ci, func[ci]!, line[ci]!, self, total, baseSelf, baseTotal, node);
      children[nc++] = child;
      nodeCount++;
      if (childStart[ci + 1]! > childStart[ci]!) {
        workIds.push(ci);
        workNodes.push(child);
      }
    }
    if (other) {
      children.push(other);
      if (children.length > 1) children.sort(byWeight); // "other" goes where its total puts it
    }
    node.children = children;
  }
  return { root, nodeCount };
}

/** One FlameNode (with the base's values for a diff); children are set by materialize. */
function newNode(i: number, func: number, line: number, self: Float64Array, total: Float64Array, baseSelf: Float64Array | null, baseTotal: Float64Array | null, parent: FlameNode | null): FlameNode {
  if (baseSelf) return { func, line, self: self[i]!, total: total[i]!, children: [], parent, baseSelf: baseSelf[i]!, baseTotal: baseTotal![i]! };
  return { func, line, self: self[i]!, total: total[i]!, children: [], parent };
}

function byWeight(a: FlameNode, b: FlameNode): number {
  return b.total - a.total || (b.baseTotal ?? 0) - (a.baseTotal ?? 0) || a.func - b.func || a.line - b.line;
}

/**
 * The call tree of one profile for a sample type: self/total per node, frames merged by
 * function (or function+line), with focus/ignore/hide and trimming of tiny nodes.
 */
export function buildTree(data: ProfileData, opts: TreeOptions): FlameTree {
  const values = checkSampleIndex(data, opts.sampleIndex);
  const trie = new Trie(false, Math.min(data.stackFrames.length >> 2, 1 << 20));
  const keys = new KeySpace(!!opts.byLine);
  addProfile(trie, keys, data, values, null, filtersFor(data, opts), false);
  const { root, nodeCount } = materialize(trie, keys, ROOT_FUNC, opts.minFraction);
  return { root, total: root.total, nodeCount, sampleIndex: opts.sampleIndex, data };
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
  const funcStartLine = next.funcStartLine.slice();
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
      funcStartLine.push(base.funcStartLine[i]!);
    }
    baseMap[i] = j;
  }
  const data: ProfileData = { ...next, funcName, funcFile, funcStartLine };

  const trie = new Trie(true, Math.min((next.stackFrames.length + base.stackFrames.length) >> 2, 1 << 20));
  const keys = new KeySpace(!!opts.byLine);
  addProfile(trie, keys, next, nextValues, nextMap, filtersFor(next, opts), false);
  addProfile(trie, keys, base, baseValues, baseMap, filtersFor(base, opts), true);
  const { root, nodeCount } = materialize(trie, keys, ROOT_FUNC, opts.minFraction);
  return { root, total: root.total, nodeCount, sampleIndex: opts.sampleIndex, data, base };
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
  for (let s = 0; s < stackCount; s++) {
    const v = values[s]!;
    if (v === 0) continue;
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
        leafDone = true;
      }
      if (stamp[fn] !== s + 1) {
        stamp[fn] = s + 1;
        cum[fn]! += v;
        touched[fn] = 1;
      }
    }
  }
  const rows: FlatRow[] = [];
  for (let fn = 0; fn < nf; fn++) {
    if (touched[fn] && (flat[fn] !== 0 || cum[fn] !== 0)) rows.push({ func: fn, flat: flat[fn]!, cum: cum[fn]! });
  }
  rows.sort((a, b) => b.flat - a.flat || b.cum - a.cum || cmp(data.funcName[a.func]!, data.funcName[b.func]!) || a.func - b.func);
  return rows;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  const callers = new Trie(false, 1024);
  const callees = new Trie(false, 1024);
  const stackCount = stackStart.length - 1;
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
    let node = 0;
    for (let i = inner + 1; i < hi; i++) node = callers.child(node, frameFunc[stackFrames[i]!]!);
    callers.self[node]! += v;
    node = 0;
    for (let i = outer - 1; i >= lo; i--) node = callees.child(node, frameFunc[stackFrames[i]!]!);
    callees.self[node]! += v;
  }
  const keys = new KeySpace(false);
  const a = materialize(callers, keys, funcIndex, undefined);
  const b = materialize(callees, keys, funcIndex, undefined);
  return {
    callers: { root: a.root, total: a.root.total, nodeCount: a.nodeCount, sampleIndex, data },
    callees: { root: b.root, total: b.root.total, nodeCount: b.nodeCount, sampleIndex, data },
  };
}

/** Walks a tree depth-first, parents before children. Stops early when visit returns false. */
export function walkTree(root: FlameNode, visit: (node: FlameNode, depth: number) => boolean | void): void {
  const stack: Array<[FlameNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (visit(node, depth) === false) return;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i]!, depth + 1]);
  }
}

/** Display name of a node's function ("root" and "other" for the synthetic nodes). */
export function nodeName(data: ProfileData, node: FlameNode): string {
  if (node.func === ROOT_FUNC) return 'root';
  if (node.func === OTHER_FUNC) return `other (${node.merged ?? 0} nodes)`;
  return data.funcName[node.func] ?? `?${node.func}`;
}
