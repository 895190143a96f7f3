// What profiling remembers per workspace (context.workspaceState): the recent profiles (their
// files live in the storage folder and are deleted with their entries) and the last two
// results of each benchmark, for the code lens and its change against the previous run.
import * as vscode from 'vscode';
import type { BenchResult } from '../../profiling/bench';
import { addToHistory, entryFiles, limitHistory, readHistory, removeFromHistory, type HistoryEntry } from '../../profiling/history';
import { removeFiles } from './storage';

const HISTORY_KEY = 'goMemoryInsight.profileHistory';
const BENCH_KEY = 'goMemoryInsight.benchmarkResults';

export class HistoryStore {
  constructor(
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  list(): HistoryEntry[] {
    return readHistory(this.state.get<unknown>(HISTORY_KEY));
  }

  async add(entry: HistoryEntry, limit: number): Promise<void> {
    const u = addToHistory(this.list(), entry, limit);
    await this.save(u.kept, u.dropped);
  }

  async remove(id: string): Promise<void> {
    const u = removeFromHistory(this.list(), id);
    await this.save(u.kept, u.dropped);
  }

  async applyLimit(limit: number): Promise<void> {
    const u = limitHistory(this.list(), limit);
    if (u.dropped.length > 0) await this.save(u.kept, u.dropped);
  }

  private async save(kept: HistoryEntry[], dropped: HistoryEntry[]): Promise<void> {
    await this.state.update(HISTORY_KEY, kept);
    // A file still used by a kept entry stays.
    const keep = new Set(entryFiles(kept));
    const files = entryFiles(dropped).filter((f) => !keep.has(f));
    if (files.length > 0) {
      this.log.info(`Profile history: deleting ${files.join(', ')}`);
      await removeFiles(files);
    }
  }
}

export interface StoredBenchRun {
  /** When the run finished (ms since the epoch). */
  time: number;
  results: BenchResult[];
  /** The heap profile of that run. */
  profile?: string;
}

export interface BenchRecord {
  current: StoredBenchRun;
  previous?: StoredBenchRun;
}

type BenchState = Record<string, Record<string, BenchRecord>>;

export class BenchStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly state: vscode.Memento) {}

  private all(): BenchState {
    const raw = this.state.get<unknown>(BENCH_KEY);
    return raw && typeof raw === 'object' ? (raw as BenchState) : {};
  }

  /** The last results of a benchmark function in a package directory. */
  get(packageDir: string, func: string): BenchRecord | undefined {
    const rec = this.all()[packageDir]?.[func];
    return rec && Array.isArray(rec.current?.results) ? rec : undefined;
  }

  /** Records the results of one run, grouped by benchmark function. */
  async record(packageDir: string, results: readonly BenchResult[], profile: string | undefined, time = Date.now()): Promise<void> {
    if (results.length === 0) return;
    const all = this.all();
    const pkg = { ...(all[packageDir] ?? {}) };
    const byFunc = new Map<string, BenchResult[]>();
    for (const r of results) byFunc.set(r.func, [...(byFunc.get(r.func) ?? []), r]);
    for (const [func, rs] of byFunc) {
      const old = pkg[func];
      pkg[func] = { current: { time, results: rs, profile }, previous: old?.current };
    }
    await this.state.update(BENCH_KEY, { ...all, [packageDir]: pkg });
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
