// A person points "Open Profile from URL…" at a running Go service's net/http/pprof endpoint:
// the address box checks what is typed, a CPU endpoint asks for a duration (Escape cancels),
// and the heap endpoint opens in the flame graph.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const title = 'Open Profile from URL fetches a running service\'s heap profile';

const SERVER = `package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

var keep [][]byte

func main() {
	for i := 0; i < 100; i++ {
		keep = append(keep, make([]byte, 64<<10))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(l.Addr().String())
	http.Serve(l, nil)
}
`;

/** Builds and starts a small service with net/http/pprof; returns its address and a stop function. */
async function startService() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-e2e-pprof-'));
  fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/svc\n\ngo 1.21\n');
  fs.writeFileSync(path.join(dir, 'main.go'), SERVER);
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' };
  execFileSync('go', ['build', '-o', 'svc', '.'], { cwd: dir, env });
  const proc = spawn(path.join(dir, 'svc'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const addr = await new Promise((resolve, reject) => {
    proc.stdout.once('data', (b) => resolve(b.toString().trim()));
    proc.once('exit', (c) => reject(new Error(`the pprof service exited with ${c}`)));
  });
  return {
    addr,
    stop: () => {
      proc.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** @param {import('../workbench.mjs').Workbench} wb */
export default async function (wb) {
  const svc = await startService();
  try {
    const input = wb.page.locator('.quick-input-widget input');
    const message = '.quick-input-widget .quick-input-message';

    // Not an http address: the box says so and keeps it open.
    await wb.runCommand('Go Memory Insight: Open Profile from URL…', { keepOpen: true });
    await input.fill('ftp://example.com/debug/pprof/heap');
    await wb.waitForText(/http/i, { within: message, timeoutMs: 10_000 });
    // A CPU endpoint asks how long to profile for; Escape there opens nothing.
    await input.fill(`http://${svc.addr}/debug/pprof/profile`);
    await wb.page.keyboard.press('Enter');
    await wb.waitForText('Seconds to profile for', { within: '.quick-input-widget', timeoutMs: 10_000 });
    await wb.page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden', timeout: 10_000 });

    // The heap endpoint: fetched, decoded and drawn in a panel named after the endpoint.
    await wb.runCommand('Go Memory Insight: Open Profile from URL…', { keepOpen: true });
    await input.fill(`http://${svc.addr}/debug/pprof/heap`);
    await wb.page.keyboard.press('Enter');
    await wb.waitForText(`heap · ${svc.addr}`, { within: '.tabs-container .tab', timeoutMs: 60_000 });
    assert.ok(await wb.flameGraphDrawn(60_000), 'the heap profile fetched from the service was not drawn');
    await wb.screenshot('e2e-profile-from-url');
  } finally {
    svc.stop();
  }
}
