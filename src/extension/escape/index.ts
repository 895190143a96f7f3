// The client side of escape analysis: the per-workspace on/off command (toggle.ts) and the quick pick a
// function's code lens opens. Diagnostics, hovers and code lenses come from the language server.
import * as vscode from 'vscode';
import { ANALYSE_PACKAGE_SERVER_COMMAND, SHOW_FUNCTION_FINDINGS_COMMAND, type FunctionFindingsArgs } from '../../shared/protocol';
import type { FeatureContext } from '../feature';

const SAVE_WORKSPACE = 'Save in Workspace Settings';
const SAVE_USER = 'Save in User Settings';

function isFunctionFindingsArgs(value: unknown): value is FunctionFindingsArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<FunctionFindingsArgs>;
  return typeof v.uri === 'string' && typeof v.functionName === 'string' && Array.isArray(v.items);
}

export function register(ctx: FeatureContext): void {
  const saveSetting = async (on: boolean, where: 'workspace' | 'user'): Promise<void> => {
    const target = where === 'workspace' && vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await ctx.escapeToggle.saveSetting(on, target);
    ctx.log.info(`Escape analysis ${on ? 'on' : 'off'}, saved in the ${target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user'} settings`);
  };
  ctx.context.subscriptions.push(
    // Switches the analysis for this workspace in VS Code's workspace storage; settings.json is
    // written only when the user picks a Save action (or passes { save: 'workspace' | 'user' }).
    vscode.commands.registerCommand('goMemoryInsight.toggleEscapeAnalysis', async (arg?: unknown) => {
      const toggle = ctx.escapeToggle;
      const on = !toggle.enabled();
      const save = typeof arg === 'object' && arg !== null ? (arg as { save?: unknown }).save : undefined;
      if (save === 'workspace' || save === 'user') {
        await saveSetting(on, save);
        return on;
      }
      await toggle.set(on);
      ctx.log.info(`Escape analysis annotations turned ${on ? 'on' : 'off'} for this workspace (not saved in settings)`);
      const choices = vscode.workspace.workspaceFolders ? [SAVE_WORKSPACE, SAVE_USER] : [SAVE_USER];
      void vscode.window.showInformationMessage(`Go Memory Insight: escape analysis ${on ? 'on' : 'off'} for this workspace.`, ...choices).then(async (choice) => {
        if (choice && toggle.override() === on) await saveSetting(on, choice === SAVE_WORKSPACE ? 'workspace' : 'user');
      });
      return on;
    }),
    // Analyses the active Go file's package even outside the workspace folders (the standard
    // library, the module cache): on open and save only the workspace's packages are analysed.
    vscode.commands.registerCommand('goMemoryInsight.analysePackage', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      const client = ctx.client();
      if (!target || target.scheme !== 'file' || !target.fsPath.endsWith('.go')) {
        void vscode.window.showInformationMessage('Go Memory Insight: open a Go file to analyse its package.');
        return;
      }
      if (!vscode.workspace.isTrusted || !client) {
        void vscode.window.showInformationMessage('Go Memory Insight: the analysis runs the go command, which needs a trusted workspace and a running language server.');
        return;
      }
      ctx.log.info(`Analysing the package of ${target.fsPath} on request`);
      await client.sendRequest('workspace/executeCommand', { command: ANALYSE_PACKAGE_SERVER_COMMAND, arguments: [target.toString()] });
    }),
    vscode.commands.registerCommand(SHOW_FUNCTION_FINDINGS_COMMAND, async (args: unknown) => {
      if (!isFunctionFindingsArgs(args)) {
        ctx.log.warn('showFunctionFindings called without findings');
        return;
      }
      const uri = vscode.Uri.parse(args.uri);
      if (args.items.length === 0) {
        void vscode.window.showInformationMessage(`${args.functionName}: no heap allocations reported by the compiler.`);
        return;
      }
      type Item = vscode.QuickPickItem & { line: number; character: number };
      const items: Item[] = args.items.map((i) => ({
        label: i.label,
        description: `line ${i.line + 1}`,
        detail: i.detail,
        line: i.line,
        character: i.character,
      }));
      const pick = await vscode.window.showQuickPick(items, {
        title: `${args.functionName}: what the compiler decided`,
        placeHolder: 'Select a finding to go to it',
        matchOnDetail: true,
      });
      if (!pick) return;
      const pos = new vscode.Position(pick.line, pick.character);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
    }),
  );
}
