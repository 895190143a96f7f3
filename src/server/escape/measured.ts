// What the heap profile shown in the editor measured at each line, as the language server
// uses it: the hover's "measured in the last profile" line, the stronger severity of hot
// escapes, and the "only escapes that measured cost" filter. Pure: no vscode.
import * as path from 'node:path';
import { formatPercent, formatValue } from '../../pprof/units';
import type { MeasuredCost, MeasuredLine } from '../../shared/protocol';

function key(file: string, line: number): string {
  return `${path.normalize(file)}\u0000${line}`;
}

export class MeasuredIndex {
  private readonly lines = new Map<string, MeasuredLine>();
  private readonly hot = new Set<string>();
  /** Per file: its measured lines, by line (for function sums). */
  private readonly byFile = new Map<string, MeasuredLine[]>();

  /**
   * `hotPercent`: the heaviest lines that together make up this share of the profile's total
   * are hot (the line that crosses it included); 0 makes none hot.
   */
  constructor(
    readonly cost: MeasuredCost,
    hotPercent: number,
  ) {
    for (const l of cost.lines) {
      if (!(l.flat > 0) || !Number.isInteger(l.line) || typeof l.file !== 'string') continue;
      const k = key(l.file, l.line);
      const prev = this.lines.get(k);
      // Two functions on one line (a closure and its caller): one figure for the line.
      this.lines.set(k, prev ? { ...prev, flat: prev.flat + l.flat, objects: (prev.objects ?? 0) + (l.objects ?? 0) || undefined } : l);
    }
    for (const l of this.lines.values()) {
      const f = path.normalize(l.file);
      const list = this.byFile.get(f) ?? [];
      list.push(l);
      this.byFile.set(f, list);
    }
    if (hotPercent > 0 && cost.total > 0) {
      const sorted = [...this.lines.entries()].sort((a, b) => b[1].flat - a[1].flat);
      let sum = 0;
      for (const [k, l] of sorted) {
        if (sum >= (cost.total * hotPercent) / 100) break;
        this.hot.add(k);
        sum += l.flat;
      }
    }
  }

  at(file: string, line: number): MeasuredLine | undefined {
    return this.lines.get(key(file, line));
  }

  isHot(file: string, line: number): boolean {
    return this.hot.has(key(file, line));
  }

  /** What lines from..to (1-based, inclusive) of a file measured together, or undefined when none did. */
  sumIn(file: string, from: number, to: number): MeasuredLine | undefined {
    let flat = 0;
    let objects = 0;
    let any = false;
    for (const l of this.byFile.get(path.normalize(file)) ?? []) {
      if (l.line < from || l.line > to) continue;
      any = true;
      flat += l.flat;
      objects += l.objects ?? 0;
    }
    return any ? { file, line: from, flat, objects: objects || undefined } : undefined;
  }

  /** "1.2 MiB measured (34%)", for a function's code lens. */
  short(l: MeasuredLine): string {
    return `${formatValue(l.flat, this.cost.unit)} measured (${formatPercent(l.flat, this.cost.total)})`;
  }

  get onlyMeasured(): boolean {
    return this.cost.onlyMeasured;
  }

  /** "1.2 MiB in 3.4k objects, 34% of alloc_space". */
  describe(l: MeasuredLine): string {
    const c = this.cost;
    const objects = l.objects !== undefined && l.objects > 0 && c.objectsType !== c.sampleType ? ` in ${formatValue(l.objects, 'count')} ${l.objects === 1 ? 'object' : 'objects'}` : '';
    return `${formatValue(l.flat, c.unit)}${objects}, ${formatPercent(l.flat, c.total)} of ${c.sampleType}`;
  }
}

/** Checks the shape of a notification's parameters; null (the panel closed) and anything malformed give undefined. */
export function parseMeasuredCost(value: unknown): MeasuredCost | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<MeasuredCost>;
  if (typeof v.profile !== 'string' || typeof v.sampleType !== 'string' || typeof v.unit !== 'string' || typeof v.total !== 'number' || !Array.isArray(v.lines)) return undefined;
  const lines = v.lines.filter((l): l is MeasuredLine => typeof l === 'object' && l !== null && typeof l.file === 'string' && typeof l.line === 'number' && typeof l.flat === 'number');
  return { profile: v.profile, sampleType: v.sampleType, unit: v.unit, total: v.total, objectsType: typeof v.objectsType === 'string' ? v.objectsType : undefined, lines, onlyMeasured: v.onlyMeasured === true };
}
