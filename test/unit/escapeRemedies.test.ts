// Remedies fit the code: on real compiler output for test/fixtures/escape/remedies, advice is
// given where the code can follow it (a returned local, a closure capture, fmt in a hot path)
// and not where the allocation is the function's purpose (an AppendX's grown dst, a pooled
// buffer, a slice grown in a global, a value returned as the interface its signature demands).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mainCause } from '../../src/escape/explain';
import type { Finding } from '../../src/escape/model';
import { findingRange, LineIndex } from '../../src/escape/positions';
import { runEscapeAnalysis } from '../../src/escape/run';
import { copyFixture, goBinary, markerLine, testEnv, testRunner } from './escapeFixture';

describe('escape: remedies that fit the code', function () {
  this.timeout(120_000);
  let fx: ReturnType<typeof copyFixture>;
  let findings: Finding[];
  let file: string;

  before(async () => {
    fx = copyFixture();
    const dir = path.join(fx.dir, 'remedies');
    file = path.join(dir, 'remedies.go');
    const res = await runEscapeAnalysis({ goBinary: goBinary(), dir, env: testEnv(), runner: testRunner, includeTests: false });
    findings = [...res.model.findingsForFile(file)];
  });
  after(() => fx.cleanup());

  const at = (marker: string, kind: string): Finding => {
    const line = markerLine(file, marker);
    const f = findings.find((x) => x.line === line && x.kind === kind);
    assert.ok(f, `no ${kind} at ${marker} (line ${line}): ${findings.map((x) => `${x.line} ${x.kind}`).join(', ')}`);
    return f;
  };
  const cause = (marker: string, kind: string) => mainCause(at(marker, kind).explanation, at(marker, kind));

  it('a returned local: return by value', () => {
    assert.match(cause('// moved: u', 'moved-to-heap')?.remedy ?? '', /Return by value/);
  });

  it('an AppendX function growing its dst: explained, no advice', () => {
    const c = cause('// append: AppendInt', 'escapes-to-heap');
    assert.ok(c, 'a cause');
    assert.equal(c.remedy, undefined, c.remedy);
  });

  it('a buffer handed to sync.Pool, and the pool\'s New returning any: no advice to avoid the interface', () => {
    const put = cause('// pooled: b', 'escapes-to-heap');
    assert.equal(put?.cause, 'converted to an interface');
    assert.equal(put?.remedy, undefined);
    const line = markerLine(file, 'var pool = sync.Pool');
    const fresh = findings.find((f) => f.line === line && f.kind === 'escapes-to-heap');
    assert.ok(fresh);
    assert.equal(mainCause(fresh.explanation, fresh)?.remedy, undefined);
  });

  it('fmt in a hot path: the strconv advice', () => {
    assert.match(cause('// fmt: n', 'escapes-to-heap')?.remedy ?? '', /strconv/);
  });

  it('a slice grown in a global: no advice to store a copy', () => {
    const line = markerLine(file, 'func keep(p *int)');
    const grow = findings.find((f) => f.line === line && f.kind === 'escapes-to-heap');
    assert.ok(grow);
    const c = mainCause(grow.explanation, grow);
    assert.equal(c?.cause, 'assigned to a global or heap location');
    assert.equal(c?.remedy, undefined);
  });

  it('a closure capture: pass it as an argument', () => {
    assert.match(cause('// captured: n', 'moved-to-heap')?.remedy ?? '', /argument/);
  });

  it('a call placed at its ( covers the callee and its arguments, not the ( alone', () => {
    const f = at('// append: AppendInt', 'escapes-to-heap');
    const lines = new LineIndex(fs.readFileSync(file, 'utf8'));
    const r = findingRange(lines, f.line, f.column, f.expr);
    assert.equal(lines.lineText(f.line).slice(r.start.character, r.end.character), "append(dst, ' ')");
  });
});
