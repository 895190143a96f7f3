// Builds the argument array of the `go test` run that profiles a package, a test or a
// benchmark. Arguments only, never a shell string: they go to runTool as they are.

export type ProfileTarget =
  /** Every test (`go test`) or every benchmark (`-run ^$ -bench .`) of the package. */
  | { kind: 'package'; run: PackageRun }
  | { kind: 'test'; name: string }
  | { kind: 'benchmark'; name: string };

export type PackageRun = 'tests' | 'benchmarks';

/**
 * The -benchtime of profiling runs unless goMemoryInsight.benchtime or a -benchtime in
 * goMemoryInsight.testFlags says otherwise. Go's own default is 1s per benchmark: a package
 * with 100 benchmarks then takes minutes (each one also spends time ramping b.N up to it).
 * 100ms keeps such a first run to seconds, and at the allocation rates of code worth
 * profiling (tens of MB/s and up) still gives tens to hundreds of heap samples per
 * benchmark at the default sampling of one per 512 KiB. A count (`100x`) would bound
 * nothing: 100 iterations of a 50 ms benchmark take 5 s, and of a 20 ns one allocate too
 * little to be sampled at all.
 */
export const DEFAULT_BENCHTIME = '100ms';

/** A -benchtime value go test accepts: a duration ("100ms", "1.5s", "2m") or a count ("50x"). */
export function isValidBenchtime(value: string): boolean {
  return /^(\d+x|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/.test(value);
}

export interface GoTestArgsOptions {
  target: ProfileTarget;
  /** Where the heap profile goes (absolute path). */
  memProfile: string;
  /** Where the CPU profile goes, when one is wanted. */
  cpuProfile?: string;
  /** Where the test binary goes, so that `go test` does not leave pkg.test in the package directory. */
  testBinary?: string;
  /** -memprofilerate; undefined or 0 keeps Go's default (one sample per 512 KiB). */
  memProfileRate?: number;
  /** Build tags, from goMemoryInsight.buildTags and go.buildTags (comma or space separated). */
  buildTags?: string[];
  /** Extra flags from goMemoryInsight.testFlags, passed before ours. */
  testFlags?: string[];
  /** -benchtime for benchmark runs (goMemoryInsight.benchtime); empty or undefined: go's default (1s). A -benchtime in testFlags wins. */
  benchtime?: string;
  /** -exec program for the test binary (the GC trace's, see src/gc/capture.ts). An -exec in testFlags wins. */
  exec?: string;
}

/** Splits a build tag setting ("a,b" or "a b") into tags. */
export function splitBuildTags(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(/[\s,]+/).map((t) => t.trim()).filter((t) => t.length > 0);
}

/** Merges tag lists, keeping the first occurrence of each tag. */
export function mergeBuildTags(...lists: (readonly string[] | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const list of lists) {
    for (const t of list ?? []) {
      if (!seen.has(t)) {
        seen.add(t);
        out.push(t);
      }
    }
  }
  return out;
}

/** The flag name of an argument like "-count=3", "--count", "-v" (undefined for non-flags). */
function flagName(arg: string): string | undefined {
  const m = /^--?([A-Za-z][\w.]*)/.exec(arg);
  return m ? m[1] : undefined;
}

/** Anchors a test or benchmark name for -run / -bench: the names are identifiers, so no escaping is needed. */
export function anchored(name: string): string {
  return `^${name}$`;
}

export function buildGoTestArgs(opts: GoTestArgsOptions): string[] {
  const user = opts.testFlags ?? [];
  const userFlags = new Set(user.map(flagName).filter((f): f is string => f !== undefined));
  const args = ['test'];
  // The user's flags first: ours come after, so that target selection and profile paths win.
  args.push(...user);
  const tags = opts.buildTags ?? [];
  if (tags.length > 0 && !userFlags.has('tags')) args.push(`-tags=${tags.join(',')}`);
  if (!userFlags.has('count')) args.push('-count=1');
  const t = opts.target;
  const benchtime = opts.benchtime && !userFlags.has('benchtime') ? [`-benchtime=${opts.benchtime}`] : [];
  if (t.kind === 'test') {
    args.push('-run', anchored(t.name));
  } else if (t.kind === 'benchmark') {
    args.push('-run', '^$', '-bench', anchored(t.name), '-benchmem', ...benchtime);
  } else if (t.run === 'benchmarks') {
    args.push('-run', '^$', '-bench', '.', '-benchmem', ...benchtime);
  }
  if (opts.exec && !userFlags.has('exec')) args.push('-exec', opts.exec);
  if (opts.testBinary) args.push('-o', opts.testBinary);
  args.push(`-memprofile=${opts.memProfile}`);
  if (opts.memProfileRate && opts.memProfileRate > 0) args.push(`-memprofilerate=${Math.floor(opts.memProfileRate)}`);
  if (opts.cpuProfile) args.push(`-cpuprofile=${opts.cpuProfile}`);
  args.push('.');
  return args;
}

/**
 * Splits the goMemoryInsight.testFlags setting. An array is used as it is; a string is split
 * on whitespace with simple single/double quoting (there is no shell behind it).
 */
export function parseTestFlags(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof value !== 'string') return [];
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** Describes a target for titles and messages: "BenchmarkBuild", "TestBuild", "all benchmarks". */
export function describeTarget(t: ProfileTarget): string {
  if (t.kind !== 'package') return t.name;
  return t.run === 'benchmarks' ? 'all benchmarks' : 'all tests';
}

/** The -benchtime a run ends up with: the user's own flag, else ours, else go's default. */
export function effectiveBenchtime(testFlags: readonly string[] | undefined, benchtime: string | undefined): string {
  const user = [...(testFlags ?? [])].reverse();
  for (let i = 0; i < user.length; i++) {
    const m = /^--?benchtime(?:=(.*))?$/.exec(user[i]!);
    if (m) return m[1] ?? user[i - 1] ?? '1s';
  }
  return benchtime || '1s';
}

/**
 * What a run selects, as a person would type it (for code lens tooltips, quick pick items and
 * messages): "go test -run '^$' -bench . -benchmem -benchtime=100ms". Profile flags left out.
 */
export function describeCommand(target: ProfileTarget, benchtime: string | undefined): string {
  const bt = benchtime ? ` -benchtime=${benchtime}` : '';
  if (target.kind === 'test') return `go test -run '${anchored(target.name)}'`;
  if (target.kind === 'benchmark') return `go test -run '^$' -bench '${anchored(target.name)}' -benchmem${bt}`;
  return target.run === 'benchmarks' ? `go test -run '^$' -bench . -benchmem${bt}` : 'go test';
}

/** How long each benchmark runs, in words: "for about 100ms", "20 times". */
export function benchtimeWords(benchtime: string): string {
  const count = /^(\d+)x$/.exec(benchtime);
  if (count) return count[1] === '1' ? 'once' : `${count[1]} times`;
  return `for about ${benchtime}`;
}
