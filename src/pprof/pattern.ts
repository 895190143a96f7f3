// Regular expressions applied to profile data: the profile's own drop_frames/keep_frames and
// the focus/ignore/hide/search patterns people type. They have Go's (RE2) syntax and meaning,
// as in `go tool pprof`, and match in time linear in the name (re2js, a port of RE2/J): a
// pattern such as `(a+)+$` from a file or a search box cannot hang the extension host, the CLI
// or the page. JavaScript's RegExp is never used for them. Pure and browser-safe.
import { RE2JS } from 're2js';

/**
 * How a pattern is matched against a name:
 * - 'search': anywhere in it (pprof's -focus, -ignore, -hide; the flame graph's search box);
 * - 'whole': the whole name, compiled as `^(PATTERN)$` exactly as pprof compiles a profile's
 *   drop_frames and keep_frames.
 */
export type PatternMode = 'search' | 'whole';

/**
 * A compiled pattern. The class is not exported, so compilePattern is the only way to make
 * one, and its private field keeps a RegExp (or any look-alike) from being passed for it.
 */
class CompiledPattern {
  constructor(
    /** The pattern as written (without the anchors 'whole' adds). */
    readonly source: string,
    readonly mode: PatternMode,
    private readonly re: RE2JS,
  ) {}

  /** Whether the pattern matches s (anywhere in it, or all of it for 'whole'). Linear in s. */
  test(s: string): boolean {
    return this.re.test(s);
  }
}

export type Pattern = CompiledPattern;

export type PatternResult = { ok: true; pattern: Pattern } | { ok: false; error: string };

/** At most this many characters of a pattern or a reason are quoted in an error message. */
const SHOWN = 80;

/** s on one line (control characters escaped), cut to SHOWN characters. */
function oneLine(s: string): string {
  const cut = s.length > SHOWN ? s.slice(0, SHOWN) : s;
  // eslint-disable-next-line no-control-regex
  const escaped = cut.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return cut.length < s.length ? `${escaped}…` : escaped;
}

/**
 * Compiles a pattern in Go's regexp syntax (RE2: `(?i)`, `\Q…\E`, `\pL`, `[[:alpha:]]`; no
 * backreferences or lookaround). Returns the pattern, or an error of one line:
 * `invalid pattern "(": missing closing ): ` + "`(`".
 */
export function compilePattern(source: string, mode: PatternMode = 'search'): PatternResult {
  try {
    const re = RE2JS.compile(mode === 'whole' ? `^(${source})$` : source);
    return { ok: true, pattern: new CompiledPattern(source, mode, re) };
  } catch (err) {
    // re2js throws RE2JSSyntaxException ("error parsing regexp: ..."); anything else (a
    // RangeError from a deep recursion, say) is a refusal too, never a crash.
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.replace(/^error parsing regexp: /, '');
    return { ok: false, error: `invalid pattern "${oneLine(source)}": ${oneLine(reason)}` };
  }
}
