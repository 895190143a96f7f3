// The samples of a profile with labels grouped by (stack, label set), for ProfileData.labels:
// label filters then recompute a stack's values from its groups without the samples.
import type { ProfileLabels } from '../../shared/profileData';
import type { MemoryBudget } from './budget';
import type { PprofProfile } from './model';

/** The groups, or undefined when no sample has a label. stackOf maps the decoder's stacks to ProfileData's. */
export function labelGroups(p: PprofProfile, stackOf: Int32Array, budget: MemoryBudget): ProfileLabels | undefined {
  const { labelSetStart, sampleLabelSet, sampleStack, sampleCount, sampleValues } = p;
  const nSets = labelSetStart.length - 1;
  if (nSets <= 0 || labelSetStart[nSets] === 0) return undefined;
  const nTypes = p.sampleTypes.length;

  // The strings the labels use, renumbered.
  const strings: string[] = [];
  const index = new Map<number, number>();
  const str = (i: number): number => {
    if (i < 0) return -1;
    let j = index.get(i);
    if (j === undefined) {
      j = strings.length;
      index.set(i, j);
      strings.push(p.strings[i] ?? '');
    }
    return j;
  };
  const nEntries = labelSetStart[nSets]!;
  budget.charge(nEntries * 24 + nSets * 4);
  const key = new Int32Array(nEntries);
  const strCol = new Int32Array(nEntries);
  const unit = new Int32Array(nEntries);
  for (let e = 0; e < nEntries; e++) {
    key[e] = str(p.labelKey[e]!);
    strCol[e] = str(p.labelStr[e]!);
    unit[e] = p.labelNumUnit[e]! > 0 ? str(p.labelNumUnit[e]!) : -1;
  }

  // Groups, numbered in order of first sample.
  const ids = new Map<number, number>();
  const groupStack: number[] = [];
  const groupSet: number[] = [];
  const groupOf = new Int32Array(sampleCount);
  for (let s = 0; s < sampleCount; s++) {
    const stack = stackOf[sampleStack[s]!]!;
    const set = sampleLabelSet[s]!;
    const k = stack * nSets + set;
    let g = ids.get(k);
    if (g === undefined) {
      g = groupStack.length;
      ids.set(k, g);
      groupStack.push(stack);
      groupSet.push(set);
    }
    groupOf[s] = g;
  }
  const nGroups = groupStack.length;
  budget.charge(nGroups * (8 + 8 * nTypes) + sampleCount * 4);
  const values: Float64Array[] = [];
  for (let t = 0; t < nTypes; t++) values.push(new Float64Array(nGroups));
  for (let s = 0; s < sampleCount; s++) {
    const g = groupOf[s]!;
    const b = s * nTypes;
    for (let t = 0; t < nTypes; t++) values[t]![g]! += sampleValues[b + t]!;
  }
  return {
    strings,
    setStart: Int32Array.from(labelSetStart),
    key,
    str: strCol,
    num: Float64Array.from(p.labelNum.subarray(0, nEntries)),
    unit,
    groupStack: Int32Array.from(groupStack),
    groupSet: Int32Array.from(groupSet),
    values,
  };
}
