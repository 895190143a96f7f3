// Refinements of a profile, as pprof's: focus / ignore / hide / show, label filters
// (tagfocus / tagignore) and granularity. Pure and browser-safe (the CLI and the flame graph
// panel use it). The parts, under refine/: refine.ts (refineProfile), tagFilter.ts (label
// filters and pprof's unit scaling), granularity.ts (regroup), chips.ts (the panel's chips).
// Import from here.
export { hasRefinements, refineProfile, type Refinements } from './refine/refine';
export { compileTagFilter, numLabelUnits, scaleValue, type TagFilter, type TagFilterResult } from './refine/tagFilter';
export { GRANULARITIES, isGranularity, regroup, type Granularity } from './refine/granularity';
export { chipError, compileChips, exactPattern, labelKeys, MAX_LABEL_VALUES, REFINEMENT_KINDS, type CompiledChips, type LabelKeyInfo, type RefinementChip, type RefinementKind } from './refine/chips';
