// The typed-array construction of a call tree: keys per frame, paths per stack, paths laid out
// depth by depth, and the trie built from them one depth at a time.


/** Maps (function, line) to a key of the tree (the function itself when not by line), and back. */
export class KeySpace {
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

/**
 * Paths of keys from the root, one value each. A path is a run of a profile's stackFrames
 * walked from `first` in one direction, skipping hidden frames (key -1), `len` keys long.
 */
export class Paths {
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
export class Levels {
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
export interface Trie {
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
export class TrieBuilder {
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
