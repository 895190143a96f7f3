// Custom messages between the extension (language client) and the language server.
// Declared once here and imported by both sides.
import { RequestType0 } from 'vscode-languageserver-protocol';

/** Options the extension passes to the server in `initializationOptions`. */
export interface InitializationOptions {
  /** Set by the extension; absent when another editor starts the server (it then finds go itself). */
  fromExtension?: boolean;
  /** Absolute path of the `go` binary the extension chose, or undefined when none was found. */
  goBinary?: string;
  /** Environment additions for go commands (GOFLAGS, GOTOOLCHAIN, ...), already merged with the user's. */
  env?: Record<string, string>;
}

export interface ServerInfoResult {
  name: string;
  version: string;
  pid: number;
  goBinary: string | null;
  nodeVersion: string;
}

export namespace ServerInfoRequest {
  export const method = 'goMemory/serverInfo';
  export const type = new RequestType0<ServerInfoResult, void>(method);
}

/** What the server reports about the escape analysis of the package of the active editor. */
export interface AnalysisStatus {
  state: 'analysing' | 'ok' | 'build-failed' | 'error' | 'disabled' | 'no-go' | 'outside-workspace' | 'excluded';
  /** Absolute directory of the package this status is about. */
  packageDir?: string;
  /** Import path or directory name shown to the user. */
  packageName?: string;
  /** Heap escapes + moved-to-heap findings in the package. */
  escapes?: number;
  /** One line for failures. */
  message?: string;
  /** Wall time of the last run in milliseconds. */
  durationMs?: number;
}

export namespace AnalysisStatusNotification {
  export const method = 'goMemory/analysisStatus';
}

/** Arguments of the client command a function's code lens runs. */
export interface FunctionFindingsArgs {
  uri: string;
  functionName: string;
  items: { line: number; character: number; kind: string; label: string; detail: string }[];
}

/** The server's command (workspace/executeCommand) that analyses the package of a file URI, inside the workspace or not. */
export const ANALYSE_PACKAGE_SERVER_COMMAND = 'goMemory.analysePackage';

/** The server's command that shows every finding of a package directory, beyond the diagnostics limit. */
export const SHOW_ALL_FINDINGS_SERVER_COMMAND = 'goMemory.showAllFindings';

/** Sent by the extension before didSave when the editor saves a document by itself (files.autoSave). */
export const AUTO_SAVE_NOTIFICATION = 'goMemory/willSaveAutomatically';

export const SHOW_FUNCTION_FINDINGS_COMMAND = 'goMemoryInsight.showFunctionFindings';

// ---- measured cost: the heap profile the editor shows, joined with the findings -----------

/** One allocating line of the profile shown in the editor (see src/hotspots/attribute.ts). */
export interface MeasuredLine {
  /** Absolute path on this machine. */
  file: string;
  /** 1-based. */
  line: number;
  /** The line's own allocation in the profile's unit. */
  flat: number;
  objects?: number;
}

/**
 * Sent by the extension (`goMemory/measuredCost`) when the flame graph shows a heap profile,
 * and with null when it closes: hovers say what each finding's line measured, hot lines' escapes
 * get a stronger severity, and with `onlyMeasured` only the findings of measured lines are shown.
 */
export interface MeasuredCost {
  /** The profile's file name, for the hover. */
  profile: string;
  sampleType: string;
  unit: string;
  /** The profile's total of the sample type (the 100% of shares). */
  total: number;
  /** The object count's sample type (alloc_objects), when the profile has one. */
  objectsType?: string;
  lines: MeasuredLine[];
  /** Show only the escapes on lines that measured an allocation. */
  onlyMeasured: boolean;
}

export const MEASURED_COST_NOTIFICATION = 'goMemory/measuredCost';

/** `goMemory/hotspotFindings`: the compiler's findings at these lines, analysing their packages when needed. */
export interface HotspotFindingsParams {
  lines: { file: string; line: number }[];
}

export interface HotspotFindingsResult {
  files: {
    file: string;
    /** 'ok', or why the file has no findings: the package does not build, is outside the workspace, … */
    state: 'ok' | 'outside-workspace' | 'build-failed' | 'excluded' | 'disabled' | 'no-go' | 'error' | 'missing';
    message?: string;
    lines: { line: number; heap: { kind: string; message: string; why: string; column?: number; remedy?: string }[]; onStack: string[] }[];
  }[];
}

export const HOTSPOT_FINDINGS_REQUEST = 'goMemory/hotspotFindings';
