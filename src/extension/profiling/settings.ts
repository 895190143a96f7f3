// Reads the settings of a profiling run: ours (goMemoryInsight.*) and the vscode-go settings
// Go developers already have (go.buildTags, go.testEnvVars).
import * as vscode from 'vscode';
import { DEFAULT_BENCHTIME, isValidBenchtime, mergeBuildTags, parseTestFlags, splitBuildTags } from '../../profiling/goTestArgs';

export interface ProfilingSettings {
  buildTags: string[];
  testFlags: string[];
  memProfileRate: number;
  /** -benchtime of benchmark runs; "" for go's default. */
  benchtime: string;
  /** 0: no limit. */
  timeoutMs: number;
  /** Environment additions for go test. */
  env: Record<string, string>;
  historySize: number;
  codeLens: boolean;
  annotations: boolean;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** goMemoryInsight.benchtime: a value go test accepts, "" for go's own default; anything else falls back to ours. */
function benchtimeSetting(value: unknown): string {
  if (typeof value !== 'string') return DEFAULT_BENCHTIME;
  const v = value.trim();
  return v === '' || isValidBenchtime(v) ? v : DEFAULT_BENCHTIME;
}

export function readProfilingSettings(scope?: vscode.Uri): ProfilingSettings {
  const ours = vscode.workspace.getConfiguration('goMemoryInsight', scope);
  const go = vscode.workspace.getConfiguration('go', scope);
  const env: Record<string, string> = {};
  const testEnv = go.get<unknown>('testEnvVars');
  if (testEnv && typeof testEnv === 'object') {
    for (const [k, v] of Object.entries(testEnv as Record<string, unknown>)) if (typeof v === 'string') env[k] = v;
  }
  return {
    buildTags: mergeBuildTags(splitBuildTags(ours.get<string>('buildTags')), splitBuildTags(go.get<string>('buildTags'))),
    testFlags: parseTestFlags(ours.get<unknown>('testFlags')),
    memProfileRate: num(ours.get('memProfileRate'), 0),
    benchtime: benchtimeSetting(ours.get<unknown>('benchtime')),
    timeoutMs: num(ours.get('profileTimeout'), 600) * 1000,
    env,
    historySize: Math.max(1, Math.floor(num(ours.get('profileHistorySize'), 20))),
    codeLens: ours.get<boolean>('profilingCodeLens') ?? true,
    annotations: ours.get<boolean>('allocationAnnotations') ?? true,
  };
}
