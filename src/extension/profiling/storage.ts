// Where profiles go: the extension's workspace storage (context.storageUri), or its global
// storage when no folder is open. Creating and checking the folders is in src/profiling/storage.ts.
import type * as vscode from 'vscode';

export { fileSize, prepareStorage, removeFiles, StorageError, type ProfileStorage } from '../../profiling/storage';

export function storageRoot(context: vscode.ExtensionContext): string {
  return (context.storageUri ?? context.globalStorageUri).fsPath;
}
