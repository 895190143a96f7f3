// Position conversion between the Go compiler and LSP.
//
// The compiler prints 1-based lines and 1-based columns counted in bytes of the UTF-8 source
// (a tab is one byte, `é` two, `日` three, an emoji four). LSP positions are 0-based lines
// and 0-based columns counted in UTF-16 code units (`é` and `日` one, an emoji two).

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Converts a compiler column (1-based, bytes) on `lineText` to a 0-based UTF-16 offset.
 * A column past the end of the line clamps to the line's length; one inside a multi-byte
 * character lands on that character.
 */
export function byteColumnToUtf16(lineText: string, byteColumn: number): number {
  let bytes = Math.max(0, Math.floor(byteColumn) - 1);
  let i = 0;
  while (i < lineText.length && bytes > 0) {
    const cp = lineText.codePointAt(i)!;
    const b = utf8Length(cp);
    if (b > bytes) break;
    bytes -= b;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** The inverse: a 0-based UTF-16 offset on `lineText` to the compiler's 1-based byte column. */
export function utf16ToByteColumn(lineText: string, character: number): number {
  let bytes = 0;
  let i = 0;
  while (i < lineText.length && i < character) {
    const cp = lineText.codePointAt(i)!;
    bytes += utf8Length(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return bytes + 1;
}

/** Line lookups on a file's text without splitting it into an array of strings. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    // A UTF-8 BOM is not part of line 1 for the compiler.
    if (text.charCodeAt(0) === 0xfeff) this.starts[0] = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  get lineCount(): number {
    return this.starts.length;
  }
  /** The text of a 1-based line without its line break; '' when out of range. */
  lineText(line: number): string {
    if (line < 1 || line > this.starts.length) return '';
    const start = this.starts[line - 1]!;
    let end = line < this.starts.length ? this.starts[line]! - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}

const IDENT_CHAR = /[\p{L}\p{N}_]/u;

/** The LSP position of a compiler position (`line`, 1-based byte `column`). */
export function toLspPosition(lines: LineIndex, line: number, column: number | undefined): LspPosition {
  const text = lines.lineText(line);
  const character = column === undefined ? text.length - text.trimStart().length : byteColumnToUtf16(text, column);
  return { line: Math.max(0, line - 1), character };
}

/**
 * The LSP range to underline for a finding: the occurrence of `expr` on the line that holds
 * the position, else the identifier at the position, else one character. Without a column,
 * the line's text without its indentation.
 */
export function findingRange(lines: LineIndex, line: number, column: number | undefined, expr?: string): LspRange {
  const text = lines.lineText(line);
  const l = Math.max(0, line - 1);
  if (column === undefined) {
    const start = text.length - text.trimStart().length;
    return { start: { line: l, character: start }, end: { line: l, character: Math.max(start, text.trimEnd().length) } };
  }
  const start = byteColumnToUtf16(text, column);
  let end = start;
  // The compiler puts some expressions at their operator (`a + b` at the `+`): the range is the
  // occurrence of `expr` on the line that holds the position.
  let spanStart = -1;
  if (expr && expr.length > 0) {
    for (let i = text.indexOf(expr); i >= 0 && i <= start; i = text.indexOf(expr, i + 1)) {
      if (start < i + expr.length) spanStart = i;
    }
  }
  if (spanStart >= 0) {
    return { start: { line: l, character: spanStart }, end: { line: l, character: spanStart + expr!.length } };
  } else if (text[start] === '(') {
    // A call is placed at its `(`: the range is the callee and its arguments, `append(dst, s...)`.
    return { start: { line: l, character: calleeStart(text, start) }, end: { line: l, character: closingParen(text, start) } };
  } else {
    while (end < text.length) {
      const cp = text.codePointAt(end)!;
      if (!IDENT_CHAR.test(String.fromCodePoint(cp))) break;
      end += cp > 0xffff ? 2 : 1;
    }
    if (end === start && start < text.length) end = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
  }
  return { start: { line: l, character: start }, end: { line: l, character: end } };
}

/** Where the callee before the `(` at `open` starts: `fmt.Sprintf(`, `s.buf.Write(`, `append(`. */
function calleeStart(text: string, open: number): number {
  let i = open;
  while (i > 0 && (IDENT_CHAR.test(text[i - 1]!) || text[i - 1] === '.')) i--;
  return i;
}

/** The position after the `)` matching the `(` at `open`, or after the `(` when it is not on the line. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return open + 1;
}
