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
//
// The parts, under tree/: filters.ts (sample index, focus/ignore/hide), trie.ts (the
// typed-array construction), nodes.ts (FlameNodes on demand, queries on a built tree),
// build.ts (buildTree, diffTree, callersCallees) and flat.ts (flatTable). This file is the
// entry point: import from here.
export { sampleTotal, sampleTotalExact } from './tree/filters';
export { heaviestNodeOf, matchTotals, nodeName, OTHER_FUNC, ROOT_FUNC, walkTree, type MatchTotals } from './tree/nodes';
export { buildTree, callersCallees, diffTree, type Sandwich } from './tree/build';
export { flatTable, type FlatOptions, type FlatRow } from './tree/flat';
