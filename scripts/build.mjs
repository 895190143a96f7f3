// Builds every bundle with esbuild. Usage: node scripts/build.mjs [--production] [--watch] [--tests]
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, statSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const tests = args.has('--tests');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
  define: { __GMI_VERSION__: JSON.stringify(pkg.version) },
  // Schemas such as src/pprof/profile.proto are bundled as text and parsed at run time.
  loader: { '.proto': 'text' },
};

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  { ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  { ...common, entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  // Started beside any of the three above: kills their go process groups once they are gone.
  { ...common, entryPoints: ['src/goenv/reaper.ts'], outfile: 'dist/reaper.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The profile decoder, run by the extension in a worker thread with a capped heap.
  { ...common, entryPoints: ['src/extension/decode/worker.ts'], outfile: 'dist/decodeWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The "Open GC Trace…" panel: the GC tab alone.
  { ...common, entryPoints: ['src/webview/gcMain.ts'], outfile: 'dist/gcWebview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The "Watch Heap of Service…" panel.
  { ...common, entryPoints: ['src/webview/watchMain.ts'], outfile: 'dist/watchWebview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

function walk(dir, pred, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, pred, out);
    else if (pred(p)) out.push(p);
  }
  return out;
}

if (tests) {
  rmSync(join(root, 'out'), { recursive: true, force: true });
  mkdirSync(join(root, 'out'), { recursive: true });
  const unit = walk(join(root, 'test', 'unit'), (p) => p.endsWith('.test.ts')).map((p) => relative(root, p));
  if (unit.length > 0) {
    targets.push({ ...common, sourcemap: 'inline', entryPoints: unit, outdir: 'out/test/unit', outbase: 'test/unit', platform: 'node', format: 'cjs', target: 'node20', external: ['mocha'] });
  }
  const integration = walk(join(root, 'test', 'integration'), (p) => p.endsWith('.ts')).map((p) => relative(root, p));
  if (integration.length > 0) {
    targets.push({ ...common, sourcemap: 'inline', entryPoints: integration, outdir: 'out/test/integration', outbase: 'test/integration', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'] });
  }
}

if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
