// The diagnostics of one file of an analysed package: the compiler's errors, and the findings the
// settings show (kinds, test files, excluded paths, the package's limit), with what the heap
// profile shown in the editor measured at their lines. Sending them is the service's.
import type { Diagnostic } from 'vscode-languageserver/node';
import type { Finding } from '../../escape/model';
import { isShown, isTestFile } from './filters';
import type { MeasuredIndex } from './measured';
import { diagnosticsForFile, errorDiagnostics, HEAP_KINDS, severityFromSetting, type PresentOptions, type TextSource } from './present';
import type { PackageResult } from './result';
import type { EscapeSettings } from './settings';

export interface PublishContext {
  settings: EscapeSettings;
  /** Every finding of the package is shown (the summary diagnostic's quick fix). */
  unlimited: boolean;
  excluded(file: string): boolean;
  isOpen(file: string): boolean;
  isCurrentLine(file: string, line: number): boolean;
  measured: MeasuredIndex | undefined;
}

export function fileDiagnostics(result: PackageResult, file: string, texts: TextSource, ctx: PublishContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const errors = errorDiagnostics(result.errors.filter((e) => e.file === file), texts).get(file) ?? [];
  diagnostics.push(...errors);
  // Compiler errors go to every file; findings to the open ones, or to all when the whole package is published.
  const withFindings = result.model && !ctx.excluded(file) && (ctx.settings.includeTestFiles || !isTestFile(file)) && (ctx.settings.publish === 'package' || ctx.isOpen(file));
  if (result.model && withFindings) {
    const kinds = new Set(ctx.settings.kinds);
    const index = ctx.measured;
    // With a profile shown and "only escapes that measured cost" on, the others are not shown.
    const onlyMeasured = index?.onlyMeasured === true;
    const show = (f: Finding): boolean => isShown(f, kinds) && (!onlyMeasured || !HEAP_KINDS.has(f.kind) || index!.at(file, f.line) !== undefined);
    const isCurrent = (f: Finding): boolean => ctx.isCurrentLine(file, f.line);
    const hotSeverity = ctx.settings.hotSeverity === 'off' ? undefined : severityFromSetting(ctx.settings.hotSeverity);
    const measured = index
      ? (f: Finding) => {
          const cost = index.at(file, f.line);
          if (!cost) return undefined;
          return { text: index.describe(cost), severity: hotSeverity !== undefined && index.isHot(file, f.line) ? hotSeverity : undefined };
        }
      : undefined;
    const opts: PresentOptions = { kinds, severity: severityFromSetting(ctx.settings.severity), maxPerFile: ctx.settings.maxPerFile, show, measured, packageCap: packageCap(result, file, ctx, (f) => show(f) && isCurrent(f)) };
    diagnostics.push(...diagnosticsForFile(result.model, file, texts, opts, isCurrent));
  }
  return diagnostics;
}

/**
 * The file's share of the package's limit (goMemoryInsight.escapeAnalysis.maxDiagnostics): files
 * take it in the order they are published, open files first, and keep it while they are edited.
 */
function packageCap(result: PackageResult, file: string, ctx: PublishContext, visible: (f: Finding) => boolean): PresentOptions['packageCap'] {
  if (ctx.unlimited || !result.model) return undefined;
  const limit = ctx.settings.maxPerPackage;
  const allot = (result.allotment ??= { perFile: new Map(), spare: limit, hidden: 0 });
  let cap = allot.perFile.get(file);
  if (cap === undefined) {
    let n = 0;
    for (const f of result.model.findingsForFile(file)) if (visible(f)) n++;
    cap = Math.min(n, allot.spare);
    allot.spare -= cap;
    allot.hidden += n - cap;
    allot.perFile.set(file, cap);
  }
  return { cap, limit, hiddenInPackage: () => allot.hidden };
}
