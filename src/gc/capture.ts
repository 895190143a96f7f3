// Recording the GC trace of a `go test` run. GODEBUG=gctrace=1 in go test's own environment
// would reach every Go program it starts: the go command, the compiler (whose output go caches
// and replays on later builds, trace lines and all) and vet. So the setting goes to the test
// binary alone, through go test's -exec flag: `-exec "env GODEBUG=…,gctrace=1"`. The test
// binary's standard error reaches go test's standard output, where its trace lines land between
// (and inside) the test output: separateGcTrace takes them out again. Pure.
import { parseGcTrace } from './gctrace';

/** GODEBUG with gctrace=1 added; a gctrace setting already there is kept as it is. */
export function mergeGodebug(existing: string | undefined): string {
  const parts = (existing ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.some((p) => p.startsWith('gctrace='))) return parts.join(',');
  return [...parts, 'gctrace=1'].join(',');
}

/**
 * The -exec value that runs the test binary with GODEBUG set, or undefined where there is no
 * `env` program (Windows). go splits the value into words, with single and double quotes.
 */
export function gcTraceExec(godebug: string, platform: NodeJS.Platform): string | undefined {
  if (platform === 'win32') return undefined;
  const arg = `GODEBUG=${godebug}`;
  return /[\s'"]/.test(arg) ? `env '${arg.replace(/'/g, '')}'` : `env ${arg}`;
}

const TRACE_LINE = /gc \d+ @\d+(?:\.\d+)?s \d+%(?: \(checking for goroutine leaks\))?: [^\n]*? \d+ P(?: \(forced\))?\r?\n?/g;
const SCAV_LINE = /^scav [^\n]*\n?/gm;

/**
 * Splits go test output into the runtime's trace lines and the rest. A trace line is cut out
 * with its newline, so "BenchmarkX-8 \t" + "gc 3 @…\n" + "100\t12 ns/op\n" becomes the
 * benchmark's line again.
 */
export function separateGcTrace(output: string): { trace: string; rest: string } {
  const lines: string[] = [];
  let rest = output.replace(TRACE_LINE, (m) => {
    lines.push(m.endsWith('\n') ? m.replace(/\r?\n$/, '') : m);
    return '';
  });
  rest = rest.replace(SCAV_LINE, '');
  return { trace: lines.length > 0 ? lines.join('\n') + '\n' : '', rest };
}

/** A line of go test output as shown to the user: without trace text (undefined when nothing is left). */
export function withoutGcTrace(line: string): string | undefined {
  const rest = line.replace(TRACE_LINE, '');
  if (rest === line) return line;
  return rest.trim() === '' ? undefined : rest;
}

/** The number of cycles in a trace (0: nothing recorded). */
export function cycleCount(trace: string): number {
  return parseGcTrace(trace).runs.reduce((n, r) => n + r.cycles.length, 0);
}
