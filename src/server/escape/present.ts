// Turns the escape-analysis model into LSP diagnostics, hover cards and code lenses.
// Pure: no connection, no vscode; the service calls these with the texts it has.
import { pathToFileURL } from 'node:url';
import { CodeLens, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, MarkupKind, type Hover, type Position, type Range } from 'vscode-languageserver/node';
import { explainCannotInline, explainReason, mainCause, summarize } from '../../escape/explain';
import type { EscapeModel, Finding, FunctionSummary, ResolvedBlock } from '../../escape/model';
import { findingRange, LineIndex } from '../../escape/positions';
import type { CompilerError, FindingKind } from '../../escape/types';
import { SHOW_FUNCTION_FINDINGS_COMMAND, type FunctionFindingsArgs } from '../../shared/protocol';

export const DIAGNOSTIC_SOURCE = 'Go escape analysis';
export const BUILD_SOURCE = 'go build';

export const HEAP_KINDS: ReadonlySet<FindingKind> = new Set(['escapes-to-heap', 'moved-to-heap']);

export interface PresentOptions {
  kinds: ReadonlySet<FindingKind>;
  severity: DiagnosticSeverity;
  maxPerFile: number;
}

/** Texts of files by absolute path: the open document if any, else the file on disk. */
export type TextSource = (file: string) => LineIndex | undefined;

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

export function severityFromSetting(value: unknown): DiagnosticSeverity {
  switch (value) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'hint':
      return DiagnosticSeverity.Hint;
    default:
      return DiagnosticSeverity.Information;
  }
}

function rangeOf(texts: TextSource, file: string, line: number, column: number | undefined, expr?: string): Range {
  const lines = texts(file);
  if (!lines) {
    const l = Math.max(0, line - 1);
    const c = Math.max(0, (column ?? 1) - 1);
    return { start: { line: l, character: c }, end: { line: l, character: c + 1 } };
  }
  return findingRange(lines, line, column, expr);
}

/** Plain-words steps of a finding's explanation, each with its own position. */
export function explainSteps(f: Finding): { text: string; file: string; line: number; column?: number }[] {
  const out: { text: string; file: string; line: number; column?: number }[] = [];
  for (const block of f.explanation) {
    let dst: string | undefined;
    for (const step of block.steps) {
      if (step.kind === 'flow') {
        dst = step.dst;
        continue;
      }
      const text = step.kind === 'from' ? explainReason(step.reason ?? '', step.expr ?? '', dst, block.function) : 'the explanation was cut short (assignment cycle)';
      out.push({ text, file: step.at.file, line: step.at.line, column: step.at.column });
    }
  }
  return out;
}

function causeOf(f: Finding): { cause: string; remedy: string } | undefined {
  // mainCause reads the same fields from raw and resolved blocks.
  return mainCause(f.explanation as unknown as Parameters<typeof mainCause>[0]);
}

/** One line for the diagnostic and the quick pick: what and, when known, why. */
export function headline(f: Finding): string {
  const base = summarize(f as unknown as Parameters<typeof summarize>[0]);
  const cause = HEAP_KINDS.has(f.kind) || f.kind === 'leaking-param' ? causeOf(f) : undefined;
  const times = f.count > 1 ? ` (×${f.count})` : '';
  return cause ? `${base}: ${cause.cause}${times}` : `${base}${times}`;
}

export function diagnosticsForFile(model: EscapeModel, file: string, texts: TextSource, opts: PresentOptions, isCurrent: (f: Finding) => boolean): Diagnostic[] {
  const all = model.findingsForFile(file).filter((f) => opts.kinds.has(f.kind) && isCurrent(f));
  const shown = all.slice(0, opts.maxPerFile);
  const out: Diagnostic[] = shown.map((f) => {
    const d = Diagnostic.create(rangeOf(texts, file, f.line, f.column, f.expr), headline(f), opts.severity, f.kind, DIAGNOSTIC_SOURCE);
    const related = explainSteps(f)
      .filter((s) => !s.file.startsWith('<'))
      .map((s, i) => DiagnosticRelatedInformation.create(Location.create(fileUri(s.file), rangeOf(texts, s.file, s.line, s.column)), `${i + 1}. ${s.text}`));
    if (related.length > 0) d.relatedInformation = related;
    return d;
  });
  if (all.length > shown.length) {
    const first = shown[0];
    const pos: Position = first ? { line: Math.max(0, first.line - 1), character: 0 } : { line: 0, character: 0 };
    out.push(Diagnostic.create({ start: pos, end: pos }, `${all.length - shown.length} more escape-analysis findings in this file are not shown (limit goMemoryInsight.escapeAnalysis.maxDiagnosticsPerFile = ${opts.maxPerFile})`, DiagnosticSeverity.Information, 'truncated', DIAGNOSTIC_SOURCE));
  }
  return out;
}

export function errorDiagnostics(errors: readonly CompilerError[], texts: TextSource): Map<string, Diagnostic[]> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const e of errors) {
    let list = byFile.get(e.file);
    if (!list) byFile.set(e.file, (list = []));
    list.push(Diagnostic.create(rangeOf(texts, e.file, e.line, e.column), e.message, DiagnosticSeverity.Error, 'build-error', BUILD_SOURCE));
  }
  return byFile;
}

function link(file: string, line: number, column: number | undefined, label: string): string {
  const target = `${fileUri(file)}#L${line}${column ? `,${column}` : ''}`;
  return `[${label.replace(/[[\]\\]/g, '\\$&')}](${target})`;
}

function shortName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] ?? file;
}

function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  return `${ticks}${text}${ticks}`;
}

const KIND_TITLE: Partial<Record<FindingKind, string>> = {
  'escapes-to-heap': 'escapes to the heap',
  'moved-to-heap': 'is moved to the heap',
  'leaking-param': 'leaking parameter',
  'leaking-param-content': 'leaking parameter content',
};

function blocksSummary(blocks: readonly ResolvedBlock[]): number {
  return blocks.reduce((n, b) => n + b.steps.length, 0);
}

/** The Markdown card for the findings under the cursor. */
export function hoverFor(findings: readonly Finding[], fn: FunctionSummary | undefined): Hover | undefined {
  if (findings.length === 0) return undefined;
  const parts: string[] = [];
  for (const f of findings) {
    const title = KIND_TITLE[f.kind];
    if (title) {
      parts.push(`**${code(f.expr ?? f.message)}** ${title}${f.count > 1 ? ` — reported ${f.count} times (inlined call sites)` : ''}`);
      const cause = causeOf(f);
      if (cause) parts.push(`**Why:** ${cause.cause}.`);
      else parts.push(summarize(f as unknown as Parameters<typeof summarize>[0]) + '.');
      const steps = explainSteps(f);
      if (steps.length > 0) {
        parts.push('The compiler\'s flow:\n\n' + steps.map((s, i) => `${i + 1}. ${s.text} — ${s.file.startsWith('<') ? s.file : link(s.file, s.line, s.column, `${shortName(s.file)}:${s.line}${s.column ? `:${s.column}` : ''}`)}`).join('\n'));
      } else if (blocksSummary(f.explanation) === 0 && (f.kind === 'escapes-to-heap' || f.kind === 'moved-to-heap')) {
        parts.push('_The compiler gave no flow for this one._');
      }
      if (cause) parts.push(`**Usually fixed by:** ${cause.remedy}`);
    } else if (f.kind === 'cannot-inline') {
      parts.push(`**${code(f.inline?.name ?? f.expr ?? '')}** cannot be inlined: ${f.inline?.reason ?? ''}\n\n${explainCannotInline(f.inline?.reason ?? '')}`);
    } else if (f.kind === 'can-inline') {
      parts.push(`**${code(f.inline?.name ?? f.expr ?? '')}** can be inlined${f.inline?.cost !== undefined ? ` (cost ${f.inline.cost} of 80)` : ''}.`);
    } else {
      parts.push(summarize(f as unknown as Parameters<typeof summarize>[0]) + (f.count > 1 ? ` (×${f.count})` : ''));
    }
    parts.push('---');
  }
  if (parts[parts.length - 1] === '---') parts.pop();
  if (fn) parts.push(`_In ${code(fn.name)}: ${fn.heapAllocations} heap ${fn.heapAllocations === 1 ? 'allocation' : 'allocations'}._`);
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') } };
}

function inlineText(fn: FunctionSummary): string | undefined {
  if (fn.inlinable === true) return fn.inlineCost !== undefined ? `inlinable (cost ${fn.inlineCost})` : 'inlinable';
  if (fn.inlinable === false) {
    const m = /function too complex: cost (\d+) exceeds budget (\d+)/.exec(fn.cannotInlineReason ?? '');
    if (m) return `cannot inline: function too complex (cost ${m[1]} > ${m[2]})`;
    return `cannot inline: ${fn.cannotInlineReason ?? 'unknown reason'}`;
  }
  return undefined;
}

export function codeLensTitle(fn: FunctionSummary): string {
  const heap = fn.heapAllocations === 0 ? 'no heap escapes' : `${fn.heapAllocations} heap ${fn.heapAllocations === 1 ? 'escape' : 'escapes'}`;
  const parts = [heap];
  if (fn.leakingParams > 0) parts.push(`${fn.leakingParams} leaking ${fn.leakingParams === 1 ? 'param' : 'params'}`);
  const inl = inlineText(fn);
  if (inl) parts.push(inl);
  return parts.join(' · ');
}

export function codeLensesForFile(model: EscapeModel, file: string, texts: TextSource, isCurrentLine: (line: number) => boolean): CodeLens[] {
  const lenses: CodeLens[] = [];
  const lines = texts(file);
  for (const fn of model.functionsForFile(file)) {
    if (!isCurrentLine(fn.line)) continue;
    const end = fn.endLine ?? fn.line;
    const inFn = model.findingsForFile(file).filter((f) => f.line >= fn.line && f.line <= end && (HEAP_KINDS.has(f.kind) || f.kind === 'leaking-param' || f.kind === 'leaking-param-content' || (f.kind === 'cannot-inline' && !f.inline?.into)));
    const items: FunctionFindingsArgs['items'] = inFn.map((f) => {
      const r = rangeOf(texts, file, f.line, f.column, f.expr);
      return { line: r.start.line, character: r.start.character, kind: f.kind, label: headline(f), detail: explainSteps(f).map((s) => s.text).join(' → ') };
    });
    const lineText = lines?.lineText(fn.line) ?? '';
    const col = Math.max(0, lineText.length - lineText.trimStart().length);
    const range: Range = { start: { line: fn.line - 1, character: col }, end: { line: fn.line - 1, character: col } };
    const args: FunctionFindingsArgs = { uri: fileUri(file), functionName: fn.name, items };
    lenses.push(CodeLens.create(range, undefined) as CodeLens);
    lenses[lenses.length - 1]!.command = { title: codeLensTitle(fn), command: SHOW_FUNCTION_FINDINGS_COMMAND, arguments: [args] };
  }
  return lenses;
}

/** Findings whose range contains the position (0-based), heap findings first. */
export function findingsAtPosition(model: EscapeModel, file: string, pos: Position, texts: TextSource): Finding[] {
  const at = model.findingsAt(file, pos.line + 1);
  const hits = at.filter((f) => {
    const r = rangeOf(texts, file, f.line, f.column, f.expr);
    return pos.character >= r.start.character && pos.character <= r.end.character;
  });
  const rank = (f: Finding): number => (HEAP_KINDS.has(f.kind) ? 0 : f.kind.startsWith('leaking') ? 1 : f.kind === 'cannot-inline' || f.kind === 'can-inline' ? 2 : 3);
  return hits.filter((f) => f.kind !== 'inlined-call' || hits.length === 1).sort((a, b) => rank(a) - rank(b)).slice(0, 4);
}
