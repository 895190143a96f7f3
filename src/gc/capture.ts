// Recording the GC trace of a `go test` run. GODEBUG=gctrace=1 in go test's own environment
// would reach every Go program it starts: the go command, the compiler (whose output go caches
// and replays on later builds, trace lines and all) and vet. So the setting goes to the test
// binary alone, through go test's -exec flag, and so does the trace: the runtime prints a trace
// line in many small writes, which land inside the test's own output when both share a stream
// (a benchmark's result line cut in two is a benchmark lost). The -exec script sends the test
// binary's standard error to a file of its own; separateGcTrace splits that file into the trace
// and the rest (panics, log output), which the caller shows after the run. Pure.
import { parseGcTrace } from './gctrace';

/** GODEBUG with gctrace=1 added; a gctrace setting already there is kept as it is. */
export function mergeGodebug(existing: string | undefined): string {
  const parts = (existing ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.some((p) => p.startsWith('gctrace='))) return parts.join(',');
  return [...parts, 'gctrace=1'].join(',');
}

/** The environment variables the -exec script reads: the test binary's GODEBUG, and the file its standard error goes to. */
export const GC_TRACE_GODEBUG_VAR = 'GMI_GCTRACE_GODEBUG';
export const GC_TRACE_STDERR_VAR = 'GMI_GCTRACE_STDERR';

/**
 * The -exec value that runs the test binary with GODEBUG set and its standard error appended
 * to a file (both from the environment: gcTraceEnv), or undefined where there is no POSIX shell
 * (Windows). go splits the value into words with quotes: `sh`, `-c`, the script; the script gets
 * the test binary as $0 and its arguments as $@.
 */
export function gcTraceExec(platform: NodeJS.Platform): string | undefined {
  if (platform === 'win32') return undefined;
  return `sh -c 'GODEBUG="$${GC_TRACE_GODEBUG_VAR}" exec "$0" "$@" 2>>"$${GC_TRACE_STDERR_VAR}"'`;
}

/** The environment that goes with gcTraceExec. */
export function gcTraceEnv(godebug: string, stderrFile: string): Record<string, string> {
  return { [GC_TRACE_GODEBUG_VAR]: godebug, [GC_TRACE_STDERR_VAR]: stderrFile };
}

const TRACE_LINE = /gc \d+ @\d+(?:\.\d+)?s \d+%(?: \(checking for goroutine leaks\))?: [^\n]*? \d+ P(?: \(forced\))?\r?\n?/g;
const SCAV_LINE = /^scav [^\n]*\n?/gm;

/**
 * Splits output into the runtime's trace lines and the rest (the test binary's standard error,
 * or any output that holds trace lines). A trace line is cut out with its newline.
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
