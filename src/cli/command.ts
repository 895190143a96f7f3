// The shape of a CLI subcommand. Each lives in its own file and is listed in main.ts.

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads standard input fully (for `-` arguments). */
  stdin: NodeJS.ReadableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  /** One line for the command list in --help. */
  summary: string;
  /** Full usage text for `go-memory-insight NAME --help`. */
  usage: string;
  /** Returns the exit status. Throw CliError for a one-line failure message. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** A failure reported as one line on stderr with a non-zero exit status, no stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
