// Flame graph page benchmark in headless Chromium: a synthetic heap profile with 100k distinct
// call-tree nodes, fed to the panel (src/webview, with test/webview/pageHooks.ts) the way the extension does (postMessage).
// Prints: first paint, per-frame draw times during a zoom animation, and the page's JS heap.
// Usage: node bench/flame/bench.mjs [--nodes 100000] [--runs 3]   (run `npm run build` first)
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const NODES = arg('--nodes', 100_000);

// The panel with the read-only hooks the benchmark reads (window.flameDebug); the shipped
// dist/webview.js has none.
const hooksJs = join(root, 'test-output', 'webview-tests', 'webview-hooks.js');
await esbuild.build({ entryPoints: [join(root, 'test', 'webview', 'pageHooks.ts')], outfile: hooksJs, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, absWorkingDir: root, logLevel: 'warning' });
const RUNS = arg('--runs', 3);

/** Deterministic PRNG (mulberry32) so every run draws the same tree. */
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ProfileData whose call tree has exactly `nodes` distinct nodes below the root. */
function syntheticProfile(nodes) {
  const rand = rng(42);
  const funcName = [];
  const funcFile = [];
  const funcStartLine = [];
  const pkgs = ['example.com/bench/api', 'example.com/bench/store', 'github.com/dep/codec', 'encoding/json', 'strings', 'runtime', 'bytes', 'fmt'];
  const FUNCS = 20_000;
  for (let i = 0; i < FUNCS; i++) {
    const pkg = pkgs[i % pkgs.length];
    funcName.push(`${pkg}.Func${i}`);
    funcFile.push(`/src/${pkg}/file${i % 97}.go`);
    funcStartLine.push(10 + (i % 500));
  }
  const parent = new Int32Array(nodes + 1);
  const func = new Int32Array(nodes + 1);
  const depth = new Int32Array(nodes + 1);
  const usedByParent = new Map();
  parent[0] = -1;
  let count = 1;
  const queue = [0];
  let q = 0;
  while (count <= nodes) {
    if (q >= queue.length) queue.push(Math.floor(rand() * count)); // keep growing from random nodes
    const p = queue[q++];
    const k = p === 0 ? 12 : Math.floor(rand() * 4);
    let used = usedByParent.get(p);
    if (!used) usedByParent.set(p, (used = new Set()));
    for (let c = 0; c < k && count <= nodes; c++) {
      let f = Math.floor(rand() * FUNCS);
      while (used.has(f)) f = (f + 1) % FUNCS;
      used.add(f);
      parent[count] = p;
      func[count] = f;
      depth[count] = depth[p] + 1;
      queue.push(count);
      count++;
    }
  }
  // One stack per node (leaf first): every node carries a sample, so all of them are in the tree.
  const stackStart = [0];
  const stackFrames = [];
  const types = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'];
  const values = types.map(() => []);
  let maxDepth = 0;
  for (let n = 1; n <= nodes; n++) {
    for (let x = n; x > 0; x = parent[x]) stackFrames.push(func[x]);
    stackStart.push(stackFrames.length);
    maxDepth = Math.max(maxDepth, depth[n]);
    const objects = 1 + Math.floor(1000 * rand() ** 4);
    const size = objects * (16 + Math.floor(rand() * 512));
    values[0].push(objects);
    values[1].push(size);
    values[2].push(Math.floor(objects / 3));
    values[3].push(Math.floor(size / 3));
  }
  // Numeric columns in typed arrays, as the extension posts them (src/shared/profileData.ts).
  const data = {
    name: `synthetic-${nodes}.pprof`,
    sampleTypes: types.map((type) => ({ type, unit: type.endsWith('space') ? 'bytes' : 'count' })),
    defaultSampleIndex: 3,
    funcName,
    funcFile,
    funcStartLine: Int32Array.from(funcStartLine),
    frameFunc: Int32Array.from(funcName, (_, i) => i),
    frameLine: new Int32Array(funcName.length),
    stackStart: Int32Array.from(stackStart),
    stackFrames: Int32Array.from(stackFrames),
    values: values.map((v) => Float64Array.from(v)),
    mainModule: 'example.com/bench',
  };
  // A node with a big subtree a few levels down, to zoom into.
  let target = 1;
  return { data, maxDepth, zoomName: funcName[func[target]] };
}

function pct(a, p) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const { data, maxDepth, zoomName } = syntheticProfile(NODES);
console.log(`synthetic profile: ${NODES} distinct nodes, ${data.funcName.length} functions, ${data.stackStart.length - 1} stacks, ${data.stackFrames.length} stack frames, max depth ${maxDepth}`);

const dir = join(root, 'bench', 'out');
mkdirSync(dir, { recursive: true });
const nonce = 'bench' + Date.now();
const page1 = join(dir, 'flame-bench.html');
writeFileSync(
  page1,
  `<!DOCTYPE html><html><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src file:; script-src 'nonce-${nonce}'; img-src file: data:">
<link rel="stylesheet" href="${pathToFileURL(join(root, 'media', 'flame.css')).href}"></head>
<body class="vscode-dark"><div id="app"></div>
<script nonce="${nonce}">window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });</script>
<script nonce="${nonce}" src="${pathToFileURL(hooksJs).href}"></script></body></html>`,
);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const results = { parts: {}, firstPaintMs: [], handlerToDrawMs: [], zoomDrawMaxMs: [], zoomDrawP95Ms: [], zoomFrameMaxMs: [], heapMB: [], nodeCount: 0 };
try {
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(page1).href);
    await page.waitForFunction(() => !!window.flameDebug);
    await page.evaluate((d) => {
      window.__msg = { type: 'showProfile', data: d, title: d.name, canOpenSource: true };
    }, data);
    // First paint: from posting the message to the frame after the canvas was drawn.
    const fp = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const t0 = performance.now();
          window.postMessage(window.__msg, '*');
          const check = () => {
            if (document.getElementById('app').dataset.rendered) {
              requestAnimationFrame(() => resolve({ ms: performance.now() - t0, rendered: window.__posted.find((m) => m.type === 'rendered') }));
            } else setTimeout(check, 0);
          };
          check();
        }),
    );
    results.firstPaintMs.push(fp.ms);
    const parts = await page.evaluate(() => {
      const last = (n) => performance.getEntriesByName(n).at(-1)?.duration ?? NaN;
      const app = window.flameDebug.app;
      // Renderer only: lay out and draw an already built 100k-node tree from scratch.
      const tree = app.graph.tree;
      const t0 = performance.now();
      app.graph.setTree(tree);
      const setTreeMs = performance.now() - t0;
      return { validate: last('flame-validate'), build: last('flame-build-tree'), firstDraw: performance.getEntriesByName('flame-draw')[0]?.duration ?? NaN, setTreeMs };
    });
    for (const k of Object.keys(parts)) (results.parts[k] ??= []).push(parts[k]);
    results.handlerToDrawMs.push(fp.rendered.ms);
    results.nodeCount = fp.rendered.nodeCount;
    // Zoom animation: draw time of every frame, and the interval between frames.
    const zoom = await page.evaluate(
      (name) =>
        new Promise((resolve) => {
          performance.clearMeasures('flame-draw');
          const intervals = [];
          let last = performance.now();
          let frames = 0;
          const tick = (now) => {
            intervals.push(now - last);
            last = now;
            if (++frames < 20) requestAnimationFrame(tick);
            else resolve({ draws: performance.getEntriesByName('flame-draw').map((e) => e.duration), intervals, stats: window.flameDebug.app.graph.lastDrawStats });
          };
          window.flameDebug.zoomTo(name);
          requestAnimationFrame(tick);
        }),
      zoomName,
    );
    const zoomBack = await page.evaluate(
      () =>
        new Promise((resolve) => {
          performance.clearMeasures('flame-draw');
          window.flameDebug.zoomTo(undefined);
          setTimeout(() => resolve(performance.getEntriesByName('flame-draw').map((e) => e.duration)), 400);
        }),
    );
    const draws = [...zoom.draws, ...zoomBack];
    results.zoomDrawMaxMs.push(Math.max(...draws));
    results.zoomDrawP95Ms.push(pct(draws, 95));
    results.zoomFrameMaxMs.push(Math.max(...zoom.intervals.slice(1)));
    if (run === 0) console.log('zoom draws (ms):', zoom.draws.map((d) => d.toFixed(1)).join(' '), JSON.stringify(zoom.stats));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    results.heapMB.push(heap.usedSize / 1024 / 1024);
    if (run === 0) await page.screenshot({ path: join(dir, 'flame-bench.png') });
    await page.close();
  }
} finally {
  await browser.close();
}
const med = (a) => pct(a, 50).toFixed(1);
const max = (a) => Math.max(...a).toFixed(1);
console.log(`tree nodes drawn from: ${results.nodeCount}`);
console.log(`first paint (postMessage → frame after draw): median ${med(results.firstPaintMs)} ms, max ${max(results.firstPaintMs)} ms   [budget 200 ms]`);
console.log(`  of which message handler → canvas drawn (tree build + draw): median ${med(results.handlerToDrawMs)} ms`);
console.log(`  breakdown (median): validate message ${med(results.parts.validate)} ms, buildTree (src/pprof/tree.ts) ${med(results.parts.build)} ms, first draw ${med(results.parts.firstDraw)} ms`);
console.log(`renderer first paint of a built ${results.nodeCount}-node tree (setTree: depth scan + draw): median ${med(results.parts.setTreeMs)} ms, max ${max(results.parts.setTreeMs)} ms   [budget 200 ms]`);
console.log(`zoom animation draw per frame: p95 ${med(results.zoomDrawP95Ms)} ms, max ${max(results.zoomDrawMaxMs)} ms   [budget 16 ms]`);
console.log(`zoom animation frame interval max (headless rAF): ${max(results.zoomFrameMaxMs)} ms`);
console.log(`page JS heap after GC: median ${med(results.heapMB)} MB, max ${max(results.heapMB)} MB   [budget 200 MB]`);
