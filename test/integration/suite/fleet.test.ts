// Open Profile from Parca/Pyroscope… in a real VS Code, against test/harness/pyroscope/server.ts
// (a local server of Pyroscope's Connect querier API; Pyroscope cannot be installed here)
// serving the flame fixture's heap profile as two series: the server comes from the setting,
// the bearer token from SecretStorage, and the merged profile opens in the flame graph panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { FlameSessionInfo } from '../../../src/extension/flame';
import type { FleetOpenResult } from '../../../src/extension/fleet';
import { startFakePyroscope, type FakePyroscope } from '../../harness/pyroscope/server';
import { activateExtension, closeAllEditors, fixturePath, waitFor } from '../util';



const ALLOC = 'memory:alloc_space:bytes:space:bytes';

function flameState(uri?: string): Thenable<FlameSessionInfo | undefined> {
  return vscode.commands.executeCommand<FlameSessionInfo | undefined>('goMemoryInsight.flame.state', uri);
}

describe('Open Profile from Parca/Pyroscope (local Pyroscope-protocol server)', function () {
  this.timeout(120_000);
  let fake: FakePyroscope;
  const config = () => vscode.workspace.getConfiguration('goMemoryInsight.profileServer');

  before(async () => {
    await activateExtension();
    const heap = fs.readFileSync(fixturePath('flame/heap.pprof'));
    const now = Date.now();
    fake = await startFakePyroscope({
      authorization: 'Bearer tok-123',
      profiles: [
        { labels: { service_name: 'svc', pod: 'p1' }, timeMs: now - 20 * 60_000, pprof: heap },
        { labels: { service_name: 'svc', pod: 'p2' }, timeMs: now - 10 * 60_000, pprof: heap },
        { labels: { service_name: 'other' }, timeMs: now - 10 * 60_000, pprof: heap },
        // The same hour yesterday: one series only.
        { labels: { service_name: 'svc', pod: 'p1' }, timeMs: now - 24 * 3_600_000 - 30 * 60_000, pprof: heap },
      ],
    });
    await config().update('url', fake.url, vscode.ConfigurationTarget.Global);
    await config().update('kind', 'auto', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('url', undefined, vscode.ConfigurationTarget.Global);
    await config().update('kind', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('goMemoryInsight.setProfileServerCredentials', { server: fake.url, kind: 'remove' });
    await fake.close();
    await closeAllEditors();
  });

  it('without credentials, says what the server answered; with a token in SecretStorage, opens the merged profile in the panel, titled with server, query and window', async () => {
    await vscode.commands.executeCommand('goMemoryInsight.setProfileServerCredentials', { server: fake.url, kind: 'remove' });
    const refused = await vscode.commands.executeCommand<FleetOpenResult>('goMemoryInsight.openProfileFromServer', { query: `${ALLOC}{service_name="svc"}`, since: '1h' });
    assert.equal(refused.ok, false);
    assert.match(refused.error ?? '', /Pyroscope at 127\.0\.0\.1:\d+ answered unauthenticated: invalid credentials/);

    assert.equal(await vscode.commands.executeCommand('goMemoryInsight.setProfileServerCredentials', { server: fake.url, kind: 'bearer', token: 'tok-123' }), true);
    const before = fake.requests.length;
    const result = await vscode.commands.executeCommand<FleetOpenResult>('goMemoryInsight.openProfileFromServer', { query: `${ALLOC}{service_name="svc"}`, since: '1h' });
    assert.equal(result.ok, true, result.error);
    assert.equal(result.api, 'querier.v1.QuerierService/SelectMergeStacktraces');
    assert.match(result.title ?? '', /^Pyroscope 127\.0\.0\.1:\d+ · memory:alloc_space:bytes:space:bytes\{service_name="svc"\} · \d{4}-\d\d-\d\d .* UTC$/);
    const sent = fake.requests.slice(before);
    assert.ok(sent.length > 0 && sent.every((r) => r.authorization === 'Bearer tok-123'), 'every request carried the stored token');
    assert.ok(fs.existsSync(result.file!), 'kept as a file, so the panel survives a reload');
    const state = await waitFor(async () => {
      const s = await flameState(vscode.Uri.file(result.file!).toString());
      return s?.rendered || s?.error ? s : undefined;
    }, { message: 'the merged profile to be drawn', timeoutMs: 60_000 });
    assert.equal(state.error, undefined);
    assert.equal(state.sampleType, 'alloc_space');
    assert.ok(state.rendered!.nodeCount > 1);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === result.title);
    assert.ok(tab, `a panel titled ${result.title}`);
  });

  it('compares the last hour with the same hour yesterday in the diff view', async () => {
    const result = await vscode.commands.executeCommand<FleetOpenResult>('goMemoryInsight.openProfileFromServer', { query: `${ALLOC}{service_name="svc"}`, since: '1h', compareWith: '1d' });
    assert.equal(result.ok, true, result.error);
    assert.ok(result.baseFile && fs.existsSync(result.baseFile));
    const state = await waitFor(async () => {
      const s = await flameState(vscode.Uri.file(result.file!).toString());
      return s?.rendered || s?.error ? s : undefined;
    }, { message: 'the diff to be drawn', timeoutMs: 60_000 });
    assert.equal(state.error, undefined);
    assert.equal(state.baseUri, vscode.Uri.file(result.baseFile).toString());
    const windows = fake.requests.filter((r) => r.method === 'SelectMergeStacktraces').slice(-2).map((r) => Number(r.message.start));
    assert.equal(windows[0]! - windows[1]!, 86_400_000, 'the base window is a day earlier');
  });

  it('a query that matches nothing is reported, and no panel opens', async () => {
    const before = vscode.window.tabGroups.all.flatMap((g) => g.tabs).length;
    const result = await vscode.commands.executeCommand<FleetOpenResult>('goMemoryInsight.openProfileFromServer', { query: `${ALLOC}{service_name="nobody"}`, since: '1h' });
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /^Pyroscope has no samples for memory:alloc_space:bytes:space:bytes\{service_name="nobody"\} in .* UTC/);
    assert.equal(vscode.window.tabGroups.all.flatMap((g) => g.tabs).length, before);
  });
});
