// The Node side of the flame graph: message validation, mapping profile paths to files (with
// profiles from normal and -trimpath builds), fetching from a real net/http/pprof server, and
// the CLI's self-contained page (opened in headless Chromium).
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { access } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeProfile, profileSchema, readProfileData, toProfileData } from '../../src/pprof/decode';
import { buildTree } from '../../src/pprof/tree';
import { formatValue } from '../../src/pprof/units';
import type { ProfileData } from '../../src/shared/profileData';
import { parseHostMessage, parsePersistedState, parseWebviewMessage, validateProfileData } from '../../src/shared/webviewProtocol';
import { decodeProfileData, decodeProfileMessage, encodeProfileData, encodeProfileMessage } from '../../src/shared/profileJson';
import { parseGoListModules, resolveSourcePath, sourceCandidates, escapeModulePath, type SourceEnv } from '../../src/extension/flame/sourcePaths';
import { fetchProfile, parseProfileUrl, takesSeconds } from '../../src/extension/flame/fetchProfile';
import { contentSecurityPolicy, webviewHtml } from '../../src/extension/flame/html';
import { scriptSafeJson } from '../../src/cli/pprofFlame';
import { fixtureModuleDir, launchBrowser, ROOT, screenshotPath, writeHeapProfile } from './helpers';

const GO = process.env.GO ?? '/usr/local/go/bin/go';
const PKG = 'example.com/flamefixture';
const exists = async (p: string) => access(p).then(
  () => true,
  () => false,
);

function goEnv(dir: string): SourceEnv {
  const [goroot, gomodcache] = execFileSync(GO, ['env', 'GOROOT', 'GOMODCACHE'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local' } })
    .toString()
    .split('\n');
  const mods = parseGoListModules(execFileSync(GO, ['list', '-m', '-json'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local' } }).toString());
  return { goroot: goroot!.trim(), gomodcache: gomodcache!.trim(), modules: mods.modules, workspaceFolders: [] };
}

describe('flame graph messages', () => {
  let heap: ProfileData;
  before(async () => {
    heap = await readProfileData(writeHeapProfile('messages.pprof'));
  });

  it('accepts a real profile and rejects corrupted ones with a reason', () => {
    assert.equal(validateProfileData(heap), undefined);
    const bad = (mutate: (d: ProfileData) => void): string | undefined => {
      const d = structuredClone(heap);
      mutate(d);
      return validateProfileData(d);
    };
    assert.match(bad((d) => (d.stackFrames[3] = d.frameFunc.length)) ?? '', /stackFrames\[3\] is out of range/);
    assert.match(bad((d) => (d.stackFrames[d.stackFrames.length - 1] = -1)) ?? '', /stackFrames\[\d+\] is out of range/);
    assert.match(bad((d) => (d.frameFunc[0] = -1)) ?? '', /frameFunc\[0\]/);
    assert.match(bad((d) => (d.values[0]![0] = NaN)) ?? '', /values\[0\]\[0\] is not a finite number/);
    assert.match(bad((d) => (d.values[1]![d.values[1]!.length - 1] = Infinity)) ?? '', /values\[1\]\[\d+\] is not a finite number/);
    assert.match(bad((d) => (d.funcName[1] = 5 as unknown as string)) ?? '', /funcName\[1\] is not a string/);
    assert.match(bad((d) => (d.stackStart = d.stackStart.subarray(0, -1))) ?? '', /stackStart does not cover/);
    assert.match(bad((d) => (d.stackStart[2] = d.stackStart[1]! - 1)) ?? '', /stackStart\[2\] goes backwards/);
    assert.match(bad((d) => (d.defaultSampleIndex = 9)) ?? '', /defaultSampleIndex/);
    assert.match(bad((d) => (d.values[0] = d.values[0]!.subarray(1))) ?? '', /values\[0\] does not have one value per stack/);
    assert.match(bad((d) => (d.frameLine = d.frameLine.subarray(1))) ?? '', /frame table columns differ/);
    // Numbers only in typed arrays of the declared kind: plain arrays (which could hold 0.5 or "1") are refused.
    assert.match(bad((d) => (d.stackFrames = Array.from(d.stackFrames) as unknown as Int32Array)) ?? '', /stackFrames is not an Int32Array/);
    assert.match(bad((d) => (d.frameFunc = Float64Array.from(d.frameFunc) as unknown as Int32Array)) ?? '', /frameFunc is not an Int32Array/);
    assert.match(bad((d) => (d.values[0] = Array.from(d.values[0]!) as unknown as Float64Array)) ?? '', /values\[0\] is not a Float64Array/);
    assert.match(validateProfileData(null) ?? '', /not an object/);
  });

  it('carries a profile through JSON for the standalone page, checking every number on the way back', () => {
    const json = JSON.parse(JSON.stringify(encodeProfileData(heap))) as Record<string, unknown>;
    assert.ok(Array.isArray(json.stackFrames) && Array.isArray((json.values as unknown[])[0]), 'plain arrays in JSON');
    const back = decodeProfileData(json);
    assert.ok(back.ok, back.ok ? '' : back.error);
    assert.deepEqual(back.value, heap);
    assert.ok(back.value.stackFrames instanceof Int32Array && back.value.values[0] instanceof Float64Array);
    const bad = (mutate: (d: Record<string, number[] | number[][]>) => void): string => {
      const d = structuredClone(json) as Record<string, number[] | number[][]>;
      mutate(d);
      const r = decodeProfileData(d);
      return r.ok ? '' : r.error;
    };
    assert.match(bad((d) => ((d.stackFrames as number[])[2] = 0.5)), /stackFrames\[2\] is not a 32-bit integer/);
    assert.match(bad((d) => ((d.frameFunc as unknown[])[0] = '0')), /frameFunc\[0\] is not a 32-bit integer/);
    assert.match(bad((d) => ((d.frameLine as number[])[0] = 2 ** 31)), /frameLine\[0\] is not a 32-bit integer/);
    assert.match(bad((d) => ((d.values as unknown[][])[1]![0] = null)), /values\[1\]\[0\] is not a finite number/);
    assert.match(bad((d) => ((d.stackFrames as number[])[0] = heap.frameFunc.length)), /stackFrames\[0\] is out of range/, 'index ranges checked after decoding');
    assert.match(bad((d) => delete d.stackStart), /stackStart is not an array/);
    const msg = decodeProfileMessage(JSON.parse(JSON.stringify(encodeProfileMessage({ type: 'showProfile', data: heap, base: heap, title: 't', canOpenSource: false, sampleIndex: 1 }))));
    assert.ok(msg.ok && msg.value.base instanceof Object && msg.value.sampleIndex === 1);
    assert.deepEqual(msg.value.data, heap);
    assert.deepEqual(msg.value.base, heap);
    const badBase = decodeProfileMessage({ ...(JSON.parse(JSON.stringify(encodeProfileMessage({ type: 'showProfile', data: heap, title: 't', canOpenSource: false }))) as object), base: { name: 'b' } });
    assert.ok(!badBase.ok && /^showProfile base: /.test(badBase.error), badBase.ok ? '' : badBase.error);
  });

  it('validates host and webview messages by type', () => {
    const ok = parseHostMessage({ type: 'showProfile', data: heap, title: 't', canOpenSource: true, sampleIndex: 1, extra: 'dropped' });
    assert.ok(ok.ok && ok.value.type === 'showProfile' && ok.value.sampleIndex === 1 && !('extra' in ok.value));
    assert.equal(parseHostMessage({ type: 'showProfile', data: heap, title: 't', canOpenSource: true, sampleIndex: 99 }).ok, false);
    assert.equal(parseHostMessage({ type: 'nope' }).ok, false);
    assert.equal(parseHostMessage('showError').ok, false);
    const n = heap.funcName.length;
    assert.deepEqual(parseWebviewMessage({ type: 'openSource', func: n - 1, line: 3 }, n), { ok: true, value: { type: 'openSource', func: n - 1, line: 3, fromBase: false } });
    assert.equal(parseWebviewMessage({ type: 'openSource', func: n, line: 3 }, n).ok, false, 'index past the function table');
    assert.equal(parseWebviewMessage({ type: 'openSource', func: 0, line: 3, fromBase: true }, n, 0).ok, false, 'no base profile');
    assert.equal(parseWebviewMessage({ type: 'openSource', func: '/etc/passwd', line: 1 }, n).ok, false);
    assert.equal(parseWebviewMessage({ type: 'openSource', path: '/etc/passwd', func: 0, line: 1 }, n).ok, true, 'extra fields are ignored, never read');
    assert.deepEqual(parsePersistedState({ ui: { zoomPath: [1, 'x'], orientation: 'sideways', search: 'a' }, source: { uri: 'file:///a.pprof' } }), { ui: { search: 'a' }, source: { uri: 'file:///a.pprof' } });
  });

  it('builds webview HTML with a strict CSP and no data', () => {
    const html = webviewHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/webview.js', styleUri: 'https://x/flame.css', nonce: 'abc' });
    assert.ok(html.includes(`content="${contentSecurityPolicy('https://x.vscode-cdn.net', 'abc')}"`));
    assert.match(html, /script-src 'nonce-abc'; img-src https:\/\/x.vscode-cdn.net data:; font-src/);
    assert.doesNotMatch(html, /unsafe-inline|style=/);
    assert.ok(html.includes('<script nonce="abc" src="https://x/webview.js"></script>'));
  });
});

describe('flame graph: profile paths to files', () => {
  let dir: string;
  let env: SourceEnv;
  before(() => {
    dir = fixtureModuleDir();
    env = goEnv(dir);
  });

  it('opens absolute paths from a normal build and the standard library in GOROOT', async () => {
    const data = await readProfileData(writeHeapProfile('paths.pprof'));
    const f = data.funcName.indexOf(`${PKG}.Buffers`);
    assert.equal(await resolveSourcePath(data.funcFile[f]!, env, exists), path.join(dir, 'alloc.go'));
    const sprintf = data.funcName.indexOf('fmt.Sprintf');
    assert.equal(await resolveSourcePath(data.funcFile[sprintf]!, env, exists), path.join(env.goroot!, 'src', 'fmt', 'print.go'));
  });

  it('maps -trimpath module paths through go list -m and GOROOT-relative paths', async () => {
    const out = path.join(dir, 'trim.pprof');
    execFileSync(GO, ['test', '-count=1', '-trimpath', '-run', 'TestAllocate', '-memprofile', out, '.'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local' }, stdio: 'pipe' });
    const data = await readProfileData(out);
    const f = data.funcName.indexOf(`${PKG}.Buffers`);
    assert.equal(data.funcFile[f], `${PKG}/alloc.go`, 'the Go runtime wrote a module path');
    assert.equal(await resolveSourcePath(data.funcFile[f]!, env, exists), path.join(dir, 'alloc.go'));
    const sprintf = data.funcName.indexOf('fmt.Sprintf');
    assert.equal(data.funcFile[sprintf], 'fmt/print.go');
    assert.equal(await resolveSourcePath(data.funcFile[sprintf]!, env, exists), path.join(env.goroot!, 'src', 'fmt', 'print.go'));
  });

  it('maps paths recorded on another machine, the module cache, and refuses what matches nothing', async () => {
    assert.equal(await resolveSourcePath('/home/builder/sdk/go/src/fmt/print.go', env, exists), path.join(env.goroot!, 'src', 'fmt', 'print.go'));
    const elsewhere = { ...env, modules: [], workspaceFolders: [path.dirname(dir)] };
    assert.equal(await resolveSourcePath(`/ci/work/${path.basename(dir)}/alloc.go`, elsewhere, exists), path.join(dir, 'alloc.go'));
    const cands = sourceCandidates('github.com/BurntSushi/toml@v1.3.2/decode.go', env);
    assert.ok(cands.includes(path.join(env.gomodcache!, 'github.com', '!burnt!sushi', 'toml@v1.3.2', 'decode.go')), cands.join('\n'));
    assert.ok(sourceCandidates('/root/go/pkg/mod/golang.org/x/text@v0.3.0/a.go', env).includes(path.join(env.gomodcache!, 'golang.org', 'x', 'text@v0.3.0', 'a.go')));
    assert.equal(escapeModulePath('github.com/Azure/SDK'), 'github.com/!azure/!s!d!k');
    assert.equal(await resolveSourcePath('example.org/nowhere/x.go', env, exists), undefined);
    assert.deepEqual(sourceCandidates('../../etc/passwd', env), [], 'no parent-directory escapes');
  });
});

describe('flame graph: fetching from net/http/pprof', function () {
  let server: ChildProcess | undefined;
  let base = '';

  before(async function () {
    // A real Go program serving net/http/pprof on a free port (test/harness/pprof-service).
    const dir = mkdtempSync(path.join(tmpdir(), 'gmi-pprof-server-'));
    const source = path.join(ROOT, 'test', 'harness', 'pprof-service');
    execFileSync(GO, ['build', '-o', path.join(dir, 'server'), '.'], { cwd: source, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } });
    const proc = spawn(path.join(dir, 'server'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
    server = proc;
    base = await new Promise<string>((resolve, reject) => {
      proc.stdout!.once('data', (b: Buffer) => resolve(`http://${b.toString().trim()}`));
      proc.once('exit', (c) => reject(new Error(`pprof server exited ${c}`)));
    });
  });

  after(() => {
    server?.kill();
  });

  it('fetches a heap profile that decodes', async () => {
    const url = parseProfileUrl(`${base.replace('http://', '')}`);
    assert.ok(url instanceof URL);
    assert.equal(url.pathname, '/debug/pprof/heap', 'host:port alone means the heap endpoint');
    let progress = 0;
    const body = await fetchProfile(url, { onProgress: (n) => (progress = n) });
    assert.equal(progress, body.length);
    const data = toProfileData(decodeProfile(body), 'heap');
    assert.deepEqual(data.sampleTypes.map((t) => t.type), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
  });

  it('asks for seconds on /profile and gets a CPU profile', async () => {
    const url = parseProfileUrl(`${base}/debug/pprof/profile`) as URL;
    assert.ok(takesSeconds(url));
    url.searchParams.set('seconds', '1');
    const data = toProfileData(decodeProfile(await fetchProfile(url)), 'cpu');
    assert.ok(data.sampleTypes.some((t) => t.type === 'cpu'));
  });

  it('explains 404s, HTML pages, refused connections, the size limit and cancellation', async () => {
    await assert.rejects(fetchProfile(new URL(`${base}/debug/pprof/nothing-here`)), /404.*net\/http\/pprof/);
    await assert.rejects(fetchProfile(new URL(`${base}/debug/pprof/`)), /HTML page, not a profile/);
    await assert.rejects(fetchProfile(new URL(`${base}/debug/pprof/heap`), { maxBytes: 10 }), /limit/);
    // A port nobody listens on: take a free one and close it.
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    await assert.rejects(fetchProfile(new URL(`http://127.0.0.1:${closed}/debug/pprof/heap`)), /Connection refused at 127\.0\.0\.1:\d+/);
    const abort = new AbortController();
    const p = fetchProfile(new URL(`${base}/debug/pprof/profile?seconds=5`), { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    const t0 = Date.now();
    await assert.rejects(p, /Cancelled/);
    assert.ok(Date.now() - t0 < 2000, 'cancel stops the request at once');
    assert.equal(typeof parseProfileUrl('ftp://x/debug/pprof/heap'), 'string');
    assert.match(parseProfileUrl('localhost:6060/debug/pprof/trace') as string, /not a pprof profile/);
  });
});

describe('go-memory-insight pprof flame', function () {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gmi-cli-flame-'));
  });

  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('writes a self-contained page that renders the profile, with hostile names shown literally', async () => {
    // A profile written by the Go runtime, with two strings of its string table replaced.
    const src = writeHeapProfile('cli.pprof');
    const { profile } = profileSchema();
    const msg = profile.decode(gunzipSync(readFileSync(src))) as unknown as { string_table: string[] };
    // Starting `x.<`: a name pprof shows as it is (one that looks like demangled C++ would be
    // shown without its <…> and (…) parts, as pprof does).
    const evilName = 'x.<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    const evilFile = '</script><!--<script>alert(3)</script>.go';
    const data0 = await readProfileData(src);
    const fi = data0.funcName.indexOf(`${PKG}.Buffers`);
    msg.string_table[msg.string_table.indexOf(`${PKG}.Buffers`)] = evilName;
    msg.string_table[msg.string_table.indexOf(data0.funcFile[fi]!)] = evilFile;
    const evilPath = path.join(dir, 'evil.pb.gz');
    writeFileSync(evilPath, gzipSync(profile.encode(profile.fromObject(msg)).finish()));

    const r = run(['pprof', 'flame', evilPath, '-o', 'out.html', '--sample-index', 'alloc_space']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /wrote out\.html/);
    const html = readFileSync(path.join(dir, 'out.html'), 'utf8');
    assert.ok(!html.includes('<script>alert'), 'no raw script from the profile in the page');
    assert.ok(html.includes(scriptSafeJson(evilName).slice(1, -1)), 'the name is embedded escaped');
    assert.doesNotMatch(html, /<(link|script)[^>]+src=/, 'nothing loaded from elsewhere');

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const dialogs: string[] = [];
      const errors: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(path.join(dir, 'out.html')).href);
      await page.waitForFunction(() => !!document.getElementById('app')?.dataset.ready);
      const data = await readProfileData(evilPath);
      const si = data.sampleTypes.findIndex((t) => t.type === 'alloc_space');
      assert.equal(await page.inputValue('.sample-select'), String(si));
      const total = buildTree(data, { sampleIndex: si }).total;
      assert.match((await page.textContent('.status')) ?? '', new RegExp(`alloc_space total ${formatValue(total, 'bytes').replace('.', '\\.')}`));
      // The page is the shipped bundle, without the test hooks: reach the frame as a keyboard
      // user does. Its table row selects its heaviest frame; up to the caller, down to the
      // first callee, right through the siblings shows each one's tooltip.
      await page.click(`table.functions tbody tr[data-func="${data.funcName.indexOf(evilName)}"]`);
      const canvas = page.locator('.graph-col > .flame-scroll > canvas');
      await canvas.focus();
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowDown');
      for (let i = 0; i < 100 && (await page.textContent('.tooltip .tt-name')) !== evilName; i++) await page.keyboard.press('ArrowRight');
      await page.waitForSelector('.tooltip:not(.hidden)');
      assert.equal(await page.textContent('.tooltip .tt-name'), evilName);
      assert.ok((await page.textContent('.tooltip .tt-file'))!.startsWith(evilFile));
      await page.keyboard.press('g');
      assert.match((await page.textContent('.status')) ?? '', /Go to source is available when the profile is opened in VS Code/);
      await page.screenshot({ path: screenshotPath('cli-standalone') });
      assert.deepEqual(dialogs, []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('writes a diff page with --base', async () => {
    const a = writeHeapProfile('cli-base.pprof', { FLAMEFIXTURE_BUFFERS: '8' });
    const b = writeHeapProfile('cli-next.pprof');
    const r = run(['pprof', 'flame', b, '--base', a, '-o', 'diff.html']);
    assert.equal(r.code, 0, r.err);
    assert.ok(readFileSync(path.join(dir, 'diff.html'), 'utf8').includes('"base":{'));
  });

  it('fails with one clear line on bad input', () => {
    writeFileSync(path.join(dir, 'empty.pprof'), '');
    const empty = run(['pprof', 'flame', 'empty.pprof', '-o', 'x.html']);
    assert.notEqual(empty.code, 0);
    assert.match(empty.err, /^go-memory-insight pprof: empty\.pprof: empty file/);
    assert.equal(existsSync(path.join(dir, 'x.html')), false);
    cpSync(path.join(ROOT, 'test', 'fixtures', 'flame', 'heap.pprof'), path.join(dir, 'heap.pprof'));
    const badType = run(['pprof', 'flame', 'heap.pprof', '-o', 'x.html', '--sample-index', 'cpu']);
    assert.equal(badType.code, 2);
    assert.match(badType.err, /no sample type "cpu".*alloc_objects, alloc_space, inuse_objects, inuse_space/);
    assert.match(run(['pprof', 'flame', 'heap.pprof']).err, /missing -o OUT\.html/);
    assert.match(run(['pprof', 'flame', 'missing.pprof', '-o', 'x.html']).err, /cannot read missing\.pprof: no such file/);
  });
});
