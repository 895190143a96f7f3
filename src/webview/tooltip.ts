// The tooltip of a frame (self, total, shares, before → after in a diff) and the context menu.
import type { FlameNode } from '../shared/flameTree';
import { nodeName, OTHER_FUNC } from '../pprof/tree';
import { formatDelta, formatPercent } from '../pprof/units';
import { button, el, placeNear, show } from './dom';
import type { FrameHit } from './flameGraph';
import { CLASS_LABEL, classOf, formatIn, frameLabel, type Loaded } from './view';

/** Fills and shows the tooltip of a frame. all: the total of the graph it is in; zoom: that graph's zoomed frame. */
export function showTooltip(tip: HTMLElement, l: Loaded, hit: FrameHit, x: number, y: number, all: number, zoom: FlameNode | undefined): void {
  const fmt = (v: number) => formatIn(l, v);
  const lines: Array<[string, string]> = [];
  const node = hit.node;
  const zoomTotal = zoom?.total ?? all;
  const pct = (v: number) => `${formatPercent(v, l.tree.total)} of all` + (zoom && zoom.parent ? `, ${formatPercent(v, zoomTotal)} of ${frameLabel(l, zoom)}` : '');
  tip.replaceChildren();
  if (hit.merged) {
    let total = 0;
    let before = 0;
    for (const n of hit.merged) {
      total += n.total;
      before += n.baseTotal ?? 0;
    }
    const count = hit.merged.reduce((s, n) => s + (n.func === OTHER_FUNC ? (n.merged ?? 1) : 1), 0);
    tip.append(el('div', 'tt-name', `${count} small frames`));
    lines.push(['Total', `${fmt(total)} (${pct(total)})`]);
    if (l.base) lines.push(['Before → after', `${fmt(before)} → ${fmt(total)}`]);
    lines.push(['', 'Click to zoom into them']);
  } else {
    const name = nodeName(l.tree.data, node);
    tip.append(el('div', 'tt-name', name));
    if (node.func >= 0) {
      const file = l.tree.data.funcFile[node.func] ?? '';
      const line = node.line || l.tree.data.funcStartLine[node.func] || 0;
      if (file) tip.append(el('div', 'tt-file', line ? `${file}:${line}` : file));
      lines.push(['Package', CLASS_LABEL[classOf(l, node.func)]]);
    }
    lines.push(['Self', `${fmt(node.self)} (${pct(node.self)})`]);
    lines.push(['Total', `${fmt(node.total)} (${pct(node.total)})`]);
    if (l.base) {
      const before = node.baseTotal ?? 0;
      lines.push(['Before → after', `${fmt(before)} → ${fmt(node.total)} (${formatDelta(node.total - before, l.data.sampleTypes[l.sampleIndex]!.unit)}${before ? `, ${formatDelta(Math.round(((node.total - before) / before) * 1000) / 10, '%').replace(' %', '%')}` : ''})`]);
      lines.push(['Self before → after', `${fmt(node.baseSelf ?? 0)} → ${fmt(node.self)}`]);
    }
  }
  const tbl = el('table', 'tt-values');
  for (const [k, v] of lines) {
    const tr = el('tr');
    tr.append(el('th', undefined, k), el('td', undefined, v));
    tbl.append(tr);
  }
  tip.append(tbl);
  show(tip, true);
  placeNear(tip, x, y);
}

export interface MenuItem {
  label: string;
  enabled: boolean;
  action: () => void;
  /** Starts a new group (a separator above it). */
  group?: boolean;
}

/** Fills and opens the context menu at a point. */
export function openMenu(menu: HTMLElement, items: MenuItem[], x: number, y: number): void {
  menu.replaceChildren();
  for (const it of items) {
    if (it.group && menu.childElementCount > 0) menu.append(el('div', 'menu-sep'));
    const b = button(it.label, it.label, () => {
      show(menu, false);
      it.action();
    }, 'menu-item');
    b.disabled = !it.enabled;
    menu.append(b);
  }
  show(menu, true);
  placeNear(menu, x - 12, y - 12);
}
