// Hostile pprof profiles (test/hostile/cases.ts) through the built CLI, one child process each:
// prints wall time, peak RSS, exit status and the first line of output or error per case.
// Targets: each ends within 10 s with output or a one-line error, under 1 GiB of RSS.
// It prints figures; it is not a test (test/unit/pprofHostile.test.ts asserts).
// Usage: node bench/hostile/run.mjs [--cli dist/cli.js] [--keep] [CASE...]   (build first: npm run build)
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const cliAt = args.indexOf('--cli');
const cli = resolve(cliAt >= 0 ? args[cliAt + 1] : join(root, 'dist', 'cli.js'));
const keep = args.includes('--keep');
const only = args.filter((a, i) => !a.startsWith('--') && (cliAt < 0 || i !== cliAt + 1));
if (!existsSync(cli)) {
  console.error(`${cli} not found: run "npm run build" first`);
  process.exit(1);
}

const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, 'hostile-cases.js');
await esbuild.build({ entryPoints: [join(root, 'test', 'hostile', 'cases.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', loader: { '.proto': 'text' } });
const { CASES } = createRequire(import.meta.url)(bundle);

/** Peak RSS (VmHWM) of a process in bytes, read from /proc while it runs. */
function vmHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the CLI on a file: wall time, peak RSS, exit status, first line of stdout and stderr. */
function run(file, timeoutMs = 60_000) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'pprof', 'top', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peak = 0;
    child.stdout.on('data', (d) => {
      if (out.length < 4096) out += d;
    });
    child.stderr.on('data', (d) => {
      if (err.length < 4096) err += d;
    });
    const poll = setInterval(() => (peak = Math.max(peak, vmHwm(child.pid))), 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      peak = Math.max(peak, vmHwm(child.pid));
      clearInterval(poll);
      clearTimeout(timer);
      child.on('close', () => done({ ms: performance.now() - t0, peak, code, signal, out, err }));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gmi-hostile-'));
const mb = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(`CLI: ${cli}`);
console.log(`${'case'.padEnd(18)} ${'file'.padStart(10)} ${'wall'.padStart(9)} ${'max RSS'.padStart(9)}  exit  first line`);
try {
  for (const c of CASES) {
    if (only.length > 0 && !only.includes(c.name)) continue;
    const bytes = c.bytes();
    const file = join(dir, `${c.name}.pb.gz`);
    writeFileSync(file, bytes);
    const r = await run(file);
    const first = (r.code === 0 ? r.out : r.err || r.out).split('\n')[0].slice(0, 160);
    const status = r.signal ?? String(r.code);
    const kb = bytes.length >= 1 << 20 ? `${(bytes.length / 2 ** 20).toFixed(1)} MiB` : `${(bytes.length / 1024).toFixed(1)} KiB`;
    console.log(`${c.name.padEnd(18)} ${kb.padStart(10)} ${`${(r.ms / 1000).toFixed(2)} s`.padStart(9)} ${mb(r.peak).padStart(9)}  ${status.padStart(4)}  ${first}`);
  }
} finally {
  if (keep) console.log(`files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
