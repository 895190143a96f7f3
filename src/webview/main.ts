// Webview bundle (flame graph panel). Runs inside VS Code's webview, where the host posts the
// profile, and in the CLI's standalone HTML page, where the profile is embedded as JSON in a
// <script type="application/json"> element and read from there (never evaluated).
import { decodeProfileMessage } from '../shared/profileJson';
import { FlameApp } from './app';
import { connectHost } from './host';

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

function start(): void {
  const host = connectHost();
  let root = document.getElementById('app');
  if (!root) {
    root = document.createElement('div');
    root.id = 'app';
    document.body.append(root);
  }
  if (host.standalone) document.body.classList.add('standalone');
  const app = new FlameApp(root, host);
  window.flameDebug = {
    app,
    pointOf: (name) => app.pointOfFunction(name),
    zoomTo: (name) => app.zoomToFunction(name),
    lastDrawMs: () => app.graph.lastDrawMs,
  };
  window.addEventListener('error', (ev) => host.post({ type: 'webviewError', message: String(ev.message) }));
  if (host.standalone) {
    const embedded = document.getElementById('gmi-profile');
    if (embedded?.textContent) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(embedded.textContent);
      } catch (err) {
        app.showError(`The embedded profile is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      const msg = decodeProfileMessage(parsed);
      if (msg.ok) app.showProfile(msg.value);
      else app.showError(`The embedded profile is malformed: ${msg.error}`);
    }
  } else {
    host.post({ type: 'ready' });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
