// Which samples and frames a view keeps: the sample index checked, totals, and the
// focus / ignore / hide patterns matched once per function.
import type { Pattern } from '../pattern';
import type { ProfileData } from '../../shared/profileData';

export function checkSampleIndex(data: ProfileData, sampleIndex: number): Float64Array {
  const values = data.values[sampleIndex];
  if (!Number.isInteger(sampleIndex) || values === undefined) {
    throw new RangeError(`sample index ${sampleIndex} is out of range: the profile has ${data.sampleTypes.length} sample types`);
  }
  return values;
}

/** Sum of a sample type's values over all samples. */
export function sampleTotal(data: ProfileData, sampleIndex: number): number {
  const values = checkSampleIndex(data, sampleIndex);
  let t = 0;
  for (let i = 0; i < values.length; i++) t += values[i]!;
  return t;
}

/** sampleTotal as an exact int64 (wrapping like pprof's), when the profile has ProfileData.valuesExact. */
export function sampleTotalExact(data: ProfileData, sampleIndex: number): bigint | undefined {
  checkSampleIndex(data, sampleIndex);
  const exact = data.valuesExact?.[sampleIndex];
  if (!exact) return undefined;
  const t = new BigInt64Array(1);
  for (let i = 0; i < exact.length; i++) t[0]! += exact[i]!;
  return t[0]!;
}

/** Per function: 1 when its name matches the pattern. Null when there is no pattern. */
function matchFunctions(pattern: Pattern | undefined, names: readonly string[]): Uint8Array | null {
  if (!pattern) return null;
  const out = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = pattern.test(names[i]!) ? 1 : 0;
  return out;
}

export interface Filters {
  focus: Uint8Array | null;
  ignore: Uint8Array | null;
  hide: Uint8Array | null;
}

export function filtersFor(data: ProfileData, opts: { focus?: Pattern; ignore?: Pattern; hide?: Pattern }): Filters {
  return {
    focus: matchFunctions(opts.focus, data.funcName),
    ignore: matchFunctions(opts.ignore, data.funcName),
    hide: matchFunctions(opts.hide, data.funcName),
  };
}
