// The results file the test-runner extension writes and the harness reads. Plain data: no
// `vscode` import, so the harness (plain Node) and the runner share the same shape.

export type TestState = 'passed' | 'failed' | 'pending';

export interface TestFailure {
  message: string;
  stack?: string;
  /** Set for assertion errors that compare values. */
  actual?: string;
  expected?: string;
}

export interface TestRecord {
  /** Suite titles and the test title joined by " › ". */
  fullTitle: string;
  file?: string;
  state: TestState;
  durationMs?: number;
  error?: TestFailure;
}

export interface SuiteResults {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  tests: TestRecord[];
  /** Set when the suite could not run at all (no test files, a file failed to load...). */
  fatal?: TestFailure;
}
