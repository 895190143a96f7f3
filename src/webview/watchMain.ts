// Webview bundle of the "Watch Heap of Service…" panel. The watch's state arrives through
// postMessage after every poll; the buttons and the growth rows post their actions back.
import { parseHostMessage } from '../shared/webviewProtocol';
import { el } from './dom';
import { connectHost } from './host';
import { WatchView } from './watchView';

declare global {
  interface Window {
    /** Read-only hook for the page tests. */
    watchDebug?: { view: WatchView };
  }
}

function start(): void {
  const host = connectHost();
  const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
  const view = new WatchView(
    (action) => host.post({ type: 'watchAction', action }),
    (row) => host.post({ type: 'watchOpenLine', row }),
  );
  view.onShown = (s) => host.post({ type: 'watchShown', phase: s.phase, points: s.drawn.bytes, rows: s.rows, figures: s.figures });
  root.append(view.root);
  window.watchDebug = { view };
  window.addEventListener('message', (ev: MessageEvent<unknown>) => {
    const parsed = parseHostMessage(ev.data);
    if (!parsed.ok) {
      host.post({ type: 'webviewError', message: `Ignored a malformed message: ${parsed.error}` });
      return;
    }
    if (parsed.value.type === 'showWatch') view.show(parsed.value);
  });
  window.addEventListener('error', (ev) => host.post({ type: 'webviewError', message: String(ev.message) }));
  host.post({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
