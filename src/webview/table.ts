// The function table: flat and cumulative values per function, sortable, at most MAX_TABLE_ROWS rows.
import type { FlatRow } from '../pprof/tree';
import { formatPercent } from '../pprof/units';
import { el } from './dom';
import { flatRows, formatIn, type Loaded, shortName } from './view';

export const MAX_TABLE_ROWS = 400;

export type SortKey = 'name' | 'flat' | 'cum';

export interface TableView {
  sortKey: SortKey;
  descending: boolean;
  /** Per function: 1 to keep its row (the search's matches); null keeps all. */
  match: Uint8Array | null;
  selectedFunc: number | undefined;
  onSort(key: SortKey): void;
  onSelect(func: number): void;
  onOpen(func: number): void;
}

/** The rows in the view's order. */
export function sortedRows(l: Loaded, v: Pick<TableView, 'sortKey' | 'descending' | 'match'>): FlatRow[] {
  const names = l.data.funcName;
  const flat = flatRows(l);
  const rows = v.match ? flat.filter((r) => v.match![r.func]) : flat.slice();
  const key = v.sortKey;
  const dir = v.descending ? -1 : 1;
  rows.sort((a, b) => {
    const c = key === 'name' ? (names[a.func]! < names[b.func]! ? -1 : names[a.func]! > names[b.func]! ? 1 : 0) : key === 'flat' ? a.flat - b.flat || a.cum - b.cum : a.cum - b.cum || a.flat - b.flat;
    return c * dir || a.func - b.func;
  });
  return rows;
}

export function renderTable(table: HTMLTableElement, note: HTMLElement, l: Loaded | undefined, v: TableView): void {
  table.replaceChildren();
  if (!l) return;
  const names = l.data.funcName;
  const rows = sortedRows(l, v);
  const thead = el('thead');
  const hr = el('tr');
  const header = (label: string, k: SortKey | undefined, title: string) => {
    const th = el('th', k ? 'sortable' : undefined, label);
    th.title = title;
    if (k) {
      if (k === v.sortKey) th.classList.add(v.descending ? 'desc' : 'asc');
      th.addEventListener('click', () => v.onSort(k));
    }
    hr.append(th);
  };
  header('Function', 'name', 'Sort by function name');
  header('Flat', 'flat', 'Value of samples whose leaf is in this function');
  header('Flat%', undefined, '');
  header('Cum', 'cum', 'Value of samples with this function anywhere on the stack');
  header('Cum%', undefined, '');
  thead.append(hr);
  const tbody = el('tbody');
  const total = l.tree.total;
  for (const r of rows.slice(0, MAX_TABLE_ROWS)) {
    const tr = el('tr');
    tr.dataset.func = String(r.func);
    if (v.selectedFunc === r.func) tr.classList.add('selected');
    const name = el('td', 'fn', shortName(names[r.func]!));
    name.title = `${names[r.func]}\n${l.data.funcFile[r.func] ?? ''}`;
    tr.append(name, el('td', 'num', formatIn(l, r.flat)), el('td', 'num', formatPercent(r.flat, total)), el('td', 'num', formatIn(l, r.cum)), el('td', 'num', formatPercent(r.cum, total)));
    tr.addEventListener('click', () => v.onSelect(r.func));
    tr.addEventListener('dblclick', () => v.onOpen(r.func));
    tbody.append(tr);
  }
  table.append(thead, tbody);
  note.textContent = rows.length > MAX_TABLE_ROWS ? `Showing ${MAX_TABLE_ROWS} of ${rows.length} functions.` : `${rows.length} function${rows.length === 1 ? '' : 's'}.`;
}

/** Marks the selected function's row. */
export function markSelectedRow(table: HTMLTableElement, func: number): void {
  for (const tr of table.querySelectorAll('tbody tr')) tr.classList.toggle('selected', (tr as HTMLElement).dataset.func === String(func));
}
