// Drives the built language server (dist/server.js --stdio) the way another LSP editor would,
// on a fixture module compiled by the installed Go.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { goBinary } from './escapeFixture';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startStdioServer, waitFor, type StdioServer } from './lspStdio';

const root = path.resolve(__dirname, '../../..');

interface Published {
  uri: string;
  diagnostics: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; message: string; code?: string; source?: string; severity?: number; relatedInformation?: { location: { uri: string; range: { start: { line: number; character: number } } }; message: string }[] }[];
}

describe('language server over --stdio', function () {
  this.timeout(120000);
  let dir: string;
  let server: StdioServer<Published['diagnostics'][number]>;
  let conn: MessageConnection;
  let published: StdioServer<Published['diagnostics'][number]>['published'];
  let statuses: StdioServer<unknown>['statuses'];
  let logs: string[];

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-lsp-'));
    fs.cpSync(path.join(root, 'test', 'fixtures', 'lsp'), dir, { recursive: true });
    server = await startStdioServer<Published['diagnostics'][number]>(dir);
    ({ conn, published, statuses, logs } = server);
  });

  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const uriOf = (name: string): string => pathToFileURL(path.join(dir, name)).href;

  it('publishes heap escapes with explanations whose locations are each step\'s own', async () => {
    const uri = uriOf('user.go');
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: fs.readFileSync(path.join(dir, 'user.go'), 'utf8') } });
    const p = await waitFor(() => { const x = published.get(uri); return x && x.diagnostics.length > 0 ? x : undefined; }, 'diagnostics for user.go');
    const moved = p.diagnostics.find((d) => d.code === 'moved-to-heap');
    assert.ok(moved, `no moved-to-heap diagnostic in ${JSON.stringify(p.diagnostics.map((d) => d.message))}`);
    assert.equal(moved.source, 'Go escape analysis');
    assert.deepEqual(moved.range.start, { line: 13, character: 1 });
    assert.match(moved.message, /u .*heap.*returned from NewUser/);
    // The flow is in the hover (next test), not repeated as related information.
    assert.equal(moved.relatedInformation, undefined);
    // Only the kinds a user acts on are shown by default.
    assert.ok(!p.diagnostics.some((d) => d.code === 'does-not-escape' || d.code === 'can-inline'));
    // `héllo` in fmt.Println(héllo): byte column 14 is UTF-16 character 13 (é is 2 bytes).
    const hello = p.diagnostics.find((d) => d.code === 'escapes-to-heap' && d.range.start.line === 20);
    assert.ok(hello, 'héllo escape missing');
    assert.equal(hello.range.start.character, 13);
    assert.equal(hello.range.end.character, 18);
    assert.ok(statuses.some((s) => s.state === 'ok' && s.escapes !== undefined && s.escapes >= 3), JSON.stringify(statuses));
  });

  it('explains the escape in a hover with numbered steps and a remedy', async () => {
    const hover = (await conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf('user.go') }, position: { line: 13, character: 1 } })) as { contents: { value: string } } | null;
    assert.ok(hover, 'no hover');
    const md = hover.contents.value;
    assert.match(md, /\*\*`u`\*\* is moved to the heap/);
    assert.match(md, /\*\*Why:\*\* returned from NewUser/);
    // Compiler words come escaped: `\(\&u\)` renders as `(&u)`.
    assert.ok(md.includes(String.raw`1. its address is taken \(\&u\) — [user\.go\:15\:9](file://`), md);
    assert.match(md, /\]\(file:\/\/[^)\s]*\/user\.go#L15,9\)/);
    assert.match(md, /Usually fixed by:/);
    // The flow steps point at `&u` (15:9) and `return &u` (15:2), not at the header line 14.
    assert.ok(md.includes('user.go#L15,2)'), md);
  });

  it('puts a code lens above each function', async () => {
    const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf('user.go') } })) as { range: { start: { line: number } }; command: { title: string; arguments: unknown[] } }[];
    const titles = new Map(lenses.map((l) => [l.range.start.line, l.command.title]));
    // Leaking parameters are not diagnostics by default, so the lens does not count them either.
    assert.equal(titles.get(12), '1 heap escape · inlinable (cost 10)');
    assert.equal(titles.get(18), '2 heap escapes · cannot inline: function too complex (cost 85 > 80)');
    assert.equal(titles.get(24), 'no heap escapes · inlinable (cost 16)');
  });

  it('re-publishes on a save that changes nothing, and runs go again once anything changed', async () => {
    const uri = uriOf('user.go');
    const before = published.get(uri)!.diagnostics;
    logs.length = 0;
    const count = server.publishCount();
    await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
    await waitFor(() => (logs.some((l) => /is current \(nothing changed since it ran\)/.test(l)) ? true : undefined), 'the analysis to be reused');
    await waitFor(() => (server.publishCount() > count ? true : undefined), 'diagnostics re-published');
    assert.deepEqual(published.get(uri)!.diagnostics, before);
    assert.ok(!logs.some((l) => /^Analysed /.test(l)), `go ran although nothing changed: ${logs.join(' | ')}`);

    // Another package of the module appears on disk (the editor's file watcher reports it):
    // the package may depend on it, so the next save runs the compiler again.
    fs.mkdirSync(path.join(dir, 'other'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'other', 'other.go'), 'package other\n\nfunc F() *int { x := 1; return &x }\n');
    await conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf('other/other.go'), type: 1 }] });
    logs.length = 0;
    await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
    await waitFor(() => (logs.some((l) => /^Analysed /.test(l)) ? true : undefined), 'a new go run');
    assert.ok(!logs.some((l) => /is current/.test(l)), logs.join(' | '));

    // Unchanged again since that run: reused.
    logs.length = 0;
    await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
    await waitFor(() => (logs.some((l) => /is current/.test(l)) ? true : undefined), 'the new analysis to be reused');
  });

  it('a test file that does not compile: the package\'s findings stay and the test file shows its error', async () => {
    // Test files are analysed when asked (goMemoryInsight.escapeAnalysis.includeTestFiles).
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: { goMemoryInsight: { escapeAnalysis: { includeTestFiles: true } } } });
    fs.cpSync(path.join(root, 'test', 'fixtures', 'escape', 'testbroken'), path.join(dir, 'store'), { recursive: true });
    const uri = uriOf('store/store.go');
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: fs.readFileSync(path.join(dir, 'store', 'store.go'), 'utf8') } });
    const own = await waitFor(() => published.get(uri)?.diagnostics.find((d) => d.code === 'moved-to-heap'), 'the package\'s moved-to-heap finding');
    assert.match(own.message, /\bit\b.*heap/);
    const testErr = await waitFor(() => published.get(uriOf('store/store_test.go'))?.diagnostics.find((d) => d.severity === 1), 'the test file\'s compile error');
    assert.equal(testErr.source, 'go build');
    assert.equal(testErr.range.start.line, 5);
    assert.match(testErr.message, /cannot use "not a number"/);
    assert.ok(published.get(uri)!.diagnostics.some((d) => d.code === 'moved-to-heap'), 'the package\'s findings were taken back');
    await waitFor(() => statuses.find((s) => s.state === 'ok' && /the test files do not build: store_test\.go:6/.test(s.message ?? '')), 'a status naming the test failure');
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  });

  it('does not compile packages outside the workspace folders (the standard library) until asked', async () => {
    const goroot = execFileSync(goBinary(), ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
    const builder = path.join(goroot, 'src', 'strings', 'builder.go');
    const stdUri = pathToFileURL(builder).href;
    logs.length = 0;
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: stdUri, languageId: 'go', version: 1, text: fs.readFileSync(builder, 'utf8') } });
    await waitFor(() => statuses.find((s) => s.state === 'outside-workspace' && (s as { packageDir?: string }).packageDir === path.dirname(builder)), 'the outside-workspace status');

    // Another module, outside the root: not analysed on open, analysed when asked.
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'go.mod'), 'module example.com/outside\n\ngo 1.22\n');
      fs.writeFileSync(path.join(outside, 'o.go'), 'package outside\n\nfunc P() *int {\n\tx := 1\n\treturn &x\n}\n');
      const uri = pathToFileURL(path.join(outside, 'o.go')).href;
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: fs.readFileSync(path.join(outside, 'o.go'), 'utf8') } });
      await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
      await waitFor(() => statuses.find((s) => s.state === 'outside-workspace' && (s as { packageDir?: string }).packageDir === outside), 'the outside-workspace status');
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(!published.has(uri) && !published.has(stdUri), 'diagnostics published outside the workspace');
      assert.ok(!logs.some((l) => /^Analys/.test(l) && (l.includes(outside) || l.includes(goroot))), logs.join(' | '));
      assert.equal(await conn.sendRequest('workspace/executeCommand', { command: 'goMemory.analysePackage', arguments: [uri] }), true);
      const moved = await waitFor(() => published.get(uri)?.diagnostics.find((d) => d.code === 'moved-to-heap'), 'findings after the request');
      assert.equal(moved.range.start.line, 3);
      assert.ok(!published.has(stdUri), 'the standard library was analysed');
    } finally {
      await conn.sendNotification('textDocument/didClose', { textDocument: { uri: stdUri } });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('finds open documents whose URI the editor spelled its own way (VS Code encodes parentheses)', async () => {
    const odd = path.join(dir, 'odd (x)');
    fs.mkdirSync(odd);
    // A module in a folder such as "My Projects (old)": the import path does not name the folder.
    fs.writeFileSync(path.join(odd, 'go.mod'), 'module example.com/odd\n\ngo 1.22\n');
    const file = path.join(odd, 'odd.go');
    const text = 'package odd\n\nfunc P() *int {\n\tx := 1\n\treturn &x\n}\n';
    fs.writeFileSync(file, text);
    // As vscode.Uri.file(file).toString() spells it: every character but [A-Za-z0-9-._~/] encoded.
    const vscodeUri = 'file://' + file.split('/').map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
    assert.match(vscodeUri, /%28x%29/);
    const ours = pathToFileURL(file).href;
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: vscodeUri, languageId: 'go', version: 1, text } });
    await waitFor(() => published.get(ours)?.diagnostics.find((d) => d.code === 'moved-to-heap'), 'the finding in odd (x)/odd.go');
    // Typing on the finding's line hides it at once: the server reads the open document, not the disk.
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri: vscodeUri, version: 2 }, contentChanges: [{ text: text.replace('x := 1', 'x := 2') }] });
    await waitFor(() => (published.get(ours)?.diagnostics.some((d) => d.code === 'moved-to-heap') ? undefined : true), 'the edited line\'s finding to disappear');
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri: vscodeUri } });
  });

  it('hides findings on edited lines at once, and reports build errors on save', async () => {
    const uri = uriOf('user.go');
    const file = path.join(dir, 'user.go');
    const before = fs.readFileSync(file, 'utf8');
    const broken = before.replace('return &u', 'return &v');
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: broken.replace('\tu := User{Name: name}', '\tu := User{Name: name} // edited') }] });
    await waitFor(() => (published.get(uri)?.diagnostics.some((d) => d.code === 'moved-to-heap') ? undefined : true), 'the stale moved-to-heap finding to disappear');
    fs.writeFileSync(file, broken);
    await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
    const p = await waitFor(() => { const x = published.get(uri); return x?.diagnostics.some((d) => d.severity === 1) ? x : undefined; }, 'a build error');
    const errors = p.diagnostics.filter((d) => d.severity === 1);
    assert.ok(errors.every((e) => e.source === 'go build'));
    assert.ok(errors.some((e) => /undefined: v/.test(e.message) && e.range.start.line === 14), JSON.stringify(errors));
    assert.ok(!p.diagnostics.some((d) => d.source === 'Go escape analysis'), 'escape findings left next to a build error');
    assert.ok(statuses.some((s) => s.state === 'build-failed'), JSON.stringify(statuses.slice(-3)));
  });
});
