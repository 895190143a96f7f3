// `go-memory-insight pprof <subcommand>`: reads pprof profiles with the same decoder and tree
// code the extension uses. Subcommands are listed in PPROF_SUBCOMMANDS (others add theirs).
import type { CliCommand, CliIO } from './command';
import { CliError, scanArgs } from './command';
import { decodeProfile, resolveSampleIndex, toProfileData, ProfileError } from '../pprof/decode';
import { flatTable, sampleTotal, type FlatOptions } from '../pprof/tree';
import { compilePattern, type Pattern } from '../pprof/pattern';
import { formatPercent, formatValue } from '../pprof/units';
import type { ProfileData } from '../shared/profileData';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pprofFlame } from './pprofFlame';

export interface PprofSubcommand {
  name: string;
  summary: string;
  /** Arguments after the subcommand name, e.g. "FILE [--json]". */
  synopsis: string;
  /** Extra lines for `pprof NAME --help`. */
  help: string[];
  run(args: string[], io: CliIO): Promise<number>;
}

/** Reads a profile file (or standard input for "-") into ProfileData; one-line errors. */
export async function loadProfileArg(file: string, io: CliIO): Promise<ProfileData> {
  let bytes: Uint8Array;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      bytes = Buffer.concat(chunks);
    } else {
      const path = file.startsWith('/') ? file : `${io.cwd}/${file}`;
      bytes = await readFile(path);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
  try {
    const data = toProfileData(decodeProfile(bytes), file === '-' ? 'stdin' : basename(file));
    for (const note of data.notes ?? []) io.stderr(`warning: ${file}: ${note}\n`);
    return data;
  } catch (err) {
    if (err instanceof ProfileError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
}

interface TopArgs {
  file: string;
  sampleIndex?: string;
  json: boolean;
  filters: FlatOptions;
}

/** A --focus/--ignore/--hide pattern (Go syntax, searched in names); empty means none, as in pprof. */
function patternArg(flag: string, value: string): Pattern | undefined {
  if (value === '') return undefined;
  const r = compilePattern(value);
  if (!r.ok) throw new CliError(`${flag}: ${r.error}`, 2);
  return r.pattern;
}

function parseTopArgs(args: string[]): TopArgs {
  const out: TopArgs = { file: '', json: false, filters: {} };
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
      default:
        return false;
    }
  });
  if (files.length !== 1) throw new CliError(files.length === 0 ? 'missing profile file' : `expected one profile file, got ${files.length}`, 2);
  out.file = files[0]!;
  return out;
}

async function runTop(args: string[], io: CliIO): Promise<number> {
  const opts = parseTopArgs(args);
  const data = await loadProfileArg(opts.file, io);
  let index: number;
  try {
    index = resolveSampleIndex(data.sampleTypes, opts.sampleIndex, data.defaultSampleIndex);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const { type, unit } = data.sampleTypes[index]!;
  const total = sampleTotal(data, index);
  const rows = flatTable(data, index, opts.filters);
  if (opts.json) {
    const out = {
      sampleType: type,
      unit,
      total,
      rows: rows.map((r) => ({ function: data.funcName[r.func]!, flat: r.flat, cum: r.cum })),
    };
    io.stdout(JSON.stringify(out) + '\n');
    return 0;
  }
  const fmt = (v: number) => formatValue(v, unit);
  let shown = 0;
  for (const r of rows) shown += r.flat;
  const lines = [
    `File: ${data.name}`,
    `Type: ${type} (${unit})`,
    `Showing ${rows.length} functions accounting for ${fmt(shown)}, ${formatPercent(shown, total)} of ${fmt(total)} total`,
  ];
  const table: string[][] = [['flat', 'flat%', 'sum%', 'cum', 'cum%', 'function']];
  let sum = 0;
  for (const r of rows) {
    sum += r.flat;
    table.push([fmt(r.flat), formatPercent(r.flat, total), formatPercent(sum, total), fmt(r.cum), formatPercent(r.cum, total), data.funcName[r.func]!]);
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
    synopsis: 'FILE [--sample-index NAME|N] [--json] [--focus RE] [--ignore RE] [--hide RE]',
    help: [
      'FILE is a pprof profile (gzip-compressed or not), or - for standard input.',
      '--sample-index  sample type by name (alloc_space, inuse_objects, cpu...) or number;',
      '                default: the profile\'s default_sample_type, else the last type',
      '--json          {"sampleType", "unit", "total", "rows": [{"function", "flat", "cum"}]}',
      '                with every function, heaviest flat first; raw values in the unit',
      '--focus RE      keep samples with a function matching RE',
      '--ignore RE     drop samples with a function matching RE',
      '--hide RE       remove functions matching RE from stacks',
      '                RE: Go (RE2) regular expression syntax, matched anywhere in the name',
    ],
    run: runTop,
  },
  pprofFlame,
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
  summary: 'read pprof profiles: top functions, flame graphs',
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
