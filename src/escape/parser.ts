// A streaming parser for the text the Go compiler prints with `-gcflags=-m` and `-m=2`.
//
// Feed it chunks (write) or whole lines (line), then call end(). It keeps only the current
// partial line and the explanation blocks whose summary line has not arrived yet, so memory
// stays constant however much output goes through it.
//
// How the compiler orders its output (cmd/compile/internal/escape): for each batch of
// functions it first prints the explanation blocks (`x escapes to heap in F:` followed by
// `flow:` and `from ... at` lines, all at the position of x), then the summary lines
// (`moved to heap: x`, `leaking param: p`...). A summary takes the pending blocks at its own
// position; blocks that never get a summary (wrapper functions) become findings of their own.
// Unknown lines never throw and are never dropped: they come out as kind `other`.
import { StringDecoder } from 'node:string_decoder';
import type { ExplanationBlock, ExplanationStep, FindingKind, ParsedFinding, RawLocation } from './types';

export interface ParserSink {
  /** A `# pkg` header. */
  onPackage?(name: string): void;
  /** One summary line (with its explanation), an unmatched explanation block, or an unknown line. */
  onFinding(finding: ParsedFinding): void;
}

export interface ParserOptions {
  /** Longer lines are cut to this many characters (default 64 KiB). */
  maxLineLength?: number;
  /** Explanation blocks kept waiting for their summary line (default 10,000). */
  maxPendingBlocks?: number;
  /** Steps kept per explanation block (default 1,000); the rest are counted in a `truncated` step. */
  maxSteps?: number;
}

export interface ParserStats {
  lines: number;
  /** Characters seen (UTF-16 code units of decoded text). */
  chars: number;
  findings: number;
  packages: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads `FILE:LINE:COL` or `FILE:LINE` from the end of `s` (no trailing text), e.g. the
 * `at` part of a step. Returns undefined when `s` does not end with a position.
 */
export function parseLocation(s: string): RawLocation | undefined {
  const end = s.length;
  let j = end;
  while (j > 0 && isDigit(s.charCodeAt(j - 1))) j--;
  if (j === end || j === 0 || s.charCodeAt(j - 1) !== 58 /* : */) return undefined;
  const last = Number(s.slice(j, end));
  const colon = j - 1;
  let m = colon;
  while (m > 0 && isDigit(s.charCodeAt(m - 1))) m--;
  if (m < colon && m > 0 && s.charCodeAt(m - 1) === 58) {
    const file = s.slice(0, m - 1);
    // `C:\x.go:3` is FILE:LINE with a drive letter, not FILE=`C` LINE=`\x.go`: digits only here.
    if (file.length > 0) return { file, line: Number(s.slice(m, colon)), column: last };
  }
  const file = s.slice(0, colon);
  if (file.length === 0) return undefined;
  return { file, line: last };
}

/** Splits `FILE:LINE:COL: MSG` / `FILE:LINE: MSG`; only the first `: ` after a number is considered. */
export function splitPositionedLine(line: string): { at: RawLocation; message: string; prefixLength: number } | undefined {
  let i = line.indexOf(': ');
  // A drive letter (`C:\`) has no space after its colon; `go: downloading ...` and
  // `cgo: C compiler ...` have no position: only a path-like prefix may go on to a later `: `.
  while (i >= 0 && (i === 0 || !isDigit(line.charCodeAt(i - 1)))) {
    const prefix = line.slice(0, i);
    if (!/^[A-Za-z]:[\\/]/.test(prefix) && !prefix.includes('/') && !prefix.includes('\\') && !prefix.startsWith('<')) return undefined;
    i = line.indexOf(': ', i + 1);
  }
  if (i < 0) return undefined;
  const at = parseLocation(line.slice(0, i));
  if (!at) return undefined;
  return { at, message: line.slice(i + 2), prefixLength: i };
}


const ESCAPES_HEADER = / escapes to heap(?: in (.+))?:$/;
/** `parameter P leaks to SINK[ for F] with derefs=N:`; SINK may be `{storage for EXPR}` with nested braces. */
export function parseLeakHeader(body: string): { param: string; sink: string; function?: string; derefs: number } | undefined {
  if (!body.startsWith('parameter ') || !body.endsWith(':')) return undefined;
  const leaksAt = body.indexOf(' leaks to ', 10);
  if (leaksAt < 0) return undefined;
  const param = body.slice(10, leaksAt);
  let i = leaksAt + 10;
  if (body.charCodeAt(i) === 123 /* { */) {
    let depth = 0;
    for (; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c === 123) depth++;
      else if (c === 125 && --depth === 0) {
        i++;
        break;
      }
    }
  } else {
    while (i < body.length && body.charCodeAt(i) !== 32) i++;
  }
  const sink = body.slice(leaksAt + 10, i);
  const m = /^(?: for (.+))? with derefs=(-?\d+):$/.exec(body.slice(i));
  if (!m || !sink || !param) return undefined;
  return { param, sink, function: m[1], derefs: Number(m[2]) };
}
const LEAK_TO_RESULT = /^leaking param: (.+) to result (\S+) level=(-?\d+)$/;
const CAN_INLINE_COST = /^can inline (.+?) with cost (\d+)(?: as: |$)/;
const INLINING_CALL = /^inlining call to (.+?)(?: with score -?\d+)?$/;
const CAPTURING = /^(.+) capturing by (value|ref): (.+?)(?: \((.*)\))?$/;

export class EscapeOutputParser {
  private partial = '';
  private partialCut = false;
  private decoder: StringDecoder | undefined;
  private pkg: string | undefined;
  private current: ExplanationBlock | undefined;
  /** The open block's position exactly as printed (`./x.go:3:4`): its steps start with it. */
  private currentPrefix = '';
  /** Blocks waiting for their summary line, by printed position, and in arrival order. */
  private pendingByPos = new Map<string, ExplanationBlock[]>();
  private pendingOrder: ExplanationBlock[] = [];
  private readonly taken = new Set<ExplanationBlock>();
  private summarySinceBlock = false;
  private readonly maxLine: number;
  private readonly maxPending: number;
  private readonly maxSteps: number;
  private ended = false;
  readonly stats: ParserStats = { lines: 0, chars: 0, findings: 0, packages: 0 };

  constructor(private readonly sink: ParserSink, options: ParserOptions = {}) {
    this.maxLine = options.maxLineLength ?? 64 * 1024;
    this.maxPending = options.maxPendingBlocks ?? 10_000;
    this.maxSteps = options.maxSteps ?? 1000;
  }

  /** Feeds a chunk of output (text, or UTF-8 bytes split anywhere). */
  write(chunk: string | Uint8Array): void {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      this.decoder ??= new StringDecoder('utf8');
      text = this.decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let piece = text.slice(start, nl);
      if (this.partial) {
        piece = this.partial + piece;
        this.partial = '';
      }
      this.partialCut = false;
      this.line(piece.endsWith('\r') ? piece.slice(0, -1) : piece);
      start = nl + 1;
    }
    if (start < text.length) {
      if (this.partialCut) return;
      this.partial += text.slice(start);
      if (this.partial.length > this.maxLine) {
        this.partial = this.partial.slice(0, this.maxLine);
        this.partialCut = true;
      }
    }
  }

  /** Feeds one complete line (without its newline). */
  line(raw: string): void {
    if (this.ended) return;
    this.stats.lines++;
    this.stats.chars += raw.length + 1;
    const text = raw.length > this.maxLine ? raw.slice(0, this.maxLine) : raw;
    // Fast path: a step of the open block starts with the block's position.
    const cur = this.current;
    if (cur !== undefined) {
      const n = this.currentPrefix.length;
      if (text.startsWith(this.currentPrefix) && text.charCodeAt(n) === 58 && text.charCodeAt(n + 1) === 32) {
        let i = n + 2;
        while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
        if (this.step(cur, text.slice(i))) return;
      }
    }
    let first = 0;
    while (first < text.length && (text.charCodeAt(first) === 32 || text.charCodeAt(first) === 9)) first++;
    if (first === text.length) return;
    if (text.charCodeAt(0) === 35 /* # */ && text.charCodeAt(1) === 32) {
      this.closeBlock();
      this.flushPending();
      this.pkg = text.slice(2).trim();
      this.stats.packages++;
      this.sink.onPackage?.(this.pkg);
      return;
    }
    const split = splitPositionedLine(text);
    if (!split) {
      this.closeBlock();
      this.emit({ kind: 'other', message: text.trim(), explanation: [] });
      return;
    }
    const { at, message } = split;
    let b0 = 0;
    while (message.charCodeAt(b0) === 32 || message.charCodeAt(b0) === 9) b0++;
    const body = b0 > 0 ? message.slice(b0) : message;
    this.closeBlock();
    if (b0 > 0 || body.startsWith('flow: ') || body.startsWith('from ') || body.startsWith('warning: truncated explanation')) {
      // A step whose block is not open (or at another position): kept, as `other`.
      this.emit({ kind: 'other', at, message: body, explanation: [] });
      return;
    }
    const prefix = text.slice(0, split.prefixLength);

    // Explanation headers.
    if (body.charCodeAt(body.length - 1) === 58 /* : */) {
      const esc = body.includes(' escapes to heap') ? ESCAPES_HEADER.exec(body) : null;
      if (esc) {
        this.openBlock(prefix, { header: 'escapes', at, expr: body.slice(0, esc.index), function: esc[1], text: body.slice(0, -1), steps: [] });
        return;
      }
      const leak = parseLeakHeader(body);
      if (leak) {
        this.openBlock(prefix, { header: 'leaks', at, expr: leak.param, sink: leak.sink, function: leak.function, derefs: leak.derefs, text: body.slice(0, -1), steps: [] });
        return;
      }
    }
    this.summary(prefix, at, body);
  }

  /** Flushes what is left: the last partial line and explanation blocks without a summary. */
  end(): void {
    if (this.ended) return;
    if (this.decoder) {
      const rest = this.decoder.end();
      if (rest) this.write(rest);
    }
    if (this.partial) {
      const p = this.partial;
      this.partial = '';
      this.line(p.endsWith('\r') ? p.slice(0, -1) : p);
    }
    this.closeBlock();
    this.flushPending();
    this.ended = true;
  }

  private emit(f: ParsedFinding): void {
    if (this.pkg !== undefined) f.pkg = this.pkg;
    this.stats.findings++;
    this.sink.onFinding(f);
  }

  private openBlock(prefix: string, block: ExplanationBlock): void {
    if (this.summarySinceBlock) {
      // A new batch of functions: blocks of the previous one that got no summary are final.
      this.flushPending();
      this.summarySinceBlock = false;
    }
    this.current = block;
    this.currentPrefix = prefix;
  }

  private closeBlock(): void {
    const b = this.current;
    if (!b) return;
    this.current = undefined;
    let list = this.pendingByPos.get(this.currentPrefix);
    if (!list) this.pendingByPos.set(this.currentPrefix, (list = []));
    list.push(b);
    this.pendingOrder.push(b);
    if (this.pendingOrder.length > this.maxPending) this.flushPending();
  }

  private flushPending(): void {
    if (this.pendingOrder.length === 0) return;
    for (const b of this.pendingOrder) if (!this.taken.has(b)) this.emitBlock(b);
    this.pendingOrder = [];
    this.pendingByPos.clear();
    this.taken.clear();
  }

  private emitBlock(b: ExplanationBlock): void {
    const kind: FindingKind = b.header === 'escapes' ? 'escapes-to-heap' : 'leaking-param';
    this.emit({ kind, at: b.at, message: b.text, expr: b.expr, function: b.function, explanation: [b] });
  }

  /** Adds a flow/from/warning line to the open block; false when it belongs to none. */
  private step(b: ExplanationBlock, body: string): boolean {
    let step: ExplanationStep | undefined;
    if (body.startsWith('flow: ')) {
      let inner = body.slice(6);
      if (inner.endsWith(':')) inner = inner.slice(0, -1);
      let sep = inner.indexOf(' ← ');
      let width = 3;
      if (sep < 0) {
        sep = inner.indexOf(' = ');
        width = 3;
      }
      if (sep < 0) return false;
      step = { kind: 'flow', dst: inner.slice(0, sep), src: inner.slice(sep + width), at: b.at, text: body };
    } else if (body.startsWith('from ')) {
      const atIdx = body.lastIndexOf(' at ');
      const loc = atIdx > 0 ? parseLocation(body.slice(atIdx + 4)) : undefined;
      const head = atIdx > 0 ? body.slice(5, atIdx) : body.slice(5);
      let expr = head;
      let reason = '';
      if (head.endsWith(')')) {
        const open = head.lastIndexOf(' (');
        if (open >= 0) {
          expr = head.slice(0, open);
          reason = head.slice(open + 2, -1);
        }
      }
      step = { kind: 'from', expr, reason, at: loc ?? b.at, text: body };
    } else if (body.startsWith('warning: truncated explanation')) {
      step = { kind: 'truncated', at: b.at, text: body };
    } else {
      return false;
    }
    if (b.steps.length < this.maxSteps) b.steps.push(step);
    else if (b.steps.length === this.maxSteps) b.steps.push({ kind: 'truncated', at: b.at, text: 'warning: truncated explanation (too many steps)' });
    return true;
  }

  private takeBlocks(prefix: string, header: 'escapes' | 'leaks', pick: (candidates: ExplanationBlock[]) => ExplanationBlock[]): ExplanationBlock[] {
    const list = this.pendingByPos.get(prefix);
    if (!list) return [];
    const candidates = list.filter((b) => b.header === header);
    if (candidates.length === 0) return [];
    const chosen = pick(candidates);
    if (chosen.length > 0) {
      for (const b of chosen) this.taken.add(b);
      const rest = list.filter((b) => !chosen.includes(b));
      if (rest.length > 0) this.pendingByPos.set(prefix, rest);
      else this.pendingByPos.delete(prefix);
    }
    return chosen;
  }

  private summary(prefix: string, at: RawLocation, body: string): void {
    const f = classify(at, body);
    switch (f.kind) {
      case 'escapes-to-heap':
      case 'moved-to-heap': {
        this.summarySinceBlock = true;
        const expr = f.expr ?? '';
        f.explanation = this.takeBlocks(prefix, 'escapes', (c) => {
          const exact = c.find((b) => b.expr === expr) ?? c.find((b) => b.expr.startsWith(expr + '(')) ?? c[0]!;
          return [exact];
        });
        break;
      }
      case 'leaking-param':
      case 'leaking-param-content': {
        this.summarySinceBlock = true;
        const result = f.result?.name;
        f.explanation = this.takeBlocks(prefix, 'leaks', (c) =>
          c.filter((b) => b.expr === f.expr && (result !== undefined ? b.sink === result : !/^~r\d+$/.test(b.sink ?? ''))),
        );
        break;
      }
      case 'does-not-escape':
        this.summarySinceBlock = true;
        break;
      default:
        break;
    }
    const fn = f.explanation.find((b) => b.function)?.function;
    if (fn && !f.function) f.function = fn;
    this.emit(f);
  }
}

/** Classifies one positioned line that is not part of an explanation block. */
function classify(at: RawLocation, body: string): ParsedFinding {
  const f = (kind: FindingKind, extra: Partial<ParsedFinding> = {}): ParsedFinding => ({ kind, at, message: body, explanation: [], ...extra });
  if (body.startsWith('moved to heap: ')) return f('moved-to-heap', { expr: body.slice(15) });
  if (body.startsWith('leaking param content: ')) return f('leaking-param-content', { expr: body.slice(23) });
  if (body.startsWith('leaking param: ')) {
    const m = LEAK_TO_RESULT.exec(body);
    if (m) return f('leaking-param', { expr: m[1], result: { name: m[2]!, level: Number(m[3]) } });
    return f('leaking-param', { expr: body.slice(15) });
  }
  if (body.endsWith(' escapes to heap')) return f('escapes-to-heap', { expr: body.slice(0, -16) });
  if (body.endsWith(' does not escape')) return f('does-not-escape', { expr: body.slice(0, -16) });
  if (body.endsWith(' does not escape, mutate, or call')) return f('does-not-escape', { expr: body.slice(0, -33) });
  if (body.startsWith('can inline ')) {
    const m = CAN_INLINE_COST.exec(body);
    const name = m ? m[1]! : body.slice(11);
    return f('can-inline', { expr: name, function: name, inline: { name, cost: m ? Number(m[2]) : undefined } });
  }
  if (body.startsWith('cannot inline ')) {
    const rest = body.slice(14);
    const colon = rest.indexOf(': ');
    if (colon > 0) {
      const head = rest.slice(0, colon);
      const reason = rest.slice(colon + 2);
      const into = head.indexOf(' into ');
      const name = into > 0 ? head.slice(0, into) : head;
      const cost = /cost (\d+) exceeds budget/.exec(reason);
      return f('cannot-inline', {
        expr: name,
        function: into > 0 ? head.slice(into + 6) : name,
        inline: { name, reason, into: into > 0 ? head.slice(into + 6) : undefined, cost: cost ? Number(cost[1]) : undefined },
      });
    }
  }
  if (body.startsWith('inlining call to ')) {
    const m = INLINING_CALL.exec(body);
    const name = m ? m[1]! : body.slice(17);
    return f('inlined-call', { expr: name, inline: { name } });
  }
  if (body.startsWith('Found Is')) return f('bounds-check', { expr: body.slice(6) });
  if (body.includes(' capturing by ')) {
    const m = CAPTURING.exec(body);
    if (m) return f('other', { expr: m[3], function: m[1], capture: { by: m[2] as 'value' | 'ref', variable: m[3]!, function: m[1]! } });
  }
  return f('other');
}

/** Parses a whole captured output at once (tests, small inputs). */
export function parseEscapeOutput(text: string, options?: ParserOptions): { findings: ParsedFinding[]; packages: string[] } {
  const findings: ParsedFinding[] = [];
  const packages: string[] = [];
  const parser = new EscapeOutputParser({ onFinding: (f) => findings.push(f), onPackage: (p) => packages.push(p) }, options);
  parser.write(text);
  parser.end();
  return { findings, packages };
}
