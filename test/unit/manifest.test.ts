// The manifest ships no test-only command: the commands the integration tests read state
// through are registered by registerTestCommands (src/extension/testHooks.ts), only when the
// harness sets GMI_TEST_HOOKS=1 (the integration suite, which reads state through them, shows
// that they are there then), and package.json contributes none of them.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = process.cwd();

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('extension manifest', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }>; menus: Record<string, Array<{ command: string }>> } };
  const code = sources(path.join(ROOT, 'src', 'extension')).map((f) => readFileSync(f, 'utf8'));

  /** Ids of the commands registered through registerTestCommands. */
  const testOnly = new Set<string>();
  for (const text of code) {
    for (const m of text.matchAll(/registerTestCommands\(\{([\s\S]*?)\}\)/g)) {
      for (const id of m[1]!.matchAll(/'(goMemoryInsight\.[\w.]+)':/g)) testOnly.add(id[1]!);
    }
  }
  /** Command ids the extension's code names (registered literally or through a constant such as COMMANDS). */
  const named = new Set<string>();
  for (const text of code) for (const m of text.matchAll(/'(goMemoryInsight\.[\w.]+)'/g)) named.add(m[1]!);

  it('contributes no test-only command, in the command list or a menu', () => {
    assert.ok(testOnly.size >= 5, `test-only commands found: ${[...testOnly].join(', ')}`);
    const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
    for (const menu of Object.values(pkg.contributes.menus)) for (const item of menu) contributed.add(item.command);
    for (const id of testOnly) assert.ok(!contributed.has(id), `${id} is contributed`);
  });

  it('contributes only commands its code registers for users', () => {
    for (const { command } of pkg.contributes.commands) assert.ok(named.has(command) && !testOnly.has(command), `${command} is not one of the extension's commands`);
  });
});
