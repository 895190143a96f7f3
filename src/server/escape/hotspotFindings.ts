// goMemory/hotspotFindings: the compiler's findings at the lines of a heap profile, for the hot
// spots view. Packages of the workspace that have no result yet are analysed first (two at a
// time: a profile may reach dozens, and each analysis is a compile); a file that cannot have
// findings says why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineFindings } from '../../hotspots/report';
import type { HotspotFindingsParams, HotspotFindingsResult } from '../../shared/protocol';
import { isTestFile } from './filters';
import type { PackageResult } from './result';
import type { EscapeSettings } from './settings';

export interface HotspotFindingsContext {
  settings: EscapeSettings;
  hasGo: boolean;
  result(dir: string): PackageResult | undefined;
  inScope(dir: string): boolean;
  /** Resolves once the package has a final result (analysing it when it is in the workspace and has none). */
  ensureAnalysed(dir: string): Promise<void>;
}

export async function answerHotspotFindings(params: HotspotFindingsParams, ctx: HotspotFindingsContext): Promise<HotspotFindingsResult> {
  const byFile = new Map<string, Set<number>>();
  for (const l of params.lines ?? []) {
    if (typeof l?.file !== 'string' || !path.isAbsolute(l.file) || typeof l.line !== 'number') continue;
    const file = path.normalize(l.file);
    let set = byFile.get(file);
    if (!set) byFile.set(file, (set = new Set()));
    set.add(l.line);
  }
  const queue = [...new Set([...byFile.keys()].map((f) => path.dirname(f)))];
  const worker = async (): Promise<void> => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) await ctx.ensureAnalysed(dir);
  };
  await Promise.all([worker(), worker()]);
  const files: HotspotFindingsResult['files'] = [];
  for (const [file, lines] of byFile) {
    const dir = path.dirname(file);
    const result = ctx.result(dir);
    const entry: HotspotFindingsResult['files'][number] = { file, state: 'ok', lines: [] };
    files.push(entry);
    if (!fs.existsSync(file)) {
      entry.state = 'missing';
      entry.message = 'the file is not on this machine';
    } else if (!ctx.inScope(dir)) {
      entry.state = 'outside-workspace';
      entry.message = 'outside the workspace: analysed only on request (Analyse This Package)';
    } else if (!result || !result.model || result.status.state !== 'ok') {
      const state = !ctx.settings.enabled ? 'disabled' : !ctx.hasGo ? 'no-go' : result?.status.state;
      entry.state = state === 'build-failed' || state === 'excluded' || state === 'disabled' || state === 'no-go' ? state : 'error';
      entry.message = state === 'disabled' ? 'escape analysis is off (goMemoryInsight.escapeAnalysis.enabled)' : state === 'no-go' ? 'no go binary' : (result?.status.message ?? 'not analysed');
    } else if (isTestFile(file) && !ctx.settings.includeTestFiles) {
      entry.state = 'test-files-off';
      entry.message = 'test files are analysed only with goMemoryInsight.escapeAnalysis.includeTestFiles';
    } else {
      for (const line of [...lines].sort((a, b) => a - b)) {
        const found = lineFindings(result.model.findingsAt(file, line));
        entry.lines.push({ line, heap: found.heap, onStack: found.onStack });
      }
    }
  }
  return { files };
}
