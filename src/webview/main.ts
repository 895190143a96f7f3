// Webview bundle (flame graph panel): see start.ts. It sets no globals; the page tests load
// their own bundle (test/webview/pageHooks.ts) that adds read-only hooks.
import { startPanel } from './start';

startPanel();
