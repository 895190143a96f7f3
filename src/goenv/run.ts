// Runs the go command (or any tool) with an argument array, never a shell, and kills the
// whole process tree on cancellation: `go build` and `go test` start compilers, linkers and
// test binaries as children, and killing only `go` would leave them running. Each child leads
// a process group of its own; processGroups.ts kills the live groups when this process ends,
// however it ends.
import { execa } from 'execa';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { trackProcessGroup } from './processGroups';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Kill the process tree after this many milliseconds (0 or undefined: no limit). */
  timeoutMs?: number;
  /** Called with each line of stdout / stderr as it arrives (streaming, constant memory). */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Called with each chunk of stderr as bytes (for a parser that splits lines itself). */
  onStderrData?: (chunk: Buffer) => void;
  /** Keep at most this many bytes of each stream in the result (default 1 MiB, tail kept). */
  maxBufferBytes?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  timedOut: boolean;
  /** The command could not be started at all (ENOENT, EACCES...). */
  spawnError?: string;
  durationMs: number;
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
  }
  toString(): string {
    let all = Buffer.concat(this.chunks);
    // A tail may start inside a UTF-8 sequence: skip its continuation bytes.
    if (this.truncated) {
      let i = 0;
      while (i < all.length && i < 3 && (all[i]! & 0xc0) === 0x80) i++;
      all = all.subarray(i);
    }
    return all.toString('utf8');
  }
}

function pipeStream(stream: Readable | null | undefined, onLine: ((l: string) => void) | undefined, onData: ((b: Buffer) => void) | undefined, keep: TailBuffer): Promise<void> {
  if (!stream) return Promise.resolve();
  let partial = '';
  const decoder = onLine ? new StringDecoder('utf8') : undefined;
  stream.on('data', (chunk: Buffer) => {
    keep.push(chunk);
    onData?.(chunk);
    if (!onLine || !decoder) return;
    const text = partial + decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let line = text.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      onLine(line);
      start = nl + 1;
    }
    partial = text.slice(start);
  });
  return once(stream, 'end').then(() => {
    if (!onLine || !decoder) return;
    const rest = partial + decoder.end();
    if (rest) onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }, () => undefined);
}

/** Kills a process and all its descendants. On POSIX the child leads its own process group. */
export function killTree(pid: number | undefined): void {
  if (!pid) return;
  try {
    if (process.platform === 'win32') {
      // taskkill /T kills the tree; spawned without a shell.
      void execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false });
    } else {
      process.kill(-pid, 'SIGKILL');
    }
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export async function runTool(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const outKeep = new TailBuffer(opts.maxBufferBytes ?? 1 << 20);
  const errKeep = new TailBuffer(opts.maxBufferBytes ?? 1 << 20);
  let cancelled = false;
  let timedOut = false;
  let child;
  try {
    child = execa(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      extendEnv: opts.env === undefined,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      detached: process.platform !== 'win32',
      windowsHide: true,
      // execa's own cleanup does nothing for a detached child: trackProcessGroup does it.
      cleanup: true,
    });
  } catch (err) {
    return { exitCode: null, signal: null, stdout: '', stderr: '', cancelled: false, timedOut: false, spawnError: String((err as Error).message ?? err), durationMs: Date.now() - started };
  }
  const pid = child.pid;
  const untrack = pid ? trackProcessGroup(pid) : undefined;
  const onAbort = (): void => {
    cancelled = true;
    killTree(pid);
  };
  if (opts.signal) {
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  const timer = opts.timeoutMs && opts.timeoutMs > 0 ? setTimeout(() => { timedOut = true; killTree(pid); }, opts.timeoutMs) : undefined;
  const pumps = Promise.all([pipeStream(child.stdout, opts.onStdoutLine, undefined, outKeep), pipeStream(child.stderr, opts.onStderrLine, opts.onStderrData, errKeep)]);
  const result = await child;
  await pumps;
  if (timer) clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  // A killed group leader may leave grandchildren that ignored the first signal: make sure.
  if (cancelled || timedOut) killTree(pid);
  untrack?.();
  const spawnError = result.failed && result.exitCode === undefined && !result.isTerminated && result.code ? `${result.code}: ${result.shortMessage}` : undefined;
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: outKeep.toString(),
    stderr: errKeep.toString(),
    cancelled,
    timedOut,
    spawnError,
    durationMs: Date.now() - started,
  };
}
