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
// position. Blocks are never findings of their own: the compiler prints one finding per
// summary line, and a block is one flow of the finding it explains.
//  - Several blocks of one expression (`n escapes to heap in F:` twice: to the heap and to a
//    closure) are several flows of its `moved to heap: n`.
//  - Several blocks of one parameter (`parameter h leaks to {heap} ...` and `... leaks to ~r0
//    ...`) go to the summary lines of that parameter: a result's block to its `leaking param: h
//    to result ~r0` line when there is one, otherwise (the compiler drops a result leak that the
//    heap leak covers) to the parameter's heap leak (`leaking param content: h`).
//  - Blocks with no summary at their position (the closure of a `go`/`defer` wrapper, a
//    non-pointer parameter that flows to a local) explain nothing the compiler reported: they are
//    dropped and counted in stats.orphanBlocks.
// So that a parameter's later summary lines can still take blocks, the findings of a batch are
// held until the batch ends (a new block after summaries, a `# pkg` header, end()): memory stays
// bounded by one batch (maxPendingBlocks). Unknown lines never throw and are never dropped:
// they come out as kind `other`.
//
// Speed: a build prints tens of megabytes of this. Bytes are split at newline bytes (a newline
// byte never occurs inside a UTF-8 sequence) and decoded a chunk at a time as Latin-1, which is
// exact for ASCII lines; only lines holding other bytes (the `←` of every flow step) are
// decoded as UTF-8, one by one. The frequent kinds of lines are read with indexOf, slice and
// character codes rather than regular expressions. Substrings are compared with `===` on a
// slice, not startsWith (slow on substrings in V8), and pending blocks are found by a number
// made of their position's line and column, not by a Map keyed with substrings (hashing them
// is slow too). The hot functions are kept few and mid-sized, which V8 compiles early.
import { isAscii } from 'node:buffer';
import type { ExplanationBlock, ExplanationStep, FindingKind, ParsedFinding, RawLocation } from './types';

export interface ParserSink {
  /** A `# pkg` header. */
  onPackage?(name: string): void;
  /** One summary line (with its explanation), an unmatched explanation block, or an unknown line. */
  onFinding(finding: ParsedFinding): void;
  /** An explanation block that explained no summary line (it is dropped). */
  onOrphanBlock?(block: ExplanationBlock, pkg: string | undefined): void;
}

export interface ParserOptions {
  /** Longer lines are cut to this many characters (default 64 KiB). */
  maxLineLength?: number;
  /** Explanation blocks kept waiting for their summary line (default 100,000: the biggest batch of go/types, one set of mutually recursive functions, has 13,000). */
  maxPendingBlocks?: number;
  /** Steps kept per explanation block (default 1,000); the rest are counted in a `truncated` step. */
  maxSteps?: number;
}

export interface ParserStats {
  lines: number;
  /** Characters seen (UTF-16 code units of decoded text; of a line over maxLineLength that came in several chunks, at least the part kept). */
  chars: number;
  findings: number;
  packages: number;
  /** Explanation blocks that explained no summary line (dropped). */
  orphanBlocks: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A character a regular expression's `.` does not match. */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/g;

/** s[from, to) holds a character a regular expression's `.` does not match. */
function hasLineTerminator(s: string, from: number, to: number): boolean {
  LINE_TERMINATOR.lastIndex = from;
  return LINE_TERMINATOR.test(s) && LINE_TERMINATOR.lastIndex <= to;
}

/**
 * `s` has `word` at `at` (at >= 0). Not startsWith: V8 runs it slowly on substrings, and with a
 * constant it unrolls it into code for every character, which slows its compiler down here.
 */
function matchAt(s: string, at: number, word: string): boolean {
  return s.slice(at, at + word.length) === word;
}

// What scanLocation found: the file ends at locFileEnd, then locLine and locColumn (-1: none).
let locFileEnd = 0;
let locLine = 0;
let locColumn = -1;

/**
 * Reads `FILE:LINE:COL` or `FILE:LINE` that fills s[from, to). False when there is no such
 * position; otherwise sets locFileEnd, locLine and locColumn.
 */
function scanLocation(s: string, from: number, to: number): boolean {
  // Numbers are summed while read backwards; past 15 digits Number() rounds them instead.
  let j = to;
  let last = 0;
  for (let unit = 1; j > from; j--, unit *= 10) {
    const c = s.charCodeAt(j - 1);
    if (!isDigit(c)) break;
    last += (c - 48) * unit;
  }
  if (j === to || j === from || s.charCodeAt(j - 1) !== 58 /* : */) return false;
  if (to - j > 15) last = Number(s.slice(j, to));
  const colon = j - 1;
  let m = colon;
  let first = 0;
  for (let unit = 1; m > from; m--, unit *= 10) {
    const c = s.charCodeAt(m - 1);
    if (!isDigit(c)) break;
    first += (c - 48) * unit;
  }
  // `C:\x.go:3` is FILE:LINE with a drive letter, not FILE=`C` LINE=`\x.go`: digits only here.
  if (m < colon && m - 1 > from && s.charCodeAt(m - 1) === 58) {
    locFileEnd = m - 1;
    locLine = colon - m > 15 ? Number(s.slice(m, colon)) : first;
    locColumn = last;
    return true;
  }
  if (colon === from) return false;
  locFileEnd = colon;
  locLine = last;
  locColumn = -1;
  return true;
}

/**
 * Reads `FILE:LINE:COL` or `FILE:LINE` from the end of `s` (no trailing text), e.g. the
 * `at` part of a step. Returns undefined when `s` does not end with a position.
 */
export function parseLocation(s: string): RawLocation | undefined {
  return location(s, 0, s.length);
}

/** The position that fills s[from, to). */
function location(s: string, from: number, to: number): RawLocation | undefined {
  if (!scanLocation(s, from, to)) return undefined;
  const file = s.slice(from, locFileEnd);
  return locColumn >= 0 ? { file, line: locLine, column: locColumn } : { file, line: locLine };
}

/**
 * Where the position of `FILE:LINE:COL: MSG` / `FILE:LINE: MSG` ends (the index of its `: `),
 * or -1. Only the first `: ` after a number is considered.
 */
function positionEnd(line: string): number {
  const i = line.indexOf(': ');
  return i > 0 && isDigit(line.charCodeAt(i - 1)) ? i : positionEndAfter(line, i);
}

/** positionEnd when the first `: ` (at i, or -1) does not follow a number. */
function positionEndAfter(line: string, i: number): number {
  // A drive letter (`C:\`) has no space after its colon; `go: downloading ...` and
  // `cgo: C compiler ...` have no position: only a path-like prefix may go on to a later `: `.
  let pathLike = line.charCodeAt(0) === 60; /* < */
  let scanned = 0;
  while (i >= 0 && (i === 0 || !isDigit(line.charCodeAt(i - 1)))) {
    for (; !pathLike && scanned < i; scanned++) {
      const c = line.charCodeAt(scanned);
      if (c === 47 /* / */ || c === 92 /* \ */) pathLike = true;
    }
    if (!pathLike) return -1;
    i = line.indexOf(': ', i + 1);
  }
  return i;
}

/** Splits `FILE:LINE:COL: MSG` / `FILE:LINE: MSG`; only the first `: ` after a number is considered. */
export function splitPositionedLine(line: string): { at: RawLocation; message: string; prefixLength: number } | undefined {
  const i = positionEnd(line);
  if (i < 0) return undefined;
  const at = parseLocation(line.slice(0, i));
  if (!at) return undefined;
  return { at, message: line.slice(i + 2), prefixLength: i };
}

const FLOW = 'flow: ';
const FROM = 'from ';
const TRUNCATED = 'warning: truncated explanation';

/** The word that starts an explanation step (FLOW, FROM, TRUNCATED) at s[i...], or ''. */
function stepWord(s: string, i: number): string {
  const c = s.charCodeAt(i);
  if (c === 102 /* f */) {
    // `flow: ` or `from `, read without making a substring: every step line goes through here.
    const c1 = s.charCodeAt(i + 1);
    const c3 = s.charCodeAt(i + 3);
    if (c1 === 108 /* l */) return s.charCodeAt(i + 2) === 111 && c3 === 119 && s.charCodeAt(i + 4) === 58 && s.charCodeAt(i + 5) === 32 ? FLOW : '';
    return c1 === 114 /* r */ && s.charCodeAt(i + 2) === 111 && c3 === 109 && s.charCodeAt(i + 4) === 32 ? FROM : '';
  }
  return c === 119 /* w */ && matchAt(s, i, TRUNCATED) ? TRUNCATED : '';
}

/** ` escapes to heap[ in F]:` after the expression. */
const ESCAPES_HEADER = / escapes to heap(?: in (.+))?:$/g;
/** What follows the sink of a leak header. */
const LEAK_HEADER_END = /(?: for (.+))? with derefs=(-?\d+):$/y;

/** `parameter P leaks to SINK[ for F] with derefs=N:` in s[from...]. */
function leakHeader(s: string, from: number): { param: string; sink: string; function?: string; derefs: number } | undefined {
  const end = s.length;
  if (end - from < 11 || !matchAt(s, from, 'parameter ') || s.charCodeAt(end - 1) !== 58 /* : */) return undefined;
  const leaksAt = s.indexOf(' leaks to ', from + 10);
  if (leaksAt < 0) return undefined;
  let i = leaksAt + 10;
  if (s.charCodeAt(i) === 123 /* { */) {
    let depth = 0;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === 123) depth++;
      else if (c === 125 && --depth === 0) {
        i++;
        break;
      }
    }
  } else {
    while (i < end && s.charCodeAt(i) !== 32) i++;
  }
  LEAK_HEADER_END.lastIndex = i;
  const m = LEAK_HEADER_END.exec(s);
  if (!m || i === leaksAt + 10 || leaksAt === from + 10) return undefined;
  return { param: s.slice(from + 10, leaksAt), sink: s.slice(leaksAt + 10, i), function: m[1], derefs: Number(m[2]) };
}

/** `parameter P leaks to SINK[ for F] with derefs=N:`; SINK may be `{storage for EXPR}` with nested braces. */
export function parseLeakHeader(body: string): { param: string; sink: string; function?: string; derefs: number } | undefined {
  return leakHeader(body, 0);
}

const LEAK_TO_RESULT = /^leaking param: (.+) to result (\S+) level=(-?\d+)$/;
const CAN_INLINE_COST = /^can inline (.+?) with cost (\d+)(?: as: |$)/;
const CAPTURING = /^(.+) capturing by (value|ref): (.+?)(?: \((.*)\))?$/;
const BUDGET_COST = /cost (\d+) exceeds budget/;
const INLINING_SCORE = / with score -?\d+$/;
/** A character that is not ASCII, in text decoded as Latin-1. */
const NOT_ASCII = /[\u0080-\uffff]/g;

/**
 * Where the first byte that is not ASCII is, at or after `at` in `text` (buf[from...] decoded as
 * Latin-1), or text.length. The usual one is the first byte of `←` (E2 86 90): it is found
 * with a quick search, and the bytes before it are checked in one go.
 */
function notAscii(buf: Buffer, from: number, text: string, at: number): number {
  const n = text.length;
  const e2 = text.indexOf('\u00e2', at);
  const stop = e2 < 0 ? n : e2;
  if (stop === at || isAscii(buf.subarray(from + at, from + stop))) return stop;
  NOT_ASCII.lastIndex = at;
  return NOT_ASCII.test(text) ? NOT_ASCII.lastIndex - 1 : n;
}

/** An explanation block waiting for its summary line, and the position it was printed at. */
interface Pending {
  prefix: string;
  /** Dropped once flushed. */
  block: ExplanationBlock | undefined;
  taken: boolean;
}

/** A number for a position: the same printed position always gives the same number. */
function positionKey(at: RawLocation): number {
  return at.line * 4096 + (at.column ?? -1);
}

export class EscapeOutputParser {
  /** The partial line of string chunks. */
  private partial = '';
  private partialCut = false;
  /** The partial line of byte chunks, rest[0, restLength); restCut: bytes past the cap were dropped. */
  private rest: Buffer | undefined;
  private restLength = 0;
  private restCut = false;
  private readonly restCap: number;
  private pkg: string | undefined;
  private current: ExplanationBlock | undefined;
  /** The open block's position exactly as printed (`./x.go:3:4`): its steps start with it. */
  private currentPrefix = '';
  /** Blocks waiting for their summary line, by positionKey, and in arrival order. */
  private pendingByPos = new Map<number, Pending[]>();
  private readonly pendingOrder: Pending[] = [];
  private summarySinceBlock = false;
  /** Findings of the current batch, held while blocks wait (see flushPending). */
  private held: ParsedFinding[] = [];
  private readonly maxLine: number;
  private readonly maxPending: number;
  private readonly maxSteps: number;
  private ended = false;
  readonly stats: ParserStats = { lines: 0, chars: 0, findings: 0, packages: 0, orphanBlocks: 0 };

  constructor(private readonly sink: ParserSink, options: ParserOptions = {}) {
    this.maxLine = options.maxLineLength ?? 64 * 1024;
    this.maxPending = options.maxPendingBlocks ?? 100_000;
    this.maxSteps = options.maxSteps ?? 1000;
    // A UTF-16 code unit takes at most 3 bytes: this many bytes always hold the part kept.
    this.restCap = 3 * this.maxLine + 6;
  }

  /** Feeds a chunk of output (text, or UTF-8 bytes split anywhere). */
  write(chunk: string | Uint8Array): void {
    if (this.ended) return;
    if (typeof chunk === 'string') this.writeText(chunk);
    else this.writeBytes(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  private writeText(text: string): void {
    if (this.restLength > 0 || this.restCut) {
      // Bytes came first: their partial line goes on as text.
      this.partial = this.rest!.toString('utf8', 0, this.restLength);
      this.partialCut = this.restCut;
      this.restLength = 0;
      this.restCut = false;
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.partial.length > 0 || this.partialCut) {
        const piece = this.partial + text.slice(start, nl);
        const cut = this.partialCut;
        this.partial = '';
        this.partialCut = false;
        // A cut line's carriage return went with the cut.
        this.take(!cut && piece.charCodeAt(piece.length - 1) === 13 ? piece.slice(0, -1) : piece);
      } else {
        this.take(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      }
      if (this.ended) return;
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

  private writeBytes(buf: Buffer): void {
    const n = buf.length;
    if (n === 0) return;
    if (this.partial.length > 0 || this.partialCut) {
      // Text came first: its partial line goes on as bytes.
      const p = Buffer.from(this.partial, 'utf8');
      const cut = this.partialCut;
      this.partial = '';
      this.partialCut = false;
      this.appendRest(p, 0, p.length);
      if (cut) this.restCut = true;
    }
    let pos = 0;
    if (this.restLength > 0 || this.restCut) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.appendRest(buf, 0, n);
        return;
      }
      this.appendRest(buf, 0, nl);
      this.takeRest();
      if (this.ended) return;
      pos = nl + 1;
    }
    const last = buf.lastIndexOf(10);
    if (last >= pos) {
      this.takeLines(buf, pos, last);
      pos = last + 1;
    }
    if (pos < n && !this.ended) this.appendRest(buf, pos, n);
  }

  /** Keeps buf[from, to) (copied: the caller may reuse its buffer) for the partial line. */
  private appendRest(buf: Uint8Array, from: number, to: number): void {
    if (this.restCut) return;
    let count = to - from;
    if (count <= 0) return;
    const room = this.restCap - this.restLength;
    if (count > room) {
      count = room;
      this.restCut = true;
    }
    const need = this.restLength + count;
    let rest = this.rest;
    if (rest === undefined || rest.length < need) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, 2 * (rest?.length ?? 0), 256), this.restCap));
      if (rest !== undefined) rest.copy(grown, 0, 0, this.restLength);
      this.rest = rest = grown;
    }
    rest.set(buf.subarray(from, from + count), this.restLength);
    this.restLength = need;
  }

  /** The partial line of bytes is complete. */
  private takeRest(): void {
    const rest = this.rest;
    let n = this.restLength;
    const cut = this.restCut;
    this.restLength = 0;
    this.restCut = false;
    if (!cut && n > 0 && rest![n - 1] === 13) n--;
    this.take(n > 0 ? rest!.toString('utf8', 0, n) : '');
  }

  /** The complete lines in buf[from, to), where buf[to] is a newline. */
  private takeLines(buf: Buffer, from: number, to: number): void {
    const text = buf.toString('latin1', from, to);
    const n = text.length;
    let other = notAscii(buf, from, text, 0);
    let s = 0;
    for (;;) {
      const nl = text.indexOf('\n', s);
      const e = nl < 0 ? n : nl;
      const end = e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
      if (other >= e) {
        this.take(text.slice(s, end));
      } else {
        this.take(buf.toString('utf8', from + s, from + end));
        other = notAscii(buf, from, text, e);
      }
      if (nl < 0 || this.ended) return;
      s = nl + 1;
    }
  }

  /** Feeds one complete line (without its newline). */
  line(raw: string): void {
    if (this.ended) return;
    this.take(raw);
  }

  private take(raw: string): void {
    this.stats.lines++;
    this.stats.chars += raw.length + 1;
    const text = raw.length > this.maxLine ? raw.slice(0, this.maxLine) : raw;
    // Fast path: a step of the open block starts with the block's position.
    const cur = this.current;
    if (cur !== undefined) {
      const prefix = this.currentPrefix;
      const n = prefix.length;
      if (n + 1 < text.length && text.charCodeAt(n) === 58 && text.charCodeAt(n + 1) === 32 && text.slice(0, n) === prefix) {
        let i = n + 2;
        for (let c = text.charCodeAt(i); c === 32 || c === 9; c = text.charCodeAt(++i));
        if (this.step(cur, text, i)) return;
      }
    }
    this.other(text);
  }

  /**
   * A line that is not a step of the open block. (One method with the headers in it: V8 then
   * compiles it apart from take, which keeps both quick to compile.)
   */
  private other(text: string): void {
    const len = text.length;
    let first = 0;
    for (let c = text.charCodeAt(0); c === 32 || c === 9; c = text.charCodeAt(++first));
    if (first >= len) return;
    if (text.charCodeAt(0) === 35 /* # */ && text.charCodeAt(1) === 32) {
      // `# pkg`
      this.closeBlock();
      this.flushPending();
      this.pkg = text.slice(2).trim();
      this.stats.packages++;
      this.sink.onPackage?.(this.pkg);
      return;
    }
    const p = positionEnd(text);
    const at = p < 0 ? undefined : location(text, 0, p);
    this.closeBlock();
    if (at === undefined) {
      this.emit({ kind: 'other', message: text.trim(), explanation: [] });
      return;
    }
    let b = p + 2;
    for (let c = text.charCodeAt(b); c === 32 || c === 9; c = text.charCodeAt(++b));
    // A step whose block is not open (or at another position) is kept, as `other`.
    const stray = b > p + 2 || stepWord(text, b) !== '';
    if (!stray && text.charCodeAt(len - 1) === 58 /* : */) {
      // Explanation headers.
      if (text.indexOf(' escapes to heap', b) >= 0) {
        ESCAPES_HEADER.lastIndex = b;
        const m = ESCAPES_HEADER.exec(text);
        if (m !== null) {
          this.openBlock(text.slice(0, p), { header: 'escapes', at, expr: text.slice(b, m.index), function: m[1], text: text.slice(b, len - 1), steps: [] });
          return;
        }
      }
      const leak = leakHeader(text, b);
      if (leak !== undefined) {
        this.openBlock(text.slice(0, p), { header: 'leaks', at, expr: leak.param, sink: leak.sink, function: leak.function, derefs: leak.derefs, text: text.slice(b, len - 1), steps: [] });
        return;
      }
    }
    this.summary(text, p, at, b, stray);
  }


  /** Flushes what is left: the last partial line and explanation blocks without a summary. */
  end(): void {
    if (this.ended) return;
    if (this.restLength > 0 || this.restCut) this.takeRest();
    if (this.partial) {
      const p = this.partial;
      const cut = this.partialCut;
      this.partial = '';
      this.partialCut = false;
      this.take(!cut && p.charCodeAt(p.length - 1) === 13 ? p.slice(0, -1) : p);
    }
    this.closeBlock();
    this.flushPending();
    this.ended = true;
    this.rest = undefined;
  }

  private emit(f: ParsedFinding): void {
    if (this.pkg !== undefined) f.pkg = this.pkg;
    // While blocks wait, a later summary of the batch may still need them: hold the findings.
    if (this.pendingOrder.length > 0) {
      this.held.push(f);
      if (this.held.length > 4 * this.maxPending) this.flushPending();
    } else {
      this.deliver(f);
    }
  }

  private deliver(f: ParsedFinding): void {
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
    const pending: Pending = { prefix: this.currentPrefix, block: b, taken: false };
    const key = positionKey(b.at);
    const list = this.pendingByPos.get(key);
    if (list === undefined) this.pendingByPos.set(key, [pending]);
    else list.push(pending);
    this.pendingOrder.push(pending);
    if (this.pendingOrder.length > this.maxPending) this.flushPending();
  }

  /** The batch ended: blocks no summary took go to a finding of their expression, or are dropped; held findings go out. */
  private flushPending(): void {
    const order = this.pendingOrder;
    const n = order.length;
    if (n > 0) {
      this.pendingByPos.clear();
      let left = 0;
      for (let j = 0; j < n; j++) if (!order[j]!.taken) left++;
      if (left > 0) this.placeLeftovers(order);
      for (let j = 0; j < n; j++) {
        // Entries that outlived a garbage collection would otherwise keep their blocks (and
        // every step added later) alive until the next full collection.
        order[j]!.block = undefined;
      }
      order.length = 0;
    }
    const held = this.held;
    if (held.length > 0) {
      this.held = [];
      for (let j = 0; j < held.length; j++) this.deliver(held[j]!);
    }
  }

  /**
   * Blocks that no summary took when it came: a parameter's flow to a result whose leak the
   * compiler folded into the heap leak, or a block whose summary has another expression form.
   * Each goes to the held finding at its position that it explains, else it is dropped.
   */
  private placeLeftovers(order: Pending[]): void {
    const byPos = new Map<string, ParsedFinding[]>();
    for (const f of this.held) {
      if (f.at === undefined || !(f.kind === 'escapes-to-heap' || f.kind === 'moved-to-heap' || f.kind === 'leaking-param' || f.kind === 'leaking-param-content')) continue;
      const key = `${f.at.file}:${f.at.line}:${f.at.column ?? ''}`;
      const list = byPos.get(key);
      if (list === undefined) byPos.set(key, [f]);
      else list.push(f);
    }
    for (const p of order) {
      if (p.taken) continue;
      const b = p.block!;
      const list = byPos.get(`${b.at.file}:${b.at.line}:${b.at.column ?? ''}`);
      let target: ParsedFinding | undefined;
      if (list !== undefined) {
        if (b.header === 'leaks') {
          const own = list.filter((f) => (f.kind === 'leaking-param' || f.kind === 'leaking-param-content') && f.expr === b.expr);
          // A result's flow: its own line, else the heap leak that covers it; a heap flow: the heap leak.
          // A result's flow goes to its own line; a flow to the heap to the line its depth
          // says (`leaking param: p` at derefs 0, `leaking param content: p` past it); other
          // flows (to a local, a closure's storage) and a folded result leak to the heap leak.
          const heapKind = (b.derefs ?? 0) > 0 ? 'leaking-param-content' : 'leaking-param';
          target =
            own.find((f) => f.result !== undefined && f.result.name === b.sink) ??
            (b.sink === '{heap}' ? own.find((f) => f.result === undefined && f.kind === heapKind) : undefined) ??
            own.find((f) => f.result === undefined) ??
            own[0];
        } else {
          target = list.find((f) => (f.kind === 'escapes-to-heap' || f.kind === 'moved-to-heap') && f.expr === b.expr);
        }
      }
      if (target === undefined) {
        this.stats.orphanBlocks++;
        this.sink.onOrphanBlock?.(b, this.pkg);
        continue;
      }
      p.taken = true;
      target.explanation.push(b);
      if (target.function === undefined && b.function) target.function = b.function;
    }
  }

  /** Adds the flow/from/warning line text[i...] to the open block; false when it belongs to none. */
  private step(b: ExplanationBlock, text: string, i: number): boolean {
    const word = stepWord(text, i);
    if (word === '') return false;
    const len = text.length;
    const at = b.at;
    let step: ExplanationStep;
    if (word === FLOW) {
      // `flow: DST ← SRC:`, or `flow: DST = SRC:` from older compilers.
      const from = i + 6;
      const to = text.charCodeAt(len - 1) === 58 && len > from ? len - 1 : len;
      let sep = text.indexOf(' ← ', from);
      if (sep < 0 || sep + 3 > to) sep = text.indexOf(' = ', from);
      if (sep < 0 || sep + 3 > to) return false;
      step = { kind: 'flow', dst: text.slice(from, sep), src: text.slice(sep + 3, to), at, text: text.slice(i) };
    } else if (word === FROM) {
      // `from EXPR (REASON) at FILE:LINE:COL`: the last ` at `, the last ` (` before it.
      let atIdx = -1;
      for (let k = text.indexOf(' at ', i + 1); k >= 0; k = text.indexOf(' at ', k + 1)) atIdx = k;
      const loc = atIdx > 0 ? location(text, atIdx + 4, len) : undefined;
      const headFrom = i + 5;
      const headTo = atIdx > 0 ? Math.max(atIdx, headFrom) : len;
      let open = -1;
      if (headTo > headFrom && text.charCodeAt(headTo - 1) === 41 /* ) */) {
        for (let k = text.indexOf(' (', headFrom); k >= 0 && k + 2 < headTo; k = text.indexOf(' (', k + 1)) open = k;
      }
      const expr = text.slice(headFrom, open >= 0 ? open : headTo);
      const reason = open >= 0 ? text.slice(open + 2, headTo - 1) : '';
      step = { kind: 'from', expr, reason, at: loc ?? at, text: text.slice(i) };
    } else {
      step = { kind: 'truncated', at, text: text.slice(i) };
    }
    const steps = b.steps;
    if (steps.length < this.maxSteps) steps.push(step);
    else if (steps.length === this.maxSteps) steps.push({ kind: 'truncated', at, text: 'warning: truncated explanation (too many steps)' });
    return true;
  }

  /**
   * The pending `escapes` blocks at `prefix` for `expr`, taken: every block of that expression
   * (one per flow the compiler explains), else the one of its call, else the first there.
   */
  private takeEscapes(prefix: string, at: RawLocation, expr: string): ExplanationBlock[] {
    const key = positionKey(at);
    const list = this.pendingByPos.get(key);
    if (list === undefined) return [];
    let first = -1;
    let call = -1;
    const chosen: ExplanationBlock[] = [];
    let kept = 0;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      const b = p.block!;
      if (b.header === 'escapes' && p.prefix.length === prefix.length && p.prefix === prefix) {
        if (b.expr === expr) {
          p.taken = true;
          chosen.push(b);
          continue;
        }
        if (first < 0) first = j;
        if (call < 0 && b.expr.length > expr.length && b.expr.charCodeAt(expr.length) === 40 /* ( */ && b.expr.slice(0, expr.length) === expr) call = j;
      }
      list[kept++] = p;
    }
    if (chosen.length === 0) {
      const k = call >= 0 ? call : first;
      if (k < 0) return chosen;
      const p = list[k]!;
      p.taken = true;
      chosen.push(p.block!);
      list.splice(k, 1);
      kept--;
    }
    if (kept === 0) this.pendingByPos.delete(key);
    else list.length = kept;
    return chosen;
  }

  /** The pending `leaks` blocks at `prefix` of parameter `expr` to `result`, taken. */
  private takeLeaks(prefix: string, at: RawLocation, expr: string, result: string): ExplanationBlock[] {
    const key = positionKey(at);
    const list = this.pendingByPos.get(key);
    const chosen: ExplanationBlock[] = [];
    if (list === undefined) return chosen;
    let kept = 0;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      const b = p.block!;
      if (b.header === 'leaks' && p.prefix.length === prefix.length && p.prefix === prefix && b.expr === expr && b.sink === result) {
        p.taken = true;
        chosen.push(b);
      } else {
        list[kept++] = p;
      }
    }
    if (kept === 0) this.pendingByPos.delete(key);
    else list.length = kept;
    return chosen;
  }

  /** A summary line, or a stray step (kept as `other`): text[0, p) is its position, text[b...] its message. */
  private summary(text: string, p: number, at: RawLocation, b: number, stray: boolean): void {
    const body = text.slice(b);
    classGroup = GROUP_NONE;
    const f = classify(at, text, b, body, stray);
    // What classify found, from its variables: the finding objects come in many shapes.
    const group = classGroup;
    if (group !== GROUP_NONE) {
      this.summarySinceBlock = true;
      if (group !== GROUP_NO_ESCAPE && this.pendingByPos.size > 0) {
        const prefix = text.slice(0, p);
        // A heap leak takes its blocks when the batch ends (placeLeftovers): until then a
        // parameter's `to result R` line may still come for a block whose sink is a named result.
        const blocks = group === GROUP_ESCAPES ? this.takeEscapes(prefix, at, classExpr) : classResult !== undefined ? this.takeLeaks(prefix, at, classExpr, classResult) : [];
        if (blocks.length > 0) {
          f.explanation = blocks;
          for (let j = 0; j < blocks.length; j++) {
            const fn = blocks[j]!.function;
            if (fn) {
              f.function = fn;
              break;
            }
          }
        }
      }
    }
    this.emit(f);
  }
}

// What classify found besides the finding: whether the line takes explanation blocks, and how.
const GROUP_NONE = 0;
/** escapes-to-heap, moved-to-heap: takes an `escapes` block of classExpr. */
const GROUP_ESCAPES = 1;
/** leaking-param, leaking-param-content: takes the `leaks` blocks of classExpr to classResult. */
const GROUP_LEAKS = 2;
/** does-not-escape. */
const GROUP_NO_ESCAPE = 3;
let classGroup = GROUP_NONE;
let classExpr = '';
let classResult: string | undefined;

const MOVED = 'moved to heap: ';
const LEAKING = 'leaking param: ';
const LEAKING_CONTENT = 'leaking param content: ';
const INLINING = 'inlining call to ';
const CAN_INLINE = 'can inline ';
const CANNOT_INLINE = 'cannot inline ';
const FOUND = 'Found Is';
const ESCAPES = ' escapes to heap';
const NO_ESCAPE = ' does not escape';
const NO_ESCAPE_AT_ALL = ' does not escape, mutate, or call';

/** The word the message text[b...] may start with (one of the constants above), or ''. */
function leadingWord(text: string, b: number): string {
  switch (text.charCodeAt(b)) {
    case 109 /* m */:
      return MOVED;
    case 108 /* l */:
      return text.charCodeAt(b + 13) === 58 /* : */ ? LEAKING : LEAKING_CONTENT;
    case 105 /* i */:
      return INLINING;
    case 99 /* c */:
      return text.charCodeAt(b + 3) === 32 ? CAN_INLINE : CANNOT_INLINE;
    case 70 /* F */:
      return FOUND;
    default:
      return '';
  }
}

/** The word the message may end with (one of the constants above), or ''. */
function trailingWord(text: string): string {
  switch (text.charCodeAt(text.length - 1)) {
    case 112 /* p */:
      return ESCAPES;
    case 101 /* e */:
      return NO_ESCAPE;
    case 108 /* l */:
      return NO_ESCAPE_AT_ALL;
    default:
      return '';
  }
}

/**
 * Classifies one positioned line that is not part of an explanation block: its message, body, is
 * text[b...]. A stray step (a step line whose block is not open) is kept as `other`.
 *
 * Branches that the first lines of a build seldom take are written with constants only (no
 * arithmetic, calls or property reads of their own): V8 throws compiled code away when it meets
 * an operation it has never seen run.
 */
function classify(at: RawLocation, text: string, b: number, body: string, stray: boolean): ParsedFinding {
  const len = text.length;
  let lead = stray ? '' : leadingWord(text, b);
  if (lead !== '' && !matchAt(text, b, lead)) lead = '';
  if (lead === LEAKING) return leakingParam(at, body);
  // The kinds whose expression is a plain part of the message, from one place.
  let kind: FindingKind | undefined;
  let group = GROUP_NONE;
  let skip = 0;
  let trail = 0;
  if (lead === MOVED) {
    kind = 'moved-to-heap';
    group = GROUP_ESCAPES;
    skip = 15;
  } else if (lead === LEAKING_CONTENT) {
    kind = 'leaking-param-content';
    group = GROUP_LEAKS;
    skip = 23;
  } else if (!stray) {
    const word = trailingWord(text);
    if (word !== '' && len - b >= word.length && matchAt(text, len - word.length, word)) {
      kind = word === ESCAPES ? 'escapes-to-heap' : 'does-not-escape';
      group = word === ESCAPES ? GROUP_ESCAPES : GROUP_NO_ESCAPE;
      trail = word.length;
    } else if (lead === FOUND) {
      kind = 'bounds-check';
      skip = 6;
    }
  }
  if (kind !== undefined) {
    const expr = text.slice(b + skip, len - trail);
    classGroup = group;
    classExpr = expr;
    classResult = undefined;
    return { kind, at, message: body, explanation: [], expr };
  }
  if (lead === INLINING) {
    // `inlining call to F[ with score N]`.
    const score = body.charCodeAt(body.length - 1) <= 57 ? INLINING_SCORE.exec(body) : null;
    const name = score !== null && score.index > 17 && !hasLineTerminator(body, 17, score.index) ? body.slice(17, score.index) : body.slice(17);
    return { kind: 'inlined-call', at, message: body, explanation: [], expr: name, inline: { name } };
  }
  if (lead === CAN_INLINE) {
    const m = CAN_INLINE_COST.exec(body);
    const name = m ? m[1]! : body.slice(11);
    return { kind: 'can-inline', at, message: body, explanation: [], expr: name, function: name, inline: { name, cost: m ? Number(m[2]) : undefined } };
  }
  if (lead === CANNOT_INLINE) {
    const colon = body.indexOf(': ', 14);
    if (colon > 14) {
      const reason = body.slice(colon + 2);
      const into = body.indexOf(' into ', 14);
      const hasInto = into > 14 && into < colon;
      const name = body.slice(14, hasInto ? into : colon);
      const caller = hasInto ? body.slice(into + 6, colon) : undefined;
      const cost = BUDGET_COST.exec(reason);
      return {
        kind: 'cannot-inline',
        at,
        message: body,
        explanation: [],
        expr: name,
        function: hasInto ? caller : name,
        inline: { name, reason, into: caller, cost: cost ? Number(cost[1]) : undefined },
      };
    }
  }
  if (!stray && body.includes(' capturing by ')) {
    const m = CAPTURING.exec(body);
    if (m) return { kind: 'other', at, message: body, explanation: [], expr: m[3], function: m[1], capture: { by: m[2] as 'value' | 'ref', variable: m[3]!, function: m[1]! } };
  }
  return { kind: 'other', at, message: body, explanation: [] };
}

/** `leaking param: P[ to result R level=N]`. */
function leakingParam(at: RawLocation, body: string): ParsedFinding {
  const m = LEAK_TO_RESULT.exec(body);
  classGroup = GROUP_LEAKS;
  classExpr = m === null ? body.slice(15) : m[1]!;
  classResult = m === null ? undefined : m[2]!;
  if (m === null) return { kind: 'leaking-param', at, message: body, explanation: [], expr: classExpr };
  return { kind: 'leaking-param', at, message: body, explanation: [], expr: classExpr, result: { name: classResult!, level: Number(m[3]) } };
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
