// Starts the "Watch Heap of Service…" panel. The watch's state arrives through postMessage
// after every poll; the buttons and the growth rows post their actions back.
import { parseHostMessage } from '../shared/webviewProtocol';
import { el } from './dom';
import { connectHost } from './host';
import { WatchView } from './watchView';

/** Starts the panel once the document is ready; onStarted gets the view before any state arrives. */
export function startWatchPanel(onStarted?: (view: WatchView) => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start(onStarted));
  else start(onStarted);
}

function start(onStarted: ((view: WatchView) => void) | undefined): void {
  const host = connectHost();
  const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
  const view = new WatchView(
    (action) => host.post({ type: 'watchAction', action }),
    (row) => host.post({ type: 'watchOpenLine', row }),
  );
  view.onShown = (s) => host.post({ type: 'watchShown', phase: s.phase, points: s.drawn.bytes, rows: s.rows, figures: s.figures });
  root.append(view.root);
  onStarted?.(view);
  window.addEventListener('message', (ev: MessageEvent<unknown>) => {
    const parsed = parseHostMessage(ev.data);
    if (!parsed.ok) {
      host.post({ type: 'webviewError', message: `Ignored a malformed message: ${parsed.error}` });
      return;
    }
    if (parsed.value.type !== 'showWatch') return;
    view.show(parsed.value);
    // After a window reload VS Code gives this back to the extension, which polls the service again.
    host.setWatchState({ base: parsed.value.base, intervalMs: parsed.value.intervalMs });
  });
  window.addEventListener('error', (ev) => host.post({ type: 'webviewError', message: String(ev.message) }));
  host.post({ type: 'ready' });
}
