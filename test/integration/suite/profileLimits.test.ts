// Hostile and huge profiles in a real VS Code: the extension decodes profiles in a worker
// thread with a capped heap (goMemoryInsight.maxProfileMemory), so a crafted file opened in the
// custom editor ends with a one-line error in the panel while the extension host's event loop
// keeps turning (this suite runs in that same extension host, so its timers measure it), and a
// profile that turns hostile on disk leaves nothing stale on screen. Open Profile from URL
// decodes what it fetched once, and shows that.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { FlameSessionInfo } from '../../../src/extension/flame';
import { manySampleTypesProfile } from '../../unit/hostileProfiles';
import { activateExtension, closeAllEditors, decodeStats, fixturePath, waitFor, workspaceRoot } from '../util';

const VIEW_TYPE = 'goMemoryInsight.profileViewer';
const LIMIT_MIB = 256;
/** The longest the extension host's event loop may stall while a hostile profile is decoded. */
const MAX_GAP_MS = 500;


function flameState(uri?: vscode.Uri): Thenable<FlameSessionInfo | undefined> {
  return vscode.commands.executeCommand<FlameSessionInfo | undefined>('goMemoryInsight.flame.state', uri?.toString());
}

/** The longest gap between turns of this extension host's event loop while it runs. */
function watchEventLoop(): { stop(): { maxGapMs: number; maxDelayMs: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
      return { maxGapMs: Math.max(maxGap, performance.now() - last), maxDelayMs: histogram.max / 1e6 };
    },
  };
}

/** The panel's error for a refused hostile profile: over the limit, or refused by the decoder itself. */
function assertRefused(error: string | undefined, name: string): void {
  assert.ok(error, 'the panel shows an error');
  assert.doesNotMatch(error, /[\r\n]/, 'one line');
  const overLimit = new RegExp(`^Cannot open ${name.replace(/\./g, '\\.')}: this profile needs (more than ${LIMIT_MIB} MiB|about .+); raise goMemoryInsight\\.maxProfileMemory .*to open it$`);
  const refused = new RegExp(`^${name.replace(/\./g, '\\.')} is not a readable pprof profile: `);
  assert.ok(overLimit.test(error) || refused.test(error), error);
}

describe('hostile and huge profiles', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    await activateExtension();
    await closeAllEditors();
    dir = path.join(workspaceRoot(), 'limits');
    fs.mkdirSync(dir, { recursive: true });
    // A small limit keeps the test quick (the worker reaches it in seconds); a user setting.
    await vscode.workspace.getConfiguration('goMemoryInsight').update('maxProfileMemory', LIMIT_MIB, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await closeAllEditors();
    await vscode.workspace.getConfiguration('goMemoryInsight').update('maxProfileMemory', undefined, vscode.ConfigurationTarget.Global);
  });

  it('opens a crafted profile (5,000,000 sample types) in the custom editor: a one-line error, and the extension host stays responsive', async () => {
    const uri = vscode.Uri.file(path.join(dir, 'hostile-types.pprof'));
    fs.writeFileSync(uri.fsPath, manySampleTypesProfile(5_000_000));
    const before = await decodeStats();
    const loop = watchEventLoop();
    const started = Date.now();
    let gaps: { maxGapMs: number; maxDelayMs: number };
    let state: FlameSessionInfo;
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      state = await waitFor(async () => {
        const s = await flameState(uri);
        return s?.error || s?.rendered ? s : undefined;
      }, { message: 'the panel to show the error', timeoutMs: 60_000 });
    } finally {
      gaps = loop.stop();
    }
    const ms = Date.now() - started;
    assertRefused(state.error, 'hostile-types.pprof');
    assert.equal(state.rendered, undefined, 'nothing was drawn');
    assert.equal(state.sampleType, undefined, 'no profile is held');
    assert.ok(ms < 30_000, `took ${ms} ms`);
    const after = await decodeStats();
    assert.equal(after.started - before.started, 1, 'decoded once');
    assert.equal(after.failed - before.failed, 1);
    assert.ok(gaps.maxGapMs < MAX_GAP_MS && gaps.maxDelayMs < MAX_GAP_MS, `the extension host's event loop stalled: longest gap ${gaps.maxGapMs.toFixed(0)} ms, longest delay ${gaps.maxDelayMs.toFixed(0)} ms (decode took ${ms} ms)`);
  });

  it('replaces a shown profile by the error when its file turns hostile: nothing stale stays', async () => {
    const uri = vscode.Uri.file(path.join(dir, 'changing.pprof'));
    fs.copyFileSync(fixturePath('flame/heap.pprof'), uri.fsPath);
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const shown = await waitFor(async () => {
      const s = await flameState(uri);
      return s?.rendered || s?.error ? s : undefined;
    }, { message: 'the valid profile to be drawn', timeoutMs: 60_000 });
    assert.equal(shown.error, undefined);
    assert.ok(shown.sampleType);

    // Rewritten on disk (as a new profiling run to the same file would): the panel reloads it.
    fs.writeFileSync(uri.fsPath, manySampleTypesProfile(5_000_000));
    const state = await waitFor(async () => {
      const s = await flameState(uri);
      return s?.error ? s : undefined;
    }, { message: 'the panel to show the error after the file changed', timeoutMs: 60_000 });
    assertRefused(state.error, 'changing.pprof');
    assert.equal(state.sampleType, undefined, 'the old profile is dropped');
    assert.equal(state.rendered, undefined, 'nothing drawn since the reload');
  });

  it('Open Profile from URL decodes the fetched profile once and shows it', async () => {
    const body = fs.readFileSync(fixturePath('flame/heap.pprof'));
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/debug/pprof/heap')) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const before = await decodeStats();
      const result = await vscode.commands.executeCommand<{ ok: boolean; error?: string } | undefined>('goMemoryInsight.openProfileFromUrl', `http://127.0.0.1:${port}/debug/pprof/heap`);
      assert.ok(result, 'a profile was opened');
      assert.equal(result.ok, true, result.error);
      const state = await waitFor(async () => {
        const s = await flameState();
        return s?.rendered || s?.error ? s : undefined;
      }, { message: 'the fetched profile to be drawn', timeoutMs: 60_000 });
      assert.equal(state.error, undefined);
      assert.match(path.basename(vscode.Uri.parse(state.uri).fsPath), new RegExp(`^127\\.0\\.0\\.1_${port}-heap-.*\\.pb\\.gz$`));
      const after = await decodeStats();
      assert.equal(after.started - before.started, 1, `decodes: ${JSON.stringify(after.names.slice(-Math.max(1, after.started - before.started)))}`);
      assert.equal(after.succeeded - before.succeeded, 1);
      assert.equal(after.names.at(-1), path.basename(vscode.Uri.parse(state.uri).fsPath));
    } finally {
      server.close();
    }
  });
});
