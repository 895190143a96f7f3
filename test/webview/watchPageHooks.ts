// The heap watch panel as the page tests load it: the shipped panel (src/webview/watchStart.ts)
// plus a read-only hook on window.watchDebug. Bundled by test/webview/run.mjs into
// test-output/webview-tests/watch-webview-hooks.js; never shipped.
import type { WatchView } from '../../src/webview/watchView';
import { startWatchPanel } from '../../src/webview/watchStart';

declare global {
  interface Window {
    /** Read-only hook for the page tests. */
    watchDebug?: { view: WatchView };
  }
}

startWatchPanel((view) => {
  window.watchDebug = { view };
});
