// Helpers for the flame graph page tests: real profiles written by `go test -memprofile` on
// test/fixtures/flame, and a headless Chromium page that loads the panel (with the read-only
// hooks of pageHooks.ts) and media/flame.css the way the VS Code webview does (same CSP shape,
// messages through window.postMessage, a recording acquireVsCodeApi standing in for the
// extension host).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readProfileData } from '../../src/pprof/decode';
import type { ProfileData } from '../../src/shared/profileData';
import type { ShowProfileMessage, WebviewMessage } from '../../src/shared/webviewProtocol';

export const ROOT = process.env.GMI_ROOT ?? process.cwd();
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');
const GO = process.env.GO ?? '/usr/local/go/bin/go';

let fixtureDir: string | undefined;

/** Runs the fixture's test with -memprofile and returns the profile path (new file each call). */
export function writeHeapProfile(name: string, env: Record<string, string> = {}): string {
  if (!fixtureDir) {
    fixtureDir = mkdtempSync(path.join(tmpdir(), 'gmi-flame-'));
    cpSync(path.join(ROOT, 'test', 'fixtures', 'flame'), fixtureDir, { recursive: true });
  }
  const out = path.join(fixtureDir, name);
  execFileSync(GO, ['test', '-count=1', '-run', 'TestAllocate', '-memprofile', out, '.'], {
    cwd: fixtureDir,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', ...env },
    stdio: 'pipe',
  });
  return out;
}

export function fixtureModuleDir(): string {
  if (!fixtureDir) writeHeapProfile('warmup.pprof');
  return fixtureDir!;
}

export async function heapProfileData(name = 'heap.pprof', env: Record<string, string> = {}): Promise<ProfileData> {
  return readProfileData(writeHeapProfile(name, env), name);
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

export type ThemeName = 'dark' | 'light' | 'high-contrast';

/** A subset of the variables VS Code sets on the webview's <html> element, per theme kind. */
export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-editor-background': '#1e1e1e',
      '--vscode-editor-foreground': '#d4d4d4',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-focusBorder': '#007fd4',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-font-family': 'sans-serif',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-font-size': '13px',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#000000',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#e51400',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-focusBorder': '#0090f1',
      '--vscode-list-activeSelectionBackground': '#0060c0',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-font-family': 'sans-serif',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-font-size': '13px',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#ffd700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-focusBorder': '#f38518',
      '--vscode-list-activeSelectionBackground': '#000000',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-font-family': 'sans-serif',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-font-size': '13px',
    },
  },
};

export interface PanelPage {
  page: Page;
  /** Messages the page posted to the "host". */
  posted(): Promise<WebviewMessage[]>;
  state(): Promise<unknown>;
  show(msg: Omit<ShowProfileMessage, 'type' | 'canOpenSource'> & { canOpenSource?: boolean }): Promise<void>;
  setTheme(theme: ThemeName): Promise<void>;
  dialogs: string[];
  errors: string[];
}

/**
 * Opens the panel page. `vscodeApi` installs a recording acquireVsCodeApi (as in VS Code);
 * without it the page runs standalone (as in the CLI's HTML file). initialState is what
 * getState returns (a window reload in VS Code).
 */
export async function openPanel(browser: Browser, opts: { theme?: ThemeName; vscodeApi?: boolean; initialState?: unknown; width?: number; height?: number; shippedBundle?: boolean } = {}): Promise<PanelPage> {
  const theme = THEMES[opts.theme ?? 'dark'];
  const dir = path.join(ROOT, 'test-output', 'webview-pages');
  mkdirSync(dir, { recursive: true });
  const nonce = 'n' + Math.random().toString(36).slice(2);
  const cssUrl = pathToFileURL(path.join(ROOT, 'media', 'flame.css')).href;
  // shippedBundle: dist/webview.js as the .vsix ships it, without the test hooks.
  const jsUrl = pathToFileURL(opts.shippedBundle ? path.join(ROOT, 'dist', 'webview.js') : path.join(ROOT, 'test-output', 'webview-tests', 'webview-hooks.js')).href;
  const vars = Object.entries(theme.vars)
    .map(([k, v]) => `${k}:${v}`)
    .join(';');
  const api =
    opts.vscodeApi === false
      ? ''
      : `<script nonce="${nonce}">
window.__posted = []; window.__state = ${JSON.stringify(opts.initialState ?? null)};
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => window.__state,
  setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
});
</script>`;
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src file:; script-src 'nonce-${nonce}'; img-src file: data:; font-src file:">
<link rel="stylesheet" href="${cssUrl}"></head>
<body class="${theme.bodyClass}"><div id="app"></div>
${api}
<script nonce="${nonce}">for (const kv of ${JSON.stringify(vars)}.split(';')) { const i = kv.indexOf(':'); document.documentElement.style.setProperty(kv.slice(0, i), kv.slice(i + 1)); }
window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));</script>
<script nonce="${nonce}" src="${jsUrl}"></script></body></html>`;
  const file = path.join(dir, `panel-${nonce}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 800 } });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  if (opts.shippedBundle) await page.waitForFunction(() => !!document.querySelector('#app .toolbar'));
  else await page.waitForFunction(() => !!window.flameDebug);
  return {
    page,
    dialogs,
    errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted ?? []),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    async show(msg) {
      const full: ShowProfileMessage = { type: 'showProfile', canOpenSource: true, ...msg };
      await page.evaluate((m) => {
        delete document.getElementById('app')!.dataset.rendered;
        delete document.getElementById('app')!.dataset.ready;
        window.postMessage(m, '*');
      }, full);
      await page.waitForFunction(() => !!document.getElementById('app')!.dataset.rendered && !!document.getElementById('app')!.dataset.ready);
    },
    async setTheme(name) {
      const t = THEMES[name];
      await page.evaluate(
        ({ cls, vars }) => {
          const html = document.documentElement;
          html.removeAttribute('style');
          for (const [k, v] of Object.entries(vars)) html.style.setProperty(k, v);
          document.body.className = cls;
        },
        { cls: t.bodyClass, vars: t.vars },
      );
    },
  };
}

/** Number of canvas pixels that are not fully transparent. */
export function paintedPixels(page: Page, selector = '.graph-col > .flame-scroll > canvas'): Promise<number> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
    return n;
  }, selector);
}

/** The RGBA of the canvas pixel at client coordinates. */
export function pixelAt(page: Page, x: number, y: number): Promise<[number, number, number, number]> {
  return page.evaluate(
    ({ x, y }) => {
      const c = document.querySelector('.graph-col > .flame-scroll > canvas') as HTMLCanvasElement;
      const r = c.getBoundingClientRect();
      const k = c.width / r.width;
      const d = c.getContext('2d')!.getImageData(Math.round((x - r.left) * k), Math.round((y - r.top) * k), 1, 1).data;
      return [d[0]!, d[1]!, d[2]!, d[3]!] as [number, number, number, number];
    },
    { x, y },
  );
}

export async function pointOf(page: Page, name: string): Promise<{ x: number; y: number }> {
  const p = await page.evaluate((n) => window.flameDebug!.pointOf(n), name);
  if (!p) throw new Error(`${name} is not drawn`);
  return p;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `flame-${name}.png`);
}
