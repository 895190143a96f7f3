// Which findings the editor shows: the kinds chosen in the settings, never the noise a Go
// developer does not act on (a parameter that only flows to a result, the *testing.T of a
// test), test files only when asked, and no file or package the user excluded. Pure: the
// service and the tests call it with settings and paths.
import * as path from 'node:path';
import type { Finding } from '../../escape/model';
import type { FindingKind } from '../../escape/types';

export interface ShowSettings {
  kinds: readonly FindingKind[];
  includeTestFiles: boolean;
  /** Globs relative to a workspace folder, or absolute. */
  exclude: readonly string[];
}

const LEAK_KINDS: ReadonlySet<FindingKind> = new Set(['leaking-param', 'leaking-param-content']);

/** `TestX`, `BenchmarkX`, `FuzzX`, `ExampleX` and their closures: the functions `go test` calls. */
function isTestEntryPoint(fn: string | undefined): boolean {
  return fn !== undefined && /^(?:Test|Benchmark|Fuzz|Example)(?:[^a-z]|$)/.test(fn);
}

export function isTestFile(file: string): boolean {
  return file.endsWith('_test.go');
}

/**
 * Whether a finding becomes a diagnostic and counts in its function's lens: its kind is
 * chosen, and it is not a leak a developer cannot act on.
 */
export function isShown(f: Finding, kinds: ReadonlySet<FindingKind>): boolean {
  if (!kinds.has(f.kind)) return false;
  if (LEAK_KINDS.has(f.kind)) {
    // `leaking param: dst to result ~r0`: an argument escapes only if the caller's result does.
    if (f.result) return false;
    // `t *testing.T` of a test leaks to the testing package: every test has it.
    if (isTestFile(f.file) && isTestEntryPoint(f.function)) return false;
  }
  return true;
}

/** A glob (`**`, `*`, `?`, `{a,b}`, `[…]`) as a regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:[^/]*/)*' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  while (depth-- > 0) re += ')';
  return new RegExp(`^${re}$`);
}

/** Files excluded by globs: each glob is tried against the path relative to every root, and the absolute path. */
export class PathFilter {
  private readonly patterns: RegExp[];

  constructor(globs: readonly string[], private readonly roots: readonly string[]) {
    this.patterns = globs.map((g) => g.trim()).filter(Boolean).map((g) => globToRegExp(g.replace(/\\/g, '/')));
  }

  excludes(file: string): boolean {
    if (this.patterns.length === 0) return false;
    const candidates = [file.split(path.sep).join('/')];
    for (const root of this.roots) {
      const rel = path.relative(root, file);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) candidates.push(rel.split(path.sep).join('/'));
    }
    return this.patterns.some((p) => candidates.some((c) => p.test(c)));
  }
}

/** Import-path patterns as `go list` reads them: `...` matches any string. */
export function packageMatcher(patterns: readonly string[]): (importPath: string) => boolean {
  const res = patterns
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      // `x/...` also matches `x` itself, as in the go command.
      const body = p.split('...').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
      return new RegExp(`^${p.endsWith('/...') ? body.replace(/\/\.\*$/, '(?:/.*)?') : body}$`);
    });
  return (importPath) => res.some((r) => r.test(importPath));
}
