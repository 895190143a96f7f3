// Open Profile from Parca/Pyroscope… in a real VS Code against a real Parca (v0.28.0, built by
// scripts/setup-parca.sh; .ci/run sets GMI_REQUIRE_PARCA=1 so a missing binary fails there
// instead of skipping) scraping test/harness/pprof-service: the engine is found by asking the
// server, the merged heap profile opens in the flame graph panel, and go tool pprof reads the
// file it keeps (with main.main's allocations in it).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { FlameSessionInfo } from '../../../src/extension/flame';
import type { FleetOpenResult } from '../../../src/extension/fleet';
import { parcaBinary, startParca, type ParcaRun } from '../../unit/parcaFixture';
import { activateExtension, closeAllEditors, waitFor } from '../util';



const INUSE = 'memory:inuse_space:bytes:space:bytes';

/** `go tool pprof -top` of a file: its total in bytes and the functions it lists. */
function pprofTop(file: string): Promise<{ total: number; text: string }> {
  return new Promise((resolve, reject) => {
    execFile('go', ['tool', 'pprof', '-top', '-unit=B', '-nodefraction=0', '-nodecount=100000', file], { env: { ...process.env, GOTOOLCHAIN: 'local' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`go tool pprof failed: ${stderr || err.message}`));
      const m = /of (\d+)B total/.exec(stdout);
      if (!m) return reject(new Error(`no total in:\n${stdout}`));
      resolve({ total: Number(m[1]), text: stdout });
    });
  });
}

describe('Open Profile from Parca/Pyroscope (a real Parca)', function () {
  this.timeout(300_000);
  let parca: ParcaRun | undefined;
  const config = () => vscode.workspace.getConfiguration('goMemoryInsight.profileServer');

  before(async function () {
    if (!fs.existsSync(parcaBinary())) {
      if (process.env.GMI_REQUIRE_PARCA) throw new Error(`Parca is not built at ${parcaBinary()} (scripts/setup-parca.sh)`);
      this.skip();
    }
    await activateExtension();
    parca = await startParca();
    await config().update('url', parca.url, vscode.ConfigurationTarget.Global);
    await config().update('kind', 'auto', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('url', undefined, vscode.ConfigurationTarget.Global);
    await config().update('kind', undefined, vscode.ConfigurationTarget.Global);
    await parca?.stop();
    await closeAllEditors();
  });

  it('opens the merged heap profile of the scraped service in the panel, and go tool pprof reads the file it keeps', async () => {
    const p = parca!;
    const query = `${INUSE}{job="svc"}`;
    // Parca has samples once it has scraped the service; until then it says it has none.
    let last = '';
    const result = await waitFor(async () => {
      const r = await vscode.commands.executeCommand<FleetOpenResult>('goMemoryInsight.openProfileFromServer', { query, since: '10m' });
      if (r.ok) return r;
      last = r.error ?? '';
      assert.match(last, /^Parca has no samples for /, 'the only failure expected before the first scrape');
      return undefined;
    }, { message: 'Parca to have samples', timeoutMs: 150_000, intervalMs: 2000, describe: () => `last answer: ${last}; Parca's log: ${p.log().slice(-1500)}` });
    assert.equal(result.api, 'parca.query.v1alpha1.QueryService/Query', 'the engine found by asking the server');
    assert.match(result.title ?? '', /^Parca 127\.0\.0\.1:\d+ · memory:inuse_space:bytes:space:bytes\{job="svc"\} · \d{4}-\d\d-\d\d .* UTC$/);
    assert.ok(result.file && fs.existsSync(result.file), 'kept as a file');
    const state = await waitFor(async () => {
      const s = await vscode.commands.executeCommand<FlameSessionInfo | undefined>('goMemoryInsight.flame.state', vscode.Uri.file(result.file!).toString());
      return s?.rendered || s?.error ? s : undefined;
    }, { message: 'the merged profile to be drawn', timeoutMs: 60_000 });
    assert.equal(state.error, undefined);
    assert.equal(state.sampleType, 'inuse_space');
    assert.ok(state.rendered!.nodeCount > 1);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === result.title);
    assert.ok(tab, `a panel titled ${result.title}`);
    const top = await pprofTop(result.file);
    assert.ok(top.total > 0 && /\bmain\.main\b/.test(top.text), top.text);
  });
});
