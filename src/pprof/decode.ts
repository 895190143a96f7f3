// Decodes pprof profiles (gzip-compressed or not) into a complete, validated model, and
// converts that model into the compact ProfileData the flame graph and the CLI use.
//
// How: src/pprof/profile.proto is bundled as text and parsed once with protobufjs. A first
// pass walks the top-level fields of the Profile message and records where the samples are;
// every other field (string table, functions, locations, mappings, metadata) is decoded by
// protobufjs from the schema. The samples — up to millions, each a list of location ids,
// values and labels — are read by a small reader of the Sample wire format (see
// profile.proto) straight into typed arrays: decoding them with protobufjs creates several
// objects per sample (and a Long per 64-bit number), which was the bottleneck on large
// profiles (see bench/pprof). Samples with equal locations share one location stack, and
// samples with equal labels one label set, both interned as they are read: a heap profile
// repeats each stack once per allocation size and has few distinct labels, so the model
// stores (and toProfileData walks) a fraction of what the samples spell out. Fresh memory is
// slow to fill, and so is a big table to look up in: see bench/pprof/bench.mjs for figures.
//
// 64-bit numbers: protobufjs returns Long objects (long.js is bundled with it) or numbers.
// Ids and addresses are kept exactly (bigint); periods and durations become doubles (exact up
// to 2^53); sample values are doubles too, and the few beyond 2^53 are also kept exactly
// (PprofProfile.sampleValuesExact, then ProfileData.valuesExact); string indices are
// range-checked after an exact conversion.
//
// Bounds (hostile or huge files): every decode has a memory budget (DecodeOptions). gzip data
// is inflated up to a share of it (its first kilobytes checked first, so a bomb of garbage
// stops there), the fields are counted before anything is built from them and the estimated
// memory charged, and what grows while the samples are read (location stacks, label sets) is
// charged as it grows. Past the budget, a ProfileError with code 'too-big' says about how much
// the profile needs (neededBytes). Absurd counts (sample types) are refused outright. Stacks
// deeper than MAX_STACK_DEPTH frames are cut in toProfileData (see stackDepth.ts).
//
// The parts, under decode/: budget.ts (ProfileError, the memory budget), wire.ts (schema,
// varints), inflate.ts (gzip, first check), scan.ts (pass 1: counts, where the samples are),
// profile.ts (decodeProfile), samples.ts (the sample columns), model.ts (PprofProfile) and
// profileData.ts (toProfileData). This file is the entry point: import from here.
export { DEFAULT_MEMORY_BUDGET, MAX_SAMPLE_TYPES, ProfileError, inputTooBig, maxInputBytes, type DecodeOptions, type ProfileDataOptions, type ProfileErrorCode } from './decode/budget';
export { sampleLabels, sampleLocations, type PprofFunction, type PprofLabel, type PprofLine, type PprofLocation, type PprofMapping, type PprofProfile } from './decode/model';
export { profileSchema } from './decode/wire';
export { inflate } from './decode/inflate';
export { decodeProfile, readProfile } from './decode/profile';
export { defaultSampleIndex, readProfileData, resolveSampleIndex, toProfileData } from './decode/profileData';
