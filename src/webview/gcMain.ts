// Webview bundle of the "Open GC Trace…" panel: see gcStart.ts. It sets no globals; the page
// tests load their own bundle (test/webview/gcPageHooks.ts) that adds a read-only hook.
import { startGcPanel } from './gcStart';

startGcPanel();
