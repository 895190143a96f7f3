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
