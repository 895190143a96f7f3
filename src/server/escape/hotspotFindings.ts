// goMemory/hotspotFindings: the compiler's findings at the lines of a heap profile, for the hot
// spots view. Packages of the workspace that have no result yet are analysed first (two at a
// time: a profile may reach dozens, and each analysis is a compile); a file that cannot have
// findings says why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineFindings } from '../../hotspots/report';
import type { EscapeModel } from '../../escape/model';
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
  /**
   * The findings of the package compiled with its test files, for test-file lines while the
   * editor leaves test files out (includeTestFiles off): a profiled benchmark allocates there too.
   */
  testVariant(dir: string): Promise<{ model?: EscapeModel; message?: string }>;
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
  // Test files the editor leaves out: their package compiled with its tests, once per package.
  const testDirs = new Set<string>();
  if (!ctx.settings.includeTestFiles) {
    for (const file of byFile.keys()) {
      const dir = path.dirname(file);
      if (isTestFile(file) && ctx.inScope(dir) && ctx.result(dir)?.status.state === 'ok' && fs.existsSync(file)) testDirs.add(dir);
    }
  }
  const variants = new Map<string, { model?: EscapeModel; message?: string }>();
  const testQueue = [...testDirs];
  const testWorker = async (): Promise<void> => {
    for (let dir = testQueue.shift(); dir !== undefined; dir = testQueue.shift()) variants.set(dir, await ctx.testVariant(dir));
  };
  await Promise.all([testWorker(), testWorker()]);
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
    } else {
      const variant = isTestFile(file) && !ctx.settings.includeTestFiles ? variants.get(dir) : undefined;
      const model = variant ? variant.model : result.model;
      if (!model) {
        entry.state = 'build-failed';
        entry.message = variant?.message ?? 'the test files do not build';
        continue;
      }
      for (const line of [...lines].sort((a, b) => a - b)) {
        const found = lineFindings(model.findingsAt(file, line));
        entry.lines.push({ line, heap: found.heap, onStack: found.onStack });
      }
    }
  }
  return { files };
}
