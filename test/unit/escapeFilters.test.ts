// The pure filters behind the editor's calm defaults: globs, package patterns, and which
// findings are shown.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Finding } from '../../src/escape/model';
import { globToRegExp, isShown, packageMatcher, PathFilter } from '../../src/server/escape/filters';

function finding(extra: Partial<Finding>): Finding {
  return { kind: 'leaking-param', file: '/m/a.go', line: 1, message: '', count: 1, explanation: [], synthetic: false, ...extra } as Finding;
}

describe('escape: filters', () => {
  it('globs: **, *, ?, {a,b}, [..], anchored on the whole path', () => {
    const cases: [string, string, boolean][] = [
      ['**/vendor/**', 'vendor/x/y.go', true],
      ['**/vendor/**', 'a/vendor/b.go', true],
      ['**/vendor/**', 'vendors/b.go', false],
      ['**/*.pb.go', 'x.pb.go', true],
      ['**/*.pb.go', 'a/b/x.pb.go', true],
      ['**/*.pb.go', 'a/b/x.pb.go.txt', false],
      ['internal/gen/**', 'internal/gen/a/b.go', true],
      ['internal/gen/**', 'x/internal/gen/b.go', false],
      ['*_gen.go', 'a_gen.go', true],
      ['*_gen.go', 'dir/a_gen.go', false],
      ['{a,b}/*.go', 'b/x.go', true],
      ['{a,b}/*.go', 'c/x.go', false],
      ['x?.go', 'x1.go', true],
      ['[!z]*.go', 'z.go', false],
      ['a+b(c).go', 'a+b(c).go', true],
    ];
    for (const [glob, p, want] of cases) assert.equal(globToRegExp(glob).test(p), want, `${glob} ~ ${p}`);
  });

  it('a path filter tries each glob against the path relative to every root and the absolute path', () => {
    const f = new PathFilter(['**/*.pb.go', 'gen/**', '/abs/only.go'], ['/w/one', '/w/two']);
    assert.ok(f.excludes('/w/one/a/x.pb.go'));
    assert.ok(f.excludes('/w/two/gen/y.go'));
    assert.ok(!f.excludes('/w/one/src/gen/y.go'));
    assert.ok(f.excludes('/abs/only.go'));
    assert.ok(!f.excludes(path.join('/w/one', 'main.go')));
    assert.ok(!new PathFilter([], ['/w']).excludes('/w/x.go'));
  });

  it('package patterns: ... matches any string, x/... also matches x', () => {
    const m = packageMatcher(['example.com/mod/internal/...', 'example.com/*/gen', '...pb']);
    assert.ok(m('example.com/mod/internal'));
    assert.ok(m('example.com/mod/internal/a/b'));
    assert.ok(!m('example.com/mod/internalx'));
    assert.ok(!m('example.com/x/gen'), 'a * is literal in go list patterns');
    assert.ok(m('example.com/x/genpb'));
    assert.ok(!packageMatcher([])('anything'));
  });

  it('shown: chosen kinds only; never a leak to a result or the parameter of a test entry point', () => {
    const kinds = new Set(['leaking-param', 'moved-to-heap'] as const);
    assert.ok(isShown(finding({}), kinds));
    assert.ok(!isShown(finding({ result: { name: '~r0', level: 0 } }), kinds));
    assert.ok(!isShown(finding({ file: '/m/a_test.go', function: 'TestX' }), kinds));
    assert.ok(!isShown(finding({ file: '/m/a_test.go', function: 'BenchmarkX.func1' }), kinds));
    assert.ok(isShown(finding({ file: '/m/a_test.go', function: 'Testify' }), kinds), 'not a test entry point');
    assert.ok(isShown(finding({ kind: 'moved-to-heap', file: '/m/a_test.go', function: 'TestX' }), kinds));
    assert.ok(!isShown(finding({ kind: 'escapes-to-heap' }), kinds));
  });
});
