// Helpers for integration suite files (suite/*.test.ts). They run inside the extension host
// and talk to the real extension through the `vscode` API.
//
// The workspace is a fresh temporary folder holding a copy of every module under
// test/fixtures/, side by side (basic/, profiling/, ...), each with its own go.mod.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/shared/version';
import type { GoMemoryInsightApi } from '../../src/extension/main';
import type { DecodeStats } from '../../src/extension/decode';

export { EXTENSION_ID };

export interface WaitOptions<T> {
  timeoutMs?: number;
  intervalMs?: number;
  /** What we are waiting for, shown when the wait times out. */
  message: string;
  /** Describes the current state for the failure message (defaults to the last value seen). */
  describe?: (last: T | undefined) => string | Promise<string>;
}

/**
 * Polls `cond` until it returns a truthy value (which is returned) or the deadline passes.
 * On timeout the error says what was awaited and what was last seen: the last value, or
 * the last error `cond` threw, or `describe()`'s answer.
 */
export async function waitFor<T>(cond: () => T | Promise<T>, options: WaitOptions<T>): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await cond();
      lastError = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  let seen: string;
  if (options.describe) seen = await options.describe(last);
  else if (lastError !== undefined) seen = `the check threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
  else seen = `last value: ${describeValue(last)}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${options.message}; ${seen}`);
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 2000 ? `${v.slice(0, 2000)}…` : v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The fixture workspace's root folder (the temporary copy of test/fixtures/). */
export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('No workspace folder is open: the harness should open the fixture workspace');
  return folder.uri.fsPath;
}

/** Absolute path of a fixture file, e.g. fixturePath('basic/main.go'). */
export function fixturePath(relative: string): string {
  return path.join(workspaceRoot(), ...relative.split('/'));
}

/** Opens a fixture file in an editor and returns the editor. */
export async function openFixture(relative: string, options: vscode.TextDocumentShowOptions = {}): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(fixturePath(relative)));
  return vscode.window.showTextDocument(doc, { preview: false, ...options });
}

/** The extension under test (throws when it is not installed). */
export function extension(): vscode.Extension<GoMemoryInsightApi> {
  const ext = vscode.extensions.getExtension<GoMemoryInsightApi>(EXTENSION_ID);
  if (!ext) {
    const ids = vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id);
    throw new Error(`Extension ${EXTENSION_ID} is not installed; non-builtin extensions: ${ids.join(', ') || 'none'}`);
  }
  return ext;
}

/** Activates the extension (if needed) and returns its API. */
export async function activateExtension(): Promise<GoMemoryInsightApi> {
  const ext = extension();
  const api = await ext.activate();
  if (!api) throw new Error(`${EXTENSION_ID} activated but returned no API`);
  return api;
}

/** Closes every editor, so a test starts from a known layout. */
export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The text of the extension's log channel once it is shown in the Output view, or undefined. */
export function outputChannelText(channelName: string): string | undefined {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && decodeURIComponent(d.uri.path).includes(channelName));
  return doc?.getText();
}

/** How many profiles the extension decoded since it activated (each decode runs in its own worker). */
export async function decodeStats(): Promise<DecodeStats> {
  const stats = await vscode.commands.executeCommand<DecodeStats | undefined>('goMemoryInsight.flame.decodeStats');
  if (!stats) throw new Error('goMemoryInsight.flame.decodeStats answered nothing: is the flame graph feature registered?');
  return stats;
}
