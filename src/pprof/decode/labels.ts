// The samples of a profile with labels, for ProfileData.labels: each sample's stack (in
// ProfileData's numbering), label set and values, so label filters can recompute a stack's
// values without the decoded profile.
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

  // One group per sample, in sample order: the Go runtime writes one sample per (stack, block
  // size) already, so merging equal pairs would save little and cost a hash lookup per sample.
  budget.charge(sampleCount * (8 + 8 * nTypes));
  const groupStack = new Int32Array(sampleCount);
  for (let s = 0; s < sampleCount; s++) groupStack[s] = stackOf[sampleStack[s]!]!;
  const groupSet = Int32Array.from(sampleLabelSet.subarray(0, sampleCount));
  const values: Float64Array[] = [];
  for (let t = 0; t < nTypes; t++) {
    const row = new Float64Array(sampleCount);
    for (let s = 0, i = t; s < sampleCount; s++, i += nTypes) row[s] = sampleValues[i]!;
    values.push(row);
  }
  return {
    strings,
    setStart: Int32Array.from(labelSetStart),
    key,
    str: strCol,
    num: Float64Array.from(p.labelNum.subarray(0, nEntries)),
    unit,
    groupStack,
    groupSet,
    values,
  };
}
