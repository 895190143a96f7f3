// go-memory-insight: the command-line entry point, built from the same pure modules as the
// extension and the language server.
import type { CliCommand, CliIO } from './command';
import { CliError } from './command';
import { VERSION } from '../shared/version';
import { escapeCommand } from './escape';
import { pprofCommand } from './pprof';
import { hotspotsCommand } from './hotspots';
import { gctraceCommand } from './gctrace';
import { watchCommand } from './watch';
import { killProcessGroupsOnExit } from '../goenv/processGroups';

/** Subcommands, added by the features that provide them. */
export const COMMANDS: CliCommand[] = [escapeCommand(), pprofCommand, hotspotsCommand(), gctraceCommand, watchCommand];

function helpText(): string {
  const lines = [
    `go-memory-insight ${VERSION}: where your Go code allocates on the heap, and why.`,
    '',
    'Usage:',
    '  go-memory-insight <command> [arguments]',
    '  go-memory-insight --help | --version',
    '',
  ];
  if (COMMANDS.length > 0) {
    lines.push('Commands:');
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
    lines.push('', 'Run "go-memory-insight <command> --help" for a command\'s usage.');
  } else {
    lines.push('No commands are available in this build yet.');
  }
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest[0]) return main([rest[0], '--help'], io);
    io.stdout(helpText());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.stdout(`go-memory-insight ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.stderr(`go-memory-insight: unknown command "${first}"; run "go-memory-insight --help" for the list\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const message = err instanceof CliError ? err.message : err instanceof Error ? err.message : String(err);
    io.stderr(`go-memory-insight ${command.name}: ${message.split('\n')[0]}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

/** Resolves when `stream` has room in its buffer again (or is gone: then nothing waits for it). */
export function drained(stream: NodeJS.WritableStream & { writableNeedDrain?: boolean; destroyed?: boolean }): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

if (require.main === module) {
  // Ctrl-C, SIGTERM, SIGHUP or the parent's exit also end the go commands this run started.
  killProcessGroupsOnExit();
  // A reader that stops early (`| head`) closes the pipe: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    drained: () => drained(process.stdout),
    stderr: (t) => process.stderr.write(t),
    stdin: process.stdin,
    cwd: process.cwd(),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`go-memory-insight: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
