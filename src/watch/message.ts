// The heap watch panel's message: a watch's status, its points and its growth, as the panel
// takes them (src/shared/webviewProtocol.ts, ShowWatchMessage). Pure, so the page tests build
// it from a real watch exactly as the extension does.
import type { ShowWatchMessage } from '../shared/webviewProtocol';
import type { HeapGrowth } from './growth';
import type { HeapWatcher } from './watcher';

/** `growth` is the watch's growth (computed once per newest snapshot by the caller), if any. */
export function showWatchMessage(w: HeapWatcher, growth: HeapGrowth | undefined): ShowWatchMessage {
  const s = w.status();
  const msg: ShowWatchMessage = {
    type: 'showWatch',
    title: w.endpoints.base.host,
    base: w.endpoints.base.href,
    intervalMs: w.options.intervalMs,
    phase: s.phase,
    polls: s.polls,
    leakProfile: s.leakProfile,
    points: [...w.series()],
  };
  if (s.message) msg.message = s.message;
  const first = w.first();
  const newest = w.newest();
  if (growth && first && newest) msg.growth = { firstAt: first.at, newestAt: newest.at, firstBytes: growth.firstBytes, newestBytes: growth.newestBytes, growthBytes: growth.growthBytes, grown: growth.grown, rows: growth.rows };
  return msg;
}
