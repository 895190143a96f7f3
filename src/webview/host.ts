// The webview's link to whoever shows it: the extension host (acquireVsCodeApi present) or
// nobody (the CLI's standalone HTML file, where state is not kept and go to source is off).
import type { FlamePersistedState, WatchPersistedState, WebviewMessage } from '../shared/webviewProtocol';
import { parsePersistedState } from '../shared/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostBridge {
  readonly standalone: boolean;
  post(message: WebviewMessage): void;
  getState(): FlamePersistedState;
  setState(state: FlamePersistedState): void;
  /** The heap watch panel's state (the service it polls). */
  setWatchState(state: WatchPersistedState): void;
}

export function connectHost(): HostBridge {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return {
      standalone: false,
      post: (m) => api.postMessage(m),
      getState: () => parsePersistedState(api.getState()),
      setState: (s) => api.setState(s),
      setWatchState: (s) => api.setState(s),
    };
  }
  return {
    standalone: true,
    post: () => {},
    getState: () => ({ ui: {} }),
    setState: () => {},
    setWatchState: () => {},
  };
}
