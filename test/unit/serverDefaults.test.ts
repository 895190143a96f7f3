// The language server's first-hour behaviour, driven over --stdio like an editor on a fixture
// module compiled by the installed Go: calm defaults (heap allocations of the open non-test
// files), the per-package limit with its quick fix, path and package filters, and analysis
// after automatic saves only once the typing stopped.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startStdioServer, waitFor, type StdioServer } from './lspStdio';


interface Diag {
  range: { start: { line: number; character: number } };
  message: string;
  code?: string;
  source?: string;
  severity?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A function per index whose local moves to the heap, and one that only returns its parameter. */
function allocations(n: number): string {
  let src = 'package many\n\n// Keep returns its argument: its parameter only flows to the result.\nfunc Keep(p *int) *int { return p }\n';
  for (let i = 0; i < n; i++) src += `\n//go:noinline\nfunc New${i}() *[${i + 1}]int {\n\tv := [${i + 1}]int{}\n\treturn &v\n}\n`;
  return src;
}

describe('language server: defaults, limits, filters and auto-save', function () {
  this.timeout(180000);
  let dir: string;
  let server: StdioServer<Diag>;
  let conn: MessageConnection;
  let published: StdioServer<Diag>['published'];
  let logs: string[];
  let statuses: StdioServer<Diag>['statuses'];

  const uriOf = (rel: string): string => pathToFileURL(path.join(dir, rel)).href;
  const escapes = (rel: string): Diag[] => (published.get(uriOf(rel))?.diagnostics ?? []).filter((d) => d.source === 'Go escape analysis');
  const open = (rel: string): Promise<void> => conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(rel), languageId: 'go', version: 1, text: fs.readFileSync(path.join(dir, rel), 'utf8') } });
  const close = (rel: string): Promise<void> => conn.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(rel) } });
  const configure = (escapeAnalysis: Record<string, unknown>): Promise<void> => conn.sendNotification('workspace/didChangeConfiguration', { settings: { goMemoryInsight: { escapeAnalysis } } });
  const runs = (pkg: string): number => logs.filter((l) => l.startsWith(`Analysed ${path.join(dir, pkg)} in `)).length;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-defaults-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/defaults\n\ngo 1.22\n');
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app', 'app.go'), 'package app\n\n// NewBuf allocates.\nfunc NewBuf() *[64]byte {\n\tb := [64]byte{}\n\treturn &b\n}\n\n// Append only returns dst.\nfunc Append(dst []byte, s string) []byte { return append(dst, s...) }\n');
    fs.writeFileSync(path.join(dir, 'app', 'other.go'), 'package app\n\n// Other allocates too.\nfunc Other() *int {\n\tx := 1\n\treturn &x\n}\n');
    fs.writeFileSync(path.join(dir, 'app', 'app_test.go'), 'package app\n\nimport "testing"\n\nfunc TestNewBuf(t *testing.T) {\n\tp := new(int)\n\tt.Log(p)\n}\n');
    fs.mkdirSync(path.join(dir, 'many'));
    fs.writeFileSync(path.join(dir, 'many', 'many.go'), allocations(30));
    fs.mkdirSync(path.join(dir, 'gen', 'pb'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gen', 'pb', 'x.pb.go'), 'package pb\n\nfunc P() *int {\n\tx := 1\n\treturn &x\n}\n');
    fs.mkdirSync(path.join(dir, 'internal', 'skip'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'internal', 'skip', 'skip.go'), 'package skip\n\nfunc P() *int {\n\tx := 1\n\treturn &x\n}\n');

    server = await startStdioServer<Diag>(dir, { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' });
    ({ conn, published, statuses, logs } = server);
  });

  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('by default: heap allocations of the open non-test files; no leak to a result, no test file, and the lens counts what is shown', async () => {
    await open('app/app.go');
    const moved = await waitFor(() => escapes('app/app.go').find((d) => d.code === 'moved-to-heap'), 'the moved-to-heap finding of b');
    assert.equal(moved.range.start.line, 4);
    await waitFor(() => (runs('app') > 0 ? true : undefined), 'the analysis to end');
    // `Append` only returns dst: no leaking-param diagnostic (its append does allocate). The test
    // variants are not compiled at all.
    assert.deepEqual(escapes('app/app.go').map((d) => d.code), ['moved-to-heap', 'escapes-to-heap'], JSON.stringify(escapes('app/app.go')));
    assert.ok(!logs.some((l) => l.includes('test files still compiling')), logs.join(' | '));
    assert.ok(!published.has(uriOf('app/app_test.go')), 'a test file got diagnostics');
    // other.go is not open: it gets no escape diagnostics unless the whole package is published.
    assert.equal(escapes('app/other.go').length, 0);
    const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf('app/app.go') } })) as { range: { start: { line: number } }; command: { title: string } }[];
    const titles = new Map(lenses.map((l) => [l.range.start.line, l.command.title]));
    assert.match(titles.get(3) ?? '', /^1 heap escape\b/);
    assert.match(titles.get(9) ?? '', /^1 heap escape\b/);
    assert.ok(![...titles.values()].some((t) => t.includes('leaking')), [...titles.values()].join(' | '));
  });

  it('publish "package" sends every file\'s findings; opening and closing a file follows "openFiles"', async () => {
    await configure({ publish: 'package' });
    await waitFor(() => escapes('app/other.go').find((d) => d.code === 'moved-to-heap'), 'other.go\'s finding with publish = package');
    await configure({});
    await waitFor(() => (escapes('app/other.go').length === 0 ? true : undefined), 'other.go cleared with publish = openFiles');
    await open('app/other.go');
    await waitFor(() => escapes('app/other.go').find((d) => d.code === 'moved-to-heap'), 'other.go\'s finding once it is open');
    await close('app/other.go');
    await waitFor(() => (escapes('app/other.go').length === 0 ? true : undefined), 'other.go cleared once it is closed');
    await close('app/app.go');
  });

  it('limits a package to maxDiagnostics, says how many more, and its quick fix shows them all', async () => {
    await configure({ maxDiagnostics: 10 });
    await open('many/many.go');
    const summary = await waitFor(() => escapes('many/many.go').find((d) => d.code === 'truncated-package'), 'the summary diagnostic');
    assert.equal(escapes('many/many.go').filter((d) => d.code === 'moved-to-heap').length, 10);
    assert.match(summary.message, /^20 more escape-analysis findings in this package are not shown \(goMemoryInsight\.escapeAnalysis\.maxDiagnostics = 10\)/);
    const actions = (await conn.sendRequest('textDocument/codeAction', { textDocument: { uri: uriOf('many/many.go') }, range: summary.range, context: { diagnostics: [summary] } })) as { title: string; command: { command: string; arguments: unknown[] } }[];
    assert.equal(actions.length, 1);
    assert.equal(actions[0]!.command.command, 'goMemory.showAllFindings');
    assert.equal(await conn.sendRequest('workspace/executeCommand', { command: actions[0]!.command.command, arguments: actions[0]!.command.arguments }), true);
    await waitFor(() => (escapes('many/many.go').filter((d) => d.code === 'moved-to-heap').length === 30 ? true : undefined), 'all 30 findings');
    assert.ok(!escapes('many/many.go').some((d) => d.code === 'truncated-package'));
    await close('many/many.go');
    await configure({});
  });

  it('excluded paths (globs) and packages (import path patterns) show nothing', async () => {
    await configure({ exclude: ['**/*.pb.go'], excludePackages: ['example.com/defaults/internal/...'] });
    await open('gen/pb/x.pb.go');
    await open('internal/skip/skip.go');
    await waitFor(() => statuses.find((s) => s.state === 'excluded' && s.packageDir === path.join(dir, 'internal', 'skip')), 'the excluded status of internal/skip');
    await waitFor(() => (runs('gen/pb') > 0 ? true : undefined), 'gen/pb analysed');
    await sleep(300);
    assert.equal(escapes('gen/pb/x.pb.go').length, 0, JSON.stringify(escapes('gen/pb/x.pb.go')));
    assert.equal(escapes('internal/skip/skip.go').length, 0);
    const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf('gen/pb/x.pb.go') }, position: { line: 3, character: 1 } });
    assert.equal(hover, null);
    // Without the filters, both show their finding.
    await configure({ exclude: [], excludePackages: [] });
    await waitFor(() => escapes('gen/pb/x.pb.go').find((d) => d.code === 'moved-to-heap'), 'x.pb.go\'s finding without the filter');
    await waitFor(() => escapes('internal/skip/skip.go').find((d) => d.code === 'moved-to-heap'), 'skip.go\'s finding without the filter');
    await close('gen/pb/x.pb.go');
    await close('internal/skip/skip.go');
    await configure({});
  });

  it('after automatic saves, analyses once the typing stopped; typing cancels a run an automatic save started', async () => {
    await configure({ idleAfterAutoSaveMs: 1500 });
    const rel = 'app/app.go';
    const file = path.join(dir, rel);
    await open(rel);
    await waitFor(() => escapes(rel).find((d) => d.code === 'moved-to-heap'), 'the first analysis');
    await sleep(500);
    const before = runs('app');
    let text = fs.readFileSync(file, 'utf8');
    let version = 1;
    // Typing with auto-save every 400 ms: each save is announced as automatic.
    for (let i = 0; i < 4; i++) {
      text += `\nfunc Typed${i}() *int { x := ${i}; return &x }\n`;
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(rel), version: ++version }, contentChanges: [{ text }] });
      fs.writeFileSync(file, text);
      await conn.sendNotification('goMemory/willSaveAutomatically', { uri: uriOf(rel) });
      await conn.sendNotification('textDocument/didSave', { textDocument: { uri: uriOf(rel) } });
      await sleep(400);
    }
    assert.equal(runs('app'), before, 'an analysis ran while the user was typing');
    // The typing stopped: one analysis, of the last text.
    const lastLine = text.split('\n').length - 2;
    await waitFor(() => escapes(rel).find((d) => d.code === 'moved-to-heap' && d.range.start.line === lastLine), 'the finding of the last typed function');
    await sleep(500);
    assert.equal(runs('app'), before + 1, logs.join(' | '));
    // A save made by the user starts at once.
    text += '\nfunc Manual() *int { x := 9; return &x }\n';
    fs.writeFileSync(file, text);
    await conn.sendNotification('textDocument/didSave', { textDocument: { uri: uriOf(rel) } });
    await waitFor(() => (runs('app') === before + 2 ? true : undefined), 'the manual save\'s analysis');
    await close(rel);
    await configure({});
  });
});
