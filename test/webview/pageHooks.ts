// The panel as the page tests and the flame benchmark load it: the shipped panel (src/webview/start.ts)
// plus read-only hooks on window.flameDebug. Bundled by test/webview/run.mjs (and
// bench/flame/bench.mjs) into test-output/webview-tests/webview-hooks.js; never shipped.
import type { FlameApp } from '../../src/webview/app';
import { startPanel } from '../../src/webview/start';

declare global {
  interface Window {
    /** Read-only hooks for the page tests and the benchmark. */
    flameDebug?: {
      app: FlameApp;
      pointOf(name: string): { x: number; y: number } | undefined;
      zoomTo(name: string | undefined): boolean;
      lastDrawMs(): number;
    };
  }
}

startPanel((app) => {
  window.flameDebug = {
    app,
    pointOf: (name) => app.pointOfFunction(name),
    zoomTo: (name) => app.zoomToFunction(name),
    lastDrawMs: () => app.graph.lastDrawMs,
  };
});
