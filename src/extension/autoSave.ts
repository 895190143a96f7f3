// Tells which saves `files.autoSave: afterDelay` makes, so that the language server analyses
// once the typing stopped instead of after every automatic save.
import * as vscode from 'vscode';

export class AutoSaveTracker implements vscode.Disposable {
  private readonly pending = new Set<string>();
  private readonly subscription = vscode.workspace.onWillSaveTextDocument((e) => {
    if (e.reason === vscode.TextDocumentSaveReason.AfterDelay && e.document.languageId === 'go') this.pending.add(e.document.uri.toString());
  });

  /** Whether the save of this document that just happened was an automatic one (asked once). */
  take(uri: vscode.Uri): boolean {
    return this.pending.delete(uri.toString());
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
