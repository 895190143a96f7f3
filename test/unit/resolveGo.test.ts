import * as assert from 'node:assert/strict';
import { goSettings, resolveGo, type GoSettingsInspected, type ResolveGoOptions } from '../../src/goenv/resolveGo';
import type { runTool } from '../../src/goenv/run';

// A hostile repository's .vscode/settings.json, next to the user's own settings.
const hostile: GoSettingsInspected = {
  goPath: { defaultValue: '', workspaceValue: '${workspaceFolder}/evil/bin/go' },
  alternateTools: { workspaceValue: { go: '${workspaceFolder}/evil/go' } },
  goroot: { globalValue: '/usr/local/go', workspaceValue: '${workspaceFolder}/evil' },
};

describe('goSettings', () => {
  it('ignores the workspace and folder values of an untrusted workspace', () => {
    assert.deepEqual(goSettings(hostile, false, '/repo'), { settingPath: '', alternateTool: undefined, goroot: '/usr/local/go', workspaceFolder: undefined });
    const folderOnly: GoSettingsInspected = { goPath: { workspaceFolderValue: '/repo/go' }, goroot: { workspaceFolderValue: '/repo' } };
    assert.deepEqual(goSettings(folderOnly, false, '/repo'), { settingPath: undefined, alternateTool: undefined, goroot: undefined, workspaceFolder: undefined });
  });

  it('uses them, most specific first, in a trusted workspace', () => {
    assert.deepEqual(goSettings(hostile, true, '/repo'), {
      settingPath: '${workspaceFolder}/evil/bin/go',
      alternateTool: '${workspaceFolder}/evil/go',
      goroot: '${workspaceFolder}/evil',
      workspaceFolder: '/repo',
    });
    const s = goSettings({ goroot: { defaultValue: '/d', globalValue: '/g', workspaceValue: '/w', workspaceFolderValue: '/f' } }, true, undefined);
    assert.equal(s.goroot, '/f');
  });

  it('takes go.alternateTools.go from the most specific scope that sets it (VS Code merges the objects)', () => {
    const alternateTools = { globalValue: { go: '/user/gotip' }, workspaceValue: { gopls: '/w/gopls' } };
    assert.equal(goSettings({ alternateTools }, true, '/repo').alternateTool, '/user/gotip');
    assert.equal(goSettings({ alternateTools: { ...alternateTools, workspaceValue: { go: '/w/go' } } }, true, '/repo').alternateTool, '/w/go');
    assert.equal(goSettings({ alternateTools: { ...alternateTools, workspaceValue: { go: '/w/go' } } }, false, '/repo').alternateTool, '/user/gotip');
  });

  it('skips values that are not strings', () => {
    const inspected = { goroot: { globalValue: '/g', workspaceValue: 42 }, alternateTools: { workspaceValue: 'nonsense', globalValue: { go: 7 } } } as unknown as GoSettingsInspected;
    assert.deepEqual(goSettings(inspected, true, '/repo'), { settingPath: undefined, alternateTool: undefined, goroot: '/g', workspaceFolder: '/repo' });
  });
});

describe('resolveGo', () => {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const calls: string[][] = [];
  const run = (async (file: string, args: readonly string[]) => {
    calls.push([file, ...args]);
    return { exitCode: 0, signal: null, stdout: 'go version go1.26.0 linux/amd64\n', stderr: '', cancelled: false, timedOut: false, durationMs: 1 };
  }) as typeof runTool;
  const executables = new Set(['/repo/evil/bin/go', '/repo/evil/go', '/usr/local/go/bin/go', '/usr/bin/go', '${workspaceFolder}/evil/bin/go']);
  const options = (trusted: boolean, inspected = hostile): ResolveGoOptions => ({
    inspected,
    trusted,
    workspaceFolder: '/repo',
    env: { PATH: '/usr/bin' },
    platform: 'linux',
    isExecutable: (f) => executables.has(f),
    cwd: '/repo',
    log,
    run,
  });
  beforeEach(() => {
    lines.length = 0;
    calls.length = 0;
  });

  it('untrusted: runs no go command and does not pick the workspace binary', async () => {
    const info = await resolveGo(options(false));
    assert.deepEqual(calls, []);
    assert.equal(info.trusted, false);
    assert.equal(info.version, undefined);
    assert.deepEqual(info.lookup.ok && [info.lookup.path, info.lookup.source], ['/usr/local/go/bin/go', 'go.goroot']);
    assert.match(lines.join('\n'), /not trusted/);
    assert.doesNotMatch(lines.join('\n'), /Using go at/);
  });

  it('untrusted: a user setting with ${workspaceFolder} is not expanded', async () => {
    const info = await resolveGo(options(false, { goPath: { globalValue: '${workspaceFolder}/evil/bin/go' } }));
    assert.deepEqual(calls, []);
    // The literal path, not /repo/evil/bin/go (the fake file system has one to tell them apart).
    assert.equal(info.lookup.ok && info.lookup.path, '${workspaceFolder}/evil/bin/go');
  });

  it('trusted: uses the workspace settings and runs go version', async () => {
    const info = await resolveGo(options(true));
    assert.deepEqual(calls, [['/repo/evil/bin/go', 'version']]);
    assert.deepEqual(info, {
      lookup: { ok: true, path: '/repo/evil/bin/go', source: 'setting', reason: 'goMemoryInsight.goPath is set to /repo/evil/bin/go' },
      version: 'go version go1.26.0 linux/amd64',
      trusted: true,
    });
    assert.match(lines.join('\n'), /Using go at \/repo\/evil\/bin\/go/);
  });

  it('runs nothing when no go is found', async () => {
    const info = await resolveGo({ ...options(true, {}), env: { PATH: '/nothing' }, isExecutable: () => false });
    assert.deepEqual(calls, []);
    assert.equal(info.lookup.ok, false);
  });
});
