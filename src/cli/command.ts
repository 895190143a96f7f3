// The shape of a CLI subcommand. Each lives in its own file and is listed in main.ts.

export interface CliIO {
  stdout: (text: string) => void;
  /**
   * Resolves once stdout can take more (at once when it is not backed up). Commands that print
   * a lot write in chunks and wait for it between them, so the output does not pile up in memory.
   */
  drained?: () => Promise<void>;
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

/**
 * Walks command-line arguments: `--flag value`, `--flag=value` and bare flags go to `onFlag`
 * (which returns false for a flag it does not know), everything else (and `-`) is positional.
 * `value()` takes the flag's value and fails with a usage error when it is missing.
 */
export function scanArgs(args: readonly string[], onFlag: (flag: string, value: () => string) => boolean): string[] {
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (flag !== arg) return arg.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value`, 2);
      return v;
    };
    if (!onFlag(flag, value)) throw new CliError(`unknown flag ${arg}`, 2);
  }
  return positional;
}

/** Reads standard input up to `limit` bytes; past it, throws what `tooBig(size)` gives without reading on. */
export async function readStdin(io: CliIO, limit: number, tooBig: (size: number) => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > limit) throw tooBig(size);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
