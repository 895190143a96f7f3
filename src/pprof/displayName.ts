// The name go tool pprof shows for a function. When a profile gives no demangled name of its own
// (name equal to system_name, as the Go runtime writes them), pprof's symbolizer simplifies a
// name that looks like demangled C++ — which Go generics do, with their brackets — by removing
// parenthesised and angle-bracketed parts: `sync.OnceValue[go.shape.func(*T, int)]` becomes
// `sync.OnceValue[go.shape.func]`. Functions that differ only there are one node in pprof's
// reports. Written from pprof's internal/symbolizer (demangleSingleFunction). Pure.

/** pprof's looksLikeDemangledCPlusPlus. */
function looksLikeDemangledCPlusPlus(name: string): boolean {
  // Java's "class.<init>", and Go's "foo.(*Bar[...]).Method", are left alone.
  if (name.includes('.<') || name.includes(']).')) return false;
  return /[<>[\]]/.test(name) || name.includes('::');
}

/** pprof's removeMatching: every outermost start…end pair (nesting counted) is removed; a stray end leaves the name as it is. */
export function removeMatching(name: string, start: string, end: string): string {
  let nesting = 0;
  let first = 0;
  let out = name;
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    if (c === start) {
      nesting++;
      if (nesting === 1) first = i;
    } else if (c === end) {
      nesting--;
      if (nesting < 0) return out;
      if (nesting === 0) {
        out = out.slice(0, first) + out.slice(i + 1);
        i = first - 1;
      }
    }
  }
  return out;
}

/** The name pprof shows for a function with this name and system name (its default demangling). */
export function pprofDisplayName(name: string, systemName: string): string {
  if (name !== '' && systemName !== name) return name;
  const full = systemName;
  if (!looksLikeDemangledCPlusPlus(full)) return full;
  return removeMatching(removeMatching(full, '(', ')'), '<', '>');
}
