// Builds the argument array of the `go test` run that profiles a package, a test or a
// benchmark. Arguments only, never a shell string: they go to runTool as they are.

export type ProfileTarget =
  /** Every benchmark of the package when it has any, else every test. */
  | { kind: 'package'; hasBenchmarks: boolean }
  | { kind: 'test'; name: string }
  | { kind: 'benchmark'; name: string };

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
  if (t.kind === 'test') {
    args.push('-run', anchored(t.name));
  } else if (t.kind === 'benchmark') {
    args.push('-run', '^$', '-bench', anchored(t.name), '-benchmem');
  } else if (t.hasBenchmarks) {
    args.push('-run', '^$', '-bench', '.', '-benchmem');
  }
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
  return t.hasBenchmarks ? 'all benchmarks' : 'all tests';
}
