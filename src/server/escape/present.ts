// Turns the escape-analysis model into LSP diagnostics, hover cards and code lenses.
// Pure: no connection, no vscode; the service calls these with the texts it has.
import { pathToFileURL } from 'node:url';
import { Diagnostic, DiagnosticSeverity, MarkupKind, type CodeLens, type Hover, type Position, type Range } from 'vscode-languageserver/node';
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
  /** Beyond the kind: whether a finding is shown (filters.ts isShown). */
  show?: (f: Finding) => boolean;
  /** The file's share of its package's limit, when that is below maxPerFile. */
  packageCap?: { cap: number; limit: number; hiddenInPackage: () => number };
  /** What the profile shown in the editor measured at a finding's line: a stronger severity for hot lines, and the figure after the message. */
  measured?: (f: Finding) => { severity?: DiagnosticSeverity; text: string } | undefined;
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

/** The range of a finding or step: the expression at its position when the text is at hand. */
export function rangeOf(texts: TextSource, file: string, line: number, column: number | undefined, expr?: string): Range {
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

function causeOf(f: Finding): { cause: string; remedy?: string } | undefined {
  // mainCause reads the same fields from raw and resolved blocks.
  return mainCause(f.explanation as unknown as Parameters<typeof mainCause>[0], f);
}

/** One line for the diagnostic and the quick pick: what and, when known, why. */
export function headline(f: Finding): string {
  const base = summarize(f as unknown as Parameters<typeof summarize>[0]);
  const cause = HEAP_KINDS.has(f.kind) || f.kind === 'leaking-param' ? causeOf(f) : undefined;
  const times = f.count > 1 ? ` (×${f.count})` : '';
  return cause ? `${base}: ${cause.cause}${times}` : `${base}${times}`;
}

export function diagnosticsForFile(model: EscapeModel, file: string, texts: TextSource, opts: PresentOptions, isCurrent: (f: Finding) => boolean): Diagnostic[] {
  const all = model.findingsForFile(file).filter((f) => opts.kinds.has(f.kind) && (opts.show?.(f) ?? true) && isCurrent(f));
  const byPackage = opts.packageCap !== undefined && opts.packageCap.cap < Math.min(all.length, opts.maxPerFile);
  const shown = all.slice(0, byPackage ? opts.packageCap!.cap : opts.maxPerFile);
  // The flow's steps are in the hover, each a link: as related information too, an editor's hover
  // over the diagnostic would list them twice.
  const out: Diagnostic[] = shown.map((f) => {
    const m = HEAP_KINDS.has(f.kind) ? opts.measured?.(f) : undefined;
    const message = m ? `${headline(f)} — measured ${m.text}` : headline(f);
    return Diagnostic.create(rangeOf(texts, file, f.line, f.column, f.expr), message, m?.severity ?? opts.severity, f.kind, DIAGNOSTIC_SOURCE);
  });
  if (all.length > shown.length) {
    const first = shown[0];
    const pos: Position = first ? { line: Math.max(0, first.line - 1), character: 0 } : { line: 0, character: 0 };
    if (byPackage) {
      const { limit, hiddenInPackage } = opts.packageCap!;
      out.push(Diagnostic.create({ start: pos, end: pos }, `${hiddenInPackage()} more escape-analysis findings in this package are not shown (goMemoryInsight.escapeAnalysis.maxDiagnostics = ${limit}): use the quick fix to show all`, DiagnosticSeverity.Information, 'truncated-package', DIAGNOSTIC_SOURCE));
    } else {
      out.push(Diagnostic.create({ start: pos, end: pos }, `${all.length - shown.length} more escape-analysis findings in this file are not shown (limit goMemoryInsight.escapeAnalysis.maxDiagnosticsPerFile = ${opts.maxPerFile})`, DiagnosticSeverity.Information, 'truncated', DIAGNOSTIC_SOURCE));
    }
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

// Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them
// all also breaks bare-URL autolinks (`http\://`) and entity references (`\&lt;`).
const MARKDOWN_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * Plain text as Markdown that renders as that text: no emphasis, links, images, HTML or
 * entities. Line breaks become spaces, since a break could start a heading or a list.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(MARKDOWN_PUNCTUATION, '\\$&');
}

/** A code span holding `text` verbatim, whatever backticks it contains (CommonMark rules). */
export function codeSpan(text: string): string {
  // An empty code span cannot be written: a space is the nearest.
  const flat = text.replace(/\r\n|\r|\n/g, ' ') || ' ';
  const longestRun = (flat.match(/`+/g) ?? []).reduce((n, run) => Math.max(n, run.length), 0);
  const fence = '`'.repeat(longestRun + 1);
  // Padding keeps a backtick at either end from joining the fence, and spaces at both ends
  // from being stripped: the renderer strips one space each side unless the text is all spaces.
  const pad = /[^ ]/.test(flat) && /^[` ]|[` ]$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A link to a file position; the label is plain text. */
function link(file: string, line: number, column: number | undefined, label: string): string {
  // pathToFileURL percent-encodes spaces but not parentheses, which would end the destination.
  const target = `${fileUri(file)}#L${line}${column ? `,${column}` : ''}`.replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'));
  return `[${escapeMarkdown(label)}](${target})`;
}

function shortName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] ?? file;
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

type Step = ReturnType<typeof explainSteps>[number];

function plainSummary(f: Finding): string {
  return escapeMarkdown(summarize(f as unknown as Parameters<typeof summarize>[0]));
}

function stepPlace(s: Step): string {
  if (s.file.startsWith('<')) return escapeMarkdown(s.file);
  return link(s.file, s.line, s.column, `${shortName(s.file)}:${s.line}${s.column ? `:${s.column}` : ''}`);
}

/** Heap and leak findings: what, why, the compiler's flow step by step, the usual remedy. */
function flowCard(f: Finding, title: string): string[] {
  const parts = [`**${codeSpan(f.expr ?? f.message)}** ${title}${f.count > 1 ? ` — reported ${f.count} times (inlined call sites)` : ''}`];
  const cause = causeOf(f);
  parts.push(cause ? `**Why:** ${escapeMarkdown(cause.cause)}.` : `${plainSummary(f)}.`);
  const steps = explainSteps(f);
  if (steps.length > 0) {
    parts.push('The compiler\'s flow:\n\n' + steps.map((s, i) => `${i + 1}. ${escapeMarkdown(s.text)} — ${stepPlace(s)}`).join('\n'));
  } else if (blocksSummary(f.explanation) === 0 && (f.kind === 'escapes-to-heap' || f.kind === 'moved-to-heap')) {
    parts.push('_The compiler gave no flow for this one._');
  }
  if (cause?.remedy) parts.push(`**Usually fixed by:** ${escapeMarkdown(cause.remedy)}`);
  return parts;
}

function findingCard(f: Finding): string[] {
  const title = KIND_TITLE[f.kind];
  if (title) return flowCard(f, title);
  const name = codeSpan(f.inline?.name ?? f.expr ?? '');
  if (f.kind === 'cannot-inline') {
    const reason = f.inline?.reason ?? '';
    return [`**${name}** cannot be inlined: ${escapeMarkdown(reason)}\n\n${escapeMarkdown(explainCannotInline(reason))}`];
  }
  if (f.kind === 'can-inline') return [`**${name}** can be inlined${f.inline?.cost !== undefined ? ` (cost ${f.inline.cost} of 80)` : ''}.`];
  return [plainSummary(f) + (f.count > 1 ? ` (×${f.count})` : '')];
}

/**
 * The Markdown card for the findings under the cursor. Compiler text (expressions, names,
 * reasons) can hold any Go string literal, so it only goes in as code spans or escaped text.
 */
export function hoverFor(findings: readonly Finding[], fn: FunctionSummary | undefined, measured?: string): Hover | undefined {
  if (findings.length === 0) return undefined;
  const cards = findings.map((f) => findingCard(f).join('\n\n'));
  const parts = [cards.join('\n\n---\n\n')];
  // What the line cost in the profile the editor shows: the reason joined with the price.
  if (measured) parts.unshift(`**Measured** ${escapeMarkdown(measured)}`);
  if (fn) parts.push(`_In ${codeSpan(fn.name)}: ${fn.heapAllocations} heap ${fn.heapAllocations === 1 ? 'allocation' : 'allocations'}._`);
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

/** The function's summary with the counts of the findings its lens shows (a function whose end is known: its source was read). */
function countsOf(fn: FunctionSummary, shown: readonly Finding[]): FunctionSummary {
  let heapAllocations = 0;
  let leakingParams = 0;
  for (const f of shown) {
    if (HEAP_KINDS.has(f.kind)) heapAllocations++;
    else if ((f.kind === 'leaking-param' || f.kind === 'leaking-param-content') && !f.result) leakingParams++;
  }
  return { ...fn, heapAllocations, leakingParams };
}

/** Findings a function's code lens lists: heap allocations, leaks, and why it cannot be inlined. */
function isLensItem(f: Finding): boolean {
  return HEAP_KINDS.has(f.kind) || f.kind === 'leaking-param' || f.kind === 'leaking-param-content' || (f.kind === 'cannot-inline' && !f.inline?.into);
}

/** The index of the first finding on `line` or after it, in findings sorted by line. */
function firstFromLine(findings: readonly Finding[], line: number): number {
  let lo = 0;
  let hi = findings.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (findings[mid]!.line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The findings on lines first..last, in their order, from findings sorted by line. */
function findingsInLines(findings: readonly Finding[], first: number, last: number): Finding[] {
  const out: Finding[] = [];
  for (let i = firstFromLine(findings, first); i < findings.length && findings[i]!.line <= last; i++) out.push(findings[i]!);
  return out;
}

/**
 * A code lens above each function. `shown` picks the findings the lens counts and lists: the
 * same as the diagnostics, so that the lens and the squiggles agree.
 */
export function codeLensesForFile(model: EscapeModel, file: string, texts: TextSource, isCurrentLine: (line: number) => boolean, shown: (f: Finding) => boolean = () => true, measured?: (from: number, to: number) => string | undefined): CodeLens[] {
  const lenses: CodeLens[] = [];
  const lines = texts(file);
  // Once per file, not per function: a generated file can hold tens of thousands of each.
  // EscapeModel.finish() sorts each file's findings by line, which findingsInLines relies on.
  const candidates = model.findingsForFile(file).filter((f) => isLensItem(f) && (f.kind === 'cannot-inline' || shown(f)));
  for (const fn of model.functionsForFile(file)) {
    if (!isCurrentLine(fn.line)) continue;
    const inFn = findingsInLines(candidates, fn.line, fn.endLine ?? fn.line);
    const items: FunctionFindingsArgs['items'] = inFn.map((f) => {
      const r = rangeOf(texts, file, f.line, f.column, f.expr);
      return { line: r.start.line, character: r.start.character, kind: f.kind, label: headline(f), detail: explainSteps(f).map((s) => s.text).join(' → ') };
    });
    const lineText = lines?.lineText(fn.line) ?? '';
    const col = Math.max(0, lineText.length - lineText.trimStart().length);
    const range: Range = { start: { line: fn.line - 1, character: col }, end: { line: fn.line - 1, character: col } };
    const args: FunctionFindingsArgs = { uri: fileUri(file), functionName: fn.name, items };
    // What the function's lines allocated in the profile the editor shows, when one is shown.
    const cost = fn.endLine !== undefined ? measured?.(fn.line, fn.endLine) : undefined;
    const title = codeLensTitle(fn.endLine === undefined ? fn : countsOf(fn, inFn));
    lenses.push({ range, command: { title: cost ? `${title} · ${cost}` : title, command: SHOW_FUNCTION_FINDINGS_COMMAND, arguments: [args] } });
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
