// decodeProfile: the header decoded by protobufjs into the model, then the samples.
import { type DecodeOptions, MemoryBudget, ProfileError, budgetOf, inputTooBig, maxInputBytes } from './budget';
import { type Int64, type RawProfile, type RawValueType, idKey, profileSchema, toBig, toNum } from './wire';
import type { PprofFunction, PprofLine, PprofLocation, PprofMapping, PprofProfile } from './model';
import type { SampleTypeInfo } from '../../shared/profileData';
import { checkCounts, findSamples } from './scan';
import { decodeSamples } from './samples';
import { inflateWithin, looksLikeText } from './inflate';
import { readFile, stat } from 'node:fs/promises';

/**
 * Decodes a pprof profile (gzip-compressed or raw protobuf). Throws ProfileError for anything
 * that is not a valid profile, and for a profile that needs more memory than
 * opts.memoryBudgetBytes (code 'too-big', with neededBytes).
 */
export function decodeProfile(input: Uint8Array, opts: DecodeOptions = {}): PprofProfile {
  if (input.length === 0) throw new ProfileError('empty file: not a pprof profile');
  const budget = new MemoryBudget(budgetOf(opts));
  const bytes = inflateWithin(input, budget);
  if (bytes.length === 0) throw new ProfileError('empty profile after decompression');
  const text = looksLikeText(bytes);
  if (text) throw new ProfileError(text);
  if (bytes === input) budget.charge(bytes.length);
  try {
    return decodeRaw(bytes, budget);
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ProfileError(`not a valid pprof profile: ${message}`);
  }
}

/** Reads and decodes a profile file (a file over maxInputBytes is not read: 'too-big'). */
export async function readProfile(file: string, opts: DecodeOptions = {}): Promise<PprofProfile> {
  let bytes: Uint8Array;
  try {
    const size = (await stat(file)).size;
    if (size > maxInputBytes(opts)) throw inputTooBig(size, opts);
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ProfileError(`cannot read ${file}: ${why}`);
  }
  return decodeProfile(bytes, opts);
}

function decodeRaw(bytes: Uint8Array, budget: MemoryBudget): PprofProfile {
  const { profile: profileType } = profileSchema();

  const { samples, headerBytes, counts } = findSamples(bytes, budget);
  checkCounts(counts, samples, budget);
  const raw = profileType.decode(headerBytes) as unknown as RawProfile;

  // Strings.
  const strings = raw.string_table;
  if (strings.length === 0) throw new ProfileError('not a valid pprof profile: the string table is missing');
  if (strings[0] !== '') throw new ProfileError('not a valid pprof profile: string_table[0] must be ""');
  const strIndex = (v: Int64, what: string): number => {
    const i = toNum(v, false);
    if (!Number.isInteger(i) || i < 0 || i >= strings.length) {
      throw new ProfileError(`${what} refers to string ${i}, but the string table has ${strings.length} entries`);
    }
    return i;
  };
  const str = (v: Int64, what: string): string => strings[strIndex(v, what)]!;
  const valueType = (v: RawValueType, what: string): SampleTypeInfo => ({ type: str(v.type, `${what} type`), unit: str(v.unit, `${what} unit`) });

  const sampleTypes = raw.sample_type.map((v, i) => valueType(v, `sample_type[${i}]`));
  if (sampleTypes.length === 0) throw new ProfileError('not a valid pprof profile: it has no sample types');

  // Mappings.
  const mappingIndex = new Map<number | bigint, number>();
  const mappings: PprofMapping[] = raw.mapping.map((m, i) => {
    const id = toBig(m.id, true);
    if (id === 0n) throw new ProfileError(`mapping ${i} has id 0`);
    const key = idKey(id);
    if (mappingIndex.has(key)) throw new ProfileError(`duplicate mapping id ${id}`);
    mappingIndex.set(key, i);
    return {
      id,
      memoryStart: toBig(m.memory_start, true),
      memoryLimit: toBig(m.memory_limit, true),
      fileOffset: toBig(m.file_offset, true),
      file: str(m.filename, `mapping ${id} filename`),
      buildId: str(m.build_id, `mapping ${id} build_id`),
      hasFunctions: !!m.has_functions,
      hasFilenames: !!m.has_filenames,
      hasLineNumbers: !!m.has_line_numbers,
      hasInlineFrames: !!m.has_inline_frames,
    };
  });

  // Functions.
  const functionIndex = new Map<number | bigint, number>();
  const functions: PprofFunction[] = raw.function.map((f, i) => {
    const id = toBig(f.id, true);
    if (id === 0n) throw new ProfileError(`function ${i} has id 0`);
    const key = idKey(id);
    if (functionIndex.has(key)) throw new ProfileError(`duplicate function id ${id}`);
    functionIndex.set(key, i);
    return {
      id,
      name: str(f.name, `function ${id} name`),
      systemName: str(f.system_name, `function ${id} system_name`),
      file: str(f.filename, `function ${id} filename`),
      startLine: toNum(f.start_line, false),
    };
  });

  // Locations.
  const locationIndex = new Map<number | bigint, number>();
  let maxSmallId = 0;
  let allSmall = true;
  const locations: PprofLocation[] = raw.location.map((l, i) => {
    const id = toBig(l.id, true);
    if (id === 0n) throw new ProfileError(`location ${i} has id 0`);
    const key = idKey(id);
    if (locationIndex.has(key)) throw new ProfileError(`duplicate location id ${id}`);
    locationIndex.set(key, i);
    if (typeof key === 'number' && key < 1 << 26) maxSmallId = Math.max(maxSmallId, key);
    else allSmall = false;
    const mappingId = toBig(l.mapping_id, true);
    let mapping = -1;
    if (mappingId !== 0n) {
      const m = mappingIndex.get(idKey(mappingId));
      if (m === undefined) throw new ProfileError(`location ${id} refers to mapping ${mappingId}, which does not exist`);
      mapping = m;
    }
    const lines: PprofLine[] = l.line.map((ln) => {
      const fid = toBig(ln.function_id, true);
      let fn = -1;
      if (fid !== 0n) {
        const f = functionIndex.get(idKey(fid));
        if (f === undefined) throw new ProfileError(`location ${id} refers to function ${fid}, which does not exist`);
        fn = f;
      }
      return { function: fn, line: toNum(ln.line, false), column: toNum(ln.column, false) };
    });
    return { id, mapping, address: toBig(l.address, true), lines, isFolded: !!l.is_folded };
  });
  // Go numbers locations 1..n: look them up in an array then.
  let denseLocations: Int32Array | null = null;
  if (allSmall && maxSmallId <= 4 * locations.length + 1024) {
    denseLocations = new Int32Array(maxSmallId + 1).fill(-1);
    for (let i = 0; i < locations.length; i++) denseLocations[Number(locations[i]!.id)] = i;
  }

  const defaultSampleType = str(raw.default_sample_type, 'default_sample_type');
  const profile: PprofProfile = {
    sampleTypes,
    sampleCount: 0,
    sampleStack: new Int32Array(0),
    stackLocStart: new Uint32Array(1),
    stackLocations: new Uint32Array(0),
    sampleValues: new Int32Array(0),
    sampleLabelSet: new Int32Array(0),
    labelSetStart: new Uint32Array(1),
    labelKey: new Int32Array(0),
    labelStr: new Int32Array(0),
    labelNum: new Float64Array(0),
    labelNumUnit: new Int32Array(0),
    strings,
    mappings,
    locations,
    functions,
    dropFrames: str(raw.drop_frames, 'drop_frames'),
    keepFrames: str(raw.keep_frames, 'keep_frames'),
    timeNanos: toBig(raw.time_nanos, false),
    durationNanos: toNum(raw.duration_nanos, false),
    period: toNum(raw.period, false),
    comments: raw.comment.map((c, i) => str(c, `comment ${i}`)),
    defaultSampleType,
    docUrl: str(raw.doc_url, 'doc_url'),
  };
  if (raw.period_type) profile.periodType = valueType(raw.period_type, 'period_type');

  decodeSamples(bytes, samples, profile, denseLocations, locationIndex, budget);
  return profile;
}
