// The state of the panel's current view: the profile shown, its tree for the chosen sample type,
// and the helpers every part of the panel formats and names frames with.
import type { ProfileData } from '../shared/profileData';
import type { FlameNode, FlameTree } from '../shared/flameTree';
import type { ShowProfileMessage } from '../shared/webviewProtocol';
import { flatTable, type FlatRow, OTHER_FUNC, ROOT_FUNC } from '../pprof/tree';
import { classifyPackage, formatValue, type PackageClass } from '../pprof/units';

export const CLASSES: PackageClass[] = ['user', 'std', 'dep', 'runtime'];
export const CLASS_LABEL: Record<PackageClass, string> = { user: 'your module', std: 'standard library', dep: 'dependencies', runtime: 'runtime' };

/** Short label for a frame: the package's last path element and the function. */
export function shortName(name: string): string {
  const bracket = name.indexOf('[');
  const head = bracket >= 0 ? name.slice(0, bracket) : name;
  const slash = head.lastIndexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

export interface Loaded {
  msg: ShowProfileMessage;
  /** The profile as shown: msg.data with the refinements and granularity applied. */
  data: ProfileData;
  base?: ProfileData;
  /** Per function of data (and base): a function of msg.data (msg.base) it stands for; unset when the same. */
  origin?: Int32Array;
  baseOrigin?: Int32Array;
  tree: FlameTree;
  /** Package class per function of tree.data (index into CLASSES), -1 until first needed. */
  classes: Int8Array;
  /** The function table, computed after the first paint. */
  flat: FlatRow[] | undefined;
  sampleIndex: number;
}

export function newLoaded(msg: ShowProfileMessage, view: { data: ProfileData; base?: ProfileData; origin?: Int32Array; baseOrigin?: Int32Array }, tree: FlameTree, sampleIndex: number): Loaded {
  const classes = new Int8Array(tree.data.funcName.length).fill(-1);
  return { msg, ...view, tree, classes, flat: undefined, sampleIndex };
}

/** Per function of a regrouped profile: the first function of the original whose frame it took. */
export function originOf(original: ProfileData, regrouped: ProfileData): Int32Array {
  const out = new Int32Array(regrouped.funcName.length).fill(-1);
  for (let f = 0; f < regrouped.frameFunc.length; f++) {
    const g = regrouped.frameFunc[f]!;
    if (out[g] === -1) out[g] = original.frameFunc[f]!;
  }
  return out;
}

/** A value in the unit of the shown sample type. */
export function formatIn(l: Loaded | undefined, v: number): string {
  if (!l) return String(v);
  return formatValue(v, l.data.sampleTypes[l.sampleIndex]!.unit);
}

export function classOf(l: Loaded, func: number): PackageClass {
  let c = l.classes[func]!;
  if (c < 0) c = l.classes[func] = CLASSES.indexOf(classifyPackage(l.tree.data.funcName[func] ?? '', l.data.mainModule));
  return CLASSES[c] ?? 'user';
}

export function flatRows(l: Loaded): FlatRow[] {
  l.flat ??= flatTable(l.data, l.sampleIndex);
  return l.flat;
}

/** The label drawn on a frame. */
export function frameLabel(l: Loaded | undefined, n: FlameNode): string {
  if (n.func === ROOT_FUNC && l) return `all: ${formatIn(l, l.tree.total)}`;
  if (n.func === OTHER_FUNC) return `other (${n.merged ?? 0})`;
  return l ? shortName(l.tree.data.funcName[n.func] ?? '?') : '?';
}

/** Function indexes from the root to a node (empty for the root). */
export function pathOf(node: FlameNode | undefined): number[] {
  const path: number[] = [];
  for (let n = node; n && n.parent; n = n.parent) path.unshift(n.func);
  return path;
}

export function followPath(root: FlameNode | undefined, path: number[]): FlameNode | undefined {
  let n = root;
  for (const f of path) {
    n = n?.children.find((c) => c.func === f);
    if (!n) return undefined;
  }
  return n;
}
