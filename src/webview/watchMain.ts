// Webview bundle of the "Watch Heap of Service…" panel: see watchStart.ts. It sets no globals;
// the page tests load their own bundle (test/webview/watchPageHooks.ts) with a read-only hook.
import { startWatchPanel } from './watchStart';

startWatchPanel();
