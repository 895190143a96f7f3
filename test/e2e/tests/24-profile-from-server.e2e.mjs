// A person stores a token with "Set Profile Server Credentials…", then runs "Open Profile from
// Parca/Pyroscope…": the server address (asked once, then kept in the setting), a time window,
// a profile type and a label value, each picked from what the server lists, and the merged
// profile opens in the flame graph, titled with server, query and window. The server is the
// local Pyroscope-protocol server (test/harness/pyroscope/, built to out/test/harness/pyroscope.js):
// Pyroscope itself cannot be installed on the test machines.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { root } from '../../harness/codeServer.mjs';

export const title = 'Open Profile from Parca/Pyroscope: token in secret storage, pickers served by the server, merged profile in the flame graph';

async function startServer() {
  const heap = path.join(root, 'test', 'fixtures', 'flame', 'heap.pprof');
  const series = [
    { labels: { service_name: 'svc', pod: 'p1' }, ago: '20m', file: heap },
    { labels: { service_name: 'svc', pod: 'p2' }, ago: '10m', file: heap },
    { labels: { service_name: 'other' }, ago: '10m', file: heap },
  ];
  const proc = spawn(process.execPath, [path.join(root, 'out', 'test', 'harness', 'pyroscope.js'), '--token', 'e2e-token', ...series.map((s) => JSON.stringify(s))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    proc.stdout.once('data', (b) => resolve(b.toString().trim()));
    proc.once('exit', (c) => reject(new Error(`the Pyroscope-protocol server exited with ${c}`)));
  });
  return { url, stop: () => proc.kill() };
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const server = await startServer();
  const widget = '.quick-input-widget';
  const input = wb.page.locator(`${widget} input`);
  /** Waits for a quick pick or box whose title contains `heading`, types `text` and presses Enter. */
  const answer = async (heading, text, row = text) => {
    await wb.waitForText(heading, { within: widget, timeoutMs: 30_000 });
    await input.fill(text);
    if (row) await wb.waitForText(row, { within: `${widget} .monaco-list-row`, timeoutMs: 20_000 });
    await wb.page.keyboard.press('Enter');
  };
  try {
    // The palette lists the commands once the extension is known (first in a --grep run).
    await wb.statusBarItem('Go Memory');
    await wb.runCommand('View: Close All Editors');
    // Credentials: the address is asked for (and kept in the setting), then the kind and the token.
    await wb.runCommand('Go Memory Insight: Set Profile Server Credentials…', { keepOpen: true });
    await answer('Open Profile from Parca/Pyroscope', server.url, null);
    await answer(`Credentials for ${server.url}`, 'Bearer token');
    await answer('Bearer token for', 'e2e-token', null);
    await input.waitFor({ state: 'hidden', timeout: 15_000 });

    await wb.runCommand('Go Memory Insight: Open Profile from Parca/Pyroscope…', { keepOpen: true });
    await answer('Time window', 'Last hour');
    await answer('Profile type on Pyroscope', 'alloc_space');
    await answer('Labels {}', 'service_name');
    await answer('service_name =', 'svc');
    await answer('Labels {service_name="svc"}', 'Fetch');
    const host = new URL(server.url).host;
    await wb.waitForText(`Pyroscope ${host} · memory:alloc_space:bytes:space:bytes{service_name="svc"}`, { within: '.tabs-container .tab', timeoutMs: 60_000 });
    assert.ok(await wb.flameGraphDrawn(60_000), 'the merged profile was not drawn');
    await wb.screenshot('e2e-profile-from-server');
  } finally {
    server.stop();
  }
}
