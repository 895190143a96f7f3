// A small Go source scanner: finds the package clause and the top-level test and benchmark
// functions of a _test.go file, skipping comments, strings and rune literals. It is not a
// parser; it only needs to be right about what `go test` would run.

export type TestFuncKind = 'test' | 'benchmark';

export interface TestFunc {
  kind: TestFuncKind;
  /** e.g. "TestBuild", "BenchmarkBuild". */
  name: string;
  /** 0-based line of the `func` keyword. */
  line: number;
  /** 0-based column of the `func` keyword. */
  character: number;
  /** 0-based line of the closing brace of its body (undefined when the file ends first). */
  endLine?: number;
}

export interface GoSourceScan {
  /** The package name, or undefined when the file has no package clause. */
  packageName?: string;
  /** 0-based line and column of the `package` keyword. */
  packageLine?: number;
  packageCharacter?: number;
  funcs: TestFunc[];
}

/**
 * Replaces comments, string literals and rune literals by spaces, keeping newlines, so that
 * offsets and line numbers stay the same and no keyword inside them is seen.
 */
export function maskGoSource(src: string): string {
  const out: string[] = new Array<string>(src.length);
  let i = 0;
  const n = src.length;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) out[k] = src[k] === '\n' ? '\n' : ' ';
  };
  while (i < n) {
    const c = src[i];
    const next = i + 1 < n ? src[i + 1] : '';
    if (c === '/' && next === '/') {
      let j = i + 2;
      while (j < n && src[j] !== '\n') j++;
      blank(i, j);
      i = j;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const j = end < 0 ? n : end + 2;
      blank(i, j);
      i = j;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      const j = end < 0 ? n : end + 1;
      blank(i, j);
      i = j;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      j = Math.min(n, j < n && src[j] === c ? j + 1 : j);
      blank(i, j);
      i = j;
    } else {
      out[i] = c;
      i++;
    }
  }
  return out.join('');
}

// A Go identifier: a letter or underscore, then letters, digits, underscores.
const IDENT = String.raw`[\p{L}_][\p{L}\p{Nd}_]*`;
// `func TestX(t *testing.T)`: an optional parameter name, a pointer to T or B, optionally
// qualified (the testing package may be imported under another name, or dot-imported).
const FUNC_RE = new RegExp(
  String.raw`^func\s+(${IDENT})\s*\(\s*(?:${IDENT}\s+)?\*\s*(?:${IDENT}\s*\.\s*)?([TB])\s*,?\s*\)`,
  'u',
);
const PACKAGE_RE = new RegExp(String.raw`^package\s+(${IDENT})`, 'u');

/**
 * `go test` runs TestXxx and BenchmarkXxx where Xxx does not start with a lowercase letter
 * (Test and Benchmark alone are valid names too).
 */
export function testFuncKind(name: string, param: 'T' | 'B'): TestFuncKind | undefined {
  const check = (prefix: string): boolean => {
    if (!name.startsWith(prefix)) return false;
    const rest = name.slice(prefix.length);
    return rest === '' || !/^\p{Ll}/u.test(rest);
  };
  if (param === 'T' && check('Test')) return 'test';
  if (param === 'B' && check('Benchmark')) return 'benchmark';
  return undefined;
}

export function scanGoSource(src: string): GoSourceScan {
  const masked = maskGoSource(src);
  const result: GoSourceScan = { funcs: [] };
  let depth = 0;
  let line = 0;
  let lineStart = 0;
  let atLineStart = true; // only whitespace seen so far on this line
  // The test function whose body has not closed yet: the next `}` back at depth 0 ends it.
  let open: TestFunc | undefined;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') {
      depth = Math.max(0, depth - 1);
      if (c === '}' && depth === 0 && open) {
        open.endLine = line;
        open = undefined;
      }
    } else if (atLineStart && depth === 0) {
      if (c === 'f' && masked.startsWith('func', i)) {
        open = undefined; // a declaration without a body (implemented in assembly) ends here
        const m = FUNC_RE.exec(masked.slice(i, i + 400));
        if (m) {
          const kind = testFuncKind(m[1], m[2] as 'T' | 'B');
          if (kind) {
            open = { kind, name: m[1], line, character: i - lineStart };
            result.funcs.push(open);
          }
        }
      } else if (c === 'p' && result.packageName === undefined && masked.startsWith('package', i)) {
        const m = PACKAGE_RE.exec(masked.slice(i, i + 200));
        if (m) {
          result.packageName = m[1];
          result.packageLine = line;
          result.packageCharacter = i - lineStart;
        }
      }
    }
    atLineStart = false;
  }
  return result;
}

/**
 * The test or benchmark function a 0-based line is in: from its `func` line to the closing
 * brace of its body (a function whose body does not close in the file runs to the next
 * function). Undefined when the line is outside every test and benchmark function.
 */
export function testFuncAt(scan: GoSourceScan, line: number): TestFunc | undefined {
  for (let k = 0; k < scan.funcs.length; k++) {
    const f = scan.funcs[k]!;
    const end = f.endLine ?? (k + 1 < scan.funcs.length ? scan.funcs[k + 1]!.line - 1 : Number.POSITIVE_INFINITY);
    if (line >= f.line && line <= end) return f;
  }
  return undefined;
}

/** Whether a file name is a Go test file that `go test` compiles (not ignored by the go tool). */
export function isGoTestFileName(name: string): boolean {
  return name.endsWith('_test.go') && !name.startsWith('.') && !name.startsWith('_');
}
