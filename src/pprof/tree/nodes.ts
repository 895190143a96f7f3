// A built tree as FlameNodes made on demand (children sorted and tiny ones trimmed into an
// "other" node on first read), and the queries that run on its arrays without making nodes.
import type { FlameNode, FlameTree } from '../../shared/flameTree';
import { KeySpace, type Trie } from './trie';
import type { ProfileData } from '../../shared/profileData';

/** FlameNode.func of the synthetic root. */
export const ROOT_FUNC = -1;
/** FlameNode.func of the node that stands for trimmed tiny siblings. */
export const OTHER_FUNC = -2;

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

export function finish(trie: Trie, keys: KeySpace, rootFunc: number, minFraction: number | undefined, sampleIndex: number, data: ProfileData, base?: ProfileData): FlameTree {
  const { func, line } = keys.nodeColumns(trie.key, trie.n, rootFunc);
  const store = new TreeStore(trie, func, line, minFraction);
  const root = store.node(0, null);
  const tree: FlameTree = { root, total: root.total, nodeCount: store.nodeCount, maxDepth: store.maxDepth, sampleIndex, data };
  if (base) tree.base = base;
  return tree;
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
