// "Profile History…": the recent profiles in a quick pick, to reopen one, delete one, or
// compare two as a diff flame graph. The command also takes an action object, so the same
// operations are scriptable (keybindings, tests) without the quick pick.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry } from '../../profiling/history';
import type { OpenProfile } from './runner';
import type { HistoryStore } from './stores';

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
  return {
    label: `${e.failed ? '$(warning)' : '$(flame)'} ${e.target}`,
    description: `${e.packagePath ?? e.packageDir} · ${when(e.time)}`,
    detail: `${e.command} · ${e.sampleTypes.join(', ') || 'no sample types'}${e.cpuProfile ? ' · with CPU profile' : ''}${e.failed ? ` · run failed: ${e.failed}` : ''}`,
    entry: e,
  };
}

export class HistoryCommands {
  constructor(
    private readonly store: HistoryStore,
    private readonly openProfile: OpenProfile,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The command handler: an action object runs directly, no argument shows the quick pick. */
  async run(arg?: unknown): Promise<HistoryEntry[] | boolean> {
    if (arg !== undefined && isHistoryAction(arg)) return this.perform(arg);
    return this.pick();
  }

  private find(id: string): HistoryEntry {
    const e = this.store.list().find((x) => x.id === id);
    if (!e) throw new Error(`No profile with id ${id} in the history.`);
    return e;
  }

  private async perform(a: HistoryAction): Promise<HistoryEntry[] | boolean> {
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
    await this.openProfile(vscode.Uri.file(file), { sampleType: cpu ? 'cpu' : 'alloc_space', title: `${entry.target} · ${when(entry.time)}`, sourceDir: entry.packageDir });
    return true;
  }

  async compare(entry: HistoryEntry, base: HistoryEntry): Promise<boolean> {
    for (const e of [entry, base]) {
      if (!e.memProfile || !fs.existsSync(e.memProfile)) return this.missing(e, e.memProfile ?? e.id);
    }
    this.log.info(`Comparing ${entry.memProfile} against ${base.memProfile}`);
    await this.openProfile(vscode.Uri.file(entry.memProfile!), {
      sampleType: 'alloc_space',
      diffBase: vscode.Uri.file(base.memProfile!),
      title: `${entry.target} (${when(entry.time)}) vs ${base.target} (${when(base.time)})`,
      sourceDir: entry.packageDir,
    });
    return true;
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
    const others = list.filter((x) => x.id !== e.id);
    if (others.length > 0) {
      acts.push({
        label: '$(diff) Compare with another profile…',
        description: 'diff flame graph: this profile against a base',
        run: async () => {
          const base = await vscode.window.showQuickPick(others.map(entryItem), { title: `Compare ${e.target} (${when(e.time)}) against…`, placeHolder: 'Pick the base profile' });
          return base ? this.compare(e, base.entry) : false;
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
