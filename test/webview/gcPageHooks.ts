// The "Open GC Trace…" panel as the page tests load it: the shipped panel (src/webview/gcStart.ts)
// plus a read-only hook on window.gcDebug. Bundled by test/webview/run.mjs into
// test-output/webview-tests/gc-webview-hooks.js; never shipped.
import type { GcTab } from '../../src/webview/gcTab';
import { startGcPanel } from '../../src/webview/gcStart';

declare global {
  interface Window {
    /** Read-only hook for the page tests. */
    gcDebug?: { tab: GcTab };
  }
}

startGcPanel((tab) => {
  window.gcDebug = { tab };
});
