// The hot spots of the profile the flame graph shows, as the view and the language server
// need them: rows attributed as pprof -lines -hide='^runtime\.' does (src/hotspots), files
// mapped to this machine, the workspace's own lines kept unless the user asks for all, and
// the findings of each line asked from the language server. No vscode import: tested in Node.
import { attributeSamples, type Attribution } from '../../hotspots/attribute';
import { joinHotspots, type HotspotReport } from '../../hotspots/report';
import type { HotspotFindingsResult, MeasuredCost } from '../../shared/protocol';
import type { ProfileData } from '../../shared/profileData';

/** At most this many rows in the view (the heaviest). */
export const MAX_ROWS = 200;

export interface HotspotInputs {
  data: ProfileData;
  /** The profile's file name (shown in hovers). */
  profileName: string;
  sampleIndex: number;
  /** Profile path → file on this machine, or undefined. */
  resolve: (file: string) => string | undefined;
  /** Whether a resolved file is the workspace's own. */
  inWorkspace: (file: string) => boolean;
  /** Show lines outside the workspace too. */
  all: boolean;
}

/** The measured lines of the workspace (every one the profile attributes to, not only the rows shown), for goMemory/measuredCost. */
export function measuredCost(input: HotspotInputs, att: Attribution, onlyMeasured: boolean): MeasuredCost {
  const type = input.data.sampleTypes[input.sampleIndex]!;
  const out: MeasuredCost = { profile: input.profileName, sampleType: type.type, unit: type.unit, total: att.total, onlyMeasured, lines: [] };
  if (att.objectsIndex >= 0) out.objectsType = input.data.sampleTypes[att.objectsIndex]!.type;
  for (const a of att.rows) {
    const file = input.resolve(a.file);
    if (!file || a.line <= 0 || !input.inWorkspace(file)) continue;
    out.lines.push(a.objects === undefined ? { file, line: a.line, flat: a.flat } : { file, line: a.line, flat: a.flat, objects: a.objects });
  }
  return out;
}

/** The default sample type of the view: alloc_space when the profile has it, else the one shown. */
export function defaultHotspotIndex(data: ProfileData, shownIndex: number): number {
  const alloc = data.sampleTypes.findIndex((t) => t.type === 'alloc_space');
  return alloc >= 0 ? alloc : shownIndex;
}

/** The attribution of the view's sample type. */
export function attribute(input: HotspotInputs): Attribution {
  return attributeSamples(input.data, input.sampleIndex);
}

/** The lines to ask the language server about: the rows' lines in the workspace. */
export function findingQuery(input: HotspotInputs, att: Attribution): { file: string; line: number }[] {
  const out: { file: string; line: number }[] = [];
  const report = joinHotspots(input.data, att, { resolve: input.resolve, include: input.all ? undefined : input.inWorkspace, limit: MAX_ROWS, findingsAt: () => undefined });
  for (const r of report.rows) if (r.line > 0 && input.inWorkspace(r.file)) out.push({ file: r.file, line: r.line });
  return out;
}

const STATE_WORDS: Record<string, string> = {
  'outside-workspace': 'not analysed: outside the workspace',
  'build-failed': 'not analysed: the package does not build',
  excluded: 'not analysed: excluded by goMemoryInsight.escapeAnalysis.excludePackages',
  disabled: 'not analysed: escape analysis is off',
  'no-go': 'not analysed: no go binary',
  missing: 'not analysed: the file is not on this machine',
  error: 'not analysed',
};

/**
 * The rows with the server's findings and the notes of lines without any, as the CLI writes
 * them (src/hotspots/report.ts): the same join, with the server's answer as the findings.
 */
export function withFindings(input: HotspotInputs, att: Attribution, findings: HotspotFindingsResult | undefined, sourceLine: (file: string, line: number) => string | undefined): HotspotReport {
  const byFile = new Map((findings?.files ?? []).map((f) => [f.file, f]));
  return joinHotspots(input.data, att, {
    resolve: input.resolve,
    include: input.all ? undefined : input.inWorkspace,
    limit: MAX_ROWS,
    findingsAt: (file, line) => {
      const f = byFile.get(file);
      if (!f || f.state !== 'ok') return undefined;
      const l = f.lines.find((x) => x.line === line);
      return l ? { heap: l.heap, onStack: l.onStack } : { heap: [], onStack: [] };
    },
    unanalysedReason: (file) => {
      if (!findings) return 'analysing…';
      const f = byFile.get(file);
      if (!f) return input.inWorkspace(file) ? 'not analysed' : 'not analysed: outside the workspace';
      const words = STATE_WORDS[f.state] ?? 'not analysed';
      return f.message && f.state === 'build-failed' ? `${words} (${f.message})` : words;
    },
    sourceLine,
  });
}
