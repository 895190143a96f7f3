// Says why a `go test` profiling run did not give a profile, from its exit status and output:
// build failed (with the first compiler error), failing tests, no test files, nothing
// matched, timed out, cancelled, or go could not be started.

export type OutcomeKind =
  | 'ok'
  | 'cancelled'
  | 'timeout'
  | 'spawn-failed'
  | 'build-failed'
  | 'test-failed'
  | 'no-test-files'
  | 'no-tests'
  | 'failed';

export interface RunOutcomeInput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  timedOut: boolean;
  spawnError?: string;
  /** How long the run was allowed, for the timeout message. */
  timeoutMs?: number;
  /** Benchmarks were asked for: a run with no benchmark results ran nothing. */
  expectBenchmarks?: boolean;
  /** Number of benchmark results parsed from the output. */
  benchmarkCount?: number;
}

export interface RunOutcome {
  kind: OutcomeKind;
  /** One line for the notification. */
  message: string;
  /** The first compiler error ("./broken.go:9:9: undefined: totl"). */
  firstError?: string;
  /** Tests or benchmarks reported as FAIL. */
  failed?: string[];
}

const COMPILER_ERROR_RE = /^(?:\.{0,2}\/?[^\s:]+\.go|[A-Za-z]:\\[^:]+\.go|\/[^:]+\.go):\d+(?::\d+)?: .+/;

function lines(text: string): string[] {
  return text.split(/\r?\n/);
}

function firstCompilerError(out: string[]): string | undefined {
  for (const l of out) {
    const t = l.trim();
    if (COMPILER_ERROR_RE.test(t)) return t;
  }
  return undefined;
}

/** A "go: ..." or "cannot ..." line from the go command itself (no module, bad flag, ...). */
function goCommandError(out: string[]): string | undefined {
  for (const l of out) {
    const t = l.trim();
    if (/^(go: |go test: |cannot find |no Go files |flag provided but not defined|invalid value )/.test(t)) return t;
  }
  return undefined;
}

function formatDuration(ms: number): string {
  if (ms % 60000 === 0) return `${ms / 60000} min`;
  if (ms >= 60000) return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  return `${Math.round(ms / 1000)} s`;
}

export function classifyRun(r: RunOutcomeInput): RunOutcome {
  const out = lines(r.stdout);
  const err = lines(r.stderr);
  const all = [...err, ...out];

  if (r.spawnError) return { kind: 'spawn-failed', message: `go could not be started: ${r.spawnError}` };
  if (r.cancelled) return { kind: 'cancelled', message: 'Profiling was cancelled.' };
  const goTimeout = all.find((l) => /^panic: test timed out after /.test(l.trim()));
  if (r.timedOut || goTimeout) {
    const after = r.timedOut && r.timeoutMs ? ` after ${formatDuration(r.timeoutMs)}` : goTimeout ? ` (${goTimeout.trim().replace(/^panic: /, '')})` : '';
    return { kind: 'timeout', message: `go test timed out${after} (setting goMemoryInsight.profileTimeout).` };
  }

  const buildFailed = all.some((l) => /\[(build|setup) failed\]\s*$/.test(l)) || (r.exitCode !== 0 && all.some((l) => /^# \S+/.test(l)));
  if (buildFailed) {
    const firstError = firstCompilerError(all) ?? goCommandError(all);
    return { kind: 'build-failed', message: `The package does not build${firstError ? `: ${firstError}` : '.'}`, firstError };
  }

  const failed: string[] = [];
  for (const l of out) {
    const m = /^\s*--- FAIL: (\S+)/.exec(l);
    if (m && !failed.includes(m[1])) failed.push(m[1]);
  }
  if (r.exitCode !== 0 && failed.length > 0) {
    // Report the top-level failures (a failing subtest also fails its parent).
    const top = failed.filter((f) => !failed.some((g) => g !== f && f.startsWith(g + '/')));
    const shown = top.slice(0, 3).join(', ') + (top.length > 3 ? ` and ${top.length - 3} more` : '');
    return { kind: 'test-failed', message: `FAIL ${shown}`, failed: top };
  }
  if (r.exitCode !== 0) {
    const panic = out.find((l) => /^panic: /.test(l));
    if (panic) return { kind: 'test-failed', message: `The test binary panicked: ${panic.replace(/^panic: /, '')}` };
    const goErr = goCommandError(all);
    if (goErr) return { kind: 'failed', message: goErr };
    const last = [...err, ...out].map((l) => l.trim()).filter((l) => l.length > 0 && l !== 'FAIL').slice(-1)[0];
    return { kind: 'failed', message: `go test failed (exit code ${r.exitCode ?? 'none'})${last ? `: ${last}` : '.'}` };
  }

  if (all.some((l) => /\[no test files\]\s*$/.test(l))) return { kind: 'no-test-files', message: 'The package has no test files.' };
  if (all.some((l) => /\[no tests to run\]\s*$/.test(l) || /^testing: warning: no tests to run/.test(l.trim()))) {
    return { kind: 'no-tests', message: 'No tests to run: nothing matched.' };
  }
  if (r.expectBenchmarks && (r.benchmarkCount ?? 0) === 0) return { kind: 'no-tests', message: 'No benchmarks ran: nothing matched.' };
  return { kind: 'ok', message: 'ok' };
}
