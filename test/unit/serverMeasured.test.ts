// The language server with a heap profile shown in the editor (goMemory/measuredCost): the
// hover says what the line measured, hot escapes get the hot severity, "only escapes that
// measured cost" hides the rest; and goMemory/hotspotFindings answers for packages nobody opened.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HotspotFindingsResult, MeasuredCost } from '../../src/shared/protocol';
import { startStdioServer, waitFor, type StdioServer } from './lspStdio';
import { markerLine } from './profilingFixture';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'hotspots');

interface Diag {
  message: string;
  severity: number;
  code: string;
  range: { start: { line: number; character: number } };
}

describe('language server: measured cost from the profile shown in the editor', function () {
  this.timeout(180_000);
  let root: string;
  let dir: string;
  let server: StdioServer<Diag>;
  const file = () => path.join(dir, 'shop.go');
  const uri = () => pathToFileURL(file()).href;
  const line = (marker: string) => markerLine(file(), marker);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-measured-'));
    dir = path.join(root, 'hotspots');
    fs.cpSync(FIXTURE, dir, { recursive: true });
    // A second package nobody opens, for the findings request.
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'other.go'), 'package other\n\ntype T struct{ A int }\n\n//go:noinline\nfunc Make() *T {\n\treturn &T{A: 1}\n}\n');
    fs.writeFileSync(path.join(dir, 'broken.go.txt'), '');
    server = await startStdioServer<Diag>(dir);
    await server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(), languageId: 'go', version: 1, text: fs.readFileSync(file(), 'utf8') } });
    await waitFor(() => (server.published.get(uri())?.diagnostics.length ? true : undefined), 'diagnostics for shop.go');
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const cost = (onlyMeasured: boolean): MeasuredCost => ({
    profile: 'mem.out',
    sampleType: 'alloc_space',
    unit: 'bytes',
    total: 10_000_000,
    objectsType: 'alloc_objects',
    onlyMeasured,
    lines: [
      // 70% of the profile: hot with the default threshold (50%).
      { file: file(), line: line('s = append(s, i)'), flat: 7_000_000, objects: 10_000 },
      // 1%: measured, not hot.
      { file: file(), line: line('return &User{'), flat: 100_000, objects: 2_000 },
    ],
  });

  const diagnostics = () => server.published.get(uri())?.diagnostics ?? [];
  const at = (l: number) => diagnostics().filter((d) => d.range.start.line === l - 1);

  it('hot escapes get the hot severity and every measured one its figure', async () => {
    const before = server.publishCount();
    await server.conn.sendNotification('goMemory/measuredCost', cost(false));
    await waitFor(() => (server.publishCount() > before && at(line('s = append(s, i)'))[0]?.message.includes('measured') ? true : undefined), 'republished diagnostics');
    const grow = at(line('s = append(s, i)'))[0]!;
    assert.equal(grow.severity, 2, 'warning for a hot line');
    assert.match(grow.message, /append is allocated on the heap: returned from Collect — measured 6\.68 MiB in 10k objects, 70(\.0)?% of alloc_space$/);
    const user = at(line('return &User{'))[0]!;
    assert.equal(user.severity, 3, 'information for a measured line that is not hot');
    assert.match(user.message, /measured 97\.7 KiB in 2k objects, 1(\.00)?% of alloc_space$/);
    const describe = at(line('\treturn x'.trim()))[0]!;
    assert.ok(!describe.message.includes('measured'), 'no figure on a line the profile does not have');
    assert.equal(diagnostics().length >= 6, true, 'every escape still shown');

    // The function's lens sums what its lines measured.
    const lenses = (await server.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uri() } })) as { range: { start: { line: number } }; command: { title: string } }[];
    const collect = lenses.find((l) => l.range.start.line === line('func Collect(') - 1);
    assert.match(collect?.command.title ?? '', /^1 heap escape · .* · 6\.68 MiB measured \(70(\.0)?%\)$/);
    const describeLens = lenses.find((l) => l.range.start.line === line('func Describe(') - 1);
    assert.ok(describeLens && !describeLens.command.title.includes('measured'), describeLens?.command.title);

    const hover = (await server.conn.sendRequest('textDocument/hover', { textDocument: { uri: uri() }, position: { line: line('return &User{') - 1, character: 9 } })) as { contents: { value: string } };
    // The text is Markdown-escaped (a profile's name is anybody's): read it as rendered.
    const rendered = hover.contents.value.replace(/\\(.)/g, '$1');
    assert.match(rendered, /^\*\*Measured\*\* in the last profile \(mem\.out\): 97\.7 KiB in 2k objects, 1% of alloc_space\n/);
  });

  it('"only escapes that measured cost" hides the others, and closing the profile brings them back', async () => {
    let before = server.publishCount();
    await server.conn.sendNotification('goMemory/measuredCost', cost(true));
    await waitFor(() => (server.publishCount() > before && diagnostics().length === 2 ? true : undefined), `two diagnostics; got ${diagnostics().map((d) => d.message).join(' | ')}`);
    assert.deepEqual(diagnostics().map((d) => d.range.start.line + 1).sort((a, b) => a - b), [line('return &User{'), line('s = append(s, i)')].sort((a, b) => a - b));
    before = server.publishCount();
    await server.conn.sendNotification('goMemory/measuredCost', null);
    await waitFor(() => (server.publishCount() > before && diagnostics().length >= 6 ? true : undefined), 'every diagnostic back');
    assert.ok(!diagnostics().some((d) => d.message.includes('measured')));
    assert.ok(diagnostics().every((d) => d.severity === 3));
  });

  it('goMemory/hotspotFindings analyses a package nobody opened and says why others have none', async () => {
    const other = path.join(dir, 'other', 'other.go');
    const outside = path.join(os.tmpdir(), 'not-in-workspace', 'x.go');
    const test = path.join(dir, 'shop_test.go');
    const res = (await server.conn.sendRequest('goMemory/hotspotFindings', {
      lines: [
        { file: other, line: 7 },
        { file: file(), line: line('m[w] = i') },
        { file: file(), line: line('m := make(map[string]int)') },
        { file: outside, line: 3 },
        { file: test, line: 19 },
        { file: test, line: 33 },
      ],
    })) as HotspotFindingsResult;
    const byFile = new Map(res.files.map((f) => [f.file, f]));
    const o = byFile.get(other)!;
    assert.equal(o.state, 'ok', JSON.stringify(o));
    assert.deepEqual(o.lines.map((l) => [l.line, l.heap.map((h) => [h.message, h.why])]), [[7, [['&T{...} escapes to heap', 'returned from Make']]]]);
    const shop = byFile.get(file())!;
    assert.deepEqual(shop.lines.map((l) => [l.line, l.heap.map((h) => h.message)]), [
      [line('m := make(map[string]int)'), ['make(map[string]int) escapes to heap']],
      [line('m[w] = i'), []],
    ]);
    assert.equal(byFile.get(outside)!.state, 'missing');
    // Test files are left out of the editor by default, but a benchmark allocates there too: the
    // package is compiled with its tests for the hot spots, as `go test -c -gcflags=-m` reports.
    const t = byFile.get(test)!;
    assert.equal(t.state, 'ok', JSON.stringify(t));
    assert.deepEqual(t.lines.map((l) => [l.line, l.heap.map((h) => h.message), l.onStack]), [
      [19, [], ['[]int{...} does not escape']],
      [33, ['"unexpected" escapes to heap'], ['... argument does not escape']],
    ]);
    assert.equal(server.published.get(pathToFileURL(test).href)?.diagnostics.length ?? 0, 0, 'and still not shown as diagnostics');
    // The package analysed on request is not shown as diagnostics: nobody opened it.
    assert.equal(server.published.get(pathToFileURL(other).href)?.diagnostics.length ?? 0, 0);
  });
});
