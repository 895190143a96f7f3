import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { CodeLens, MarkupContent } from 'vscode-languageserver/node';
import { buildModel, type EscapeModel, type Finding } from '../../src/escape/model';
import { EscapeOutputParser } from '../../src/escape/parser';
import { LineIndex } from '../../src/escape/positions';
import type { ParsedFinding } from '../../src/escape/types';
import { codeLensesForFile, codeLensTitle, codeSpan, escapeMarkdown, explainSteps, fileUri, headline, HEAP_KINDS, hoverFor, rangeOf, type TextSource } from '../../src/server/escape/present';
import { SHOW_FUNCTION_FINDINGS_COMMAND, type FunctionFindingsArgs } from '../../src/shared/protocol';

/** A model of one package directory from `-m=2` output, the way the engine builds it. */
function modelOf(output: string, dir: string, sources: ReadonlyMap<string, string>): EscapeModel {
  const findings: ParsedFinding[] = [];
  const parser = new EscapeOutputParser({ onFinding: (f) => findings.push(f) });
  parser.write(output);
  parser.end();
  return buildModel(findings, { cwd: dir, readSource: (f) => sources.get(f) });
}

function textsOf(sources: ReadonlyMap<string, string>): TextSource {
  const indexes = new Map([...sources].map(([file, text]) => [file, new LineIndex(text)]));
  return (file) => indexes.get(file);
}

/** The code lenses as they were computed before the findings were indexed: a scan of them all per function. */
function referenceLenses(model: EscapeModel, file: string, texts: TextSource, isCurrentLine: (line: number) => boolean): CodeLens[] {
  const lenses: CodeLens[] = [];
  const lines = texts(file);
  for (const fn of model.functionsForFile(file)) {
    if (!isCurrentLine(fn.line)) continue;
    const end = fn.endLine ?? fn.line;
    const inFn = model.findingsForFile(file).filter((f) => f.line >= fn.line && f.line <= end && (HEAP_KINDS.has(f.kind) || f.kind === 'leaking-param' || f.kind === 'leaking-param-content' || (f.kind === 'cannot-inline' && !f.inline?.into)));
    const items = inFn.map((f) => {
      const r = rangeOf(texts, file, f.line, f.column, f.expr);
      return { line: r.start.line, character: r.start.character, kind: f.kind, label: headline(f), detail: explainSteps(f).map((s) => s.text).join(' → ') };
    });
    const lineText = lines?.lineText(fn.line) ?? '';
    const col = Math.max(0, lineText.length - lineText.trimStart().length);
    const args: FunctionFindingsArgs = { uri: fileUri(file), functionName: fn.name, items };
    lenses.push({ range: { start: { line: fn.line - 1, character: col }, end: { line: fn.line - 1, character: col } }, command: { title: codeLensTitle(fn), command: SHOW_FUNCTION_FINDINGS_COMMAND, arguments: [args] } });
  }
  return lenses;
}

describe('escape: code lenses', function () {
  this.timeout(120_000);

  it('40,000 functions with a heap allocation each: one lens per function, each listing its own finding', () => {
    const n = 40_000;
    const dir = path.resolve('/w/big');
    const file = path.join(dir, 'big.go');
    const src: string[] = ['package big', ''];
    const out: string[] = ['# example.com/big'];
    for (let i = 0; i < n; i++) {
      const decl = src.length + 1;
      src.push(`func F${i}() *int {`, '\tx := 0', '\treturn &x', '}', '');
      out.push(
        `./big.go:${decl}:6: can inline F${i} with cost 8 as: func() *int { x := 0; return &x }`,
        `./big.go:${decl + 1}:2: x escapes to heap in F${i}:`,
        `./big.go:${decl + 1}:2:   flow: ~r0 ← &x:`,
        `./big.go:${decl + 1}:2:     from &x (address-of) at ./big.go:${decl + 2}:9`,
        `./big.go:${decl + 1}:2:     from return &x (return) at ./big.go:${decl + 2}:2`,
        `./big.go:${decl + 1}:2: moved to heap: x`,
      );
    }
    const sources = new Map([[file, src.join('\n')]]);
    const model = modelOf(out.join('\n') + '\n', dir, sources);
    const started = performance.now();
    const lenses = codeLensesForFile(model, file, textsOf(sources), () => true);
    console.log(`      ${n} functions: code lenses in ${Math.round(performance.now() - started)} ms`);

    assert.equal(lenses.length, n);
    for (const i of [0, 1, 12_345, n - 1]) {
      const decl = 3 + 5 * i;
      const lens = lenses[i]!;
      assert.deepEqual(lens.range.start, { line: decl - 1, character: 0 });
      assert.equal(lens.command!.title, '1 heap escape · inlinable (cost 8)');
      const args = lens.command!.arguments![0] as FunctionFindingsArgs;
      assert.equal(args.functionName, `F${i}`);
      assert.deepEqual(args.items, [{ line: decl, character: 1, kind: 'moved-to-heap', label: `x is allocated on the heap: returned from F${i}`, detail: `its address is taken (&x) → returned from F${i}` }]);
    }
  });

  it('lists the same findings in the same order as a scan of all findings per function', () => {
    const dir = path.resolve('/w/small');
    const file = path.join(dir, 'p.go');
    const src = [
      'package p', // 1
      '',
      'func A(p *int) *int {', // 3
      '\tx := make([]byte, n)', // 4
      '\treturn p', // 5
      '}', // 6
      '',
      'var global any', // 8
      '',
      'func (t *T) B(q *int) {', // 10
      '\tglobal = q', // 11
      '\tfmt.Println(q)', // 12
      '\tA(q)', // 13
      '}', // 14
      'func C() { y := 1; global = &y }', // 15
      'func D() {', // 16
      '}', // 17
    ].join('\n');
    const output = [
      '# example.com/p',
      './p.go:3:6: cannot inline A: function too complex: cost 120 exceeds budget 80',
      './p.go:3:8: leaking param: p to result ~r0 level=0',
      './p.go:4:11: make([]byte, n) escapes to heap',
      './p.go:4:2: moved to heap: x',
      './p.go:8:5: global escapes to heap',
      './p.go:10:6: can inline (*T).B with cost 30 as: method(*T) func(*int) { global = q }',
      './p.go:10:15: leaking param: q',
      './p.go:10:15: leaking param content: q',
      './p.go:12:13: ... argument does not escape',
      './p.go:12:13: inlining call to fmt.Println',
      './p.go:13:3: cannot inline A into (*T).B: function too complex: cost 120 exceeds budget 80',
      './p.go:15:12: moved to heap: y',
      './p.go:15:6: can inline C with cost 9 as: func() { y := 1; global = &y }',
      './p.go:16:6: cannot inline D: marked go:noinline',
    ].join('\n');
    const sources = new Map([[file, src]]);
    const texts = textsOf(sources);
    const withSource = modelOf(output, dir, sources);
    // Without the source, functions run from one inliner line to the next and lenses cover the declaration line only.
    const withoutSource = modelOf(output, dir, new Map());
    for (const model of [withSource, withoutSource]) {
      for (const isCurrent of [() => true, (l: number) => l !== 10]) {
        const lenses = codeLensesForFile(model, file, texts, isCurrent);
        assert.ok(lenses.length > 0);
        assert.deepEqual(lenses, referenceLenses(model, file, texts, isCurrent));
      }
    }
    const items = (codeLensesForFile(withSource, file, texts, () => true)[1]!.command!.arguments![0] as FunctionFindingsArgs).items;
    assert.deepEqual(items.map((i) => [i.line + 1, i.kind]), [[10, 'leaking-param'], [10, 'leaking-param-content']]);
  });

  it('random layouts of functions and findings: the same lenses as a scan per function', () => {
    const kinds = [
      (l: number) => `./r.go:${l}:2: moved to heap: v${l}`,
      (l: number) => `./r.go:${l}:3: &T{} escapes to heap`,
      (l: number) => `./r.go:${l}:4: leaking param: p${l}`,
      (l: number) => `./r.go:${l}:4: leaking param content: p${l}`,
      (l: number) => `./r.go:${l}:5: p does not escape`,
      (l: number) => `./r.go:${l}:6: cannot inline G: marked go:noinline`,
      (l: number) => `./r.go:${l}:7: cannot inline G into H: marked go:noinline`,
      (l: number) => `./r.go:${l}:8: inlining call to G`,
    ];
    const dir = path.resolve('/w/random');
    const file = path.join(dir, 'r.go');
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat(2), body: fc.nat(4), inline: fc.boolean() }), { maxLength: 12 }),
        fc.array(fc.record({ line: fc.nat(80), kind: fc.nat(kinds.length - 1) }), { maxLength: 40 }),
        fc.boolean(),
        (fns, findings, readSource) => {
          const src = ['package r'];
          const out = ['# example.com/r'];
          fns.forEach((fn, i) => {
            for (let g = 0; g < fn.gap; g++) src.push('');
            if (fn.inline) out.push(`./r.go:${src.length + 1}:6: can inline F${i} with cost 3 as: func() {  }`);
            src.push(fn.body === 0 ? `func F${i}() {}` : `func F${i}() {`, ...Array.from({ length: Math.max(0, fn.body - 1) }, () => '\tg()'), ...(fn.body === 0 ? [] : ['}']));
          });
          for (const f of findings) out.push(kinds[f.kind]!(f.line + 1));
          const sources = new Map([[file, src.join('\n')]]);
          const model = modelOf(out.join('\n'), dir, readSource ? sources : new Map());
          const texts = textsOf(sources);
          const isCurrent = (l: number): boolean => l % 3 !== 0;
          assert.deepEqual(codeLensesForFile(model, file, texts, isCurrent), referenceLenses(model, file, texts, isCurrent));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Code spans and the text around them, as CommonMark splits them. */
function splitCodeSpans(markdown: string): { spans: string[]; outside: string } {
  const spans: string[] = [];
  let outside = '';
  let i = 0;
  while (i < markdown.length) {
    if (markdown[i] === '\\' && i + 1 < markdown.length) {
      outside += markdown.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (markdown[i] !== '`') {
      outside += markdown[i++];
      continue;
    }
    const run = /^`+/.exec(markdown.slice(i))![0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const m = close.exec(markdown);
    if (!m) {
      outside += run;
      i += run.length;
      continue;
    }
    let content = markdown.slice(i + run.length, m.index).replace(/\r\n|\r|\n/g, ' ');
    if (/^ .* $/s.test(content) && content.trim() !== '') content = content.slice(1, -1);
    spans.push(content);
    i = m.index + run.length;
  }
  return { spans, outside };
}

/** Text outside code spans with every backslash-escaped character taken out. */
function unescapedText(markdown: string): string {
  return splitCodeSpans(markdown).outside.replace(/\\[!-/:-@[-`{-~]/g, '');
}

describe('escape: hover markdown', () => {
  const evil = '"![x](http://e/i.png) <img src=x onerror=y>" + "`a``b` [a](command:workbench.action.quit)"';
  const expr = `s + ${evil}`;
  // go build -gcflags=-m=2 (Go 1.26) on a package whose directory name holds parentheses and
  // spaces; the last line is made up, in the compiler's format.
  const output = [
    '# example.com/evil',
    `./evil.go:5:6: can inline Evil with cost 7 as: func(string) { sink = ${expr} }`,
    `./evil.go:6:58: ${expr} escapes to heap in Evil:`,
    `./evil.go:6:58:   flow: {heap} ← &{storage for ${expr}}:`,
    `./evil.go:6:58:     from ${expr} (spill) at ./evil.go:6:58`,
    `./evil.go:6:58:     from sink = ${expr} (assign) at ./evil.go:6:7`,
    `./evil.go:6:58: ${expr} escapes to heap in Evil:`,
    `./evil.go:6:58:   flow: {storage for ${expr}} ← &{storage for ${expr}}:`,
    `./evil.go:6:58:     from ${expr} (spill) at ./evil.go:6:58`,
    `./evil.go:6:58:     from ${expr} (interface-converted) at ./evil.go:6:58`,
    './evil.go:5:11: s does not escape',
    `./evil.go:6:58: ${expr} escapes to heap`,
    `./evil.go:6:58: ${expr} escapes to heap`,
    './evil.go:9:6: cannot inline Later: unhandled op <img src=x onerror=y> [a](command:x)',
  ].join('\n');
  const source = ['package evil', '', 'var sink any', '', 'func Evil(s string) {', `\tsink = ${expr}`, '}', '', 'func Later() {', '}'].join('\n');
  const dir = path.resolve('/w/my (odd) dir');
  const file = path.join(dir, 'evil.go');
  const model = modelOf(output, dir, new Map([[file, source]]));
  const markdownAt = (line: number): string => {
    const hover = hoverFor(model.findingsAt(file, line), model.functionAt(file, line));
    assert.ok(hover);
    return (hover.contents as MarkupContent).value;
  };

  it('compiler text cannot add images, HTML or links', () => {
    for (const line of [6, 9]) {
      const text = unescapedText(markdownAt(line));
      for (const bad of ['![', '<img', '](command:', '<', '](http']) assert.ok(!text.includes(bad), `${JSON.stringify(bad)} in:\n${markdownAt(line)}`);
    }
  });

  it('shows the expression verbatim in a code span, backticks and all', () => {
    const heap = model.findingsAt(file, 6).find((f) => f.kind === 'escapes-to-heap')!;
    assert.equal(heap.expr, expr);
    assert.ok(splitCodeSpans(markdownAt(6)).spans.includes(expr));
    assert.ok(splitCodeSpans(markdownAt(6)).spans.includes('Evil'));
  });

  it('keeps the step links, with targets that parentheses and spaces in the path cannot break', () => {
    const markdown = markdownAt(6);
    const heap: Finding = model.findingsAt(file, 6).find((f) => f.kind === 'escapes-to-heap')!;
    const base = pathToFileURL(file).href.replace(/\(/g, '%28').replace(/\)/g, '%29');
    const expected = explainSteps(heap).map((s) => ({ label: `evil.go:${s.line}:${s.column}`, target: `${base}#L${s.line},${s.column}` }));
    assert.deepEqual(expected.map((e) => e.label), ['evil.go:6:58', 'evil.go:6:7', 'evil.go:6:58', 'evil.go:6:58']);
    const links = [...splitCodeSpans(markdown).outside.matchAll(/(?<!\\)\[((?:\\.|[^\\\]])*)\]\(([^)]*)\)/g)].map((m) => ({ label: m[1]!.replace(/\\(.)/g, '$1'), target: m[2]! }));
    assert.deepEqual(links, expected);
    for (const { target } of links) assert.match(target, /^file:\/\/[^\s()]+$/);
  });

  it('escapes the compiler words of each step: they read as the plain text again', () => {
    const markdown = markdownAt(6);
    const heap = model.findingsAt(file, 6).find((f) => f.kind === 'escapes-to-heap')!;
    for (const s of explainSteps(heap)) assert.ok(markdown.includes(escapeMarkdown(s.text)), s.text);
    assert.ok(explainSteps(heap).some((s) => s.text.includes('<img src=x onerror=y>')));
  });
});

describe('escape: Markdown helpers', () => {
  it('escapeMarkdown: backslash before every punctuation character, line breaks as spaces', () => {
    assert.equal(escapeMarkdown('![x](http://e/i.png)'), '\\!\\[x\\]\\(http\\:\\/\\/e\\/i\\.png\\)');
    assert.equal(escapeMarkdown('<img src=x> & `a` *b* _c_ #d +e -f |g ~h {i}'), '\\<img src\\=x\\> \\& \\`a\\` \\*b\\* \\_c\\_ \\#d \\+e \\-f \\|g \\~h \\{i\\}');
    assert.equal(escapeMarkdown('a\\b\nc\r\nd'), 'a\\\\b c d');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), (s) => {
        const escaped = escapeMarkdown(s);
        assert.equal(escaped.replace(/\\(.)/g, '$1'), s.replace(/\r\n|\r|\n/g, ' '));
        assert.equal(unescapedText(escaped).replace(/[^!-/:-@[-`{-~]/g, ''), '');
      }),
      { numRuns: 500 },
    );
  });

  it('codeSpan: a fence longer than any backtick run, padded when the text starts or ends with one', () => {
    assert.equal(codeSpan('x'), '`x`');
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`a``b`'), '``` `a``b` ```');
    assert.equal(codeSpan('a\nb'), '`a b`');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('`', ' ', 'a', '\n', '<', '*') }), (s) => {
        const { spans, outside } = splitCodeSpans(codeSpan(s));
        assert.deepEqual(spans, [s.replace(/\n/g, ' ') || ' ']);
        assert.equal(outside, '');
      }),
      { numRuns: 500 },
    );
  });
});
