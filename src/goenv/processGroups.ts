// Keeps the process groups of running tools from outliving the process that started them.
//
// runTool starts every `go` in a process group of its own (detached), so that cancelling a
// run can kill `go` and the compilers, linkers and test binaries it started, all at once. The
// price is that nothing else kills them: Ctrl-C in a terminal reaches only the foreground
// group, and a parent's death reaches no one. So every live group is tracked here, and killed:
//
// - on process 'exit' (process.exit(), the end of the event loop, an uncaught exception);
// - on SIGINT, SIGTERM and SIGHUP, which are then re-raised so the process still dies of them;
// - when the owner is gone: stdin ended (a language server over --stdio), the IPC channel
//   closed, or the parent process exited (polled);
// - and when this process dies in a way no handler sees (SIGKILL, an abort, the OOM killer), by
//   the reaper: a small Node process (dist/reaper.js, src/goenv/reaper.ts) told about each
//   group through a pipe, which kills every group still listed when the pipe reaches
//   end-of-file, that is when this process is gone, however it went.
//
// No `vscode` import: the CLI, the language server and the extension host all use it through
// runTool.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Socket } from 'node:net';
import * as path from 'node:path';

const groups = new Set<number>();
/** Set once the owner is gone: new groups are killed as soon as they are tracked. */
let closing = false;
let exitHookInstalled = false;

/**
 * Kills a process group led by `pid` (on Windows, the process tree of `pid`) at once and
 * synchronously, so that it also works inside an 'exit' handler. Never throws.
 */
export function killGroupNow(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Kills every tracked group now. The groups stay tracked until their runs forget them. */
export function killAllProcessGroups(): void {
  for (const pid of groups) killGroupNow(pid);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllProcessGroups);
}

/**
 * Tracks the process group led by `pid` (a child spawned detached, so its pid is its group
 * id) until the returned function is called, which the caller does once the child has exited
 * and its group has been dealt with.
 */
export function trackProcessGroup(pid: number): () => void {
  installExitHook();
  groups.add(pid);
  tellReaper(`+${pid}`);
  if (closing) killGroupNow(pid);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    groups.delete(pid);
    tellReaper(`-${pid}`);
  };
}

// ---------------------------------------------------------------------------------------------
// The reaper

let reaper: { child: ChildProcess; stdin: Socket } | undefined;
/** Where dist/reaper.js is: beside the running bundle (dist/extension.js, server.js, cli.js). */
let reaperScript: string | null | undefined;
let reaperFailures = 0;

function findReaperScript(): string | null {
  if (reaperScript === undefined) {
    const candidate = path.join(__dirname, 'reaper.js');
    reaperScript = fs.existsSync(candidate) ? candidate : null;
  }
  return reaperScript;
}

function startReaper(): typeof reaper {
  const script = findReaperScript();
  // Without the script (code bundled elsewhere, e.g. the unit tests' bundles) the in-process
  // handlers still run; after repeated failures, stop trying.
  if (!script || reaperFailures >= 3) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  // Nothing from the owner's NODE_OPTIONS (an inspector port, a preloaded module) is wanted here.
  delete env.NODE_OPTIONS;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [script], {
      // Its stdin is the pipe; it writes nothing.
      stdio: ['pipe', 'ignore', 'ignore'],
      env,
      // In a session of its own, so that a signal to the owner's process group (kill -9 -PGID,
      // a terminal's hang-up) does not take the reaper with it. It still ends at end-of-file.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
  } catch {
    reaperFailures++;
    return undefined;
  }
  const stdin = child.stdin as Socket | null;
  if (!child.pid || !stdin) {
    reaperFailures++;
    child.kill();
    return undefined;
  }
  const started = { child, stdin };
  const forget = (): void => {
    if (reaper === started) reaper = undefined;
  };
  child.on('error', () => {
    reaperFailures++;
    forget();
  });
  child.on('exit', forget);
  stdin.on('error', forget);
  // Neither the reaper nor its pipe keeps this process alive.
  child.unref();
  stdin.unref();
  return started;
}

function tellReaper(line: string): void {
  if (!reaper) {
    if (line.startsWith('-')) return;
    reaper = startReaper();
    if (!reaper) return;
    // A reaper started again after the first one died learns every live group.
    for (const pid of groups) reaper.stdin.write(`+${pid}\n`);
    return;
  }
  reaper.stdin.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// The owner's exit paths

export interface ExitCleanupOptions {
  /** Kill the groups on SIGINT, SIGTERM and SIGHUP, then die of the signal (default true). */
  signals?: boolean;
  /** The stream the owner is driven by (a language server's stdin): its end means the client is gone. */
  stdin?: NodeJS.ReadableStream;
  /** When the IPC channel to the parent closes, the owner is gone (default true; only with a channel). */
  ipc?: boolean;
  /** Poll the parent process this often; when it has exited, the owner is gone (default 1000; 0: off). */
  parentPollMs?: number;
  /** After the owner is gone and the groups are killed, exit after this long if still running (default 1000). */
  exitGraceMs?: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let cleanupInstalled = false;

/** The parent's pid as the kernel sees it now (Node's process.ppid is read once at start). */
function currentParent(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * For a process that owns its runs (the CLI, the language server): kill the tracked groups
 * on every way it can end, not only on 'exit'. Install once, early in the entry point. The
 * extension host does not call this (VS Code owns its signals); it gets the 'exit' hook and
 * the reaper through trackProcessGroup, and kills its runs on deactivate.
 */
export function killProcessGroupsOnExit(opts: ExitCleanupOptions = {}): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  installExitHook();

  if (opts.signals !== false) {
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of SIGNALS) {
      const handler = (): void => {
        closing = true;
        killAllProcessGroups();
        for (const [s, h] of handlers) process.removeListener(s, h);
        // Die of the signal, as without this handler, unless someone else handles it too.
        if (process.listenerCount(sig) === 0) {
          try {
            process.kill(process.pid, sig);
          } catch {
            /* fall through */
          }
          process.exit(128 + (osConstants.signals[sig] ?? 15));
        }
      };
      handlers.set(sig, handler);
      // Windows has no SIGTERM to catch.
      if (process.platform !== 'win32' || sig !== 'SIGTERM') process.on(sig, handler);
    }
  }

  const grace = opts.exitGraceMs ?? 1000;
  const ownerGone = (): void => {
    if (closing) return;
    closing = true;
    killAllProcessGroups();
    // The owner's own code (vscode-languageserver on stdin end) usually exits first, with its
    // own exit code; if nothing does, exit anyway. Unref'd: an idle process just ends.
    setTimeout(() => process.exit(process.exitCode ?? 1), grace).unref();
  };

  if (opts.stdin) {
    opts.stdin.on('end', ownerGone);
    opts.stdin.on('close', ownerGone);
  }
  if (opts.ipc !== false && process.channel) process.on('disconnect', ownerGone);

  const pollMs = opts.parentPollMs ?? 1000;
  const parent = currentParent() ?? process.ppid;
  // A parent of 1 (or 0) means started by init, a container's entry point or already orphaned.
  if (pollMs > 0 && parent > 1) {
    setInterval(() => {
      const now = currentParent();
      if (now !== undefined ? now !== parent : !isAlive(parent)) ownerGone();
    }, pollMs).unref();
  }
}
