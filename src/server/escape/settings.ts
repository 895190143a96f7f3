// The escape-analysis settings the language server reads (sections `goMemoryInsight` and `go`),
// with their defaults: calm ones, that a developer keeps on in a large project.
import type { FindingKind } from '../../escape/types';

export type PublishScope = 'openFiles' | 'package';

export interface EscapeSettings {
  enabled: boolean;
  kinds: FindingKind[];
  severity: string;
  codeLens: boolean;
  boundsChecks: boolean;
  maxPerFile: number;
  /** At most this many escape diagnostics per package, with a summary beyond. */
  maxPerPackage: number;
  debounceMs: number;
  /** After an automatic save, analyse once no edit came for this long. */
  idleAfterAutoSaveMs: number;
  includeTestFiles: boolean;
  publish: PublishScope;
  exclude: string[];
  excludePackages: string[];
  buildTags: string[];
  /** The severity of escapes on hot lines of the profile shown in the editor ('off': unchanged). */
  hotSeverity: string;
  /** Hot lines: the heaviest that together make up this percentage of the profile's total. */
  hotThreshold: number;
}

export const DEFAULT_SETTINGS: EscapeSettings = {
  enabled: true,
  kinds: ['escapes-to-heap', 'moved-to-heap'],
  severity: 'information',
  codeLens: true,
  boundsChecks: false,
  maxPerFile: 500,
  maxPerPackage: 200,
  debounceMs: 400,
  idleAfterAutoSaveMs: 1500,
  includeTestFiles: false,
  publish: 'openFiles',
  exclude: ['**/vendor/**'],
  excludePackages: [],
  buildTags: [],
  hotSeverity: 'warning',
  hotThreshold: 50,
};

function splitTags(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function strings(v: unknown, fallback: string[]): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : fallback;
}

export function settingsFrom(ours: unknown, go: unknown): EscapeSettings {
  const o = record(ours);
  const ea = record(o.escapeAnalysis);
  const g = record(go);
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
  const d = DEFAULT_SETTINGS;
  return {
    enabled: bool(ea.enabled, d.enabled),
    kinds: strings(ea.diagnosticKinds, d.kinds) as FindingKind[],
    severity: typeof ea.severity === 'string' ? ea.severity : d.severity,
    codeLens: bool(ea.codeLens, d.codeLens),
    boundsChecks: bool(ea.boundsChecks, d.boundsChecks),
    maxPerFile: Math.max(10, num(ea.maxDiagnosticsPerFile, d.maxPerFile)),
    maxPerPackage: Math.max(10, num(ea.maxDiagnostics, d.maxPerPackage)),
    debounceMs: Math.max(0, num(ea.debounceMs, d.debounceMs)),
    idleAfterAutoSaveMs: Math.max(0, num(ea.idleAfterAutoSaveMs, d.idleAfterAutoSaveMs)),
    includeTestFiles: bool(ea.includeTestFiles, d.includeTestFiles),
    publish: ea.publish === 'package' ? 'package' : 'openFiles',
    exclude: strings(ea.exclude, d.exclude),
    excludePackages: strings(ea.excludePackages, d.excludePackages),
    buildTags: [...new Set([...splitTags(o.buildTags), ...splitTags(g.buildTags)])],
    hotSeverity: typeof ea.hotSeverity === 'string' ? ea.hotSeverity : d.hotSeverity,
    hotThreshold: Math.min(100, Math.max(0, num(ea.hotThreshold, d.hotThreshold))),
  };
}
