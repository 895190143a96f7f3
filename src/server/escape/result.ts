// What the server keeps per analysed package, and what makes a kept result reusable.
import type { EscapeModel } from '../../escape/model';
import type { LineIndex } from '../../escape/positions';
import type { CompilerError } from '../../escape/types';
import type { AnalysisStatus } from '../../shared/protocol';
import type { EscapeSettings } from './settings';

export interface PackageResult {
  dir: string;
  model?: EscapeModel;
  /** Errors of a package that does not build, or of test files that do not (the package's findings stand). */
  errors: CompilerError[];
  /** The text of each Go file of the package as it was when compiled. */
  compiled: Map<string, LineIndex>;
  /** URIs that received diagnostics, to clear them later. */
  published: Set<string>;
  status: AnalysisStatus;
  /** The workspace generation after the run read its files, and its settings and go binary: what makes the result reusable. */
  memo?: { generation: number; key: string };
  /** The package's own findings, published while its test files are still compiling. */
  partial?: boolean;
  /** How many escape diagnostics each file may show, from the package's limit; files not listed share `spare`. */
  allotment?: { perFile: Map<string, number>; spare: number; hidden: number };
}

/** What a memoised result depends on besides files: the settings and the go binary. */
export function memoKey(settings: EscapeSettings, go: string): string {
  return JSON.stringify([go, settings.kinds, settings.boundsChecks, settings.buildTags, settings.includeTestFiles, settings.excludePackages]);
}

