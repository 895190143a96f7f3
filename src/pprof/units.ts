// Formatting of profile values with their units, and classification of Go functions by the
// package they belong to. Pure: used by the CLI, the extension host and the webview.

export type UnitKind = 'bytes' | 'time' | 'count' | 'other';

/** Nanoseconds per unit for the time units pprof profiles use. */
const TIME_UNITS: Record<string, number> = {
  nanoseconds: 1,
  nanosecond: 1,
  ns: 1,
  microseconds: 1e3,
  microsecond: 1e3,
  us: 1e3,
  milliseconds: 1e6,
  millisecond: 1e6,
  ms: 1e6,
  seconds: 1e9,
  second: 1e9,
  s: 1e9,
};

export function unitKind(unit: string): UnitKind {
  const u = unit.toLowerCase();
  if (u === 'bytes' || u === 'byte' || u === 'b') return 'bytes';
  if (u in TIME_UNITS) return 'time';
  if (u === 'count' || u === 'samples' || u === 'objects' || u === '') return 'count';
  return 'other';
}

/** Up to three significant digits, trailing zeros removed: 1.5, 12.3, 123, 1024. */
function sig3(x: number): string {
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}

function scaled(value: number, base: number, suffixes: readonly string[], sep: string): string {
  let v = value;
  let i = 0;
  while (Math.abs(v) >= base && i < suffixes.length - 1) {
    v /= base;
    i++;
  }
  // 1023.99 KiB rounds to "1024 KiB": step up instead.
  if (i < suffixes.length - 1 && Math.abs(Number(sig3(v))) >= base) {
    v /= base;
    i++;
  }
  return `${sig3(v)}${sep}${suffixes[i]}`.trimEnd();
}

const BYTE_SUFFIXES = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
const COUNT_SUFFIXES = ['', 'k', 'M', 'G', 'T'] as const;

/** Formats bytes in binary units: "512 B", "1.5 KiB", "12.3 MiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  return scaled(bytes, 1024, BYTE_SUFFIXES, ' ');
}

/** Formats a duration given in nanoseconds: "850 ns", "1.2 µs", "3.45 ms", "1.23 s". */
export function formatNanos(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a < 1e3) return `${sig3(ns)} ns`;
  if (a < 1e6 && Math.abs(Number(sig3(ns / 1e3))) < 1000) return `${sig3(ns / 1e3)} µs`;
  if (a < 1e9 && Math.abs(Number(sig3(ns / 1e6))) < 1000) return `${sig3(ns / 1e6)} ms`;
  return `${sig3(ns / 1e9)} s`;
}

/** Formats a count with k/M/G suffixes: "999", "1.23k", "4.5M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 1000) return Number.isInteger(n) ? String(n) : sig3(n);
  return scaled(n, 1000, COUNT_SUFFIXES, '');
}

/** Formats a value of a profile's sample type given its unit ("bytes", "nanoseconds", "count"...). */
export function formatValue(value: number, unit: string): string {
  switch (unitKind(unit)) {
    case 'bytes':
      return formatBytes(value);
    case 'time':
      return formatNanos(value * TIME_UNITS[unit.toLowerCase()]!);
    case 'count':
      return formatCount(value);
    default:
      return `${formatCount(value)} ${unit}`;
  }
}

/** Like formatValue with an explicit sign, for differences: "+1.5 MiB", "-200 B", "0 B". */
export function formatDelta(value: number, unit: string): string {
  const s = formatValue(value, unit);
  return value > 0 ? `+${s}` : s;
}

/** part/whole as a percentage: "12.3%", "1.25%", "0%"; "n/a" when whole is 0 and part is not. */
export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return part === 0 ? '0%' : 'n/a';
  const p = (part / whole) * 100;
  const a = Math.abs(p);
  if (a === 0) return '0%';
  if (a < 0.01) return p < 0 ? '>-0.01%' : '<0.01%';
  return `${Number(p.toFixed(a >= 10 ? 1 : 2))}%`;
}

export type PackageClass = 'user' | 'std' | 'dep' | 'runtime';

/**
 * The import path of the package a Go function belongs to, from its symbol name:
 * `example.com/m/pkg.(*T).Method` → `example.com/m/pkg`, `main.main.func1` → `main`,
 * `pkg.F[go.shape.int]` → `pkg`. Go escapes dots in the last path element as %2e, so the
 * package ends at the first dot after the last slash (outside type-parameter brackets).
 */
export function packagePath(funcName: string): string {
  let name = funcName;
  const bracket = name.indexOf('[');
  if (bracket >= 0) name = name.slice(0, bracket);
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  const pkg = dot < 0 ? name : name.slice(0, dot);
  return pkg.replace(/%2e/gi, '.');
}

function isRuntimePackage(pkg: string): boolean {
  return pkg === 'runtime' || pkg.startsWith('runtime/') || pkg.startsWith('internal/runtime/') || pkg === 'type:' || pkg.startsWith('type:');
}

/**
 * Whose code a function is: the Go runtime, the standard library, the main module (user) or a
 * dependency. Without a main module every non-standard package (and package main) counts
 * as user code.
 */
export function classifyPackage(funcName: string, mainModule?: string): PackageClass {
  if (funcName.startsWith('type:')) return 'runtime';
  let pkg = packagePath(funcName);
  if (isRuntimePackage(pkg)) return 'runtime';
  if (pkg.endsWith('_test')) pkg = pkg.slice(0, -'_test'.length);
  if (pkg === 'main') return 'user';
  const first = pkg.split('/')[0]!;
  if (mainModule && (pkg === mainModule || pkg.startsWith(mainModule + '/'))) return 'user';
  if (!first.includes('.')) return 'std';
  return mainModule ? 'dep' : 'user';
}
