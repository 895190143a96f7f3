// Allocation hot spots, part two: each allocating line joined with what the compiler says
// about it. A row is one line of the profile (attributed as in attribute.ts); its findings
// are the compiler's heap findings at that file and line (escapes, moved-to-heap), ordered by
// column; a line that allocates with no finding of its own gets a note that says where the
// allocation really happens (map growth inside runtime.mapassign, slice growth inside
// runtime.growslice, …). Pure: no vscode, shared with the CLI and the extension.
import { mainCause, summarize } from '../escape/explain';
import type { Finding } from '../escape/model';
import type { ProfileData } from '../shared/profileData';
import type { Attribution, AttributedLine } from './attribute';

/** The JSON form of a finding in a row. */
export interface HotspotFinding {
  kind: string;
  /** The compiler's words (`&User{...} escapes to heap`). */
  message: string;
  /** In plain words, why (`returned from NewUser`), or the compiler's summary when no reason is known. */
  why: string;
  /** 1-based byte column, when the compiler printed one. */
  column?: number;
  /** The usual remedy, when the code's pattern supports one. */
  remedy?: string;
}

/** What the compiler said at one line: heap findings, and the stack-allocated values (for notes). */
export interface LineFindings {
  heap: HotspotFinding[];
  /** Messages of `does not escape` findings at the line (`make([]int, 0, 16) does not escape`). */
  onStack: string[];
}

export interface HotspotRow {
  /** Absolute path on this machine when it could be found, else as the profile names it. */
  file: string;
  line: number;
  function: string;
  /** The line's own allocation (see attribute.ts). */
  flat: number;
  /** flat / total. */
  share: number;
  objects?: number;
  findings: HotspotFinding[];
  /** Where a line allocates with no finding of its own, or why there are no findings. */
  note?: string;
}

export interface HotspotReport {
  sampleType: string;
  unit: string;
  total: number;
  rows: HotspotRow[];
}

export interface JoinOptions {
  /** The profile's file name → a file on this machine (undefined: not found). Default: as is. */
  resolve?: (file: string) => string | undefined;
  /** Which rows to keep (the workspace's own files by default in the editor); gets the resolved path. */
  include?: (file: string) => boolean;
  /** The compiler's findings at a resolved file and line; undefined when the file was not analysed. */
  findingsAt: (file: string, line: number) => LineFindings | undefined;
  /** Why a file was not analysed (shown as the note of its rows). */
  unanalysedReason?: (file: string) => string;
  /** The text of a line (1-based) of a resolved file, for the notes. */
  sourceLine?: (file: string, line: number) => string | undefined;
  /** At most this many rows. */
  limit?: number;
}

/** A compiler finding in the row's form: the message, and why in plain words. */
export function hotspotFinding(f: Finding): HotspotFinding {
  const cause = mainCause(f.explanation as unknown as Parameters<typeof mainCause>[0], f);
  const why = cause?.cause ?? summarize(f as unknown as Parameters<typeof summarize>[0]);
  const out: HotspotFinding = { kind: f.kind, message: f.message, why };
  if (f.column !== undefined) out.column = f.column;
  if (cause?.remedy) out.remedy = cause.remedy;
  return out;
}

const HEAP = new Set(['escapes-to-heap', 'moved-to-heap']);

/** The findings of a model at a line, in the form the report needs. */
export function lineFindings(findings: readonly Finding[]): LineFindings {
  const heap = findings.filter((f) => HEAP.has(f.kind)).sort((a, b) => (a.column ?? 0) - (b.column ?? 0)).map(hotspotFinding);
  const onStack = findings.filter((f) => f.kind === 'does-not-escape').sort((a, b) => (a.column ?? 0) - (b.column ?? 0)).map((f) => f.message);
  return { heap, onStack };
}

/** What a runtime allocation function does, in words; undefined for one not known here. */
export function allocatorWords(name: string): string | undefined {
  const fn = name.replace(/^runtime\./, '');
  if (/^growslice/.test(fn)) return 'slice growth inside runtime.growslice (append)';
  if (/^(mapassign|hashGrow|growWork|makeBucketArray|evacuate)/.test(fn)) return `map growth inside runtime.${fn}`;
  if (/^makemap/.test(fn)) return `a map made by runtime.${fn}`;
  if (/^makeslice/.test(fn)) return `a slice made by runtime.${fn}`;
  if (/^makechan/.test(fn)) return `a channel made by runtime.${fn}`;
  if (/^newobject$/.test(fn)) return 'a new object from runtime.newobject';
  if (/^newarray$/.test(fn)) return 'an array from runtime.newarray';
  if (/^conv[TI]/.test(fn)) return `an interface conversion inside runtime.${fn}`;
  if (/^concatstring/.test(fn)) return `string concatenation inside runtime.${fn}`;
  if (/^(slicebytetostring|stringtoslicebyte|stringtoslicerune|slicerunetostring|rawstring|rawbyteslice|rawruneslice)/.test(fn)) return `a string or slice conversion inside runtime.${fn}`;
  if (/^(newproc|malg)/.test(fn)) return `a goroutine started by runtime.${fn}`;
  if (/^mallocgc/.test(fn)) return 'an allocation inside runtime.mallocgc';
  return undefined;
}

/** An insert into a map on this line: `m[k] = v`, `m[k] += v`, `m[k]++` (a slice element store never allocates). */
const INDEX_STORE = /[\w)\]]\s*\[[^\]]+\]\s*(?:(?:[-+*/%&|^]|<<|>>|&\^)?=(?!=)|\+\+|--)/;

/** Code of a line without its comment and the contents of its string literals. */
function codeOf(text: string): string {
  return text
    .replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""')
    .replace(/\/\/.*$/, '');
}

/**
 * What the source line shows about an allocation the compiler reports nothing for: the Go
 * runtime strips its own frames from heap profiles, so the line is what is left to go on.
 */
export function sourceWords(text: string): string | undefined {
  const code = codeOf(text);
  if (/^\s*go\s/.test(code)) return 'a goroutine started on this line (runtime.newproc: its stack and closure)';
  if (/\bmake\s*\(\s*chan\b/.test(code)) return 'a channel made by runtime.makechan (a channel is always on the heap)';
  if (/\bappend\s*\(/.test(code)) return 'slice growth inside runtime.growslice (the append on this line)';
  if (INDEX_STORE.test(code)) return 'map growth inside runtime.mapassign (an insert into a map on this line)';
  // A string literal beside a +, or a +=: the compiler reports nothing for a concatenation whose result stays local.
  if (/""\s*\+|\+\s*""|\+=/.test(code)) return 'string concatenation inside runtime.concatstrings (the + on this line)';
  if (/\b(?:string|\[\]byte|\[\]rune)\s*\(/.test(code)) return 'a string or byte-slice conversion inside the runtime';
  if (/\.\(\s*type\s*\)/.test(code)) return 'the type switch\'s cache of itabs, grown by runtime.interfaceSwitch';
  if (/\.\(\s*\*?[\w.]+(?:\[[^\]]*\])?\s*\)/.test(code)) return 'the type assertion\'s cache of itabs, grown by runtime.typeAssert';
  return undefined;
}

/** The note of a row with no heap finding of its own. */
function noteFor(row: AttributedLine, file: string, found: LineFindings | undefined, opts: JoinOptions): string | undefined {
  if (row.line <= 0) return 'the profile does not record the line';
  if (!found) return opts.unanalysedReason?.(file) ?? 'not analysed';
  if (found.heap.length > 0) return undefined;
  const allocator = row.allocators[0];
  let where = allocator ? allocatorWords(allocator.name) ?? `an allocation inside ${allocator.name}` : undefined;
  if (!where) {
    const text = opts.sourceLine?.(file, row.line);
    where = text !== undefined ? sourceWords(text) : undefined;
  }
  // `make([]T, n) does not escape` and still an allocation: n is not a constant small enough for the stack.
  const made = found.onStack.find((m) => /^make\(\[/.test(m));
  if (!where && made) return `no compiler finding here: ${made}, but its size is not a constant small enough for the stack, so runtime.makeslice allocates it on the heap`;
  // A map that does not escape keeps only a small table on the stack: a bigger one, or its growth, is on the heap.
  const map = found.onStack.find((m) => /^(?:make\()?map\[/.test(m));
  if (!where && map) return `no compiler finding here: ${map}, but only a small map fits on the stack: the runtime allocates its larger table on the heap (runtime.makemap, mapassign)`;
  // `append does not escape` beside a growth: the slice outgrew the stack capacity the compiler gave it.
  const stack = found.onStack.length > 0 ? `; the compiler says: ${found.onStack.join(', ')}` : '';
  if (where) return `no compiler finding here: ${where}${stack}`;
  return `no compiler finding here: the allocation happens inside the runtime or a call the profile does not show${stack}`;
}

/** The ranked rows of a profile's sample type, with the compiler's findings at each line. */
export function joinHotspots(data: ProfileData, attribution: Attribution, opts: JoinOptions): HotspotReport {
  const type = data.sampleTypes[attribution.sampleIndex]!;
  const total = attribution.total;
  const rows: HotspotRow[] = [];
  const limit = opts.limit ?? Infinity;
  for (const a of attribution.rows) {
    if (rows.length >= limit) break;
    const file = (a.file && opts.resolve ? opts.resolve(a.file) : undefined) ?? a.file;
    if (opts.include && !opts.include(file)) continue;
    const found = a.line > 0 && file ? opts.findingsAt(file, a.line) : undefined;
    const row: HotspotRow = { file, line: a.line, function: a.function, flat: a.flat, share: total > 0 ? a.flat / total : 0, findings: found?.heap ?? [] };
    if (a.objects !== undefined) row.objects = a.objects;
    const note = noteFor(a, file, found, opts);
    if (note) row.note = note;
    rows.push(row);
  }
  return { sampleType: type.type, unit: type.unit, total, rows };
}
