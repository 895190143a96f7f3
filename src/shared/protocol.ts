// Custom messages between the extension (language client) and the language server.
// Declared once here and imported by both sides.
import { RequestType0 } from 'vscode-languageserver-protocol';

/** Options the extension passes to the server in `initializationOptions`. */
export interface InitializationOptions {
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
