// Commands the integration tests read the extension's state through (decorations, the flame
// graph's sessions, decode counts cannot be read through the vscode API). They are registered
// only when the test harness starts VS Code with GMI_TEST_HOOKS=1
// (test/harness/run-integration.mjs), and package.json does not contribute them: users never
// see them, in the Command Palette or anywhere else.
import * as vscode from 'vscode';

export const TEST_HOOKS_ENV = 'GMI_TEST_HOOKS';

export function testHooksEnabled(): boolean {
  return process.env[TEST_HOOKS_ENV] === '1';
}

/** Registers the commands when the test hooks are on; no disposables otherwise. */
export function registerTestCommands(commands: Record<string, (...args: unknown[]) => unknown>): vscode.Disposable[] {
  if (!testHooksEnabled()) return [];
  return Object.entries(commands).map(([id, fn]) => vscode.commands.registerCommand(id, fn));
}
