// `go-memory-insight pprof <subcommand>`: reads pprof profiles with the same decoder and tree
// code the extension uses. Subcommands are listed in PPROF_SUBCOMMANDS (others add theirs).
import type { CliCommand, CliIO } from './command';
import { CliError, readStdin, scanArgs } from './command';
import { decodeProfile, inputTooBig, maxInputBytes, resolveSampleIndex, toProfileData, ProfileError, type DecodeOptions } from '../pprof/decode';
import { flatTable, sampleTotal, sampleTotalExact } from '../pprof/tree';
import { compileTagFilter, GRANULARITIES, isGranularity, numLabelUnits, refineProfile, regroup, type Granularity, type Refinements } from '../pprof/refine';
import { truncationNote } from '../pprof/stackDepth';
import { compilePattern, type Pattern } from '../pprof/pattern';
import { formatPercent, formatValue } from '../pprof/units';
import type { ProfileData } from '../shared/profileData';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pprofFlame } from './pprofFlame';
import { pprofFetch } from './pprofFetch';

export interface PprofSubcommand {
  name: string;
  summary: string;
  /** Arguments after the subcommand name, e.g. "FILE [--json]". */
  synopsis: string;
  /** Extra lines for `pprof NAME --help`. */
  help: string[];
  run(args: string[], io: CliIO): Promise<number>;
}

/** The --max-memory flag: how much memory a profile may take (the decoder's budget). */
export const MAX_MEMORY_HELP = '--max-memory N    memory a profile may take, e.g. 2G or 512M (default 1G)';

/** A size such as 1073741824, 512M, 2G or 1.5GiB (binary units) in bytes. */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const bytes = m ? Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!(bytes >= 1)) throw new CliError(`${flag}: expected a size such as 2G or 512M, got "${text}"`, 2);
  return Math.floor(bytes);
}

/**
 * Reads a profile file (or standard input for "-") into ProfileData; one-line errors. Input
 * beyond what the memory budget can decode is not read to the end (see maxInputBytes).
 */
export async function loadProfileArg(file: string, io: CliIO, opts: DecodeOptions = {}): Promise<ProfileData> {
  let bytes: Uint8Array;
  const limit = maxInputBytes(opts);
  try {
    if (file === '-') {
      bytes = await readStdin(io, limit, (size) => inputTooBig(size, opts, 'standard input'));
    } else {
      const path = file.startsWith('/') ? file : `${io.cwd}/${file}`;
      const size = (await stat(path)).size;
      if (size > limit) throw inputTooBig(size, opts);
      bytes = await readFile(path);
    }
  } catch (err) {
    if (err instanceof ProfileError) throw profileCliError(file, err);
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
  try {
    const data = toProfileData(decodeProfile(bytes, opts), file === '-' ? 'stdin' : basename(file), opts);
    for (const note of data.notes ?? []) io.stderr(`warning: ${file}: ${note}\n`);
    return data;
  } catch (err) {
    if (err instanceof ProfileError) throw profileCliError(file, err);
    throw err;
  }
}

function profileCliError(file: string, err: ProfileError): CliError {
  return new CliError(`${file}: ${err.message}${err.code === 'too-big' ? ' (raise the limit with --max-memory)' : ''}`);
}

interface TopArgs {
  file: string;
  sampleIndex?: string;
  json: boolean;
  filters: { focus?: Pattern; ignore?: Pattern; hide?: Pattern; show?: Pattern };
  tagFocus?: string;
  tagIgnore?: string;
  granularity: Granularity;
  decode: DecodeOptions;
}

/** A --focus/--ignore/--hide pattern (Go syntax, searched in names); empty means none, as in pprof. */
function patternArg(flag: string, value: string): Pattern | undefined {
  if (value === '') return undefined;
  const r = compilePattern(value);
  if (!r.ok) throw new CliError(`${flag}: ${r.error}`, 2);
  return r.pattern;
}

function parseTopArgs(args: string[]): TopArgs {
  const out: TopArgs = { file: '', json: false, filters: {}, granularity: 'functions', decode: {} };
  const files = scanArgs(args, (flag, value) => {
    switch (flag) {
      case '--json':
        out.json = true;
        return true;
      case '--sample-index':
      case '--sample_index':
        out.sampleIndex = value();
        return true;
      case '--focus':
        out.filters.focus = patternArg(flag, value());
        return true;
      case '--ignore':
        out.filters.ignore = patternArg(flag, value());
        return true;
      case '--hide':
        out.filters.hide = patternArg(flag, value());
        return true;
      case '--show':
        out.filters.show = patternArg(flag, value());
        return true;
      case '--tagfocus':
        out.tagFocus = value();
        return true;
      case '--tagignore':
        out.tagIgnore = value();
        return true;
      case '--granularity': {
        const g = value();
        if (!isGranularity(g)) throw new CliError(`--granularity: expected one of ${GRANULARITIES.join(', ')}, got "${g}"`, 2);
        out.granularity = g;
        return true;
      }
      case '--max-memory':
        out.decode.memoryBudgetBytes = parseSize(flag, value());
        return true;
      default:
        return false;
    }
  });
  if (files.length !== 1) throw new CliError(files.length === 0 ? 'missing profile file' : `expected one profile file, got ${files.length}`, 2);
  out.file = files[0]!;
  return out;
}

/** The --tagfocus / --tagignore filters, with the profile's numeric label units. */
function tagFilters(data: ProfileData, opts: TopArgs): Pick<Refinements, 'tagFocus' | 'tagIgnore'> {
  const out: Pick<Refinements, 'tagFocus' | 'tagIgnore'> = {};
  const units = data.labels ? numLabelUnits(data.labels) : new Map<string, string>();
  for (const [flag, spec, key] of [['--tagfocus', opts.tagFocus, 'tagFocus'], ['--tagignore', opts.tagIgnore, 'tagIgnore']] as const) {
    if (!spec) continue;
    const r = compileTagFilter(spec, units);
    if (!r.ok) throw new CliError(`${flag}: ${r.error}`, 2);
    out[key] = r.filter;
  }
  return out;
}

async function runTop(args: string[], io: CliIO): Promise<number> {
  const opts = parseTopArgs(args);
  const data = await loadProfileArg(opts.file, io, opts.decode);
  let index: number;
  try {
    index = resolveSampleIndex(data.sampleTypes, opts.sampleIndex, data.defaultSampleIndex);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const { type, unit } = data.sampleTypes[index]!;
  // The total is every sample's, before the refinements (as in go tool pprof); in a profile
  // with negative values, pprof's (ProfileData.totals).
  const total = data.totals?.[index] ?? sampleTotal(data, index);
  const totalExact = data.totalsExact && (data.valuesExact || !Number.isSafeInteger(total)) ? data.totalsExact[index] : sampleTotalExact(data, index);
  const view = regroup(refineProfile(data, { ...opts.filters, ...tagFilters(data, opts) }), opts.granularity);
  const rows = flatTable(view, index);
  const note = truncationNote(data);
  if (opts.json) {
    // Written by hand: values beyond 2^53 are printed exactly (JSON numbers have no limit;
    // JSON.stringify would print the double).
    const num = (x: number, exact: bigint | undefined) => (exact !== undefined ? exact.toString() : JSON.stringify(x));
    const head = `{"sampleType":${JSON.stringify(type)},"unit":${JSON.stringify(unit)},"total":${num(total, totalExact)}`;
    const lines = rows.map((r) => `{"function":${JSON.stringify(view.funcName[r.func]!)},"flat":${num(r.flat, r.flatExact)},"cum":${num(r.cum, r.cumExact)}}`);
    const truncated = data.truncatedStacks ? `,"truncatedStacks":${JSON.stringify(data.truncatedStacks)}` : '';
    io.stdout(`${head},"rows":[${lines.join(',')}]${truncated}}\n`);
    return 0;
  }
  const fmt = (v: number) => formatValue(v, unit);
  let shown = 0;
  for (const r of rows) shown += r.flat;
  const lines = [
    `File: ${data.name}`,
    `Type: ${type} (${unit})`,
    `Showing ${rows.length} ${opts.granularity === 'functions' ? 'functions' : 'nodes'} accounting for ${fmt(shown)}, ${formatPercent(shown, total)} of ${fmt(total)} total`,
  ];
  if (note) lines.push(note);
  const table: string[][] = [['flat', 'flat%', 'sum%', 'cum', 'cum%', 'function']];
  let sum = 0;
  for (const r of rows) {
    sum += r.flat;
    table.push([fmt(r.flat), formatPercent(r.flat, total), formatPercent(sum, total), fmt(r.cum), formatPercent(r.cum, total), view.funcName[r.func]!]);
  }
  const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) lines.push(row.map((cell, c) => (c < 5 ? cell.padStart(widths[c]!) : cell)).join('  '));
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

/** `pprof` subcommands; another feature adds `flame` here with one line. */
export const PPROF_SUBCOMMANDS: PprofSubcommand[] = [
  {
    name: 'top',
    summary: 'flat and cumulative value per function, like go tool pprof -top',
    synopsis: 'FILE [--sample-index NAME|N] [--json] [--focus RE] [--ignore RE] [--hide RE] [--show RE] [--tagfocus T] [--tagignore T] [--granularity G] [--max-memory N]',
    help: [
      'FILE is a pprof profile (gzip-compressed or not), or - for standard input.',
      '--sample-index  sample type by name (alloc_space, inuse_objects, cpu...) or number;',
      '                default: the profile\'s default_sample_type, else the last type',
      '--json          {"sampleType", "unit", "total", "rows": [{"function", "flat", "cum"}]}',
      '                with every function, heaviest flat first; raw values in the unit,',
      '                exact 64-bit integers; "truncatedStacks" when stacks were cut',
      '--focus RE      keep samples with a function matching RE',
      '--ignore RE     drop samples with a function matching RE',
      '--hide RE       remove functions matching RE from stacks',
      '--show RE       remove functions not matching RE from stacks',
      '                RE: Go (RE2) regular expression syntax, matched anywhere in the',
      '                function\'s name, its file name or its binary\'s (as in pprof)',
      '--tagfocus T    keep samples whose labels match T: key=value or value, where value',
      '                is a number or range in the label\'s unit (bytes=64kb:, bytes=:1kb,',
      '                bytes=1kb:64kb) or comma-separated regular expressions (key=RE)',
      '--tagignore T   drop samples whose labels match T (same syntax)',
      '--granularity G functions (default), filenames (function and file), files or lines',
      MAX_MEMORY_HELP.replace('    ', '  '),
      'Stacks deeper than 4096 frames keep their innermost frames (a note says so).',
    ],
    run: runTop,
  },
  pprofFlame,
  pprofFetch,
];

function usage(): string {
  const lines = ['Usage: go-memory-insight pprof SUBCOMMAND ...', ''];
  for (const s of PPROF_SUBCOMMANDS) {
    lines.push(`go-memory-insight pprof ${s.name} ${s.synopsis}`, `  ${s.summary}`);
    for (const h of s.help) lines.push(`  ${h}`);
    lines.push('');
  }
  return lines.join('\n');
}

export const pprofCommand: CliCommand = {
  name: 'pprof',
  summary: 'read pprof profiles: top functions, flame graphs; fetch merged profiles from Parca or Pyroscope',
  get usage() {
    return usage();
  },
  async run(args: string[], io: CliIO): Promise<number> {
    const [name, ...rest] = args;
    if (name === undefined) {
      io.stderr(usage());
      return 2;
    }
    const sub = PPROF_SUBCOMMANDS.find((s) => s.name === name);
    if (!sub) throw new CliError(`unknown subcommand "${name}"; one of: ${PPROF_SUBCOMMANDS.map((s) => s.name).join(', ')}`, 2);
    return sub.run(rest, io);
  },
};
