// The client side of escape analysis: the per-workspace on/off command and the quick pick a
// function's code lens opens. Diagnostics, hovers and code lenses come from the language server.
import * as vscode from 'vscode';
import { ANALYSE_PACKAGE_SERVER_COMMAND, SHOW_FUNCTION_FINDINGS_COMMAND, type FunctionFindingsArgs } from '../../shared/protocol';
import type { FeatureContext } from '../feature';

const ENABLED_KEY = 'escapeAnalysis.enabled';

function isFunctionFindingsArgs(value: unknown): value is FunctionFindingsArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<FunctionFindingsArgs>;
  return typeof v.uri === 'string' && typeof v.functionName === 'string' && Array.isArray(v.items);
}

export function register(ctx: FeatureContext): void {
  ctx.context.subscriptions.push(
    vscode.commands.registerCommand('goMemoryInsight.toggleEscapeAnalysis', async () => {
      const config = vscode.workspace.getConfiguration('goMemoryInsight');
      const enabled = config.get<boolean>(ENABLED_KEY, true);
      const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await config.update(ENABLED_KEY, !enabled, target);
      ctx.log.info(`Escape analysis annotations turned ${enabled ? 'off' : 'on'} for this workspace`);
      void vscode.window.setStatusBarMessage(`Go Memory Insight: escape analysis ${enabled ? 'off' : 'on'}`, 3000);
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
