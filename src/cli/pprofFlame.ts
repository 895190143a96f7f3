// `go-memory-insight pprof flame FILE -o out.html`: writes one self-contained HTML file with
// the same flame graph as the VS Code panel. The webview bundle and stylesheet are inlined;
// the profile is embedded as JSON in a <script type="application/json"> element (read with
// JSON.parse, never run), with '<', '>' and '&' escaped so no name can close the element. Its
// numeric columns are plain arrays there (src/shared/profileJson.ts), typed again in the page.
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CliIO } from './command';
import { CliError, scanArgs } from './command';
import { loadProfileArg, parseSize, type PprofSubcommand } from './pprof';
import { resolveSampleIndex, ProfileError, type DecodeOptions } from '../pprof/decode';
import type { ShowProfileMessage } from '../shared/webviewProtocol';
import { encodeProfileMessage } from '../shared/profileJson';

/** JSON that is safe inside a <script> element: no '<' (so no "</script>" or "<!--"), '>' or '&'. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Keeps inlined JavaScript or CSS from ending its element early. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}

export interface StandalonePageParts {
  script: string;
  css: string;
  message: ShowProfileMessage;
}

/** The whole page. Its CSP allows only the inlined style and script (by nonce). */
export function standalonePage(p: StandalonePageParts): string {
  const nonce = randomBytes(18).toString('base64').replace(/[+/=]/g, '');
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="go-memory-insight pprof flame">
<title>${escapeHtml(p.message.title)}</title>
<style nonce="${nonce}">
${inlineSafe(p.css, 'style')}
</style>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="gmi-profile">${scriptSafeJson(encodeProfileMessage(p.message))}</script>
<script nonce="${nonce}">
${inlineSafe(p.script, 'script')}
</script>
</body>
</html>
`;
}

/** dist/webview.js and media/flame.css next to the CLI bundle (dist/cli.js). */
async function readAssets(): Promise<{ script: string; css: string }> {
  const candidates = [__dirname, path.join(__dirname, '..', 'dist')];
  for (const dir of candidates) {
    const js = path.join(dir, 'webview.js');
    const css = path.join(dir, '..', 'media', 'flame.css');
    if (existsSync(js) && existsSync(css)) return { script: await readFile(js, 'utf8'), css: await readFile(css, 'utf8') };
  }
  throw new CliError(`cannot find the flame graph page (webview.js and media/flame.css) next to ${__dirname}; run "npm run build"`);
}

interface FlameArgs {
  file: string;
  out: string;
  sampleIndex?: string;
  base?: string;
  title?: string;
  decode: DecodeOptions;
}

function parseArgs(args: string[]): FlameArgs {
  let out: string | undefined;
  const parsed: Partial<FlameArgs> = {};
  const decode: DecodeOptions = {};
  const files = scanArgs(args, (flag, value) => {
    switch (flag) {
      case '-o':
      case '--output':
        out = value();
        return true;
      case '--sample-index':
      case '--sample_index':
        parsed.sampleIndex = value();
        return true;
      case '--base':
      case '--diff-base':
      case '--diff_base':
        parsed.base = value();
        return true;
      case '--title':
        parsed.title = value();
        return true;
      case '--max-memory':
        decode.memoryBudgetBytes = parseSize(flag, value());
        return true;
      default:
        return false;
    }
  });
  if (files.length !== 1) throw new CliError(files.length === 0 ? 'missing the profile FILE' : `expected one profile FILE, got ${files.length}`, 2);
  if (!out) throw new CliError('missing -o OUT.html', 2);
  return { ...parsed, file: files[0]!, out, decode };
}

async function runFlame(args: string[], io: CliIO): Promise<number> {
  const a = parseArgs(args);
  const data = await loadProfileArg(a.file, io, a.decode);
  const base = a.base ? await loadProfileArg(a.base, io, a.decode) : undefined;
  let sampleIndex: number;
  try {
    sampleIndex = resolveSampleIndex(data.sampleTypes, a.sampleIndex, data.defaultSampleIndex);
  } catch (err) {
    if (err instanceof ProfileError) throw new CliError(err.message, 2);
    throw err;
  }
  const { script, css } = await readAssets();
  const title = a.title ?? (base ? `${base.name} → ${data.name}` : data.name);
  const message: ShowProfileMessage = { type: 'showProfile', data, title, canOpenSource: false, sampleIndex };
  if (base) message.base = base;
  const html = standalonePage({ script, css, message });
  const outPath = path.isAbsolute(a.out) ? a.out : path.join(io.cwd, a.out);
  try {
    await writeFile(outPath, html);
  } catch (err) {
    throw new CliError(`cannot write ${a.out}: ${(err as Error).message}`);
  }
  io.stderr(`wrote ${a.out} (${Math.round(html.length / 1024)} KiB, ${data.sampleTypes[sampleIndex]!.type})\n`);
  return 0;
}

export const pprofFlame: PprofSubcommand = {
  name: 'flame',
  summary: 'write a self-contained HTML flame graph of a profile',
  synopsis: 'FILE -o OUT.html [--sample-index NAME|N] [--base FILE] [--title TEXT]',
  help: [
    'FILE is a pprof profile (gzip-compressed or not), or - for standard input.',
    '-o OUT.html       the page to write: one file, no network access, opens in any browser',
    '--sample-index    sample type shown first (alloc_space, inuse_objects...) or number;',
    '                  the page can switch to the others',
    '--base FILE       diff mode: FILE minus this base profile, growth and shrinkage coloured',
    '--title TEXT      page title (default: the file name)',
    // Written out: './pprof' lists this subcommand, so its constants are not set while this loads.
    '--max-memory N    memory a profile may take, e.g. 2G or 512M (default 1G)',
  ],
  run: runFlame,
};
