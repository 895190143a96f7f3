// Plain words for what the compiler says: each flow step of an explanation, the usual remedy
// for the reason a value escapes, and why a function cannot be inlined. The hover renders
// these strings as they are; they stay short and say only what the compiler's reason means.
import type { ExplanationStep, ParsedFinding } from './types';

/** What the explainers need of a step: parsed (types.ts) and resolved (model.ts) steps both fit. */
export interface StepLike {
  kind: 'flow' | 'from' | 'truncated';
  dst?: string;
  expr?: string;
  reason?: string;
}

export interface BlockLike {
  function?: string;
  steps: readonly StepLike[];
}

/** The callee of a call expression as printed (`fmt.Fprintln(os.Stdout, fmt.a...)` → `fmt.Fprintln`). */
export function calleeOf(expr: string): string | undefined {
  // `(*sync.Pool).Put(pool, b)`: the receiver type is parenthesised.
  if (expr.startsWith('(')) {
    const close = expr.indexOf(')');
    const next = close > 0 ? expr.indexOf('(', close) : -1;
    return next > close + 1 ? expr.slice(0, next) : undefined;
  }
  const open = expr.indexOf('(');
  if (open <= 0) return undefined;
  return expr.slice(0, open).trim() || undefined;
}

function assignee(expr: string): string | undefined {
  const m = /^(.+?) :?= /.exec(expr);
  return m ? m[1] : undefined;
}

function isHeap(dst: string | undefined): boolean {
  return dst === '{heap}';
}

function isResult(dst: string | undefined): boolean {
  return dst !== undefined && /^~r\d+$/.test(dst);
}

export interface StepWords {
  /** The plain-words sentence, e.g. `returned from NewUser`. */
  text: string;
  /** The compiler's reason, e.g. `return`. */
  reason?: string;
}

/**
 * Plain words for one `from EXPR (REASON)` step. `dst` is the flow's destination the step
 * leads to and `fn` the function the block is about, when known.
 */
export function explainReason(reason: string, expr: string, dst?: string, fn?: string): string {
  const callee = calleeOf(expr);
  switch (reason) {
    case 'return':
      return fn ? `returned from ${fn}` : 'returned from the function';
    case 'address-of':
      return `its address is taken (${expr.startsWith('&') ? expr : '&' + expr})`;
    case 'assign':
    case 'assign-pair':
    case 'assign-pair-dot-type':
    case 'assign-pair-mapr':
    case 'assign-pair-receive': {
      const to = assignee(expr);
      if (isHeap(dst)) return to ? `assigned to ${to}, a global or heap location` : 'assigned to a global or heap location';
      if (isResult(dst)) return 'assigned to a result';
      return to ? `assigned to ${to}` : 'assigned';
    }
    case 'interface-converted':
      return `converted to an interface value (${expr})`;
    case 'call parameter':
      if (callee === 'append') return 'appended to a slice whose storage escapes';
      if (callee && /^fmt\./.test(callee)) return `passed to ${callee}, which keeps its ...any arguments`;
      return callee ? `passed to ${callee}, whose parameter leaks` : 'passed to a function whose parameter leaks';
    case 'call argument':
      return callee ? `passed as an argument to ${callee}` : 'passed as an argument';
    case 'callee operand':
      return 'called as a function value';
    case 'captured by a closure':
    case 'closure var':
      return `captured by a closure (${expr})`;
    case 'reference':
      return 'referenced by the closure';
    case 'spill':
      return 'its storage is used by address';
    case 'slice-literal-element':
      return expr === '... argument' ? 'stored in the ... argument slice' : 'stored in a slice literal';
    case 'array literal element':
      return 'stored in an array literal';
    case 'struct literal element':
      return 'stored in a struct literal';
    case 'map literal key':
    case 'map literal value':
      return 'stored in a map literal';
    case 'key of map put':
      return 'used as a map key';
    case 'too large for stack':
      return 'too large for the stack';
    case 'too aligned for stack':
      return 'needs more alignment than the stack provides';
    case 'non-constant size':
      return 'make with non-constant size';
    case 'zero-sized element':
      return 'make of zero-sized elements';
    case 'dot':
      return `field of ${expr}`;
    case 'dot of pointer':
    case 'indirection':
      return `read through a pointer (${expr})`;
    case 'fixed-array-index-of':
      return 'element of an array';
    case 'slice':
      return 'sliced';
    case 'slice-to-array':
      return 'slice converted to an array pointer';
    case 'range':
    case 'range-deref':
      return 'used in a range loop';
    case 'send':
      return 'sent on a channel';
    case 'defer':
      return 'used by a deferred call';
    case 'go':
      return 'used by a goroutine';
    case 'switch case':
      return 'bound by a type switch case';
    case 'copied slice':
      return 'copied by copy';
    case 'appendee slice':
      return 'appended to';
    case '//go:uintptrescapes':
      return 'passed to a //go:uintptrescapes function';
    case 'dictionary variable not captured by value':
      return 'generic dictionary captured by reference';
    default:
      return reason ? `${reason} (${expr})` : expr;
  }
}

/** Plain words for every step of a block: `from` steps become sentences, `flow` steps are folded in. */
export function explainBlock(block: BlockLike): StepWords[] {
  const out: StepWords[] = [];
  let dst: string | undefined;
  for (const step of block.steps) {
    if (step.kind === 'flow') dst = step.dst;
    else if (step.kind === 'from') out.push({ text: explainReason(step.reason ?? '', step.expr ?? '', dst, block.function), reason: step.reason });
    else out.push({ text: 'the explanation was cut short (assignment cycle)' });
  }
  return out;
}

export function explainStep(step: ExplanationStep, dst?: string, fn?: string): string {
  if (step.kind === 'from') return explainReason(step.reason, step.expr, dst, fn);
  if (step.kind === 'flow') return `${step.src} flows to ${step.dst === '{heap}' ? 'the heap' : step.dst}`;
  return 'the explanation was cut short (assignment cycle)';
}

/**
 * Reasons that make a value escape, most decisive first, with the usual remedy. A remedy is
 * given only where the code's pattern supports it (see remedyFor): an `AppendX(dst, …)` that
 * returns its grown slice, or an object handed to sync.Pool, is not told to change.
 */
const CAUSES: { reasons: string[]; heapOnly?: boolean; cause: string; remedy?: string }[] = [
  { reasons: ['too large for stack'], cause: 'too large for the stack', remedy: 'Reduce the size, or allocate it once and reuse it (a field, a sync.Pool).' },
  { reasons: ['non-constant size'], cause: 'make with non-constant size', remedy: 'Preallocate with a constant size (or constant capacity) so it can stay on the stack.' },
  { reasons: ['too aligned for stack'], cause: 'needs more alignment than the stack provides', remedy: 'Use a type with ordinary alignment, or allocate once and reuse.' },
  { reasons: ['captured by a closure', 'closure var'], cause: 'captured by a closure that outlives the call', remedy: 'Pass the value to the closure as an argument, or do not return or store the closure.' },
  { reasons: ['interface-converted'], cause: 'converted to an interface', remedy: 'Avoid the interface in hot paths: call a function that takes the concrete type (or a generic one).' },
  { reasons: ['call parameter'], cause: 'passed to a function whose parameter leaks' },
  { reasons: ['return'], cause: 'returned from the function', remedy: 'Return by value, or let the caller pass a pointer to its own variable.' },
  { reasons: ['assign', 'assign-pair'], heapOnly: true, cause: 'assigned to a global or heap location', remedy: 'Store a copy instead of a pointer, or keep it out of long-lived variables.' },
  { reasons: ['slice-literal-element', 'array literal element', 'struct literal element', 'map literal key', 'map literal value', 'key of map put'], cause: 'its address is stored in a value that escapes', remedy: 'Store values instead of pointers, or preallocate the container in the caller.' },
  { reasons: ['send'], cause: 'sent on a channel', remedy: 'Send values instead of pointers when they are small.' },
  { reasons: ['go', 'defer'], cause: 'used by a goroutine or deferred call', remedy: 'Pass a copy to the goroutine instead of a pointer.' },
];

export interface Cause {
  reason: string;
  /** e.g. `returned from NewUser`. */
  cause: string;
  /** The usual fix, when the code's pattern supports one. */
  remedy?: string;
}

/** What the remedies need to know of the finding: its kind and expression. */
export interface FindingLike {
  kind?: string;
  expr?: string;
}

const FMT_REMEDY = 'In hot paths, format with strconv.Append… into a buffer you reuse instead of fmt.';

/** A callee of this package: printed without a package qualifier (`store`, `(*T).M`, `T.M`). */
function isLocalCallee(callee: string): boolean {
  return !/^[A-Za-z_][\w]*\.[A-Za-z_]/.test(callee) || /^\(\*?[A-Z_a-z][\w]*\)\./.test(callee) || /^[A-Z][\w]*\.[A-Za-z_][\w]*$/.test(callee);
}

/** Methods that keep a value on purpose: a pool, an atomic value, a map of its own. */
function keepsOnPurpose(callee: string): boolean {
  return /\.(?:Put|Store|Swap|CompareAndSwap|LoadOrStore)$/.test(callee);
}

/** The calls a block passes the value to, in order. */
function calleesOf(block: BlockLike): string[] {
  const out: string[] = [];
  for (const s of block.steps) if (s.kind === 'from' && s.reason === 'call parameter') out.push(calleeOf(s.expr ?? '') ?? '');
  return out;
}

/** The remedy for a cause, when the code's pattern supports one; undefined otherwise. */
function remedyFor(reason: string, base: string | undefined, block: BlockLike, step: StepLike, finding: FindingLike | undefined): string | undefined {
  const callees = calleesOf(block);
  switch (reason) {
    case 'call parameter': {
      const callee = calleeOf(step.expr ?? '') ?? '';
      if (callee === 'append' || keepsOnPurpose(callee)) return undefined;
      if (/^fmt\./.test(callee)) return FMT_REMEDY;
      return isLocalCallee(callee) && callee !== '' ? `Change ${callee} so that it does not keep this argument, if it need not.` : undefined;
    }
    case 'interface-converted': {
      // Returned as an interface: the function's result type asks for it (sync.Pool's New).
      if (block.steps.some((s) => s.kind === 'from' && s.reason === 'return')) return undefined;
      if (callees.some((c) => keepsOnPurpose(c))) return undefined;
      if (callees.some((c) => /^fmt\./.test(c))) return FMT_REMEDY;
      // At a call to another package's function, the conversion is its signature's, not yours.
      if (callees.some((c) => c !== '' && !isLocalCallee(c))) return undefined;
      return base;
    }
    case 'return': {
      // Returning a grown slice or a made map is what such a function is for (AppendX(dst, …)).
      const expr = finding?.expr ?? '';
      if (/^(?:append|make|new)\(/.test(expr) || /^(?:string|\[\]byte|\[\]rune)\(/.test(expr)) return undefined;
      if (finding?.kind === 'moved-to-heap' || expr.startsWith('&')) return base;
      return undefined;
    }
    case 'assign':
    case 'assign-pair':
      // `s = append(s, x)` on a long-lived slice grows it there: the growth is the point.
      return /^append\(|^append$/.test(finding?.expr ?? '') ? undefined : base;
    default:
      return base;
  }
}

/** The decisive reason of a finding's explanation and its usual remedy, when the pattern supports one; undefined when no reason is known. */
export function mainCause(blocks: readonly BlockLike[], finding?: FindingLike): Cause | undefined {
  for (const c of CAUSES) {
    for (const block of blocks) {
      let dst: string | undefined;
      for (const step of block.steps) {
        if (step.kind === 'flow') dst = step.dst;
        if (step.kind !== 'from' || !step.reason || !c.reasons.includes(step.reason)) continue;
        if (c.heapOnly && !isHeap(dst)) continue;
        // "address taken and stored in a slice" reads better than the generic container cause.
        const addr = block.steps.some((s) => s.kind === 'from' && s.reason === 'address-of');
        let cause = c.cause;
        if (step.reason === 'return' && block.function) cause = `returned from ${block.function}`;
        else if (step.reason === 'slice-literal-element' && addr) cause = 'address taken and stored in a slice';
        else if (step.reason === 'call parameter') cause = explainReason(step.reason, step.expr ?? '', dst, block.function);
        const remedy = remedyFor(step.reason, c.remedy, block, step, finding);
        return remedy === undefined ? { reason: step.reason, cause } : { reason: step.reason, cause, remedy };
      }
    }
  }
  return undefined;
}

/** Plain words for why a function cannot be inlined. */
export function explainCannotInline(reason: string): string {
  const complex = /function too complex: cost (\d+) exceeds budget (\d+)/.exec(reason);
  if (complex) {
    return `Its body costs ${complex[1]} but the inliner's budget is ${complex[2]}. Move rare paths (errors, panics, logging) into separate functions, or split the hot part into a small helper.`;
  }
  if (reason.startsWith('marked go:noinline')) return 'A //go:noinline directive forbids inlining it.';
  if (reason.startsWith('marked go:')) return `A //${reason.slice(7)} directive forbids inlining it.`;
  if (reason.startsWith('marked as having')) return 'Its uintptr arguments must stay alive across the call, so it is never inlined.';
  if (reason === 'call to recover') return 'Functions that call recover are never inlined.';
  if (reason.startsWith('call to ')) return `It calls ${reason.slice(8)}, which prevents inlining.`;
  if (reason.startsWith('unhandled op ')) return `It uses ${reason.slice(13)}, which the inliner does not handle.`;
  if (reason.includes('recursive')) return 'Recursive calls are not inlined into themselves.';
  if (reason === 'no function body') return 'It has no Go body (assembly or linkname), so there is nothing to inline.';
  if (reason.includes('closures')) return 'Functions containing closures are not inlined by this compiler.';
  if (reason === 'too expensive') return 'Inlining it here would make the caller too large.';
  if (reason.includes('defer')) return 'It uses defer in a way the inliner does not handle.';
  return `The compiler says: ${reason}.`;
}

/** One line saying what a finding means, for hovers and the CLI listing. */
export function summarize(f: Pick<ParsedFinding, 'kind' | 'expr' | 'message' | 'inline' | 'result' | 'capture'>): string {
  const e = f.expr ?? '';
  switch (f.kind) {
    case 'moved-to-heap':
      return `${e} is allocated on the heap`;
    case 'escapes-to-heap':
      return `${e} is allocated on the heap`;
    case 'leaking-param':
      return f.result ? `parameter ${e} flows to result ${f.result.name}: an argument escapes if the result does` : `parameter ${e} escapes: what callers pass for it is moved to the heap`;
    case 'leaking-param-content':
      return `what parameter ${e} points to escapes`;
    case 'does-not-escape':
      return `${e} stays on the stack`;
    case 'can-inline':
      return f.inline?.cost !== undefined ? `${e} can be inlined (cost ${f.inline.cost})` : `${e} can be inlined`;
    case 'cannot-inline':
      return `${e} cannot be inlined: ${f.inline?.reason ?? ''}`;
    case 'inlined-call':
      return `call to ${e} is inlined here`;
    case 'bounds-check':
      return e === 'IsSliceInBounds' ? 'a slice bounds check remains here' : 'an index bounds check remains here';
    default:
      if (f.capture) {
        return f.capture.by === 'value'
          ? `${f.capture.variable} is copied into the closure in ${f.capture.function}`
          : `the closure in ${f.capture.function} refers to ${f.capture.variable} itself; it moves to the heap if the closure escapes`;
      }
      return f.message;
  }
}
