// Escape-analysis benchmark: parser throughput on real -m=2 output, the parser's share of the
// build time, peak RSS while streaming 100 MB, and re-analysis of an unchanged package: the go
// command alone, then save → diagnostics published through the language server
// (bench/escape/reanalyse.mjs), each side by side with the gopls-style invocation.
// Prints figures; it is not a test. Usage: node bench/escape/bench.mjs [package]
import * as esbuild from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'bench', 'out');
fs.mkdirSync(out, { recursive: true });
const pkg = process.argv[2] ?? 'net/http';
const go = process.env.GO ?? 'go';
const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' };

await esbuild.build({ entryPoints: [path.join(root, 'bench/escape/parseEntry.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: path.join(out, 'escape-parse.cjs'), logLevel: 'warning' });

function time(args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(go, args, { env, maxBuffer: 1 << 30, cwd: opts.cwd ?? root, encoding: 'buffer' });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, r };
}

// 1. Real output: every package net/http needs, rebuilt (-a) with -m=2.
const outputFile = path.join(out, 'escape-nethttp.txt');
const build = time(['build', '-a', '-gcflags=all=-m=2', '-o', os.devNull, pkg]);
fs.writeFileSync(outputFile, Buffer.concat([build.r.stdout, build.r.stderr]));
const size = fs.statSync(outputFile).size;
const parse = (repeat) => JSON.parse(execFileSync(process.execPath, [path.join(out, 'escape-parse.cjs'), outputFile, String(repeat)], { encoding: 'utf8' }));
parse(1); // warm the file cache
const once = parse(1);
console.log(`go build -a -gcflags=all=-m=2 ${pkg}: ${(build.ms / 1000).toFixed(2)} s, ${(size / 1e6).toFixed(1)} MB, ${once.lines} lines`);
console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
console.log(`parser: ${once.ms.toFixed(0)} ms = ${once.mbPerSec.toFixed(0)} MB/s (CPU time ${once.cpuMs.toFixed(0)} ms = ${once.mbPerCpuSec.toFixed(0)} MB/s), ${once.findings} findings, ${once.steps} explanation steps; ${(100 * once.ms / build.ms).toFixed(2)}% of the build time`);

// 2. 100 MB streamed (the real output repeated), in a child process for a clean RSS figure.
const repeat = Math.ceil(100e6 / size);
const big = parse(repeat);
console.log(`parser on ${(big.bytes / 1e6).toFixed(0)} MB (x${repeat}) streamed: ${big.ms.toFixed(0)} ms = ${big.mbPerSec.toFixed(0)} MB/s (CPU ${big.mbPerCpuSec.toFixed(0)} MB/s), peak RSS ${big.peakRssMb.toFixed(0)} MB`);

// 3. Re-analysing an unchanged package: our two invocations (the package, then its test
// variants; cache warm) vs the gopls-style one.
const fields = '-json=ImportPath,Dir,Name,ForTest,TestGoFiles,XTestGoFiles,CgoFiles';
const own = ['list', '-export', '-gcflags=-m=2', fields, '--', pkg];
const tests = ['list', '-export', '-test', '-gcflags=-m=2', fields, '--', pkg];
time(own);
time(tests);
const warm = [1, 2, 3].map(() => time(own).ms + time(tests).ms);
const gopls = [1, 2].map(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-gopls-'));
  const t = time(['test', '-c', '-vet=off', `-gcflags=-json=0,${dir}`, '-o', os.devNull, pkg]).ms;
  fs.rmSync(dir, { recursive: true, force: true });
  return t;
});
console.log(`re-analysis of ${pkg}, unchanged: ours (go list -export -gcflags=-m=2, then with -test) ${warm.map((t) => t.toFixed(0)).join(' / ')} ms; gopls-style (go test -c -vet=off -gcflags=-json=0,<fresh dir>) ${gopls.map((t) => t.toFixed(0)).join(' / ')} ms`);

// 4. Save → diagnostics published, through the built language server.
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'ignore' });
execFileSync(process.execPath, [path.join(root, 'bench', 'escape', 'reanalyse.mjs'), '--runs', '5', pkg], { cwd: root, stdio: 'inherit', env });
