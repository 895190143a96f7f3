// `go-memory-insight gctrace`: reads a GODEBUG=gctrace=1 log (a file or standard input), sums
// the collector's work up, and predicts what other GOGC / GOMEMLIMIT settings would have done.
import { readFile, stat } from 'node:fs/promises';
import { mainRun, parseGcTrace, summarize, type GcCycle } from '../gc/gctrace';
import { whatIf, type GcSettings } from '../gc/whatIf';
import { adviseContainer, readCgroupLimit } from '../gc/cgroup';
import { CliError, readStdin, scanArgs, type CliCommand, type CliIO } from './command';
import { ChunkedOutput, JsonArrayStream, writeJsonObject } from './output';

const USAGE = `Usage: go-memory-insight gctrace FILE|- [--json] [--what-if GOGC=N[,GOMEMLIMIT=SIZE]]
                             [--recorded GOGC=N[,GOMEMLIMIT=SIZE]] [--container-limit SIZE|auto]

Reads the runtime's GC trace, written to standard error by a Go program run with
GODEBUG=gctrace=1 (other output in the file is skipped), and sums it up: cycles, GC CPU share,
pauses, heap goal, live heap and allocation rate. "-" reads standard input. When the input
holds the traces of several processes, the one with the most cycles is used.

  --json       print {"cycles": [...], "summary": {...}, "whatIf": {...}}; sizes in MB
               (2^20 bytes, as the runtime prints them), pauses in ms
  --what-if    replay the recorded live heap and allocation through the GC pacer at other
               settings and predict the cycles, the peak heap goal and the GC CPU share,
               e.g. --what-if GOGC=200 or --what-if GOGC=off,GOMEMLIMIT=512MiB
  --recorded   the settings the trace was recorded with (default: GOGC inferred from the
               goals, no memory limit)
  --container-limit
               the memory limit of the container the program runs in ("auto": the cgroup
               memory.max or memory.limit_in_bytes of this process): suggests a GOMEMLIMIT and
               warns when the recorded heap goal plus non-heap memory comes near the limit
               (JSON: "container": {"limitMB", "suggestedGoMemLimitMB", "peakNeedMB",
               "warning", "reasoning"})

SIZE is a number of bytes with an optional B, KiB, MiB, GiB or TiB suffix, as GOMEMLIMIT takes.
`;

/** Input beyond this is refused: a trace line is about 160 bytes, so this is millions of cycles. */
const MAX_INPUT_BYTES = 512 << 20;

/** A GOMEMLIMIT value ("512MiB", "1GiB", "1073741824") in MB (2^20 bytes); undefined for "off". */
export function parseMemoryLimit(text: string): number | undefined {
  if (text === 'off') return undefined;
  const m = /^(\d+(?:\.\d+)?)(B|KiB|MiB|GiB|TiB)?$/.exec(text.trim());
  if (!m) throw new CliError(`GOMEMLIMIT: expected a size such as 512MiB or 2GiB, got "${text}"`, 2);
  const bytes = Number(m[1]) * 1024 ** ['B', 'KiB', 'MiB', 'GiB', 'TiB'].indexOf(m[2] ?? 'B');
  if (!(bytes > 0)) throw new CliError(`GOMEMLIMIT: must be more than 0, got "${text}"`, 2);
  return bytes / 2 ** 20;
}

/** "GOGC=N[,GOMEMLIMIT=SIZE]" (either, in any order) as settings. */
export function parseSettings(flag: string, text: string): GcSettings {
  const s: GcSettings = {};
  let gogcGiven = false;
  for (const part of text.split(',')) {
    const [key, value, ...extra] = part.split('=');
    if (value === undefined || extra.length > 0) throw new CliError(`${flag}: expected GOGC=N and/or GOMEMLIMIT=SIZE, got "${part}"`, 2);
    if (key === 'GOGC') {
      gogcGiven = true;
      if (value === 'off') s.gogc = -1;
      else if (/^\d+$/.test(value)) s.gogc = Number(value);
      else throw new CliError(`${flag}: GOGC must be a whole number or off, got "${value}"`, 2);
    } else if (key === 'GOMEMLIMIT') {
      const mb = parseMemoryLimit(value);
      if (mb !== undefined) s.memoryLimitMB = mb;
    } else {
      throw new CliError(`${flag}: unknown setting "${key}" (GOGC or GOMEMLIMIT)`, 2);
    }
  }
  if (!gogcGiven) s.gogc = 100;
  return s;
}

async function readInput(file: string, io: CliIO): Promise<string> {
  try {
    if (file === '-') return (await readStdin(io, MAX_INPUT_BYTES, () => new CliError(`standard input: more than ${MAX_INPUT_BYTES >> 20} MiB`))).toString('utf8');
    const path = file.startsWith('/') ? file : `${io.cwd}/${file}`;
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`cannot read ${file}: is a directory`);
    if (st.size > MAX_INPUT_BYTES) throw new CliError(`${file}: more than ${MAX_INPUT_BYTES >> 20} MiB`);
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}

/** A cycle in the JSON shape of --json. */
function cycleJson(c: GcCycle): Record<string, unknown> {
  return {
    n: c.n,
    atSeconds: c.atSeconds,
    cpuPercent: c.cpuPercent,
    pauseMs: c.pauseMs,
    heapStartMB: c.heapStartMB,
    heapEndMB: c.heapEndMB,
    liveMB: c.liveMB,
    goalMB: c.goalMB,
    stacksMB: c.stacksMB ?? null,
    globalsMB: c.globalsMB ?? null,
    procs: c.procs,
    forced: c.forced,
  };
}

function fmtMB(mb: number): string {
  return mb >= 10240 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb * 10) / 10} MB`;
}

function fmtSettings(s: { gogc: number | 'off'; memoryLimitMB: number | null }): string {
  return `GOGC=${s.gogc}${s.memoryLimitMB !== null ? `, GOMEMLIMIT=${fmtMB(s.memoryLimitMB)}` : ''}`;
}

async function run(args: string[], io: CliIO): Promise<number> {
  let json = false;
  let target: GcSettings | undefined;
  let recorded: GcSettings | undefined;
  let containerLimit: string | undefined;
  const files = scanArgs(args, (flag, value) => {
    switch (flag) {
      case '--json':
        json = true;
        return true;
      case '--what-if':
        target = parseSettings(flag, value());
        return true;
      case '--recorded':
        recorded = parseSettings(flag, value());
        return true;
      case '--container-limit':
        containerLimit = value();
        return true;
      default:
        return false;
    }
  });
  if (files.length !== 1) throw new CliError(files.length === 0 ? 'missing trace file' : `expected one trace file, got ${files.length}`, 2);
  const file = files[0]!;
  const trace = parseGcTrace(await readInput(file, io));
  const runRead = mainRun(trace);
  if (!runRead) throw new CliError(`${file}: no GC trace lines ("gc N @…"); run the program with GODEBUG=gctrace=1 and keep its standard error`);
  const cycles = runRead.cycles;
  if (trace.runs.length > 1) io.stderr(`warning: ${file}: the traces of ${trace.runs.length} processes; using the one with the most cycles (${cycles.length})\n`);
  if (trace.malformedLines.length > 0) io.stderr(`warning: ${file}: ${trace.malformedLines.length} cut trace line(s) skipped, first at line ${trace.malformedLines[0]}\n`);
  if (cycles[0]!.n !== 1) io.stderr(`warning: ${file}: the trace starts at cycle ${cycles[0]!.n}, not at the program's start\n`);
  const summary = summarize(cycles);
  const w = target ? whatIf(cycles, target, recorded ? { recorded } : {}) : undefined;
  const whatIfJson = w ? { gogc: w.gogc, memoryLimitMB: w.memoryLimitMB, cycles: w.cycles, peakGoalMB: w.peakGoalMB, gcCpuPercent: w.gcCpuPercent } : undefined;
  let limitMB: number | undefined;
  if (containerLimit === 'auto') {
    const found = await readCgroupLimit();
    if (!found) throw new CliError('--container-limit auto: this process has no cgroup memory limit; give the limit, e.g. --container-limit 512MiB');
    limitMB = found.limitBytes / 2 ** 20;
  } else if (containerLimit !== undefined) {
    limitMB = parseMemoryLimit(containerLimit.replace(/^GOMEMLIMIT=/, ''));
    if (limitMB === undefined) throw new CliError('--container-limit: expected a size such as 512MiB, or auto', 2);
  }
  const advice = limitMB !== undefined ? adviseContainer(cycles, limitMB) : undefined;
  if (json) {
    await writeJsonObject(new ChunkedOutput(io), [
      ['cycles', new JsonArrayStream(cycles.map(cycleJson))],
      ['summary', summary],
      ['whatIf', whatIfJson],
      ['container', advice && { limitMB: Math.round(advice.limitMB * 10) / 10, suggestedGoMemLimitMB: advice.suggestedGoMemLimitMB, peakNeedMB: advice.peakNeedMB, warning: advice.warning ?? null, reasoning: advice.reasoning }],
    ]);
    return 0;
  }
  const last = cycles[cycles.length - 1]!;
  const lines = [
    `${summary.cycles} GC cycles${summary.forcedCycles ? ` (${summary.forcedCycles} forced)` : ''} in ${summary.seconds} s, GOMAXPROCS ${last.procs}`,
    `GC CPU      ${summary.gcCpuPercent}% of the program's CPU`,
    `pauses      ${summary.totalPauseMs} ms in all, longest ${summary.maxPauseMs} ms`,
    `live heap   median ${fmtMB(summary.liveP50MB)}, largest ${fmtMB(summary.liveMaxMB)}`,
    `heap goal   peak ${fmtMB(summary.peakGoalMB)}`,
    `allocated   ${fmtMB(summary.allocatedMB)}${summary.allocRateMBps !== undefined ? ` (${fmtMB(summary.allocRateMBps)}/s)` : ''}`,
  ];
  if (w) {
    const pct = (a: number, b: number): string => (b > 0 ? `${a >= b ? '+' : ''}${Math.round((a / b - 1) * 100)}%` : '');
    lines.push(
      '',
      `What if ${fmtSettings(w)} (recorded: GOGC=${w.recordedGogc}${recorded?.memoryLimitMB !== undefined ? `, GOMEMLIMIT=${fmtMB(recorded.memoryLimitMB)}` : ''}${recorded ? '' : ', inferred'}):`,
      `  cycles      ${w.cycles} (recorded ${summary.cycles}, ${pct(w.cycles, summary.cycles)})`,
      `  peak goal   ${fmtMB(w.peakGoalMB)} (recorded ${fmtMB(summary.peakGoalMB)})`,
      `  GC CPU      ${w.gcCpuPercent}% (recorded ${summary.gcCpuPercent}%)`,
    );
  }
  if (advice) {
    lines.push('', `Container limit ${fmtMB(advice.limitMB)}: suggested GOMEMLIMIT=${advice.suggestedGoMemLimitMB}MiB`);
    if (advice.warning) lines.push(`  warning: ${advice.warning}`);
    for (const r of advice.reasoning) lines.push(`  - ${r}`);
  }
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

export const gctraceCommand: CliCommand = {
  name: 'gctrace',
  summary: 'sum up a GODEBUG=gctrace=1 log; predict other GOGC / GOMEMLIMIT settings',
  usage: USAGE,
  run,
};
