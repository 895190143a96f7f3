// In-process timing of the pprof pipeline, bundled by bench.mjs with esbuild:
// node bench/out/pprof-entry.js FILE RUNS → one JSON line with the best time of each phase.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeProfile, inflate, profileSchema, toProfileData } from '../../src/pprof/decode';
import { buildTree } from '../../src/pprof/tree';

/** CPU time (user + system) of the best run, which a busy machine disturbs less than wall time. */
const cpuTimes: Record<string, number> = {};

function best(runs: number, f: () => void, name?: string): number {
  let min = Infinity;
  let minCpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
    const c = process.cpuUsage(c0);
    minCpu = Math.min(minCpu, (c.user + c.system) / 1000);
  }
  if (name) cpuTimes[name] = minCpu;
  return min;
}

function main(): void {
  const [file, runsArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: pprof-entry FILE [RUNS]');
  const runs = Number(runsArg ?? 5);
  const bytes = readFileSync(file);
  // The first run in this fresh process, before the JIT has seen the code: what opening a
  // profile in a newly started extension host costs.
  const cold0 = performance.now();
  const p = decodeProfile(bytes);
  const data = toProfileData(p, file);
  const tree = buildTree(data, { sampleIndex: data.defaultSampleIndex });
  const coldMs = performance.now() - cold0;
  const result = {
    coldMs,
    samples: p.sampleCount,
    stacks: data.stackStart.length - 1,
    frames: data.stackFrames.length,
    nodes: tree.nodeCount,
    // As decodeProfile inflates (one output chunk), and with zlib's defaults (chunks joined at the end).
    gunzipMs: best(runs, () => inflate(bytes)),
    gunzipDefaultMs: best(runs, () => gunzipSync(bytes)),
    decodeMs: best(runs, () => decodeProfile(bytes)),
    toProfileDataMs: best(runs, () => toProfileData(p, file)),
    buildTreeMs: best(runs, () => buildTree(data, { sampleIndex: data.defaultSampleIndex })),
    totalMs: best(
      runs,
      () => {
        const d = toProfileData(decodeProfile(bytes), file);
        buildTree(d, { sampleIndex: d.defaultSampleIndex });
      },
      'total',
    ),
    // For comparison (--protobufjs): decoding everything, samples included, with protobufjs alone.
    protobufjsMs: process.argv.includes('--protobufjs') ? best(1, () => profileSchema().profile.decode(gunzipSync(bytes))) : undefined,
  };
  process.stdout.write(JSON.stringify({ ...result, totalCpuMs: cpuTimes.total }) + '\n');
}

main();
