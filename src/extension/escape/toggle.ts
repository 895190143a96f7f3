// "Toggle Escape Analysis Annotations": an on/off switch for this workspace kept in VS Code's
// workspace storage, not in .vscode/settings.json. The language server reads
// goMemoryInsight.escapeAnalysis.enabled through workspace/configuration; the client answers with
// the switch's value when it is set (createClient's settingsOverride), and tells the server to
// read its settings again when the switch changes. The setting itself is written only when the
// user asks (the notification's "Save in Workspace Settings" / "Save in User Settings"), and a
// change of the setting, by anyone, clears the switch: the setting then applies again.
import * as vscode from 'vscode';

const STATE_KEY = 'goMemoryInsight.escapeAnalysis.enabledOverride';
const SECTION = 'goMemoryInsight';
const ENABLED_KEY = 'escapeAnalysis.enabled';

export class EscapeToggle implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly listener: vscode.Disposable;

  constructor(private readonly storage: vscode.Memento) {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.${ENABLED_KEY}`) && this.override() !== undefined) void this.set(undefined);
    });
  }

  /** The switch: undefined when the setting applies. */
  override(): boolean | undefined {
    const v = this.storage.get<unknown>(STATE_KEY);
    return typeof v === 'boolean' ? v : undefined;
  }

  /** Whether the analysis is on in this workspace. */
  enabled(): boolean {
    return this.override() ?? vscode.workspace.getConfiguration(SECTION).get<boolean>(ENABLED_KEY, true);
  }

  async set(value: boolean | undefined): Promise<void> {
    if (this.override() === value) return;
    await this.storage.update(STATE_KEY, value);
    this.emitter.fire();
  }

  /** Writes the setting (the user chose to) and clears the switch. */
  async saveSetting(value: boolean, target: vscode.ConfigurationTarget): Promise<void> {
    await this.storage.update(STATE_KEY, undefined);
    await vscode.workspace.getConfiguration(SECTION).update(ENABLED_KEY, value, target);
    this.emitter.fire();
  }

  /** The goMemoryInsight section as the server reads it, with the switch applied. */
  apply(section: unknown): unknown {
    const on = this.override();
    if (on === undefined || typeof section !== 'object' || section === null) return section;
    const s = section as Record<string, unknown>;
    const escape = typeof s.escapeAnalysis === 'object' && s.escapeAnalysis !== null ? (s.escapeAnalysis as Record<string, unknown>) : {};
    return { ...s, escapeAnalysis: { ...escape, enabled: on } };
  }

  dispose(): void {
    this.listener.dispose();
    this.emitter.dispose();
  }
}
