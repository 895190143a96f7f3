// "Profile History…": the recent profiles in a quick pick, to reopen one, delete one, or
// compare two as a diff flame graph. The command also takes an action object, so the same
// operations are scriptable (keybindings, tests) without the quick pick.
// "Compare Profiles…": the same history offered first for both sides, "Browse…" last. Two
// benchmark runs are compared per op (src/profiling/perOp.ts): the base is scaled to the
// newer run's number of ops in a copy kept beside the profiles.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareChoices, describeBenches, type CompareChoice, type HistoryEntry } from '../../profiling/history';
import { benchmarkBytes, isIdentity, perOpDecision, scaleProfile, type PerOpPlan } from '../../profiling/perOp';
import type { OpenProfile } from './runner';
import type { HistoryStore } from './stores';

/** The palette's "Compare Profiles…" (the flame graph's own compareProfiles takes two files). */
export const COMPARE_COMMAND = 'goMemoryInsight.compareRecentProfiles';

/** Folder (under the profiles folder) of the per-op scaled copies of base profiles. */
const PER_OP_DIR = 'per-op';

/** What a comparison did (the integration tests read it). */
export interface CompareResult {
  /** Compared per op (two benchmark runs), else raw totals. */
  perOp: boolean;
  /** The per-op factors, or why the totals are raw. */
  detail: string;
  /** The base profile the diff shows: the history's file, or its per-op copy. */
  baseFile: string;
}

export type HistoryAction =
  | { action: 'list' }
  | { action: 'open'; id: string; cpu?: boolean }
  | { action: 'delete'; id: string }
  | { action: 'compare'; id: string; baseId: string };

export function isHistoryAction(v: unknown): v is HistoryAction {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  switch (a.action) {
    case 'list':
      return true;
    case 'open':
    case 'delete':
      return typeof a.id === 'string';
    case 'compare':
      return typeof a.id === 'string' && typeof a.baseId === 'string';
    default:
      return false;
  }
}

function when(time: number): string {
  const d = new Date(time);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

interface EntryItem extends vscode.QuickPickItem {
  entry: HistoryEntry;
}

function entryItem(e: HistoryEntry): EntryItem {
  const benches = describeBenches(e.benchmarks);
  return {
    label: `${e.failed ? '$(warning)' : '$(flame)'} ${e.target}`,
    description: `${e.packagePath ?? e.packageDir} · ${when(e.time)}`,
    detail: `${e.command}${benches ? ` · ${benches}` : ` · ${e.sampleTypes.join(', ') || 'no sample types'}`}${e.cpuProfile ? ' · with CPU profile' : ''}${e.failed ? ` · run failed: ${e.failed}` : ''}`,
    entry: e,
  };
}

type Side = { kind: 'entry'; entry: HistoryEntry } | { kind: 'file'; uri: vscode.Uri };

const PROFILE_FILTERS = { 'Profiles': ['pprof', 'prof', 'gz', 'out', 'pb'], 'All files': ['*'] };

export class HistoryCommands {
  constructor(
    private readonly store: HistoryStore,
    private readonly openProfile: OpenProfile,
    private readonly log: vscode.LogOutputChannel,
    /** The extension's storage folder (profiles/ is in it). */
    private readonly storage: () => string,
  ) {}

  /** The command handler: an action object runs directly, no argument shows the quick pick. */
  async run(arg?: unknown): Promise<HistoryEntry[] | boolean | CompareResult> {
    if (arg !== undefined && isHistoryAction(arg)) return this.perform(arg);
    return this.pick();
  }

  private find(id: string): HistoryEntry {
    const e = this.store.list().find((x) => x.id === id);
    if (!e) throw new Error(`No profile with id ${id} in the history.`);
    return e;
  }

  private async perform(a: HistoryAction): Promise<HistoryEntry[] | boolean | CompareResult> {
    switch (a.action) {
      case 'list':
        return this.store.list();
      case 'open':
        return this.open(this.find(a.id), a.cpu === true);
      case 'delete':
        await this.store.remove(a.id);
        return true;
      case 'compare':
        return this.compare(this.find(a.id), this.find(a.baseId));
    }
  }

  private async missing(entry: HistoryEntry, file: string): Promise<false> {
    const choice = await vscode.window.showErrorMessage(`Go Memory Insight: the profile file ${file} no longer exists.`, 'Remove from History');
    if (choice) await this.store.remove(entry.id);
    return false;
  }

  async open(entry: HistoryEntry, cpu: boolean): Promise<boolean> {
    const file = cpu ? entry.cpuProfile : entry.memProfile;
    if (!file) {
      void vscode.window.showErrorMessage(`Go Memory Insight: that run has no ${cpu ? 'CPU' : 'heap'} profile.`);
      return false;
    }
    if (!fs.existsSync(file)) return this.missing(entry, file);
    await this.openProfile(vscode.Uri.file(file), { sampleType: cpu ? 'cpu' : 'alloc_space', title: `${entry.target} · ${when(entry.time)}`, sourceDir: entry.packageDir, gcTrace: entry.gcTrace });
    return true;
  }

  /**
   * A diff flame graph of `entry` against `base`: per op when both are benchmark runs with
   * their b.N recorded, else raw totals (the reason is logged and shown in the status bar).
   */
  async compare(entry: HistoryEntry, base: HistoryEntry): Promise<CompareResult | false> {
    for (const e of [entry, base]) {
      if (!e.memProfile || !fs.existsSync(e.memProfile)) return this.missing(e, e.memProfile ?? e.id);
    }
    // Each benchmark's share of each profile, to measure how many ops the profile holds.
    const funcs = new Set([...(entry.benchmarks ?? []), ...(base.benchmarks ?? [])].map((b) => b.func));
    const shares = async (file: string): Promise<Map<string, number> | undefined> => {
      if (funcs.size === 0) return undefined;
      try {
        return benchmarkBytes(await fs.promises.readFile(file), funcs);
      } catch (err) {
        this.log.warn(`Compare: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    };
    const decision = perOpDecision(entry, base, { next: await shares(entry.memProfile!), base: await shares(base.memProfile!) });
    let baseFile = base.memProfile!;
    if (decision.perOp && !isIdentity(decision.plan)) baseFile = await this.perOpBase(entry, base, decision.plan);
    const result: CompareResult = { perOp: decision.perOp, detail: decision.perOp ? decision.summary : decision.reason, baseFile };
    this.log.info(`Comparing ${entry.memProfile} against ${baseFile}: ${decision.perOp ? `per op, ${decision.summary}` : `raw totals, ${decision.reason}`}`);
    await this.openProfile(vscode.Uri.file(entry.memProfile!), {
      sampleType: 'alloc_space',
      diffBase: vscode.Uri.file(baseFile),
      title: `${entry.target} (${when(entry.time)}) vs ${base.target} (${when(base.time)}) · ${decision.perOp ? 'per op' : 'totals'}`,
      sourceDir: entry.packageDir,
    });
    void vscode.window.setStatusBarMessage(`Go Memory Insight: ${decision.perOp ? `compared per op (${decision.summary})` : `compared raw totals: ${decision.reason}`}`, 10_000);
    return result;
  }

  /** The base profile scaled to the newer run's ops, written once per pair beside the profiles. */
  private async perOpBase(entry: HistoryEntry, base: HistoryEntry, plan: PerOpPlan): Promise<string> {
    const dir = path.join(this.storage(), 'profiles', PER_OP_DIR);
    const file = path.join(dir, `${base.id}.for-${entry.id}.mem.pprof`);
    await fs.promises.mkdir(dir, { recursive: true });
    await this.dropStalePerOp(dir);
    if (fs.existsSync(file)) return file;
    const scaled = scaleProfile(await fs.promises.readFile(base.memProfile!), plan);
    await fs.promises.writeFile(file, scaled.bytes);
    this.log.info(`Compare: ${file} is ${base.memProfile} with the alloc_* values of ${scaled.scaledSamples} samples scaled per op (${scaled.keptSamples} samples outside the benchmarks kept)`);
    return file;
  }

  /** Deletes the per-op copies whose profiles left the history. */
  private async dropStalePerOp(dir: string): Promise<void> {
    const ids = new Set(this.store.list().map((e) => e.id));
    for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
      const m = /^(.+)\.for-(.+)\.mem\.pprof$/.exec(name);
      if (m && (!ids.has(m[1]!) || !ids.has(m[2]!))) await fs.promises.rm(path.join(dir, name), { force: true }).catch(() => undefined);
    }
  }

  /** One side of "Compare Profiles…": a history entry, or a file through "Browse…" (the only way when the history is empty). */
  private async pickSide(choices: CompareChoice[], title: string, placeHolder: string): Promise<Side | undefined> {
    const browse = async (): Promise<Side | undefined> => {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Compare', title, filters: PROFILE_FILTERS, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
      return picked?.[0] ? { kind: 'file', uri: picked[0] } : undefined;
    };
    if (!choices.some((c) => c.kind === 'entry')) return browse();
    type Item = vscode.QuickPickItem & { side?: Side; browse?: true };
    const items: Item[] = [];
    for (const c of choices) {
      if (c.kind === 'entry') {
        items.push({ ...entryItem(c.entry), side: c });
      } else {
        items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
        items.push({ label: '$(folder-opened) Browse…', description: 'a pprof file on disk', browse: true });
      }
    }
    const chosen = await vscode.window.showQuickPick(items, { title, placeHolder, matchOnDescription: true, matchOnDetail: true });
    if (!chosen) return undefined;
    return chosen.browse ? browse() : chosen.side;
  }

  /** "Compare Profiles…": the newer profile, then the base, each from the history or a file. */
  async pickCompare(): Promise<CompareResult | false> {
    const list = this.store.list();
    const after = await this.pickSide(compareChoices(list), 'Compare Profiles (1/2): the newer profile', 'Pick the profile to examine; next, the base to compare it against');
    if (!after) return false;
    const base = await this.pickSide(compareChoices(list, after.kind === 'entry' ? after.entry : undefined), 'Compare Profiles (2/2): the base (before)', 'Pick the profile to compare against (earlier runs of the same target first)');
    if (!base) return false;
    if (after.kind === 'entry' && base.kind === 'entry') return this.compare(after.entry, base.entry);
    const uriOf = (s: Side): vscode.Uri => (s.kind === 'entry' ? vscode.Uri.file(s.entry.memProfile!) : s.uri);
    const nameOf = (s: Side): string => (s.kind === 'entry' ? `${s.entry.target} (${when(s.entry.time)})` : path.basename(s.uri.fsPath));
    const detail = 'a profile chosen from disk has no benchmark counts: raw totals';
    this.log.info(`Comparing ${uriOf(after).toString()} against ${uriOf(base).toString()}: ${detail}`);
    await this.openProfile(uriOf(after), { diffBase: uriOf(base), title: `${nameOf(after)} vs ${nameOf(base)}`, sourceDir: after.kind === 'entry' ? after.entry.packageDir : undefined });
    return { perOp: false, detail, baseFile: uriOf(base).fsPath };
  }

  private async pick(): Promise<boolean> {
    const list = this.store.list();
    if (list.length === 0) {
      void vscode.window.showInformationMessage('Go Memory Insight: no profiles yet. Run "Profile Package Memory" or a "Profile benchmark" code lens first.');
      return false;
    }
    const chosen = await vscode.window.showQuickPick(list.map(entryItem), { title: 'Profile History', placeHolder: 'Pick a profile to open, compare or delete', matchOnDescription: true, matchOnDetail: true });
    if (!chosen) return false;
    const e = chosen.entry;
    type Act = vscode.QuickPickItem & { run: () => Promise<boolean> };
    const acts: Act[] = [{ label: '$(flame) Open heap profile', description: e.memProfile ? path.basename(e.memProfile) : '', run: () => this.open(e, false) }];
    if (e.cpuProfile) acts.push({ label: '$(dashboard) Open CPU profile', description: path.basename(e.cpuProfile), run: () => this.open(e, true) });
    // Earlier runs of the same target first, as in "Compare Profiles…".
    const others = compareChoices(list, e).flatMap((c) => (c.kind === 'entry' ? [c.entry] : []));
    if (others.length > 0) {
      acts.push({
        label: '$(diff) Compare with another profile…',
        description: 'diff flame graph: this profile against a base',
        run: async () => {
          const base = await vscode.window.showQuickPick(others.map(entryItem), { title: `Compare ${e.target} (${when(e.time)}) against…`, placeHolder: 'Pick the base profile' });
          return base ? (await this.compare(e, base.entry)) !== false : false;
        },
      });
    }
    acts.push({
      label: '$(trash) Delete',
      description: 'remove from the history and delete its files',
      run: async () => {
        await this.store.remove(e.id);
        return true;
      },
    });
    const act = await vscode.window.showQuickPick(acts, { title: `${e.target} · ${when(e.time)}` });
    return act ? act.run() : false;
  }
}
