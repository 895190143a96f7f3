// `go-memory-insight hotspots PROFILE`: the allocating lines of a heap profile, heaviest
// first, each with the compiler's reason for the heap allocation (or a note saying where the
// allocation really happens) — a list to paste into a pull request.
import * as os from 'node:os';
import * as path from 'node:path';
import { findGo } from '../goenv/findGo';
import { resolveSampleIndex, ProfileError } from '../pprof/decode';
import { compilePattern } from '../pprof/pattern';
import { localHotspots } from '../hotspots/local';
import { markdownReport, textReport } from '../hotspots/format';
import type { ProfileData } from '../shared/profileData';
import { CliError, scanArgs, type CliCommand, type CliIO } from './command';
import { loadProfileArg, MAX_MEMORY_HELP, parseSize } from './pprof';

const USAGE = `Usage:
  go-memory-insight hotspots PROFILE [--dir DIR] [--sample-index NAME] [--json | --markdown]
                                     [--all] [--limit N] [--hide RE] [--max-memory N]

Ranks the lines that allocate in a heap profile (PROFILE, or - for standard input) and gives,
beside each, the Go compiler's escape-analysis finding at that line: what moved to the heap and
why. A line that allocates with no finding of its own gets a note saying where the allocation
happens (map growth inside runtime.mapassign, slice growth inside runtime.growslice, …).

Each sample counts for its first frame outside the runtime (the frames matching --hide, by
default ^runtime\\., are skipped, inlined frames included), so the figures are those of
  go tool pprof -lines -hide='^runtime\\.' -top PROFILE

  --dir DIR          the module the profile was taken from (default: the current directory):
                     its packages are analysed, and -trimpath paths are resolved from it
  --sample-index S   alloc_space (the default when the profile has it), alloc_objects,
                     inuse_space, inuse_objects, or a number
  --json             {"sampleType", "unit", "total", "rows": [{"file", "line", "function",
                     "flat", "share", "objects", "findings": [{"kind", "message", "why"}],
                     "note"}]}, rows heaviest first
  --markdown         a table to paste into a pull request or an issue
  --all              keep lines outside the module too (the standard library, dependencies)
  --limit N          at most N rows (default: all with --json, 30 otherwise)
  --hide RE          the frames to skip (default ^runtime\\.), Go regular expression syntax
  ${MAX_MEMORY_HELP}
`;

interface Args {
  file: string;
  dir?: string;
  sampleIndex?: string;
  format: 'text' | 'json' | 'markdown';
  all: boolean;
  limit?: number;
  hide?: string;
  maxMemory?: number;
}

function parseArgs(argv: string[]): Args {
  const a: Omit<Args, 'file'> = { format: 'text', all: false };
  const setFormat = (f: Args['format']) => {
    if (a.format !== 'text' && a.format !== f) throw new CliError('--json and --markdown cannot be combined', 2);
    a.format = f;
  };
  const files = scanArgs(argv, (flag, value) => {
    switch (flag) {
      case '--json':
        setFormat('json');
        return true;
      case '--markdown':
        setFormat('markdown');
        return true;
      case '--all':
        a.all = true;
        return true;
      case '--dir':
        a.dir = value();
        return true;
      case '--sample-index':
      case '--sample_index':
        a.sampleIndex = value();
        return true;
      case '--limit': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`--limit: expected a positive number, got "${v}"`, 2);
        a.limit = Number(v);
        return true;
      }
      case '--hide':
        a.hide = value();
        return true;
      case '--max-memory':
        a.maxMemory = parseSize(flag, value());
        return true;
      default:
        return false;
    }
  });
  if (files.length !== 1) throw new CliError(files.length === 0 ? 'missing profile file; run "go-memory-insight hotspots --help"' : `expected one profile file, got ${files.length}`, 2);
  return { ...a, file: files[0]! };
}

/** alloc_space when the profile has it (what a developer cutting allocations wants), else the profile's default. */
export function hotspotSampleIndex(data: ProfileData, which: string | undefined): number {
  if (which !== undefined) return resolveSampleIndex(data.sampleTypes, which, data.defaultSampleIndex);
  const alloc = data.sampleTypes.findIndex((t) => t.type === 'alloc_space');
  return alloc >= 0 ? alloc : data.defaultSampleIndex;
}

export function hotspotsCommand(): CliCommand {
  return {
    name: 'hotspots',
    summary: 'The lines that allocate in a heap profile, heaviest first, with the compiler\'s reason',
    usage: USAGE,
    async run(argv: string[], io: CliIO): Promise<number> {
      const args = parseArgs(argv);
      const dir = path.resolve(io.cwd, args.dir ?? '.');
      const data = await loadProfileArg(args.file, io, args.maxMemory ? { memoryBudgetBytes: args.maxMemory } : {});
      let sampleIndex: number;
      try {
        sampleIndex = hotspotSampleIndex(data, args.sampleIndex);
      } catch (err) {
        throw new CliError(err instanceof ProfileError ? err.message : String(err), 2);
      }
      let hide;
      if (args.hide !== undefined) {
        const r = compilePattern(args.hide);
        if (!r.ok) throw new CliError(`--hide: ${r.error}`, 2);
        hide = r.pattern;
      }
      const go = findGo({ env: io.env, platform: process.platform, home: os.homedir() });
      const limit = args.limit ?? (args.format === 'json' ? undefined : 30);
      const result = await localHotspots(data, { goBinary: go.ok ? go.path : undefined, dir, env: io.env, sampleIndex, all: args.all, limit, hide });
      const warnings = [...result.warnings];
      if (!go.ok) warnings.unshift(`no go binary found (tried ${go.tried.join(', ')}): the rows have no compiler findings`);
      if (args.format === 'json') io.stdout(JSON.stringify(result.report, null, 1) + '\n');
      else if (args.format === 'markdown') io.stdout(markdownReport(result.report, args.file, dir));
      else io.stdout(textReport(result.report, args.file, dir));
      for (const w of warnings) io.stderr(`warning: ${w}\n`);
      return 0;
    },
  };
}
