// The call tree the flame graph draws, built from ProfileData by src/pprof/tree.ts
// (in the webview, the CLI and tests alike).
import type { ProfileData } from './profileData';
import type { Pattern } from '../pprof/pattern';

export interface FlameNode {
  /** Index into ProfileData's function table; -1 for the synthetic root. */
  func: number;
  /** Source line when the tree is built by function+line, else 0. */
  line: number;
  /** Value of samples whose leaf is this node. */
  self: number;
  /** Value of all samples through this node (self + children). */
  total: number;
  /** Diff trees only: the base profile's values for the same node (0 when absent). */
  baseSelf?: number;
  baseTotal?: number;
  /** Children sorted by total, heaviest first. Trees from src/pprof/tree.ts make them on first read. */
  children: FlameNode[];
  parent: FlameNode | null;
  /** Trimmed trees: how many tiny siblings were merged into this "other" node (func = -2). */
  merged?: number;
}

export interface TreeOptions {
  /** Index into ProfileData.sampleTypes. */
  sampleIndex: number;
  /** Merge frames by function+line instead of by function. */
  byLine?: boolean;
  /** Re-root at every call of functions matching this: their subtrees are merged under the root. */
  focus?: Pattern;
  /** Drop samples that have a frame matching this. */
  ignore?: Pattern;
  /** Remove frames matching this from stacks (their callees attach to their callers). */
  hide?: Pattern;
  /** Merge children whose total is below this fraction of the root total into one "other" node per parent, without changing totals. */
  minFraction?: number;
}

export interface FlameTree {
  root: FlameNode;
  /** Root total (sum over kept samples). */
  total: number;
  nodeCount: number;
  /** Depth of the deepest node ("other" nodes included); the root is at depth 0. */
  maxDepth: number;
  sampleIndex: number;
  data: ProfileData;
  /** Set for diff trees: the base profile. */
  base?: ProfileData;
}
