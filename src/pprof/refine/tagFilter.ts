// Label filters as pprof's -tagfocus and -tagignore read them (internal/driver/driver_focus.go,
// compileTagFilter): "key=value" or just "value". A value that reads as a number or a range
// ("64kb", "64kb:", ":1kb", "1kb:64kb") compares the numeric labels (of that key, or of any key),
// scaled to the range's unit as pprof's measurement.Scale does; any other value is a
// comma-separated list of regular expressions (Go syntax) matched against string labels:
// with a key, any of them matching any of that key's values; without, each of them matching
// some "key:value" of the sample.
import type { ProfileLabels } from '../../shared/profileData';
import { compilePattern, type Pattern } from '../pattern';

export interface TagFilter {
  /** What was given, e.g. "bytes=64kb:". */
  readonly spec: string;
  /** True when the value was read as a number range. */
  readonly numeric: boolean;
  /** Whether the samples with label set `set` pass. */
  test(labels: ProfileLabels, set: number): boolean;
}

export type TagFilterResult = { ok: true; filter: TagFilter } | { ok: false; error: string };

interface Unit {
  name: string;
  aliases: string[];
  factor: number;
}
interface UnitType {
  units: Unit[];
  default: Unit;
}

/** pprof's measurement.UnitTypes. */
const UNIT_TYPES: UnitType[] = (() => {
  const u = (name: string, aliases: string[], factor: number): Unit => ({ name, aliases, factor });
  const bytes = [u('B', ['b', 'byte'], 1), u('kB', ['kb', 'kbyte', 'kilobyte'], 2 ** 10), u('MB', ['mb', 'mbyte', 'megabyte'], 2 ** 20), u('GB', ['gb', 'gbyte', 'gigabyte'], 2 ** 30), u('TB', ['tb', 'tbyte', 'terabyte'], 2 ** 40), u('PB', ['pb', 'pbyte', 'petabyte'], 2 ** 50)];
  const time = [u('ns', ['ns', 'nanosecond'], 1), u('us', ['μs', 'us', 'microsecond'], 1e3), u('ms', ['ms', 'millisecond'], 1e6), u('s', ['s', 'sec', 'second'], 1e9), u('hrs', ['hour', 'hr'], 3.6e12)];
  const gcu = [u('n*GCU', ['nanogcu'], 1e-9), u('u*GCU', ['microgcu'], 1e-6), u('m*GCU', ['milligcu'], 1e-3), u('GCU', ['gcu'], 1), u('k*GCU', ['kilogcu'], 1e3), u('M*GCU', ['megagcu'], 1e6), u('G*GCU', ['gigagcu'], 1e9), u('T*GCU', ['teragcu'], 1e12), u('P*GCU', ['petagcu'], 1e15)];
  return [
    { units: bytes, default: bytes[0]! },
    { units: time, default: u('s', [], 1e9) },
    { units: gcu, default: u('GCU', [], 1) },
  ];
})();

function sniff(t: UnitType, unit: string): Unit | undefined {
  let s = unit.toLowerCase();
  if (s.length > 2 && s.endsWith('s')) s = s.slice(0, -1);
  return t.units.find((u) => u.aliases.includes(s));
}

/** pprof's measurement.Scale: value in fromUnit as [number, unit] in toUnit's canonical unit. */
export function scaleValue(value: number, fromUnit: string, toUnit: string): [number, string] {
  if (value < 0) {
    const [v, u] = scaleValue(-value, fromUnit, toUnit);
    return [-v, u];
  }
  for (const t of UNIT_TYPES) {
    const from = sniff(t, fromUnit);
    if (!from) continue;
    const v = value * from.factor;
    const to = sniff(t, toUnit);
    return to ? [v / to.factor, to.name] : [v / t.default.factor, t.default.name];
  }
  return ['count', 'sample', 'unit', 'minimum', 'auto'].includes(toUnit) ? [value, ''] : [value, toUnit];
}

/**
 * The unit of each numeric label key (pprof's Profile.NumLabelUnits): the first unit given for
 * it, else "bytes" for "alignment" and "request", else the key itself (Go's "bytes" label has
 * no unit, so its unit is "bytes").
 */
export function numLabelUnits(l: ProfileLabels): Map<string, string> {
  const units = new Map<string, string>();
  const keys = new Set<string>();
  const sets = l.setStart.length - 1;
  for (let s = 0; s < sets; s++) {
    for (let e = l.setStart[s]!; e < l.setStart[s + 1]!; e++) {
      if (!isNumeric(l, e)) continue;
      const key = l.strings[l.key[e]!]!;
      keys.add(key);
      const unit = l.unit[e]! >= 0 ? l.strings[l.unit[e]!]! : '';
      if (unit && !units.has(key)) units.set(key, unit);
    }
  }
  for (const key of keys) if (!units.get(key)) units.set(key, key === 'alignment' || key === 'request' ? 'bytes' : key);
  return units;
}

/** pprof reads a label as numeric when it has no string value and a number or a unit. */
function isNumeric(l: ProfileLabels, e: number): boolean {
  return l.str[e]! < 0 && (l.num[e] !== 0 || l.unit[e]! >= 0);
}

function isString(l: ProfileLabels, e: number): boolean {
  return l.str[e]! >= 0 && l.strings[l.str[e]!] !== '';
}

/** pprof's parseTagFilterRange: undefined when the value is not a number or a range. */
function parseRange(filter: string): ((v: number, unit: string) => boolean) | undefined {
  const ranges = [...filter.matchAll(/([+-]?[0-9]+)([A-Za-z]+)?/g)].slice(0, 2);
  if (ranges.length === 0) return undefined;
  const [lo, unit] = scaleValue(Number(ranges[0]![1]), ranges[0]![2] ?? '', ranges[0]![2] ?? '');
  const match = ranges[0]![0];
  if (ranges.length === 1) {
    const cmp = filter === match ? 0 : filter === match + ':' ? 1 : filter === ':' + match ? -1 : undefined;
    if (cmp === undefined) return undefined;
    return (v, u) => {
      const [sv, su] = scaleValue(v, u, unit);
      return su === unit && (cmp === 0 ? sv === lo : cmp > 0 ? sv >= lo : sv <= lo);
    };
  }
  if (filter !== `${match}:${ranges[1]![0]}`) return undefined;
  const [hi, unit2] = scaleValue(Number(ranges[1]![1]), ranges[1]![2] ?? '', unit);
  if (unit2 !== unit) return undefined;
  return (v, u) => {
    const [sv, su] = scaleValue(v, u, unit);
    return su === unit && sv >= lo && sv <= hi;
  };
}

/**
 * Compiles a --tagfocus / --tagignore value. units: numLabelUnits of the profile. An empty
 * value is no filter (undefined), as in pprof.
 */
export function compileTagFilter(spec: string, units: Map<string, string>): TagFilterResult {
  const eq = spec.indexOf('=');
  const wantKey = eq >= 0 ? spec.slice(0, eq) : '';
  const value = eq >= 0 ? spec.slice(eq + 1) : spec;
  const range = parseRange(value);
  if (range) {
    const test = (l: ProfileLabels, set: number): boolean => {
      for (let e = l.setStart[set]!; e < l.setStart[set + 1]!; e++) {
        if (!isNumeric(l, e)) continue;
        const key = l.strings[l.key[e]!]!;
        if (wantKey !== '' && key !== wantKey) continue;
        if (range(l.num[e]!, units.get(key) ?? key)) return true;
      }
      return false;
    };
    return { ok: true, filter: { spec, numeric: true, test } };
  }
  const patterns: Pattern[] = [];
  for (const part of value.split(',')) {
    const r = compilePattern(part);
    if (!r.ok) return { ok: false, error: r.error };
    patterns.push(r.pattern);
  }
  const test =
    wantKey === ''
      ? (l: ProfileLabels, set: number): boolean =>
          patterns.every((re) => {
            for (let e = l.setStart[set]!; e < l.setStart[set + 1]!; e++) {
              if (isString(l, e) && re.test(`${l.strings[l.key[e]!]}:${l.strings[l.str[e]!]}`)) return true;
            }
            return false;
          })
      : (l: ProfileLabels, set: number): boolean => {
          for (let e = l.setStart[set]!; e < l.setStart[set + 1]!; e++) {
            if (!isString(l, e) || l.strings[l.key[e]!] !== wantKey) continue;
            const v = l.strings[l.str[e]!]!;
            if (patterns.some((re) => re.test(v))) return true;
          }
          return false;
        };
  return { ok: true, filter: { spec, numeric: false, test } };
}
