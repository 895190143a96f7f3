// Granularity, as pprof's -functions (the default), -filefunctions, -files and -lines: frames
// merged by function name, by function and file, by file, or by function, file and line. The
// result is a ProfileData whose function table has one entry per merged node, named as pprof
// prints it ("F", "F file", "file", "F file:line"), with the same frames and stacks.
import type { ProfileData } from '../../shared/profileData';

export const GRANULARITIES = ['functions', 'filenames', 'files', 'lines'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export function isGranularity(x: unknown): x is Granularity {
  return typeof x === 'string' && (GRANULARITIES as readonly string[]).includes(x);
}

/** The profile with its frames merged at a granularity. */
export function regroup(data: ProfileData, g: Granularity): ProfileData {
  const { funcName, funcFile, funcStartLine, frameFunc, frameLine } = data;
  const ids = new Map<string, number>();
  const names: string[] = [];
  const files: string[] = [];
  const starts: number[] = [];
  const newFunc = new Int32Array(frameFunc.length);
  for (let f = 0; f < frameFunc.length; f++) {
    const fn = frameFunc[f]!;
    const name = funcName[fn]!;
    const file = funcFile[fn]!;
    const line = frameLine[f]!;
    let label: string;
    switch (g) {
      case 'functions':
        label = name;
        break;
      case 'filenames':
        label = file ? `${name} ${file}` : name;
        break;
      case 'files':
        label = file || '<unknown>';
        break;
      case 'lines':
        label = line ? `${name} ${file}:${line}` : file ? `${name} ${file}` : name;
        break;
    }
    let id = ids.get(label);
    if (id === undefined) {
      id = names.length;
      ids.set(label, id);
      names.push(label);
      files.push(file);
      starts.push(g === 'lines' && line ? line : g === 'files' ? 0 : funcStartLine[fn]!);
    }
    newFunc[f] = id;
  }
  const out: ProfileData = { ...data, funcName: names, funcFile: files, funcStartLine: Int32Array.from(starts), frameFunc: newFunc };
  delete out.labels;
  return out;
}
