// Runs the flame graph page tests (test/webview/*.test.ts) in plain Node with mocha: builds
// the bundles, bundles the tests and the panel with its test hooks (pageHooks.ts, what the tests
// load into headless Chromium) into test-output/webview-tests/ and runs them.
// Usage: node test/webview/run.mjs [--grep PATTERN] [--no-build]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const outdir = join(root, 'test-output', 'webview-tests');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const entries = readdirSync(join(root, 'test', 'webview')).filter((f) => f.endsWith('.test.ts')).map((f) => join('test', 'webview', f));
await esbuild.build({
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  absWorkingDir: root,
  external: ['mocha', 'playwright-core', 'esbuild'],
  loader: { '.proto': 'text' },
  logLevel: 'warning',
});
// The panel with its test hooks (window.flameDebug), loaded by helpers.ts instead of dist/webview.js.
// The GC trace and heap watch panels with their hooks (window.gcDebug, window.watchDebug),
// loaded instead of dist/gcWebview.js and dist/watchWebview.js.
for (const [entry, out] of [['pageHooks.ts', 'webview-hooks.js'], ['gcPageHooks.ts', 'gc-webview-hooks.js'], ['watchPageHooks.ts', 'watch-webview-hooks.js']]) {
  await esbuild.build({
    entryPoints: [join('test', 'webview', entry)],
    outfile: join(outdir, out),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: 'inline',
    absWorkingDir: root,
    logLevel: 'warning',
  });
}
const grep = args.indexOf('--grep');
const mochaArgs = [join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '--timeout', '180000', '--reporter', 'spec', ...(grep >= 0 ? ['--grep', args[grep + 1]] : []), join(outdir, '*.test.js')];
const r = spawnSync(process.execPath, mochaArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, GMI_ROOT: root } });
process.exit(r.status ?? 1);
