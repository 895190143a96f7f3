// Starts the "Open GC Trace…" panel: the GC tab alone. The trace arrives through
// postMessage, like the flame graph's profile.
import { parseHostMessage } from '../shared/webviewProtocol';
import { el } from './dom';
import { GcTab } from './gcTab';
import { connectHost } from './host';

/** Starts the panel once the document is ready; onStarted gets the tab before any trace arrives. */
export function startGcPanel(onStarted?: (tab: GcTab) => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start(onStarted));
  else start(onStarted);
}

function start(onStarted: ((tab: GcTab) => void) | undefined): void {
  const host = connectHost();
  const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
  const error = el('div', 'error hidden');
  const tab = new GcTab();
  tab.onShown = (s) => host.post({ type: 'gcShown', cycles: s.cycles, predictedCycles: s.predictedCycles, verdict: s.verdict });
  root.append(error, tab.section);
  onStarted?.(tab);
  window.addEventListener('message', (ev: MessageEvent<unknown>) => {
    const parsed = parseHostMessage(ev.data);
    if (!parsed.ok) {
      host.post({ type: 'webviewError', message: `Ignored a malformed message: ${parsed.error}` });
      return;
    }
    const m = parsed.value;
    if (m.type === 'showGcTrace') tab.show(m, true);
    else if (m.type === 'showError') {
      error.textContent = m.message;
      error.classList.remove('hidden');
    }
  });
  window.addEventListener('error', (ev) => host.post({ type: 'webviewError', message: String(ev.message) }));
  host.post({ type: 'ready' });
}
