// Entry for bench/escape/bench.mjs: parses a file of compiler output, streamed in 1 MiB chunks,
// and prints one JSON line with the figures. Built with esbuild by the bench script.
import * as fs from 'node:fs';
import { EscapeOutputParser } from '../../src/escape/parser';

const file = process.argv[2]!;
const repeat = Number(process.argv[3] ?? '1');
let findings = 0;
let steps = 0;
const started = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const parser = new EscapeOutputParser({ onFinding: (f) => { findings++; for (const b of f.explanation) steps += b.steps.length; } });
let bytes = 0;
let peakRss = process.memoryUsage().rss;
const buf = Buffer.alloc(1 << 20);
for (let r = 0; r < repeat; r++) {
  const fd = fs.openSync(file, 'r');
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n <= 0) break;
    bytes += n;
    parser.write(buf.subarray(0, n));
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  }
  fs.closeSync(fd);
}
parser.end();
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({ bytes, lines: parser.stats.lines, findings, steps, ms, cpuMs, mbPerSec: bytes / 1e6 / (ms / 1000), mbPerCpuSec: bytes / 1e6 / (cpuMs / 1000), peakRssMb: peakRss / 1e6 }) + '\n');
