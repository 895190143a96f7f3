// Crafted pprof profiles for the pattern tests (drop_frames/keep_frames from the file, focus,
// ignore, hide and the search box), encoded with the decoder's own schema (protobufjs). Also
// the hostile "ReDoS" profile: redosProfileBytes/writeRedosProfile are meant for reuse by other
// hostile-input tests.
import { writeFileSync } from 'node:fs';
import { profileSchema } from '../../src/pprof/decode';

export interface CraftedSample {
  /** Leaf first. A string is a location with one line; an array is one location with inlined lines, innermost first. */
  stack: Array<string | string[]>;
  value: number;
}

export interface CraftedProfile {
  samples: CraftedSample[];
  dropFrames?: string;
  keepFrames?: string;
}

/**
 * The bytes of a profile with one sample type (space/bytes, so `go tool pprof -unit=B
 * -sample_index=space` reads it), one function per distinct name (no file name) and one
 * location per distinct stack entry.
 */
export function craftProfile(p: CraftedProfile): Uint8Array {
  const strings = ['', 'space', 'bytes'];
  const stringIds = new Map<string, number>();
  const str = (s: string): number => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      stringIds.set(s, id);
    }
    return id;
  };
  const functions: Array<{ id: number; name: number; system_name: number }> = [];
  const funcIds = new Map<string, number>();
  const func = (name: string): number => {
    let id = funcIds.get(name);
    if (id === undefined) {
      id = functions.length + 1;
      functions.push({ id, name: str(name), system_name: str(name) });
      funcIds.set(name, id);
    }
    return id;
  };
  const locations: Array<{ id: number; address: number; line: Array<{ function_id: number; line: number }> }> = [];
  const locIds = new Map<string, number>();
  const loc = (entry: string | string[]): number => {
    const lines = typeof entry === 'string' ? [entry] : entry;
    const key = JSON.stringify(lines);
    let id = locIds.get(key);
    if (id === undefined) {
      id = locations.length + 1;
      locations.push({ id, address: 0x1000 + 16 * id, line: lines.map((n, i) => ({ function_id: func(n), line: 10 + i })) });
      locIds.set(key, id);
    }
    return id;
  };
  const sample = p.samples.map((s) => ({ location_id: s.stack.map(loc), value: [s.value] }));
  const obj = {
    sample_type: [{ type: 1, unit: 2 }],
    sample,
    location: locations,
    function: functions,
    string_table: strings,
    ...(p.dropFrames !== undefined ? { drop_frames: str(p.dropFrames) } : {}),
    ...(p.keepFrames !== undefined ? { keep_frames: str(p.keepFrames) } : {}),
  };
  const { profile } = profileSchema();
  return profile.encode(profile.fromObject(obj)).finish();
}

/**
 * The ReDoS profile of issue 11: drop_frames `(a+)+` and a function named 40 a's then b, which a
 * backtracking engine tries to match against `^((a+)+)$` in 2^40 steps. `go tool pprof` (RE2)
 * reads it at once; nothing is dropped. Two samples: 1000 bytes in aaa…ab called by main.main,
 * 24 bytes in main.main.
 */
export function redosProfileBytes(): Uint8Array {
  const name = `${'a'.repeat(40)}b`;
  return craftProfile({
    dropFrames: '(a+)+',
    samples: [
      { stack: [name, 'main.main'], value: 1000 },
      { stack: ['main.main'], value: 24 },
    ],
  });
}

/** Writes redosProfileBytes() to file. */
export function writeRedosProfile(file: string): void {
  writeFileSync(file, redosProfileBytes());
}
