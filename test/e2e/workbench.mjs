// Page helpers for end-to-end tests: what a person does in the VS Code workbench (code-server
// in headless Chromium), with waits that poll a condition up to a deadline and errors that
// say what was on screen instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root } from '../harness/codeServer.mjs';

export const screenshotDir = path.join(root, 'test-output', 'screenshots');

const isMac = process.platform === 'darwin';
const mod = isMac ? 'Meta' : 'Control';

export class Workbench {
  /** @param {import('playwright-core').Page} page */
  constructor(page, { workspace }) {
    this.page = page;
    this.workspace = workspace;
  }

  /** Waits until the workbench is rendered and the extension host has started extensions. */
  async ready(timeoutMs = 90_000) {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** The text currently visible in an element (for failure messages), shortened. */
  async textOf(selector) {
    const texts = await this.page.locator(selector).evaluateAll((els) =>
      els.slice(0, 30).map((el) => {
        // The visible words: text nodes outside <style>/<script>, plus icon-only items' labels.
        const parts = [];
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const tag = n.parentElement?.tagName;
          if (tag !== 'STYLE' && tag !== 'SCRIPT' && n.textContent?.trim()) parts.push(n.textContent.trim());
        }
        return parts.join(' ');
      }),
    );
    const text = texts.length ? texts.filter(Boolean).join(' | ') : '(not on the page)';
    return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
  }

  /** Waits until `text` (string or RegExp) appears inside `within`; the error shows what was there instead. */
  async waitForText(text, { within = 'body', timeoutMs = 30_000 } = {}) {
    const loc = this.page.locator(within).filter({ hasText: text }).first();
    try {
      await loc.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${String(text)} in ${within}; it showed:\n${await this.textOf(within)}`);
    }
    return loc;
  }

  /** Opens a file of the workspace through Quick Open (Ctrl+P), like a person would. */
  async openFile(relativePath) {
    await this.quickOpen(relativePath);
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 20_000 });
  }

  /** Opens a workspace file through Quick Open in whatever editor it has (a text editor or a custom one). */
  async quickOpen(relativePath, timeoutMs = 20_000) {
    const name = path.basename(relativePath);
    await this.page.keyboard.press(`${mod}+P`);
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(relativePath);
    // The focused row, which Enter opens: the list shows recently opened files until it has filtered.
    await this.waitForText(name, { within: '.quick-input-widget .monaco-list-row.focused', timeoutMs: 20_000 });
    await this.page.keyboard.press('Enter');
    await this.waitForText(name, { within: '.tabs-container .tab.active', timeoutMs });
  }

  /** Developer: Reload Window, returning once the new workbench is up. */
  async reloadWindow() {
    // A mark that only the old page has: the reload has happened once it is gone.
    await this.page.evaluate(() => {
      window.gmiBeforeReload = true;
    });
    await this.runCommand('Developer: Reload Window');
    await this.page.waitForFunction(() => !window.gmiBeforeReload, undefined, { timeout: 60_000 });
    await this.ready();
    // The extension is back (its commands are in the palette) once its status bar item is.
    await this.statusBarItem('Go Memory', 90_000);
  }

  /**
   * Runs a command by its title from the command palette (F1), e.g. "Go Memory Insight: Show Log".
   * `keepOpen`: the command shows an input box; return once it is there.
   */
  async runCommand(title, { keepOpen = false } = {}) {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    // The focused row, which Enter runs: recently used commands are listed until the filter applies.
    await this.waitForText(title, { within: '.quick-input-widget .monaco-list-row.focused', timeoutMs: 20_000 });
    await this.page.keyboard.press('Enter');
    if (!keepOpen) {
      await input.waitFor({ state: 'hidden', timeout: 15_000 });
      return;
    }
    // The command asks for input in the same widget: wait until it holds the command's box.
    await this.page.waitForFunction(() => {
      const el = document.querySelector('.quick-input-widget input');
      return !!el && el.offsetParent !== null && !el.value.startsWith('>');
    }, undefined, { timeout: 15_000 });
  }

  /** The status bar item whose text contains `text`, once visible. */
  async statusBarItem(text, timeoutMs = 60_000) {
    return this.waitForText(text, { within: '#workbench\\.parts\\.statusbar .statusbar-item', timeoutMs });
  }

  /** Moves the cursor to a 1-based line and column of the active editor (Ctrl+G). */
  async goTo(line, column) {
    await this.page.keyboard.press(`${mod}+G`);
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 15_000 });
  }

  /**
   * Hovers the mouse over a 1-based line and column of the active editor and returns the
   * hover widget once it shows.
   */
  async hoverAt(line, column, timeoutMs = 30_000) {
    await this.goTo(line, column);
    const cursor = this.page.locator('.editor-instance .monaco-editor .cursors-layer .cursor').first();
    await cursor.waitFor({ state: 'attached', timeout: 10_000 });
    const box = await cursor.boundingBox();
    if (!box) throw new Error(`No cursor on screen after going to ${line}:${column}`);
    // Move away first so the hover is triggered anew, then rest on the character after the cursor.
    await this.page.mouse.move(1, 1);
    await this.page.mouse.move(box.x + 4, box.y + box.height / 2, { steps: 4 });
    const hover = this.page.locator('.monaco-hover:not(.hidden)').first();
    try {
      await hover.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const where = await this.textOf('#workbench\\.parts\\.statusbar .statusbar-item[id$="status.editor.selection"]');
      throw new Error(`No hover appeared at ${line}:${column} within ${timeoutMs} ms (cursor: ${where}); the mouse was at ${Math.round(box.x + 4)},${Math.round(box.y + box.height / 2)}`);
    }
    return hover;
  }

  /**
   * Waits until the flame graph panel (a webview frame holding the graph's canvas) is on
   * screen and has drawn: the canvas is visible and some pixel differs from the first one.
   * Returns false when nothing was drawn within the time.
   */
  async flameGraphDrawn(timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        const drawn = await frame
          .evaluate(() => {
            const c = document.querySelector('canvas.flame-canvas');
            if (!c || c.width === 0 || c.height === 0 || document.visibilityState !== 'visible') return false;
            const r = c.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) return false;
            const d = c.getContext('2d')?.getImageData(0, 0, c.width, Math.min(c.height, 200)).data;
            if (!d) return false;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] !== 0 && (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2])) return true;
            return false;
          })
          .catch(() => false);
        if (drawn) return true;
      }
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Saves a screenshot to test-output/screenshots/<name>.png and returns its path. */
  async screenshot(name) {
    fs.mkdirSync(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
