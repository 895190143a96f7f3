import * as vscode from 'vscode';
import { PRODUCT_NAME } from '../shared/version';

/** The extension's log channel ("Go Memory Insight" in the Output view). */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(PRODUCT_NAME, { log: true });
}

/** Shows an error notification with an "Open Output" button that reveals the log. */
export async function showErrorWithLog(log: vscode.LogOutputChannel, message: string): Promise<void> {
  log.error(message);
  const choice = await vscode.window.showErrorMessage(message, 'Open Output');
  if (choice === 'Open Output') log.show(true);
}
