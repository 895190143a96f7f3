import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isGoTestFileName, maskGoSource, scanGoSource, testFuncKind } from '../../src/profiling/goSource';
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
});
