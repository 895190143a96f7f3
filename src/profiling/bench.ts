// Parses the result lines of `go test -bench -benchmem` and formats them for a code lens,
// with the change against the previous run of the same benchmark.
//
//   BenchmarkBuild-8             1882     647972 ns/op   266672 B/op     193 allocs/op
//   BenchmarkBuildSizes/small-8 17004      72902 ns/op    33280 B/op      25 allocs/op

export interface BenchResult {
  /** Full name without the -GOMAXPROCS suffix, e.g. "BenchmarkBuildSizes/small". */
  name: string;
  /** The top-level benchmark function, e.g. "BenchmarkBuildSizes". */
  func: string;
  /** The part after the function name, e.g. "small" ("" for the function itself). */
  sub: string;
  /** GOMAXPROCS suffix, when present. */
  procs?: number;
  iterations: number;
  nsPerOp?: number;
  bytesPerOp?: number;
  allocsPerOp?: number;
  /** Every "value unit" pair of the line, including the three above and custom metrics. */
  metrics: Record<string, number>;
}

const NAME_RE = /^(Benchmark[^\s]*)$/;
const LINE_RE = /^(Benchmark[^\s]*)?\s+(\d+)((?:\s+[-+0-9.eE]+ [^\s]+)+)\s*$/;

function splitName(raw: string): { name: string; procs?: number } {
  const m = /^(.*)-(\d+)$/.exec(raw);
  if (m && m[1].length > 0) return { name: m[1], procs: Number(m[2]) };
  return { name: raw };
}

/** Parses one result line; `pendingName` is the name printed alone on an earlier line (-v, or a benchmark that logs). */
export function parseBenchLine(line: string, pendingName?: string): BenchResult | undefined {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const rawName = m[1] ?? pendingName;
  if (!rawName) return undefined;
  const { name, procs } = splitName(rawName);
  const metrics: Record<string, number> = {};
  const pairs = m[3].trim().split(/\s+/);
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const v = Number(pairs[i]);
    if (!Number.isFinite(v)) return undefined;
    metrics[pairs[i + 1]] = v;
  }
  const slash = name.indexOf('/');
  return {
    name,
    func: slash < 0 ? name : name.slice(0, slash),
    sub: slash < 0 ? '' : name.slice(slash + 1),
    procs,
    iterations: Number(m[2]),
    nsPerOp: metrics['ns/op'],
    bytesPerOp: metrics['B/op'],
    allocsPerOp: metrics['allocs/op'],
    metrics,
  };
}

/** Parses every benchmark result in `go test` output (plain or -v). */
export function parseBenchOutput(output: string): BenchResult[] {
  const results: BenchResult[] = [];
  let pending: string | undefined;
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    const nameOnly = NAME_RE.exec(line.trim());
    if (nameOnly && line.startsWith('Benchmark')) {
      pending = nameOnly[1];
      continue;
    }
    const r = parseBenchLine(line, pending);
    if (r) {
      results.push(r);
      pending = undefined;
    }
  }
  return results;
}

/** Groups digits: 266672 → "266,672"; fractions keep at most 3 significant decimals. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 100 || Number.isInteger(v)) {
    const s = Math.round(abs).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return v < 0 ? `-${s}` : s;
  }
  return Number(v.toPrecision(3)).toString();
}

/** Relative change in percent, or undefined when there is nothing to compare. */
export function percentChange(now: number | undefined, before: number | undefined): number | undefined {
  if (now === undefined || before === undefined) return undefined;
  if (before === 0) return now === 0 ? 0 : undefined;
  return ((now - before) / before) * 100;
}

function signed(p: number): string {
  const r = Math.round(p);
  if (r === 0) return p < 0 ? '−<1%' : '+<1%';
  return r < 0 ? `−${-r}%` : `+${r}%`;
}

/**
 * "412 ns/op · 96 B/op · 3 allocs/op (−25% B/op)". Memory changes are always shown;
 * a time change only from 5% (timings are noisy). "(unchanged)" when memory is the same.
 */
export function formatBenchSummary(now: BenchResult, before?: BenchResult): string {
  const parts: string[] = [];
  if (now.nsPerOp !== undefined) parts.push(`${formatNumber(now.nsPerOp)} ns/op`);
  if (now.bytesPerOp !== undefined) parts.push(`${formatNumber(now.bytesPerOp)} B/op`);
  if (now.allocsPerOp !== undefined) parts.push(`${formatNumber(now.allocsPerOp)} allocs/op`);
  if (parts.length === 0) parts.push(`${formatNumber(now.iterations)} iterations`);
  let text = parts.join(' · ');
  if (before) {
    const changes: string[] = [];
    const ns = percentChange(now.nsPerOp, before.nsPerOp);
    if (ns !== undefined && Math.abs(ns) >= 5) changes.push(`${signed(ns)} ns/op`);
    const b = percentChange(now.bytesPerOp, before.bytesPerOp);
    if (b !== undefined && now.bytesPerOp !== before.bytesPerOp) changes.push(`${signed(b)} B/op`);
    const a = percentChange(now.allocsPerOp, before.allocsPerOp);
    if (a !== undefined && now.allocsPerOp !== before.allocsPerOp) changes.push(`${signed(a)} allocs/op`);
    if (changes.length > 0) text += ` (${changes.join(', ')})`;
    else if (now.bytesPerOp !== undefined || now.allocsPerOp !== undefined) text += ' (unchanged)';
  }
  return now.sub ? `${now.sub}: ${text}` : text;
}
