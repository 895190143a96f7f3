// Container memory limits (Linux cgroups) and what they mean for a Go program's GC: the limit a
// process runs under, a GOMEMLIMIT to go with it, and a warning when the recorded heap would not
// fit. Pure: no vscode; the file system is read below a root directory given by the caller
// ("/" for the real one), so the tests run it on directories shaped like /proc and /sys/fs/cgroup.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { GcCycle } from './gctrace';
import { summarize } from './gctrace';
import { inferGogc, nonHeapEstimateMB, whatIf, type WhatIfDetails } from './whatIf';

export interface CgroupLimit {
  version: 1 | 2;
  /** The tightest memory limit on the process's cgroup and its ancestors, in bytes. */
  limitBytes: number;
  /** The file the limit was read from (below the root given). */
  file: string;
  /** cgroup v2 memory.high (throttling, not a kill) when it is set below memory.max. */
  highBytes?: number;
}

/**
 * cgroup v1 writes "no limit" as the largest page-aligned counter (9223372036854771712 on
 * 4 KiB pages); anything from 2^62 up is taken as none.
 */
const NO_LIMIT = 2 ** 62;

interface Mount {
  /** The cgroup path the mount shows at its mount point. */
  root: string;
  mountPoint: string;
  version: 1 | 2;
}

/** Mounts of the memory controller (v1) and of the unified hierarchy (v2), from /proc/PID/mountinfo. */
export function cgroupMounts(mountinfo: string): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mountpoint options [optional fields] - fstype source superoptions
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const root = unescape(left[3] ?? '');
    const mountPoint = unescape(left[4] ?? '');
    if (fstype === 'cgroup2') out.push({ root, mountPoint, version: 2 });
    else if (fstype === 'cgroup' && superOptions.split(',').includes('memory')) out.push({ root, mountPoint, version: 1 });
  }
  return out;
}

async function readNumber(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (text === 'max') return Infinity;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? (n >= NO_LIMIT ? Infinity : n) : undefined;
}

/**
 * The memory limit of process `pid` ("self" for this one), read below `root`: the process's
 * cgroup from /proc/PID/cgroup, found where /proc/PID/mountinfo mounts its hierarchy, and the
 * smallest memory.max (v2) or memory.limit_in_bytes (v1) on the way up to the mount. Undefined
 * when no limit is set (or cgroups are not there: not Linux, or not mounted).
 */
export async function readCgroupLimit(pid: number | 'self' = 'self', root = '/'): Promise<CgroupLimit | undefined> {
  let cgroupText: string;
  let mountinfo: string;
  try {
    cgroupText = await readFile(path.join(root, 'proc', String(pid), 'cgroup'), 'utf8');
    mountinfo = await readFile(path.join(root, 'proc', String(pid), 'mountinfo'), 'utf8');
  } catch {
    return undefined;
  }
  const mounts = cgroupMounts(mountinfo);
  let best: CgroupLimit | undefined;
  for (const line of cgroupText.split('\n')) {
    // hierarchy-id:controllers:path; v2 is "0::path".
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const version = m[1] === '0' && m[2] === '' ? 2 : m[2]!.split(',').includes('memory') ? 1 : undefined;
    if (!version) continue;
    const cgPath = m[3]!;
    for (const mount of mounts.filter((x) => x.version === version)) {
      // Inside a container the mount often shows the container's own cgroup as its root.
      let rel = cgPath;
      if (mount.root !== '/' && (cgPath === mount.root || cgPath.startsWith(mount.root + '/'))) rel = cgPath.slice(mount.root.length);
      const top = path.join(root, mount.mountPoint);
      let dir = path.join(top, rel);
      const limitFile = version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
      for (;;) {
        const v = await readNumber(path.join(dir, limitFile));
        if (v !== undefined && v !== Infinity && (!best || v < best.limitBytes)) {
          best = { version, limitBytes: v, file: path.join(dir, limitFile) };
          if (version === 2) {
            const high = await readNumber(path.join(dir, 'memory.high'));
            if (high !== undefined && high < v) best.highBytes = high;
          }
        }
        if (dir === top || !dir.startsWith(top)) break;
        dir = path.dirname(dir);
      }
    }
  }
  return best;
}

export interface ContainerAdvice {
  limitMB: number;
  /** A GOMEMLIMIT for this container, in MB (2^20 bytes), and why. */
  suggestedGoMemLimitMB: number;
  reasoning: string[];
  /** Largest heap goal of the recorded run plus the non-heap memory the runtime needs (MB). */
  peakNeedMB: number;
  /** Set when the recorded run's peak need comes close to the limit (from 90% of it up). */
  warning?: string;
  /** The recorded run replayed with the suggested GOMEMLIMIT. */
  withSuggestion: WhatIfDetails;
}

/** Share of the container limit left to memory the Go runtime does not see (cgo, other processes, page cache). */
const NON_GO_SHARE = 0.1;

/** Advice for running the recorded program under a memory limit of `limitMB`. */
export function adviseContainer(cycles: readonly GcCycle[], limitMB: number): ContainerAdvice {
  const s = summarize(cycles);
  const nonHeapAtPeak = nonHeapEstimateMB(cycles, s.peakGoalMB / 0.95);
  const peakNeedMB = Math.round(s.peakGoalMB + nonHeapAtPeak);
  const suggested = Math.floor(limitMB * (1 - NON_GO_SHARE));
  const recordedGogc = inferGogc(cycles);
  const withSuggestion = whatIf(cycles, { gogc: recordedGogc === 'off' ? -1 : recordedGogc, memoryLimitMB: suggested });
  const reasoning = [
    `The container may use ${Math.round(limitMB)} MB before the kernel kills it (OOM); GOMEMLIMIT counts only the Go runtime's memory, not cgo allocations, other processes of the container or its page cache.`,
    `GOMEMLIMIT=${suggested}MiB leaves ${Math.round(limitMB - suggested)} MB (10%) for those: the GC then works harder as the heap nears the limit instead of letting the kernel kill the process.`,
    `The recorded run peaked at a ${Math.round(s.peakGoalMB)} MB heap goal plus about ${Math.round(nonHeapAtPeak)} MB of stacks and runtime structures: ${peakNeedMB} MB.`,
  ];
  if (withSuggestion.cycles > s.cycles) {
    reasoning.push(`With GOMEMLIMIT=${suggested}MiB (GOGC=${recordedGogc}) the recorded work would take about ${withSuggestion.cycles} GC cycles instead of ${s.cycles}, at ${withSuggestion.gcCpuPercent}% GC CPU.`);
  } else {
    reasoning.push(`The recorded run stays below that limit: GOMEMLIMIT=${suggested}MiB changes nothing until the heap grows.`);
  }
  const advice: ContainerAdvice = { limitMB, suggestedGoMemLimitMB: suggested, reasoning, peakNeedMB, withSuggestion };
  if (peakNeedMB >= 0.9 * limitMB) {
    advice.warning = `The heap goal plus non-heap memory reached ${peakNeedMB} MB, ${Math.round((peakNeedMB / limitMB) * 100)}% of the container's ${Math.round(limitMB)} MB limit: set GOMEMLIMIT=${suggested}MiB, or the process risks an OOM kill.`;
  }
  return advice;
}
