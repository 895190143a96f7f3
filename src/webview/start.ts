// Starts the panel: inside VS Code's webview, where the host posts the profile, or in the
// CLI's standalone HTML page, where the profile is embedded as JSON in a
// <script type="application/json"> element and read from there (never evaluated).
import { decodeProfileMessage } from '../shared/profileJson';
import { FlameApp } from './app';
import { connectHost } from './host';

/** Starts the panel once the document is ready; onStarted gets the app before any profile arrives. */
export function startPanel(onStarted?: (app: FlameApp) => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start(onStarted));
  else start(onStarted);
}

function start(onStarted: ((app: FlameApp) => void) | undefined): void {
  const host = connectHost();
  let root = document.getElementById('app');
  if (!root) {
    root = document.createElement('div');
    root.id = 'app';
    document.body.append(root);
  }
  if (host.standalone) document.body.classList.add('standalone');
  const app = new FlameApp(root, host);
  onStarted?.(app);
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
