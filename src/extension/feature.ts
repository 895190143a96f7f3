// What a feature module receives when the extension activates. Each feature lives in its
// own folder under src/extension/ and exports `register(ctx: FeatureContext)`; main.ts calls them.
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ProfileDecoder } from './decode';
import type { EscapeToggle } from './escape/toggle';
import type { GoBinary } from './goBinary';
import type { StatusItem } from './status';

export interface FeatureContext {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  go: GoBinary;
  status: StatusItem;
  /** Decodes profiles in a worker thread, within goMemoryInsight.maxProfileMemory. */
  decoder: ProfileDecoder;
  /** The escape analysis on/off switch of this workspace. */
  escapeToggle: EscapeToggle;
  /** The running language client, or undefined while it is (re)starting. */
  client(): LanguageClient | undefined;
  /** Fires each time a language server has started and answered (a restart starts a server that knows nothing yet). */
  onDidStartServer: vscode.Event<void>;
}
