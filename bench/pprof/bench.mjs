// pprof benchmark: decode + call tree of a large heap profile written by the Go runtime,
// timed in-process (best of N), side by side with `go tool pprof -top` on the same file.
// Usage: node bench/pprof/bench.mjs [--runs N] [--regen] [--protobufjs] [--fanout 8 --levels 6 --sizes 4]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outDir = join(root, 'bench', 'out');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', '5'));
const fanout = opt('fanout', '8');
const levels = opt('levels', '6');
const sizes = opt('sizes', '4');
const profile = join(outDir, `heap-f${fanout}-l${levels}-s${sizes}.pprof`);
const go = process.env.GOROOT ? join(process.env.GOROOT, 'bin', 'go') : existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
const env = { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off' };

mkdirSync(outDir, { recursive: true });
if (!existsSync(profile) || args.includes('--regen')) {
  console.log(`generating ${profile} (the Go runtime records every allocation; this takes a while)...`);
  const r = spawnSync(go, ['run', '.', '-o', profile, '-fanout', fanout, '-levels', levels, '-sizes', sizes], { cwd: join(here, 'gen'), env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// pprof-entry.js times the pipeline; pprof-digest.js (digest.ts) prints digests of its output.
const entry = join(outDir, 'pprof-entry.js');
await esbuild.build({
  entryPoints: { 'pprof-entry': join(here, 'entry.ts'), 'pprof-digest': join(here, 'digest.ts') },
  outdir: outDir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  loader: { '.proto': 'text' },
  logLevel: 'warning',
});

const ours = spawnSync(process.execPath, [entry, profile, String(runs), ...(args.includes('--protobufjs') ? ['--protobufjs'] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (ours.status !== 0) {
  process.stderr.write(ours.stderr);
  process.exit(1);
}
const m = JSON.parse(ours.stdout);

// go tool pprof -top: whole process wall time (it reads, decodes and aggregates the same file).
const pprofArgs = ['tool', 'pprof', '-top', '-nodecount=1000000', '-nodefraction=0', '-edgefraction=0', profile];
spawnSync(go, pprofArgs, { env, encoding: 'utf8', maxBuffer: 1 << 28 }); // warm the go tool cache
let pprofBest = Infinity;
let pprofCpu = Infinity;
for (let i = 0; i < Math.min(runs, 3); i++) {
  // bash's `times` prints the CPU time of its children (go and the pprof tool it runs).
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null || exit 1; times', 'bash', go, ...pprofArgs], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(1);
  }
  const child = r.stdout.trim().split('\n').pop().match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (child) pprofCpu = Math.min(pprofCpu, (Number(child[1]) * 60 + Number(child[2]) + Number(child[3]) * 60 + Number(child[4])) * 1000);
  pprofBest = Math.min(pprofBest, ms);
}

const f = (x) => `${x.toFixed(1)} ms`;
console.log(`profile: ${profile} (${statSync(profile).size} bytes gzip)`);
console.log(`  ${m.samples} samples, ${m.stacks} distinct stacks, ${m.frames} frames in stacks, ${m.nodes} tree nodes`);
console.log(`ours (best of ${runs}, in-process):`);
console.log(`  gunzip                ${f(m.gunzipMs)} (gunzipSync with default options: ${f(m.gunzipDefaultMs)})`);
console.log(`  decode (incl. gunzip) ${f(m.decodeMs)}`);
console.log(`  toProfileData         ${f(m.toProfileDataMs)}`);
console.log(`  buildTree             ${f(m.buildTreeMs)}`);
console.log(`  decode + tree         ${f(m.totalMs)} wall, ${f(m.totalCpuMs)} CPU`);
console.log(`  decode + tree, first run in a fresh process (JIT cold): ${f(m.coldMs)}`);
if (m.protobufjsMs !== undefined) console.log(`  (protobufjs alone, samples included, no model: ${f(m.protobufjsMs)})`);
console.log(`go tool pprof -top (best of ${Math.min(runs, 3)}, whole process): ${f(pprofBest)} wall, ${f(pprofCpu)} CPU`);
console.log(`ratio: ours is ${(pprofBest / m.totalMs).toFixed(1)}x faster (wall), ${(pprofCpu / m.totalCpuMs).toFixed(1)}x (CPU time)`);
