// Runs the CLI's main() in-process, as the tests of its commands do: standard output and error
// collected, standard input from a buffer.
import { Readable } from 'node:stream';
import type { CliIO } from '../../src/cli/command';
import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(args: string[], cwd: string, opts: { env?: NodeJS.ProcessEnv; stdin?: Buffer } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: Readable.from([opts.stdin ?? Buffer.alloc(0)]), cwd, env: opts.env ?? process.env };
  const code = await main(args, io);
  return { code, out, err };
}
