// The flame graph panel's refinements as a list of chips ({kind, pattern}, in the order added)
// compiled into one Refinements: chips of one pattern kind combine as alternatives (focus on a
// or b, hide a and b), tag focus chips must all pass and any tag ignore chip drops a sample.
// Also what the panel offers to build chips from: a frame's exact-name pattern and the
// profile's own label keys and values.
import type { ProfileLabels } from '../../shared/profileData';
import { compilePattern, type Pattern } from '../pattern';
import type { Refinements } from './refine';
import { compileTagFilter, numLabelUnits, type TagFilter } from './tagFilter';

export const REFINEMENT_KINDS = ['focus', 'ignore', 'hide', 'show', 'tagfocus', 'tagignore'] as const;
export type RefinementKind = (typeof REFINEMENT_KINDS)[number];

export interface RefinementChip {
  kind: RefinementKind;
  pattern: string;
}

export type CompiledChips = { ok: true; refinements: Refinements } | { ok: false; error: string; index: number };

/** A chip's pattern checked on its own (undefined: fine). */
export function chipError(chip: RefinementChip, labels: ProfileLabels | undefined): string | undefined {
  const r = compileChips([chip], labels);
  return r.ok ? undefined : r.error;
}

export function compileChips(chips: readonly RefinementChip[], labels: ProfileLabels | undefined): CompiledChips {
  const out: Refinements = {};
  const units = labels ? numLabelUnits(labels) : new Map<string, string>();
  const patterns: Partial<Record<'focus' | 'ignore' | 'hide' | 'show', string[]>> = {};
  const focus: TagFilter[] = [];
  const ignore: TagFilter[] = [];
  for (let i = 0; i < chips.length; i++) {
    const c = chips[i]!;
    if (c.kind === 'tagfocus' || c.kind === 'tagignore') {
      const r = compileTagFilter(c.pattern, units);
      if (!r.ok) return { ok: false, error: r.error, index: i };
      (c.kind === 'tagfocus' ? focus : ignore).push(r.filter);
      continue;
    }
    const r = compilePattern(c.pattern);
    if (!r.ok) return { ok: false, error: r.error, index: i };
    (patterns[c.kind] ??= []).push(c.pattern);
  }
  for (const kind of ['focus', 'ignore', 'hide', 'show'] as const) {
    const list = patterns[kind];
    if (!list) continue;
    const r = compilePattern(list.length === 1 ? list[0]! : list.map((p) => `(?:${p})`).join('|'));
    if (!r.ok) return { ok: false, error: r.error, index: chips.findIndex((c) => c.kind === kind) };
    out[kind] = r.pattern as Pattern;
  }
  if (focus.length > 0) out.tagFocus = focus.length === 1 ? focus[0]! : { spec: focus.map((f) => f.spec).join(' & '), numeric: focus.every((f) => f.numeric), test: (l, s) => focus.every((f) => f.test(l, s)) };
  if (ignore.length > 0) out.tagIgnore = ignore.length === 1 ? ignore[0]! : { spec: ignore.map((f) => f.spec).join(' | '), numeric: ignore.every((f) => f.numeric), test: (l, s) => ignore.some((f) => f.test(l, s)) };
  return { ok: true, refinements: out };
}

/** A pattern (Go syntax) matching exactly this name. */
export function exactPattern(name: string): string {
  return `^${name.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')}$`;
}

export interface LabelKeyInfo {
  key: string;
  /** Numeric labels: the unit (pprof's, e.g. "bytes") and the range of values. */
  numeric?: { unit: string; min: number; max: number };
  /** String labels: the distinct values (at most MAX_LABEL_VALUES, sorted). */
  values?: string[];
}

export const MAX_LABEL_VALUES = 200;

/** The label keys of a profile and their values, as the panel offers them. */
export function labelKeys(l: ProfileLabels): LabelKeyInfo[] {
  const units = numLabelUnits(l);
  const nums = new Map<string, { min: number; max: number }>();
  const strs = new Map<string, Set<string>>();
  for (let e = 0; e < l.key.length; e++) {
    const key = l.strings[l.key[e]!]!;
    if (l.str[e]! >= 0) {
      const v = l.strings[l.str[e]!]!;
      if (v === '') continue;
      let set = strs.get(key);
      if (!set) strs.set(key, (set = new Set()));
      if (set.size < MAX_LABEL_VALUES) set.add(v);
    } else if (units.has(key)) {
      const n = l.num[e]!;
      const r = nums.get(key);
      if (!r) nums.set(key, { min: n, max: n });
      else {
        r.min = Math.min(r.min, n);
        r.max = Math.max(r.max, n);
      }
    }
  }
  const out: LabelKeyInfo[] = [];
  for (const [key, r] of nums) out.push({ key, numeric: { unit: units.get(key)!, ...r } });
  for (const [key, set] of strs) out.push({ key, values: [...set].sort() });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
