// The reaper (dist/reaper.js): started by src/goenv/processGroups.ts beside a process that
// runs go commands, it kills their process groups once that process is gone, however it went
// (SIGKILL included, which no handler in the process itself can see).
//
// Its stdin is a pipe from the owner, one line per change: `+PID` when a group led by PID
// starts, `-PID` when it is over. End-of-file on that pipe means the owner has exited: every
// group still listed is killed and the reaper exits. Plain Node, nothing else; it writes
// nothing.
import { killGroupNow } from './processGroups';

const groups = new Set<number>();
let pending = '';
let reaped = false;

function reap(): void {
  if (reaped) return;
  reaped = true;
  for (const pid of groups) killGroupNow(pid);
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  pending += text;
  let nl: number;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line.startsWith('+')) groups.add(pid);
    else if (line.startsWith('-')) groups.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);

// Only the end of the pipe ends the reaper: a signal meant for the owner (Ctrl-C, a hang-up,
// a SIGTERM sent to every process of a tree) must not take it away before the owner is gone.
for (const sig of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(sig, () => undefined);
