// Call trees built from ProfileData: the flame graph, the diff of two profiles, the flat
// per-function table (like `go tool pprof -top`) and the callers/callees "sandwich".
// Pure and browser-safe: it runs in the webview bundle as well as in Node.
//
// A tree is built in typed arrays, one depth at a time: every stack is a path of keys from the
// root, the keys laid out depth by depth, and at each depth the paths going through a node are
// split by their next key. So each node is made once, the children of a node get consecutive
// indexes, and no hash table or per-node object is needed. FlameNode objects come later and
// only on demand: the first read of a node's `children` sorts them, trims tiny ones into an
// "other" node and makes their objects, so a flame graph pays for the nodes it draws.
import type { ProfileData } from '../shared/profileData';
import type { FlameNode, FlameTree, TreeOptions } from '../shared/flameTree';
import type { Pattern } from './pattern';

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

export interface Sandwich {
  /** Rooted at the function; children are its callers, their children the callers' callers. */
  callers: FlameTree;
  /** Rooted at the function; children are its callees. */
  callees: FlameTree;
}

function checkSampleIndex(data: ProfileData, sampleIndex: number): Float64Array {
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

/** sampleTotal as an exact int64 (wrapping like pprof's), when the profile has ProfileData.valuesExact. */
export function sampleTotalExact(data: ProfileData, sampleIndex: number): bigint | undefined {
  checkSampleIndex(data, sampleIndex);
  const exact = data.valuesExact?.[sampleIndex];
  if (!exact) return undefined;
  const t = new BigInt64Array(1);
  for (let i = 0; i < exact.length; i++) t[0]! += exact[i]!;
  return t[0]!;
}

/** Per function: 1 when its name matches the pattern. Null when there is no pattern. */
function matchFunctions(pattern: Pattern | undefined, names: readonly string[]): Uint8Array | null {
  if (!pattern) return null;
  const out = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = pattern.test(names[i]!) ? 1 : 0;
  return out;
}

/** Maps (function, line) to a key of the tree (the function itself when not by line), and back. */
class KeySpace {
  private readonly keyFunc: number[] = [];
  private readonly keyLine: number[] = [];
  private readonly ids = new Map<number, number>();
  constructor(
    private readonly byLine: boolean,
    private readonly funcCount: number,
  ) {}

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

  /** Keys are below this. */
  get size(): number {
    return this.byLine ? this.keyFunc.length : this.funcCount;
  }

  /** Function and line of each node of a trie (the root's func is given, lines 0 when not by line). */
  nodeColumns(key: Int32Array, n: number, rootFunc: number): { func: Int32Array; line: Int32Array } {
    const func = new Int32Array(n);
    const line = new Int32Array(n);
    if (this.byLine) {
      for (let i = 1; i < n; i++) {
        func[i] = this.keyFunc[key[i]!]!;
        line[i] = this.keyLine[key[i]!]!;
      }
    } else {
      func.set(key.subarray(0, n));
    }
    func[0] = rootFunc;
    return { func, line };
  }
}

interface Filters {
  focus: Uint8Array | null;
  ignore: Uint8Array | null;
  hide: Uint8Array | null;
}

function filtersFor(data: ProfileData, opts: { focus?: Pattern; ignore?: Pattern; hide?: Pattern }): Filters {
  return {
    focus: matchFunctions(opts.focus, data.funcName),
    ignore: matchFunctions(opts.ignore, data.funcName),
    hide: matchFunctions(opts.hide, data.funcName),
  };
}

/**
 * Paths of keys from the root, one value each. A path is a run of a profile's stackFrames
 * walked from `first` in one direction, skipping hidden frames (key -1), `len` keys long.
 */
class Paths {
  count = 0;
  maxLen = 0;
  readonly first: Int32Array;
  readonly len: Int32Array;
  readonly value: Float64Array;
  /** Per path: 1 when it comes from the base profile of a diff. Null outside diffs. */
  readonly base: Uint8Array | null;

  constructor(capacity: number, withBase: boolean) {
    this.first = new Int32Array(capacity);
    this.len = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.base = withBase ? new Uint8Array(capacity) : null;
  }

  add(first: number, len: number, value: number, base: boolean): void {
    const p = this.count++;
    this.first[p] = first;
    this.len[p] = len;
    this.value[p] = value;
    if (base) this.base![p] = 1;
    if (len > this.maxLen) this.maxLen = len;
  }
}

/**
 * The paths laid out by depth for the trie builder, with each stretch that a path shares with
 * the path before it written only once. A path that begins like the previous one follows it
 * (the same trie nodes) down to the first key where they differ, and has entries only from
 * there on: consecutive stacks usually share their outer frames, so there are far fewer
 * entries than frames.
 *
 * Entries of depth d (0: the root's children) are in level[d], 3 numbers each: the key, then
 * the paths that go on below the entry's node as a range of ranks (indexes) among the entries
 * of depth d + 1: where it starts and how many. That range holds the entry's own path (when it
 * goes on) and the paths that follow it down to that node and leave it there: they write their
 * first entry right after, so the range is contiguous.
 */
class Levels {
  readonly level: Int32Array[] = [];
  /** Entries per depth. */
  readonly size: Int32Array;
  /** Per path: the rank, at depth len - 1, of the entry whose node the path ends at. */
  readonly endRank: Int32Array;
  /** The previous path's keys, and the rank of the last entry written at each depth. */
  private readonly prevKeys: Int32Array;
  private prevLen = 0;
  private readonly last: Int32Array;

  constructor(paths: Paths) {
    const depths = paths.maxLen;
    // (Grown as needed: a deep chain of one path takes 3 numbers per depth.)
    const initial = 3 * Math.max(1, Math.min(64, paths.count));
    for (let d = 0; d < depths; d++) this.level.push(new Int32Array(initial));
    this.size = new Int32Array(depths + 1);
    this.endRank = new Int32Array(paths.count);
    this.prevKeys = new Int32Array(depths);
    this.last = new Int32Array(depths);
  }

  /** Adds paths [from, to), in order, which walk `frames` by `step` (-1 for leaf-first stacks walked from the outermost frame). */
  fill(paths: Paths, from: number, to: number, frames: Int32Array, frameKey: Int32Array, step: 1 | -1): void {
    const { size, prevKeys, last, level } = this;
    const { first, len } = paths;
    for (let p = from; p < to; p++) {
      const n = len[p]!;
      let i = first[p]!;
      // The stretch shared with the previous path.
      let d = 0;
      for (const shared = Math.min(n, this.prevLen); d < shared; i += step) {
        const k = frameKey[frames[i]!]!;
        if (k < 0) continue;
        if (k !== prevKeys[d]) break;
        d++;
      }
      this.prevLen = n;
      if (d === n) {
        // Nothing of its own: it ends where the previous path's entry at depth n - 1 leads.
        this.endRank[p] = n > 0 ? last[n - 1]! : -1;
        continue;
      }
      if (d > 0) level[d - 1]![3 * last[d - 1]! + 2]!++; // one more path below that entry's node
      for (; d < n; i += step) {
        const k = frameKey[frames[i]!]!;
        if (k < 0) continue;
        prevKeys[d] = k;
        const r = size[d]!++;
        let buf = level[d]!;
        if (3 * r + 3 > buf.length) {
          const grown = new Int32Array(2 * buf.length);
          grown.set(buf);
          level[d] = buf = grown;
        }
        buf[3 * r] = k;
        buf[3 * r + 1] = size[d + 1]!;
        buf[3 * r + 2] = d + 1 < n ? 1 : 0;
        last[d] = r;
        d++;
      }
      this.endRank[p] = last[n - 1]!;
    }
  }
}

/** A trie in typed arrays. Nodes are numbered by depth, the children of a node are consecutive. */
interface Trie {
  n: number;
  parent: Int32Array;
  key: Int32Array;
  self: Float64Array;
  baseSelf: Float64Array | null;
  /** Children of node i: childStart[i] .. childStart[i + 1]. */
  childStart: Int32Array;
  /** Nodes at depth d: depthStart[d] .. depthStart[d + 1]. */
  depthStart: number[];
}

/**
 * Builds the trie from the entries, one depth at a time. `order` holds entry ranks of the
 * current depth, the entries below each node of that depth contiguous. A node's entries
 * usually all have one key (a chain of calls): their ranges of the next depth are copied over
 * as they are read. Otherwise a counting pass makes the node's children (a stamp per key says
 * which child the key has in this node) and a second pass groups the ranges by child.
 * Each loop is a small method of its own: the engine optimizes small functions soon, which
 * matters as a tree is often built once, in a fresh webview.
 */
class TrieBuilder {
  private n = 1;
  private cap = 1024;
  private parent: Int32Array;
  private key: Int32Array;
  private self: Float64Array;
  private baseSelf: Float64Array | null;
  private childStart: Int32Array;
  private readonly depthStart = [0, 1];
  private order: Int32Array;
  private next: Int32Array;
  /** Where the entries below each node of the current depth are in `order`, and of the next depth's in `next`. */
  private seg: Int32Array;
  private nextSeg: Int32Array;
  private readonly count: Int32Array;
  /** Per entry of the current depth: the node it made or joined. */
  private readonly nodeOf: Int32Array;
  private readonly stamp: Int32Array;
  private readonly slot: Int32Array;
  private stampId = 0;
  /** Entries placed in `next` so far at this depth. */
  private out = 0;

  constructor(
    private readonly paths: Paths,
    private readonly levels: Levels,
    keyCount: number,
  ) {
    while (this.cap < paths.count + 1) this.cap *= 2;
    this.parent = new Int32Array(this.cap);
    this.key = new Int32Array(this.cap);
    this.self = new Float64Array(this.cap);
    this.baseSelf = paths.base ? new Float64Array(this.cap) : null;
    this.childStart = new Int32Array(this.cap + 1);
    this.parent[0] = -1;
    this.key[0] = -1;
    this.childStart[0] = 1;
    let most = 0;
    for (let d = 0; d < levels.level.length; d++) most = Math.max(most, levels.size[d]!);
    const roots = levels.size[0]!;
    this.order = new Int32Array(most);
    for (let r = 0; r < roots; r++) this.order[r] = r;
    this.next = new Int32Array(most);
    this.seg = new Int32Array(most + 2);
    this.nextSeg = new Int32Array(most + 2);
    this.seg[1] = roots;
    this.count = new Int32Array(most + 1);
    this.nodeOf = new Int32Array(most);
    this.stamp = new Int32Array(keyCount);
    this.slot = new Int32Array(keyCount);
  }

  build(): Trie {
    const { len, value, base, count: pathCount } = this.paths;
    const { endRank } = this.levels;
    // Paths by the depth of their last entry (counting sort), to add their values there.
    const depths = this.levels.level.length;
    const endStart = new Int32Array(depths + 2);
    for (let p = 0; p < pathCount; p++) endStart[len[p]! + 1]!++;
    for (let d = 0; d <= depths; d++) endStart[d + 1]! += endStart[d]!;
    const ends = new Int32Array(pathCount);
    const fillAt = endStart.slice(0, depths + 1);
    for (let p = 0; p < pathCount; p++) ends[fillAt[len[p]!]!++] = p;
    // Paths without keys end at the root.
    for (let j = endStart[0]!; j < endStart[1]!; j++) this.end(0, ends[j]!, value, base);

    let g0 = 0;
    let g1 = 1;
    for (let d = 0, size = this.levels.size[0]!; size > 0; d++) {
      this.reserve(size); // each entry makes at most one node at this depth
      const first = this.n;
      this.out = 0;
      this.nextSeg[0] = 0;
      const entries = this.levels.level[d]!;
      for (let g = g0; g < g1; g++) {
        this.childStart[g] = this.n;
        const a = this.seg[g - g0]!;
        const b = this.seg[g - g0 + 1]!;
        if (a === b) continue;
        const split = this.chain(g, a, b, entries, first);
        if (split < b) this.branch(g, split, b, entries, first);
      }
      // Paths whose last entry is at this depth end at that entry's node.
      for (let j = endStart[d + 1]!; j < endStart[d + 2]!; j++) {
        const p = ends[j]!;
        this.end(this.nodeOf[endRank[p]!]!, p, value, base);
      }
      size = this.out;
      [this.order, this.next] = [this.next, this.order];
      [this.seg, this.nextSeg] = [this.nextSeg, this.seg];
      g0 = first;
      g1 = this.n;
      if (g1 > g0) this.depthStart.push(g1);
    }
    // The nodes of the last depth have no children.
    this.childStart.fill(this.n, g0, this.n + 1);
    const { n, parent, key, self, baseSelf, childStart, depthStart } = this;
    return { n, parent, key, self, baseSelf, childStart, depthStart };
  }

  private end(node: number, p: number, value: Float64Array, base: Uint8Array | null): void {
    if (base && base[p]) this.baseSelf![node]! += value[p]!;
    else this.self[node]! += value[p]!;
  }

  private newNode(parent: number, key: number): number {
    const c = this.n++;
    this.parent[c] = parent;
    this.key[c] = key;
    return c;
  }

  /**
   * Makes the child of node g for the key of its first entry and moves the ranges of the
   * entries with that key to `next`, up to the first entry with another key, whose index it
   * returns.
   */
  private chain(g: number, a: number, b: number, entries: Int32Array, first: number): number {
    const { order, next, nodeOf } = this;
    const k0 = entries[3 * order[a]!]!;
    const c0 = this.newNode(g, k0);
    let out = this.out;
    let i = a;
    for (; i < b; i++) {
      const r = order[i]!;
      const e = 3 * r;
      if (entries[e] !== k0) break;
      nodeOf[r] = c0;
      const start = entries[e + 1]!;
      const end = start + entries[e + 2]!;
      for (let x = start; x < end; x++) next[out++] = x;
    }
    this.out = out;
    this.nextSeg[c0 - first + 1] = out;
    return i;
  }

  /** The rest of node g's entries, from `split` on, when they go to several children. */
  private branch(g: number, split: number, b: number, entries: Int32Array, first: number): void {
    const { order, next, count, stamp, slot, nextSeg, nodeOf } = this;
    const c0 = this.n - 1; // made by chain() for the entries before split
    const start = nextSeg[c0 - first]!;
    const placed = this.out - start;
    const stampId = ++this.stampId;
    stamp[this.key[c0]!] = stampId;
    slot[this.key[c0]!] = c0;
    count[c0 - first] = placed;
    // Count the entries of the next depth below each child.
    let lastKey = this.key[c0]!;
    let lastChild = c0;
    for (let i = split; i < b; i++) {
      const r = order[i]!;
      const k = entries[3 * r]!;
      if (k !== lastKey) {
        lastKey = k;
        if (stamp[k] !== stampId) {
          stamp[k] = stampId;
          lastChild = this.newNode(g, k);
          slot[k] = lastChild;
          count[lastChild - first] = 0;
        } else lastChild = slot[k]!;
      }
      nodeOf[r] = lastChild;
      count[lastChild - first]! += entries[3 * r + 2]!;
    }
    // Child by child in `next`; the ranges before split are in place at the start of c0's part.
    let out = start;
    for (let c = c0; c < this.n; c++) {
      const size = count[c - first]!;
      count[c - first] = out;
      out += size;
      nextSeg[c - first + 1] = out;
    }
    this.out = out;
    count[c0 - first] = start + placed;
    for (let i = split; i < b; i++) {
      const r = order[i]!;
      const from = entries[3 * r + 1]!;
      const to = from + entries[3 * r + 2]!;
      let at = count[nodeOf[r]! - first]!;
      for (let x = from; x < to; x++) next[at++] = x;
      count[nodeOf[r]! - first] = at;
    }
  }

  private reserve(more: number): void {
    if (this.n + more <= this.cap) return;
    while (this.n + more > this.cap) this.cap *= 2;
    const cap = this.cap;
    const grow32 = (a: Int32Array, size: number) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.parent = grow32(this.parent, cap);
    this.key = grow32(this.key, cap);
    this.childStart = grow32(this.childStart, cap + 1);
    this.self = grow64(this.self);
    if (this.baseSelf) this.baseSelf = grow64(this.baseSelf);
  }
}

/** The arrays of a finished tree, shared by its FlameNodes, which it makes on demand. */
class TreeStore {
  readonly total: Float64Array;
  readonly baseTotal: Float64Array | null;
  /** Per node: 1 when it is in the trimmed tree (its ancestors and itself heavy enough). */
  readonly kept: Uint8Array | null;
  readonly nodeCount: number;
  readonly maxDepth: number;
  readonly threshold: number;

  constructor(
    readonly trie: Trie,
    readonly func: Int32Array,
    readonly line: Int32Array,
    minFraction: number | undefined,
  ) {
    const { n, parent, self, baseSelf } = trie;
    const total = Float64Array.from(self.subarray(0, n));
    const baseTotal = baseSelf ? Float64Array.from(baseSelf.subarray(0, n)) : null;
    // Children come after their parent: one backward pass sums the totals.
    for (let i = n - 1; i > 0; i--) {
      total[parent[i]!]! += total[i]!;
      if (baseTotal) baseTotal[parent[i]!]! += baseTotal[i]!;
    }
    this.total = total;
    this.baseTotal = baseTotal;
    this.threshold = minFraction && minFraction > 0 ? minFraction * this.weight(0) : 0;
    const depths = trie.depthStart.length - 2;
    if (this.threshold <= 0) {
      this.kept = null;
      this.nodeCount = n;
      this.maxDepth = depths;
      return;
    }
    // Trimmed: a node is kept when its parent is and it weighs enough; each kept node with a
    // light child gets one "other" node (one deeper, like the child).
    const kept = new Uint8Array(n);
    const hasOther = new Uint8Array(n);
    kept[0] = 1;
    let nodeCount = 1;
    let maxDepth = 0;
    for (let d = 1; d <= depths; d++) {
      for (let i = trie.depthStart[d]!; i < trie.depthStart[d + 1]!; i++) {
        const p = parent[i]!;
        if (!kept[p]) continue;
        maxDepth = d;
        if (this.weight(i) >= this.threshold) {
          kept[i] = 1;
          nodeCount++;
        } else if (!hasOther[p]) {
          hasOther[p] = 1;
          nodeCount++;
        }
      }
    }
    this.kept = kept;
    this.nodeCount = nodeCount;
    this.maxDepth = maxDepth;
  }

  weight(i: number): number {
    return this.baseTotal ? Math.max(Math.abs(this.total[i]!), Math.abs(this.baseTotal[i]!)) : Math.abs(this.total[i]!);
  }

  node(i: number, parent: FlameNode | null): TreeNode {
    const node = new TreeNode(this, i, this.func[i]!, this.line[i]!, this.trie.self[i]!, this.total[i]!, parent);
    if (this.baseTotal) {
      node.baseSelf = this.trie.baseSelf![i]!;
      node.baseTotal = this.baseTotal[i]!;
    }
    return node;
  }

  /** The children of a node as FlameNodes: sorted heaviest first, light ones merged into "other". */
  childrenOf(node: TreeNode): FlameNode[] {
    const i = node.index;
    if (i < 0) return [];
    const a = this.trie.childStart[i]!;
    const b = this.trie.childStart[i + 1]!;
    if (a === b) return [];
    const { total, baseTotal, func, line, threshold } = this;
    const ids: number[] = [];
    for (let c = a; c < b; c++) ids.push(c);
    if (ids.length > 1) ids.sort((x, y) => total[y]! - total[x]! || (baseTotal ? baseTotal[y]! - baseTotal[x]! : 0) || func[x]! - func[y]! || line[x]! - line[y]!);
    const children: FlameNode[] = [];
    let other: TreeNode | null = null;
    for (const c of ids) {
      if (threshold > 0 && this.weight(c) < threshold) {
        if (!other) {
          other = new TreeNode(this, -1, OTHER_FUNC, 0, 0, 0, node);
          other.merged = 0;
          if (baseTotal) other.baseSelf = other.baseTotal = 0;
        }
        other.self += total[c]!;
        other.total += total[c]!;
        if (baseTotal) {
          other.baseSelf! += baseTotal[c]!;
          other.baseTotal! += baseTotal[c]!;
        }
        other.merged!++;
        continue;
      }
      children.push(this.node(c, node));
    }
    if (other) {
      children.push(other);
      if (children.length > 1) children.sort(byWeight); // "other" goes where its total puts it
    }
    return children;
  }

  /** The FlameNode of a kept node, made along with its ancestors' children. */
  nodeAt(root: FlameNode, i: number): FlameNode | undefined {
    if (i === 0) return root;
    if (this.kept && !this.kept[i]) return undefined;
    const chain: number[] = [];
    for (let j = i; j > 0; j = this.trie.parent[j]!) chain.push(j);
    let n: FlameNode | undefined = root;
    for (let k = chain.length - 1; k >= 0 && n; k--) {
      const want = chain[k]!;
      n = n.children.find((c) => c instanceof TreeNode && c.index === want);
    }
    return n;
  }
}

/** A FlameNode of a built tree; its children are made on first read. */
class TreeNode implements FlameNode {
  declare baseSelf?: number;
  declare baseTotal?: number;
  declare merged?: number;
  private kids: FlameNode[] | undefined;

  constructor(
    readonly store: TreeStore,
    /** Index in the store's arrays; -1 for an "other" node. */
    readonly index: number,
    public func: number,
    public line: number,
    public self: number,
    public total: number,
    public parent: FlameNode | null,
  ) {}

  get children(): FlameNode[] {
    return (this.kids ??= this.store.childrenOf(this));
  }

  set children(children: FlameNode[]) {
    this.kids = children;
  }
}

function byWeight(a: FlameNode, b: FlameNode): number {
  return b.total - a.total || (b.baseTotal ?? 0) - (a.baseTotal ?? 0) || a.func - b.func || a.line - b.line;
}

function finish(trie: Trie, keys: KeySpace, rootFunc: number, minFraction: number | undefined, sampleIndex: number, data: ProfileData, base?: ProfileData): FlameTree {
  const { func, line } = keys.nodeColumns(trie.key, trie.n, rootFunc);
  const store = new TreeStore(trie, func, line, minFraction);
  const root = store.node(0, null);
  const tree: FlameTree = { root, total: root.total, nodeCount: store.nodeCount, maxDepth: store.maxDepth, sampleIndex, data };
  if (base) tree.base = base;
  return tree;
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

/** Walks a tree depth-first, parents before children. Stops early when visit returns false. */
export function walkTree(root: FlameNode, visit: (node: FlameNode, depth: number) => boolean | void): void {
  const stack: Array<[FlameNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (visit(node, depth) === false) return;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i]!, depth + 1]);
  }
}

function storeOf(tree: FlameTree): TreeStore {
  if (!(tree.root instanceof TreeNode)) throw new TypeError('the tree was not built by src/pprof/tree.ts');
  return tree.root.store;
}

export interface MatchTotals {
  /** Frames (nodes) of matching functions. */
  frames: number;
  /** Total of the outermost matching frames: a match below another match is not counted again. */
  total: number;
  /** The same for the base profile of a diff (0 otherwise). */
  baseTotal: number;
}

/** Frames of the functions with match[func] = 1 and their combined total, without making nodes. */
export function matchTotals(tree: FlameTree, match: Uint8Array): MatchTotals {
  const store = storeOf(tree);
  const { n, parent } = store.trie;
  const { func, total, baseTotal, kept } = store;
  // under[i]: node i or one of its ancestors matches.
  const under = new Uint8Array(n);
  const out: MatchTotals = { frames: 0, total: 0, baseTotal: 0 };
  for (let i = 1; i < n; i++) {
    if (kept && !kept[i]) continue;
    const p = parent[i]!;
    const m = match[func[i]!] === 1;
    if (m) {
      out.frames++;
      if (!under[p]) {
        out.total += total[i]!;
        if (baseTotal) out.baseTotal += baseTotal[i]!;
      }
    }
    under[i] = m || under[p]! ? 1 : 0;
  }
  return out;
}

/**
 * The heaviest frame of a function that has no frame of the same function above it (the
 * shallowest one on ties), as a FlameNode; undefined when the tree has none.
 */
export function heaviestNodeOf(tree: FlameTree, funcIndex: number): FlameNode | undefined {
  const store = storeOf(tree);
  const { n, parent } = store.trie;
  const { func, total, kept } = store;
  const under = new Uint8Array(n);
  let best = -1;
  for (let i = 1; i < n; i++) {
    if (kept && !kept[i]) continue;
    const p = parent[i]!;
    const m = func[i] === funcIndex;
    if (m && !under[p] && (best < 0 || total[i]! > total[best]!)) best = i;
    under[i] = m || under[p]! ? 1 : 0;
  }
  return best < 0 ? undefined : store.nodeAt(tree.root, best);
}

/** Display name of a node's function ("root" and "other" for the synthetic nodes). */
export function nodeName(data: ProfileData, node: FlameNode): string {
  if (node.func === ROOT_FUNC) return 'root';
  if (node.func === OTHER_FUNC) return `other (${node.merged ?? 0} nodes)`;
  return data.funcName[node.func] ?? `?${node.func}`;
}
