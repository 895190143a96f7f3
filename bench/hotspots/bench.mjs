// Allocation hot spots benchmark: `go-memory-insight hotspots` against
// `go tool pprof -top -lines -hide='^runtime\.'` on the same heap profile written by the Go
// runtime, whole process against whole process, paired and alternating which goes first.
// Our run also joins each line with the compiler's findings (the module's packages analysed,
// the go command's cache warm after the first run, and once cold, with an empty GOCACHE); a run with --dir at a
// folder with no module gives figures against figures. The figures of both are compared.
// Usage: node bench/hotspots/bench.mjs [--runs N] [--profile FILE --dir MODULE_DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', '5'));
const profile = opt('profile', join(root, 'bench', 'out', 'heap-f8-l6-s4.pprof'));
const moduleDir = opt('dir', join(root, 'bench', 'pprof', 'gen'));
const cli = join(root, 'dist', 'cli.js');
const go = process.env.GOROOT ? join(process.env.GOROOT, 'bin', 'go') : existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
const env = { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off' };

if (!existsSync(cli)) throw new Error('build first: node scripts/build.mjs');
if (!existsSync(profile)) {
  const r = spawnSync(process.execPath, [join(root, 'bench', 'pprof', 'bench.mjs'), '--runs', '1'], { stdio: 'inherit', env });
  if (r.status !== 0 || !existsSync(profile)) throw new Error(`could not generate ${profile}`);
}

function timed(cmd, argv, cwd, runEnv = env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, env: runEnv, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const noModule = mkdtempSync(join(tmpdir(), 'gmi-hotspots-bench-'));
const ours = (reasons) => timed(process.execPath, [cli, 'hotspots', profile, '--json', '--all', '--dir', reasons ? moduleDir : noModule], moduleDir);
const pprof = () => timed(go, ['tool', 'pprof', '-top', '-lines', '-hide=^runtime\\.', '-unit=B', '-nodecount=1000000', '-nodefraction=0', '-edgefraction=0', '-sample_index=alloc_space', profile], moduleDir);

// Cold: the first run on a machine whose go build cache is empty (a fresh GOCACHE), so the
// module and its dependencies are compiled for the reasons. Reported beside the warm runs.
const coldCache = mkdtempSync(join(tmpdir(), 'gmi-hotspots-gocache-'));
const cold = timed(process.execPath, [cli, 'hotspots', profile, '--json', '--all', '--dir', moduleDir], moduleDir, { ...env, GOCACHE: coldCache });
rmSync(coldCache, { recursive: true, force: true });

// Figures first: every line of ours against pprof's (this run also warms the build cache).
const report = JSON.parse(ours(true).stdout);
const theirs = new Map();
for (const line of pprof().stdout.split('\n')) {
  const m = /^\s*(\d+)B\s+\S+\s+\S+\s+\S+\s+\S+\s+(.+?)(?: \((?:partial-)?inline\))?$/.exec(line);
  if (m && m[1] !== '0') theirs.set(m[2], Number(m[1]));
}
let equal = theirs.size === report.rows.length;
for (const r of report.rows) if (theirs.get(`${r.function} ${r.file}:${r.line}`) !== r.flat) equal = false;
console.log(`profile ${profile}: ${report.rows.length} allocating lines, ${report.rows.filter((r) => r.findings.length > 0).length} with compiler findings; figures equal to go tool pprof's: ${equal ? 'yes' : 'NO'}`);

const cases = { 'hotspots (figures + reasons)': [], 'hotspots, no module (figures only)': [], 'go tool pprof -top -lines -hide': [] };
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? ['ours', 'plain', 'pprof'] : ['pprof', 'plain', 'ours'];
  for (const which of order) {
    if (which === 'ours') cases['hotspots (figures + reasons)'].push(ours(true).ms);
    else if (which === 'plain') cases['hotspots, no module (figures only)'].push(ours(false).ms);
    else cases['go tool pprof -top -lines -hide'].push(pprof().ms);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`cold (empty go build cache, one run): hotspots (figures + reasons) ${(cold.ms / 1000).toFixed(2)} s`);
console.log(`${runs} paired runs, whole process each, go build cache warm (Node ${process.version}):`);
for (const [name, xs] of Object.entries(cases)) console.log(`  ${name.padEnd(36)} median ${(median(xs) / 1000).toFixed(2)} s (${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)})`);
