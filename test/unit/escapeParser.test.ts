import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { explainBlock, explainCannotInline, mainCause, summarize } from '../../src/escape/explain';
import { buildModel, resolveCompilerPath, scanFuncDecls, type Finding } from '../../src/escape/model';
import { EscapeOutputParser, parseEscapeOutput, parseLocation } from '../../src/escape/parser';
import { byteColumnToUtf16, findingRange, LineIndex, utf16ToByteColumn } from '../../src/escape/positions';
import type { ParsedFinding } from '../../src/escape/types';
import { copyFixture, goBinary, markerLine, SAMPLES, testEnv } from './escapeFixture';

function compile(dir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(goBinary(), args, { cwd: dir, env: testEnv(), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && (err as { code?: unknown }).code !== 1) reject(err);
      else resolve(stdout + stderr);
    });
  });
}

function sample(name: string): string {
  return fs.readFileSync(path.join(SAMPLES, name), 'utf8');
}

describe('escape: parser on real compiler output', function () {
  this.timeout(180_000);
  let fx: ReturnType<typeof copyFixture>;
  let output: string;
  let parsed: ParsedFinding[];
  let alloc: string;
  const find = (pred: (f: ParsedFinding) => boolean): ParsedFinding => {
    const f = parsed.find(pred);
    assert.ok(f, 'finding not found');
    return f;
  };

  before(async () => {
    fx = copyFixture();
    alloc = path.join(fx.dir, 'alloc');
    // Exactly what the engine runs for a package with tests, plus the bounds-check option.
    output = await compile(alloc, ['test', '-c', '-vet=off', '-gcflags=-m=2 -d=ssa/check_bce/debug=1', '-o', process.platform === 'win32' ? 'NUL' : '/dev/null', '.']);
    parsed = parseEscapeOutput(output).findings;
  });
  after(() => fx.cleanup());

  it('recognises every kind of message the fixture provokes', () => {
    const kinds = new Set(parsed.map((f) => f.kind));
    for (const k of ['escapes-to-heap', 'moved-to-heap', 'leaking-param', 'leaking-param-content', 'does-not-escape', 'can-inline', 'cannot-inline', 'inlined-call', 'bounds-check', 'other'] as const) {
      assert.ok(kinds.has(k), `no ${k} in:\n${output.slice(0, 2000)}`);
    }
  });

  it('keeps every summary line: one finding per line that is not an explanation or a header', () => {
    const summaryLines = output.split('\n').filter((l) => l.trim() && !l.startsWith('#') && !/:\s+(flow|from|warning: truncated)/.test(l) && !/ escapes to heap in .*:$| with derefs=-?\d+:$/.test(l));
    const standalone = parsed.filter((f) => f.explanation.length > 0 && f.message === f.explanation[0]!.text).length;
    assert.equal(parsed.length - standalone, summaryLines.length);
  });

  it('attaches the explanation of a returned pointer, with each step at its own position', () => {
    const u = find((f) => f.kind === 'moved-to-heap' && f.expr === 'u' && f.at?.file.endsWith('alloc.go') === true);
    assert.equal(u.function, 'NewUser');
    assert.equal(u.at!.line, markerLine(path.join(alloc, 'alloc.go'), 'u := User{Name: name}'));
    const steps = u.explanation[0]!.steps;
    const ret = steps.find((s) => s.kind === 'from' && s.reason === 'return');
    assert.ok(ret && ret.kind === 'from');
    assert.equal(ret.at.line, markerLine(path.join(alloc, 'alloc.go'), 'return &u'));
    assert.equal(mainCause(u.explanation)?.cause, 'returned from NewUser');
  });

  it('parameter leaks: to the heap, to a result with a level, content only', () => {
    assert.equal(find((f) => f.kind === 'leaking-param' && f.expr === 'u' && f.function === 'Remember').explanation[0]!.sink, '{heap}');
    const id = find((f) => f.kind === 'leaking-param' && f.function === 'Identity');
    assert.deepEqual(id.result, { name: '~r0', level: 0 });
    assert.equal(id.explanation[0]!.sink, '~r0');
    assert.deepEqual(find((f) => f.kind === 'leaking-param' && f.function === 'Deref').result, { name: '~r0', level: 1 });
    const content = find((f) => f.kind === 'leaking-param-content' && f.expr === 'u');
    assert.equal(content.explanation[0]!.sink, '{storage for u.Name}');
    assert.equal(content.function, 'Print');
  });

  it('closures captured by reference and by value', () => {
    const byRef = find((f) => f.capture?.by === 'ref');
    assert.deepEqual(byRef.capture, { by: 'ref', variable: 'n', function: 'Counter' });
    assert.deepEqual(find((f) => f.capture?.by === 'value').capture, { by: 'value', variable: 'k', function: 'Constant' });
    const n = find((f) => f.kind === 'moved-to-heap' && f.expr === 'n');
    assert.match(mainCause(n.explanation)!.cause, /closure/);
  });

  it('interface conversion through fmt, too large for the stack, generics, methods, noinline', () => {
    const name = find((f) => f.kind === 'escapes-to-heap' && f.expr === 'u.Name');
    assert.match(mainCause(name.explanation)!.cause, /fmt\.Fprintln/);
    assert.ok(explainBlock(name.explanation[0]!).some((w) => w.reason === 'interface-converted' || w.reason === 'call parameter'));
    const huge = find((f) => f.kind === 'moved-to-heap' && f.function === 'Huge');
    assert.equal(mainCause(huge.explanation)?.cause, 'too large for the stack');
    assert.ok(parsed.some((f) => f.kind === 'can-inline' && f.inline?.name.startsWith('Map[')));
    assert.ok(parsed.some((f) => f.kind === 'can-inline' && f.inline?.name === '(*Square).Grow'));
    const pinned = find((f) => f.kind === 'cannot-inline' && f.inline?.name === 'Pinned');
    assert.equal(pinned.inline!.reason, 'marked go:noinline');
    const busy = find((f) => f.kind === 'cannot-inline' && f.inline?.name === 'Busy');
    assert.match(busy.inline!.reason!, /^function too complex: cost \d+ exceeds budget \d+$/);
    assert.equal(busy.inline!.cost, Number(/cost (\d+)/.exec(busy.inline!.reason!)![1]));
    assert.match(explainCannotInline(busy.inline!.reason!), /budget is \d+/);
  });

  it('the bounds checks the option asks for', () => {
    const checks = parsed.filter((f) => f.kind === 'bounds-check');
    assert.deepEqual([...new Set(checks.map((c) => c.expr))].sort(), ['IsInBounds', 'IsSliceInBounds']);
    assert.ok(checks.every((c) => c.at!.line === markerLine(path.join(alloc, 'alloc.go'), 'func At(')));
  });

  it('test files, internal and external (package alloc_test)', () => {
    assert.ok(parsed.some((f) => f.at?.file.endsWith('alloc_test.go') && f.kind === 'moved-to-heap' && f.pkg?.includes('[')));
    assert.ok(parsed.some((f) => f.at?.file.endsWith('ext_test.go') && f.pkg?.startsWith('example.com/escapefx/alloc_test ')));
  });

  it('non-ASCII identifiers and strings: UTF-16 columns from byte columns', () => {
    const file = path.join(alloc, 'unicode.go');
    const lines = new LineIndex(fs.readFileSync(file, 'utf8'));
    const line = markerLine(file, 'func Grüße');
    const text = lines.lineText(line);
    const concat = find((f) => f.kind === 'escapes-to-heap' && f.at!.file.endsWith('unicode.go') && f.expr === '"日本🎉" + 名前');
    // The compiler places a binary expression at its operator: byte column → the `+`.
    assert.equal(text[byteColumnToUtf16(text, concat.at!.column!)], '+');
    const r = findingRange(lines, concat.at!.line, concat.at!.column, concat.expr);
    assert.equal(r.start.character, text.indexOf('"日本🎉"'));
    assert.equal(text.slice(r.start.character, r.end.character), '"日本🎉" + 名前');
    const s = find((f) => f.kind === 'moved-to-heap' && f.at!.file.endsWith('unicode.go') && f.expr === 's');
    assert.equal(findingRange(lines, s.at!.line, s.at!.column).start.character, text.indexOf('s :='));
    const param = find((f) => f.kind === 'does-not-escape' && f.expr === '名前');
    assert.equal(byteColumnToUtf16(text, param.at!.column!), text.indexOf('名前'));
    const ö = find((f) => f.kind === 'moved-to-heap' && f.expr === 'ö');
    const straße = lines.lineText(ö.at!.line);
    assert.equal(findingRange(lines, ö.at!.line, ö.at!.column, 'ö').start.character, straße.indexOf('ö :='));
  });

  it('the model: absolute paths, per-line lookups, function summaries with declaration lines', () => {
    const model = buildModel(parsed, { cwd: alloc, packageDirs: new Map([['example.com/escapefx/alloc', alloc]]), readSource: (f) => fs.readFileSync(f, 'utf8') });
    const file = path.join(alloc, 'alloc.go');
    const line = markerLine(file, 'u := User{Name: name}');
    assert.ok(model.findingsAt(file, line).some((f: Finding) => f.kind === 'moved-to-heap' && f.expr === 'u'));
    const fns = model.functionsForFile(file);
    const newUser = fns.find((f) => f.name === 'NewUser')!;
    assert.equal(newUser.line, markerLine(file, 'func NewUser('));
    assert.equal(newUser.heapAllocations, 1);
    assert.equal(newUser.inlinable, true);
    assert.ok(newUser.inlineCost! > 0);
    const busy = fns.find((f) => f.name === 'Busy')!;
    assert.equal(busy.inlinable, false);
    assert.match(busy.cannotInlineReason!, /too complex/);
    assert.equal(fns.find((f) => f.name === 'Local')!.heapAllocations, 0);
    assert.ok(fns.some((f) => f.name === '(*Square).Grow'));
    assert.equal(model.functionAt(file, line)?.name, 'NewUser');
    // Findings without a compiler-named function get the enclosing declaration from the source.
    const dne = model.findingsAt(file, markerLine(file, 'b := make([]byte, n)'));
    assert.ok(dne.length > 0 && dne.every((f) => f.function === 'Buffer'));
    // Repeated identical lines collapse with a count.
    const auto = model.findingsForFile('<autogenerated>');
    assert.ok(auto.length > 0 && auto.every((f) => f.synthetic));
  });
});

describe('escape: parser on checked-in samples', () => {
  it('older compilers: `flow: DST = SRC`, headers without `in F`, truncated explanations, non-constant size', () => {
    const { findings } = parseEscapeOutput(sample('escape-go120-equals.txt'));
    const t = findings.find((f) => f.kind === 'moved-to-heap' && f.expr === 't')!;
    const flow = t.explanation[0]!.steps[0]!;
    assert.ok(flow.kind === 'flow' && flow.dst === '~r0' && flow.src === '&t');
    assert.equal(t.function, undefined);
    const make = findings.find((f) => f.kind === 'escapes-to-heap')!;
    assert.equal(mainCause(make.explanation)?.cause, 'make with non-constant size');
    assert.match(mainCause(make.explanation)!.remedy ?? '', /constant size/);
    const x = findings.find((f) => f.kind === 'moved-to-heap' && f.expr === 'x')!;
    assert.equal(x.explanation[0]!.steps.at(-1)!.kind, 'truncated');
    assert.equal(findings.find((f) => f.kind === 'leaking-param')!.explanation[0]!.steps.length, 2);
    assert.ok(findings.every((f) => f.kind !== 'other'));
  });

  it('Go 1.25+ headers: `in F`, `for F`, a parameter leaking to the heap and to a result', () => {
    const { findings } = parseEscapeOutput(sample('escape-go125-in-for.txt'));
    const heap = findings.find((f) => f.kind === 'leaking-param' && !f.result)!;
    const res = findings.find((f) => f.kind === 'leaking-param' && f.result)!;
    assert.equal(heap.function, '(*Writer).Flush');
    assert.deepEqual(heap.explanation.map((b) => b.sink), ['{heap}']);
    assert.deepEqual(res.explanation.map((b) => b.sink), ['~r0']);
    assert.equal(findings.find((f) => f.kind === 'moved-to-heap')!.function, 'Encode');
    assert.equal(findings.length, 3);
  });

  it('Windows paths with CRLF, and <autogenerated>:1: without a column', () => {
    const { findings } = parseEscapeOutput(sample('escape-windows.txt'));
    const x = findings.find((f) => f.kind === 'moved-to-heap')!;
    assert.deepEqual(x.at, { file: 'C:\\src\\win\\main.go', line: 4, column: 18 });
    const step = x.explanation[0]!.steps[1]!;
    assert.deepEqual(step.at, { file: 'C:\\src\\win\\main.go', line: 4, column: 33 });
    const auto = findings.filter((f) => f.at?.file === '<autogenerated>');
    assert.equal(auto.length, 2);
    assert.ok(auto.every((f) => f.at!.column === undefined && f.at!.line === 1));
    // The wrapper's explanation has no summary line: it explains nothing the compiler reported.
    assert.ok(!auto.some((f) => f.kind === 'leaking-param'));
    const model = buildModel(findings, { cwd: '/work' });
    assert.equal(model.findingsForFile('<autogenerated>').find((f) => f.kind === 'inlined-call')!.count, 2);
    assert.ok(model.fileNames().includes('C:\\src\\win\\main.go'));
  });

  it('a build failure: the errors come out as positioned `other` lines', () => {
    const { findings } = parseEscapeOutput(sample('escape-build-failure.txt'));
    assert.deepEqual(findings.map((f) => [f.kind, f.at?.line, f.at?.column, f.message]), [
      ['other', 4, 9, 'undefined: undefinedThing'],
      ['other', 4, 28, 'invalid operation: mismatched types int and untyped string'],
    ]);
  });

  it('garbage lines are kept as `other`, never thrown on, never dropped', () => {
    const text = sample('escape-garbage.txt');
    const { findings } = parseEscapeOutput(text);
    assert.equal(findings.length, text.split('\n').filter((l) => l.trim()).length);
    assert.equal(findings.at(-1)!.kind, 'moved-to-heap');
    assert.ok(findings.slice(0, -1).every((f) => f.kind === 'other'));
  });

  it('parses the same whatever the chunk boundaries, including inside UTF-8 sequences', () => {
    const text = sample('escape-go120-equals.txt') + './u.go:1:2: "日本🎉" escapes to heap\n';
    const whole = parseEscapeOutput(text).findings;
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, 64]) {
      const got: ParsedFinding[] = [];
      const p = new EscapeOutputParser({ onFinding: (f) => got.push(f) });
      for (let i = 0; i < bytes.length; i += size) p.write(bytes.subarray(i, i + size));
      p.end();
      assert.deepEqual(got, whole, `chunk size ${size}`);
    }
  });
});

describe('escape: positions, paths, source scanning, plain words', () => {
  it('converts byte columns to UTF-16 and back', () => {
    const line = '\tx := "é日🎉" + y';
    assert.equal(byteColumnToUtf16(line, 1), 0);
    assert.equal(byteColumnToUtf16(line, 2), 1);
    const y = Buffer.byteLength(line.slice(0, line.indexOf('y')), 'utf8') + 1;
    assert.equal(byteColumnToUtf16(line, y), line.indexOf('y'));
    assert.equal(utf16ToByteColumn(line, line.indexOf('y')), y);
    assert.equal(byteColumnToUtf16(line, 10_000), line.length);
    assert.equal(byteColumnToUtf16('', 5), 0);
  });

  it('parses FILE:LINE:COL and FILE:LINE, drive letters included', () => {
    assert.deepEqual(parseLocation('./x.go:3:4'), { file: './x.go', line: 3, column: 4 });
    assert.deepEqual(parseLocation('<autogenerated>:1'), { file: '<autogenerated>', line: 1 });
    assert.deepEqual(parseLocation('C:\\a b\\x.go:3:4'), { file: 'C:\\a b\\x.go', line: 3, column: 4 });
    assert.equal(parseLocation('no position'), undefined);
  });

  it('resolves compiler paths: package dir by base name (cached output from another cwd), $GOROOT, absolute, synthetic', () => {
    const ctx = { cwd: '/w', goroot: '/go', packageDirs: new Map([['ex.com/p', '/m/p']]) };
    assert.equal(resolveCompilerPath('sub/p/a.go', 'ex.com/p [ex.com/p.test]', ctx).file, path.join('/m/p', 'a.go'));
    assert.equal(resolveCompilerPath('./a_test.go', 'ex.com/p_test [ex.com/p.test]', ctx).file, path.join('/m/p', 'a_test.go'));
    assert.equal(resolveCompilerPath('$GOROOT/src/fmt/print.go', undefined, ctx).file, path.join('/go', 'src/fmt/print.go'));
    assert.equal(resolveCompilerPath('./x.go', 'other', ctx).file, path.resolve('/w', 'x.go'));
    assert.deepEqual(resolveCompilerPath('<autogenerated>', undefined, ctx), { file: '<autogenerated>', synthetic: true });
    assert.equal(resolveCompilerPath('_testmain.go', 'ex.com/p.test', ctx).synthetic, true);
  });

  it('resolves `../` paths that cached output replays from another directory by the directory they name', () => {
    // The go command replays a package's cached -m output verbatim: a build from /go/src/strings
    // printed regexp/syntax's files as ../regexp/syntax/x.go, which is wrong from /go/src/encoding/json.
    const ctx = { cwd: '/go/src/encoding/json', packageDirs: new Map([['regexp/syntax', '/go/src/regexp/syntax'], ['encoding/json', '/go/src/encoding/json'], ['bytes', '/go/src/bytes']]) };
    assert.equal(resolveCompilerPath('../regexp/syntax/parse.go', 'regexp/syntax', ctx).file, path.join('/go/src/regexp/syntax', 'parse.go'));
    assert.equal(resolveCompilerPath('../../regexp/syntax/parse.go', 'regexp/syntax', ctx).file, path.join('/go/src/regexp/syntax', 'parse.go'));
    // Inlined code of another listed package, printed under this one's header.
    assert.equal(resolveCompilerPath('../../bytes/buffer.go', 'encoding/json', ctx).file, path.join('/go/src/bytes', 'buffer.go'));
    // A directory no listed package has: relative to where go ran, as before.
    assert.equal(resolveCompilerPath('../../strconv/itoa.go', 'encoding/json', ctx).file, path.resolve('/go/src/encoding/json', '../../strconv/itoa.go'));
  });

  it('resolves the paths the go command gives files outside the package (inlined code), fresh or replayed from another directory', () => {
    // The go command replaces the package directory /m/log, then /m, by their paths relative to
    // where it ran, even inside a longer name: /m/log.go (beside log/) reads `log.go` from /m
    // and `..go` from /m/log. Files on "disk": /m/log.go, /m/other.go, /m/sub/y.go, /m/log/log.go, /m/log/x.go.
    const disk = new Set(['/m/log.go', '/m/other.go', '/m/sub/y.go', '/m/log/log.go', '/m/log/x.go'].map((f) => path.resolve(f)));
    const at = (cwd: string) => ({ cwd: path.resolve(cwd), packageDirs: new Map([['ex.com/m/log', path.resolve('/m/log')]]), exists: (f: string) => disk.has(f) });
    const resolve = (raw: string, cwd: string): string => resolveCompilerPath(raw, 'ex.com/m/log', at(cwd)).file;
    // The package's own files, fresh and replayed.
    assert.equal(resolve('log/log.go', '/m'), path.resolve('/m/log/log.go'));
    assert.equal(resolve('./log.go', '/m/log'), path.resolve('/m/log/log.go'));
    assert.equal(resolve('./x.go', '/m'), path.resolve('/m/log/x.go'));
    assert.equal(resolve('log/x.go', '/m/log'), path.resolve('/m/log/x.go'));
    // /m/log.go: `log.go` and `..go`, fresh and replayed.
    assert.equal(resolve('log.go', '/m'), path.resolve('/m/log.go'));
    assert.equal(resolve('log.go', '/m/log'), path.resolve('/m/log.go'));
    assert.equal(resolve('..go', '/m/log'), path.resolve('/m/log.go'));
    assert.equal(resolve('..go', '/m'), path.resolve('/m/log.go'));
    // /m/other.go: `./other.go` from /m, `../other.go` from /m/log.
    assert.equal(resolve('./other.go', '/m'), path.resolve('/m/other.go'));
    assert.equal(resolve('./other.go', '/m/log'), path.resolve('/m/other.go'));
    assert.equal(resolve('../other.go', '/m/log'), path.resolve('/m/other.go'));
    assert.equal(resolve('../other.go', '/m'), path.resolve('/m/other.go'));
    // Another package's directory: /m/sub/y.go.
    assert.equal(resolve('./sub/y.go', '/m'), path.resolve('/m/sub/y.go'));
    assert.equal(resolve('../sub/y.go', '/m/log'), path.resolve('/m/sub/y.go'));
    assert.equal(resolve('./sub/y.go', '/m/log'), path.resolve('/m/sub/y.go'));
  });

  it('scans func declarations with receivers, generics, one-liners and non-ASCII names', () => {
    const src = 'package p\n\nfunc A() {\n\tx()\n}\n\nfunc (s *T) M() int { return 1 }\n\nfunc (T) N[K any]() {\n}\n\nfunc Grüße() {}\n';
    assert.deepEqual(scanFuncDecls(src), [
      { name: 'A', line: 3, endLine: 5 },
      { name: '(*T).M', line: 7, endLine: 7 },
      { name: 'T.N', line: 9, endLine: 10 },
      { name: 'Grüße', line: 12, endLine: 12 },
    ]);
  });

  it('says what a finding means in a few words', () => {
    assert.equal(summarize({ kind: 'moved-to-heap', expr: 'u', message: '' }), 'u is allocated on the heap');
    assert.match(summarize({ kind: 'leaking-param', expr: 'p', message: '', result: { name: '~r0', level: 0 } }), /flows to result ~r0/);
    assert.match(explainCannotInline('marked go:noinline'), /go:noinline/);
    assert.match(explainCannotInline('call to recover'), /recover/);
    assert.match(explainCannotInline('something new'), /something new/);
  });

  it('random input never throws, and every non-blank line is accounted for', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('./x.go:1:2: ', 'C:\\a.go:3:4: ', '<autogenerated>:1: ', '# pkg', '   flow: a ← b:', '     from x (return) at ./x.go:1:2', 'moved to heap: x', ' escapes to heap in F:', 'parameter p leaks to {storage for {x}} for F with derefs=1:', 'leaking param: p to result ~r0 level=', 'cannot inline F: ', '\n', '\r\n', ':', ' '),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const findings: ParsedFinding[] = [];
        let orphanLines = 0;
        const parser = new EscapeOutputParser({ onFinding: (f) => findings.push(f), onOrphanBlock: (b) => (orphanLines += b.steps.length + 1) });
        parser.write(text);
        parser.end();
        const nonBlank = text.split('\n').filter((l) => l.trim() && !l.replace(/\r$/, '').startsWith('# ')).length;
        const steps = findings.reduce((n, f) => n + f.explanation.reduce((m, b) => m + b.steps.length + 1, 0), 0);
        // Every line is a finding, a block header or a step of a finding's block, or of a block
        // that explained no summary line (dropped, and reported as such).
        assert.ok(findings.length <= nonBlank && findings.length + steps + orphanLines >= nonBlank);
        // A block never becomes a finding of its own.
        assert.ok(findings.every((f) => f.explanation.every((b) => b.text !== f.message)));
        assert.equal(parser.stats.orphanBlocks > 0, orphanLines > 0);
        buildModel(findings, { cwd: '/' });
      }),
      { numRuns: 500 },
    );
  });
});
