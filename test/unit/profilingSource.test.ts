import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isGoTestFileName, maskGoSource, scanGoSource, testFuncAt, testFuncKind } from '../../src/profiling/goSource';
import { benchmarksUsingLoop, scanPackageTests } from '../../src/profiling/packageTests';
import * as os from 'node:os';
import { FIXTURE_DIR } from './profilingFixture';

describe('profiling: Go source scanner', () => {
  it('finds the package clause, tests and benchmarks of the fixture, and nothing in comments or strings', () => {
    const src = fs.readFileSync(path.join(FIXTURE_DIR, 'records_test.go'), 'utf8');
    const scan = scanGoSource(src);
    assert.equal(scan.packageName, 'profiling');
    const lines = src.split('\n');
    assert.match(lines[scan.packageLine!], /^package profiling/);
    assert.deepEqual(scan.funcs.map((f) => [f.kind, f.name]), [
      ['test', 'TestBuild'],
      ['benchmark', 'BenchmarkBuild'],
      ['benchmark', 'BenchmarkBuildSizes'],
    ]);
    for (const f of scan.funcs) assert.ok(lines[f.line].startsWith(`func ${f.name}(`), lines[f.line]);
    // The commented-out test and the one inside a raw string are in the file, but not found.
    assert.ok(src.includes('func TestCommentedOut(') && src.includes('func TestInsideString('));
  });

  it('keeps offsets and newlines when masking', () => {
    const src = 'a := "x{\\"}" // c {\nb := `raw\n{` + \'{\' /* x\n */ }';
    const masked = maskGoSource(src);
    assert.equal(masked.length, src.length);
    assert.deepEqual([...masked].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0), [...src].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0));
    assert.ok(!masked.includes('{'), masked);
    assert.ok(masked.endsWith('}'));
  });

  it('accepts only what go test runs', () => {
    const src = [
      'package x_test',
      'import (',
      '  tt "testing"',
      '  . "testing"',
      ')',
      'func TestA(t *tt.T) {}',
      'func TestDot(t *T) {',
      '  func() { }()',
      '}',
      'func Test(t *testing.T) {}',
      'func Testlower(t *testing.T) {}',
      'func Test_under(t *testing.T) {}',
      'func TestÄ(t *testing.T) {}',
      'func TestWrongParam(b *testing.B) {}',
      'func BenchmarkNoName(*testing.B) {}',
      'func (s *Suite) TestMethod(t *testing.T) {}',
      'func helper() { s := "}"; _ = s }',
      'func TestAfterBrace(t *testing.T) {}',
      '  func TestIndentedButTopLevel(t *testing.T) {}',
      'var f = func(t *testing.T) {',
      'func TestNotTopLevel(t *testing.T) {}',
      '}',
    ].join('\n');
    const scan = scanGoSource(src);
    assert.equal(scan.packageName, 'x_test');
    assert.deepEqual(scan.funcs.map((f) => `${f.kind}:${f.name}@${f.line}`), [
      'test:TestA@5',
      'test:TestDot@6',
      'test:Test@9',
      'test:Test_under@11',
      'test:TestÄ@12',
      'benchmark:BenchmarkNoName@14',
      'test:TestAfterBrace@17',
      'test:TestIndentedButTopLevel@18',
    ]);
    assert.equal(scan.funcs.find((f) => f.name === 'TestIndentedButTopLevel')!.character, 2);
  });

  it('names test functions by Go rules', () => {
    assert.equal(testFuncKind('TestX', 'T'), 'test');
    assert.equal(testFuncKind('Testx', 'T'), undefined);
    assert.equal(testFuncKind('Test1', 'T'), 'test');
    assert.equal(testFuncKind('Benchmark', 'B'), 'benchmark');
    assert.equal(testFuncKind('BenchmarkX', 'T'), undefined);
    assert.equal(testFuncKind('Benchmarkx', 'B'), undefined);
  });

  it('handles files without a package clause and unterminated literals without throwing', () => {
    assert.deepEqual(scanGoSource(''), { funcs: [] });
    const scan = scanGoSource('package p\nvar s = "never closed\nfunc TestAfter(t *testing.T) {}\nvar r = `open');
    assert.equal(scan.packageName, 'p');
    assert.deepEqual(scan.funcs.map((f) => f.name), ['TestAfter']);
  });

  it('recognises test file names the go tool compiles', () => {
    assert.equal(isGoTestFileName('records_test.go'), true);
    assert.equal(isGoTestFileName('records.go'), false);
    assert.equal(isGoTestFileName('_skip_test.go'), false);
    assert.equal(isGoTestFileName('.hidden_test.go'), false);
  });

  it('finds the test or benchmark under the cursor, from its func line to its closing brace', () => {
    const src = [
      'package p', //                                   0
      'import "testing"', //                            1
      'func helper() {}', //                            2
      'func TestA(t *testing.T) {', //                  3
      '\tt.Run("x", func(t *testing.T) {', //           4
      '\t\ts := "}" // }', //                           5
      '\t})', //                                        6
      '}', //                                           7
      '', //                                            8
      'func BenchmarkB(b *testing.B) {', //             9
      '\tfor i := 0; i < b.N; i++ {', //                10
      '\t}', //                                         11
      '}', //                                           12
      'func after() {', //                              13
      '}', //                                           14
    ].join('\n');
    const scan = scanGoSource(src);
    assert.deepEqual(scan.funcs.map((f) => [f.name, f.line, f.endLine]), [['TestA', 3, 7], ['BenchmarkB', 9, 12]]);
    const at = (line: number): string | undefined => testFuncAt(scan, line)?.name;
    assert.deepEqual([0, 2, 3, 5, 7, 8, 9, 11, 12, 13, 14].map(at), [undefined, undefined, 'TestA', 'TestA', 'TestA', undefined, 'BenchmarkB', 'BenchmarkB', 'BenchmarkB', undefined, undefined]);
    // A body that never closes (the user is typing) runs to the end: what follows is inside it.
    const open = scanGoSource('package p\nfunc TestA(t *testing.T) {\n\tx := 1\nfunc TestB(t *testing.T) {\n');
    assert.deepEqual(open.funcs.map((f) => [f.name, f.endLine]), [['TestA', undefined]]);
    assert.equal(testFuncAt(open, 2)?.name, 'TestA');
    assert.equal(testFuncAt(open, 4)?.name, 'TestA');
    assert.equal(testFuncAt(open, 0), undefined);
  });

  it('counts the tests and benchmarks of a package, an open file\'s unsaved text included', async () => {
    const disk = await scanPackageTests(FIXTURE_DIR);
    assert.deepEqual(disk, { testFiles: 1, tests: 1, benchmarks: 2 });
    const file = path.join(FIXTURE_DIR, 'records_test.go');
    const edited = `${fs.readFileSync(file, 'utf8')}\nfunc BenchmarkMore(b *testing.B) {}\nfunc TestMore(t *testing.T) {}\n`;
    assert.deepEqual(await scanPackageTests(FIXTURE_DIR, new Map([[file, edited]])), { testFiles: 1, tests: 2, benchmarks: 3 });
  });

  it('finds the benchmarks written with b.Loop, in the function or a sub-benchmark, not in comments', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-loop-'));
    try {
      fs.writeFileSync(path.join(dir, 'a_test.go'), [
        'package a',
        'import "testing"',
        'func BenchmarkLoop(b *testing.B) {',
        '\tfor b.Loop() {',
        '\t}',
        '}',
        'func BenchmarkSub(b *testing.B) {',
        '\tb.Run("x", func(b *testing.B) { for b.Loop() {} })',
        '}',
        'func BenchmarkN(b *testing.B) {',
        '\t// for b.Loop() { is the newer way',
        '\tfor i := 0; i < b.N; i++ {',
        '\t}',
        '}',
      ].join('\n'));
      assert.deepEqual([...(await benchmarksUsingLoop(dir))].sort(), ['BenchmarkLoop', 'BenchmarkSub']);
      assert.deepEqual([...(await benchmarksUsingLoop(path.join(dir, 'missing')))], []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
