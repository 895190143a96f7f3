// `go-memory-insight escape`: the escape-analysis engine on the command line, either running
// the compiler on packages or reading compiler output captured earlier.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findGo } from '../goenv/findGo';
import { mainCause, summarize } from '../escape/explain';
import { EscapeModel, type Finding } from '../escape/model';
import { EscapeOutputParser } from '../escape/parser';
import { EscapeRunError, runEscapeAnalysis, type ToolRunner } from '../escape/run';
import type { CompilerError } from '../escape/types';
import { CliError, type CliCommand, type CliIO } from './command';
import { ChunkedOutput, JsonArrayStream, writeJsonObject } from './output';

const USAGE = `Usage:
  go-memory-insight escape [--json] [--dir DIR] [--tags T1,T2] [--bounds] [--no-tests] [PACKAGES...]
  go-memory-insight escape --from-output FILE|- [--json] [--dir DIR]

Runs the Go compiler's escape analysis (go build -gcflags=-m=2, test files included) on the
packages (default: the package in DIR, default the current directory) and lists what moves
to the heap and why. With --from-output, reads captured compiler output instead ("-" for
standard input); relative paths in it are resolved against DIR.

  --json       print {"findings": [...]}: one finding per source position and summary line of
               the compiler output ("count" says how many lines it stands for: one per generic
               instantiation, plus the "wrappers" copies folded into it), each with its "flows"
  --bounds     also report the bounds checks the compiler keeps
  --no-tests   leave _test.go files out
`;

interface Args {
  json: boolean;
  dir?: string;
  tags: string[];
  bounds: boolean;
  tests: boolean;
  fromOutput?: string;
  packages: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, tags: [], bounds: false, tests: true, packages: [] };
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new CliError(`${name} needs a value`, 2);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    switch (flag) {
      case '--json':
        a.json = true;
        break;
      case '--bounds':
        a.bounds = true;
        break;
      case '--no-tests':
        a.tests = false;
        break;
      case '--dir':
        a.dir = inline ?? value(i++, flag);
        break;
      case '--tags':
        a.tags.push(...(inline ?? value(i++, flag)).split(/[,\s]+/).filter(Boolean));
        break;
      case '--from-output':
        a.fromOutput = inline ?? value(i++, flag);
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new CliError(`unknown flag ${arg}; run "go-memory-insight escape --help"`, 2);
        a.packages.push(arg);
    }
  }
  if (a.fromOutput !== undefined && a.packages.length > 0) throw new CliError('--from-output takes no packages', 2);
  return a;
}

/** One finding of `escape --json`. */
export interface JsonFinding {
  kind: string;
  file: string | null;
  line: number | null;
  column: number | null;
  message: string;
  function?: string;
  count?: number;
  /** Generic shape instantiations the compiler reported it for. */
  instantiations?: string[];
  /** Copies reported for instantiation wrappers (at the function's name), folded into this finding. */
  wrappers?: { line: number; column: number | null; function: string; count: number }[];
  /** Every step of every flow, in order. */
  explanation: { file: string; line: number; column: number | null; text: string }[];
  /** The flows one by one (a parameter may leak to the heap and to a result): where each goes and its steps. */
  flows?: { to: string | null; function?: string; steps: { file: string; line: number; column: number | null; text: string }[] }[];
}

/** A finding as `--json` prints it. */
export function toJson(f: Finding): JsonFinding {
  const j: JsonFinding = { kind: f.kind, file: f.file, line: f.line, column: f.column ?? null, message: f.message, explanation: [] };
  if (f.function) j.function = f.function;
  if (f.count > 1) j.count = f.count;
  if (f.instantiations) j.instantiations = f.instantiations;
  if (f.wrappers) j.wrappers = f.wrappers.map((w) => ({ line: w.line, column: w.column ?? null, function: w.function, count: w.count }));
  for (const block of f.explanation) {
    const steps = block.steps.map((s) => ({ file: s.at.file, line: s.at.line, column: s.at.column ?? null, text: s.text }));
    j.explanation.push(...steps);
    const first = block.steps.find((s) => s.kind === 'flow');
    (j.flows ??= []).push({ to: block.sink ?? first?.dst ?? null, ...(block.function ? { function: block.function } : {}), steps });
  }
  return j;
}

async function readableListing(model: EscapeModel, out: ChunkedOutput, withSynthetic: boolean): Promise<void> {
  const files = model.fileNames().filter((f) => withSynthetic || !model.findingsForFile(f)[0]?.synthetic).sort();
  for (const file of files) {
    const findings = model.findingsForFile(file);
    await out.write(`${file}\n`);
    for (const f of findings) {
      const pos = `${f.line}${f.column !== undefined ? ':' + f.column : ''}`;
      const times = f.count > 1 ? ` (×${f.count})` : '';
      await out.write(`  ${pos.padEnd(8)} ${f.kind.padEnd(22)} ${summarize(f)}${times}\n`);
      const cause = f.kind === 'escapes-to-heap' || f.kind === 'moved-to-heap' ? mainCause(f.explanation, f) : undefined;
      if (cause) await out.write(`  ${''.padEnd(8)} ${''.padEnd(22)} why: ${cause.cause}.${cause.remedy ? ` ${cause.remedy}` : ''}\n`);
    }
  }
  if (files.length === 0) await out.write('no findings\n');
}

/** The `--json` form of findings, made one at a time as they are written. */
function* jsonFindings(findings: Iterable<Finding>): Generator<JsonFinding> {
  for (const f of findings) yield toJson(f);
}

function printErrors(errors: CompilerError[], io: CliIO): void {
  for (const e of errors) io.stderr(`${e.file}:${e.line}${e.column !== undefined ? ':' + e.column : ''}: ${e.message}\n`);
}

async function fromOutput(args: Args, io: CliIO): Promise<number> {
  const cwd = path.resolve(io.cwd, args.dir ?? '.');
  const model = new EscapeModel({ cwd, readSource: (f) => { try { return fs.readFileSync(f, 'utf8'); } catch { return undefined; } } });
  const loose: string[] = [];
  const parser = new EscapeOutputParser({ onFinding: (f) => (f.at ? model.add(f) : loose.push(f.message)) });
  const source = args.fromOutput === '-' ? io.stdin : fs.createReadStream(path.resolve(io.cwd, args.fromOutput!));
  try {
    for await (const chunk of source) parser.write(typeof chunk === 'string' ? chunk : (chunk as Uint8Array));
  } catch (err) {
    throw new CliError(`cannot read ${args.fromOutput}: ${(err as Error).message}`);
  }
  parser.end();
  model.finish();
  const out = new ChunkedOutput(io);
  if (args.json) {
    // Written a finding at a time: the text of a big output is several times the model's size.
    function* findings(): Generator<JsonFinding> {
      yield* jsonFindings(model.all());
      for (const message of loose) yield { kind: 'other', file: null, line: null, column: null, message, explanation: [] };
    }
    await writeJsonObject(out, [['findings', new JsonArrayStream(findings())]]);
  } else {
    await readableListing(model, out, true);
    for (const l of loose) await out.write(`  ${l}\n`);
    await out.flush();
  }
  return 0;
}

export function escapeCommand(deps: { runner?: ToolRunner } = {}): CliCommand {
  return {
    name: 'escape',
    summary: 'Where Go packages allocate on the heap, and why (compiler escape analysis)',
    usage: USAGE,
    async run(argv: string[], io: CliIO): Promise<number> {
      const args = parseArgs(argv);
      if (args.fromOutput !== undefined) return fromOutput(args, io);
      const go = findGo({ env: io.env, platform: process.platform, home: os.homedir() });
      if (!go.ok) throw new CliError(`no go binary found (tried ${go.tried.join(', ')})`);
      const dir = path.resolve(io.cwd, args.dir ?? '.');
      let result;
      try {
        result = await runEscapeAnalysis({ goBinary: go.path, dir, packages: args.packages, env: io.env, tags: args.tags, boundsChecks: args.bounds, includeTests: args.tests, runner: deps.runner });
      } catch (err) {
        if (err instanceof EscapeRunError) throw new CliError(err.message);
        throw err;
      }
      const out = new ChunkedOutput(io);
      if (args.json) {
        const model = result.model;
        function* own(): Generator<Finding> {
          for (const f of model.all()) if (!f.synthetic) yield f;
        }
        await writeJsonObject(out, [
          ['findings', new JsonArrayStream(jsonFindings(own()))],
          ['errors', result.errors.length > 0 ? result.errors : undefined],
          ['testErrors', result.testErrors.length > 0 ? result.testErrors : undefined],
        ]);
      } else {
        await readableListing(result.model, out, false);
        await out.flush();
      }
      if (result.errors.length > 0) {
        printErrors(result.errors, io);
        throw new CliError(`${result.errors.length} compiler error${result.errors.length === 1 ? '' : 's'}: the packages above do not build, so the compiler reported no escape analysis for them`);
      }
      if (result.testErrors.length > 0 || result.testMessages.length > 0) {
        printErrors(result.testErrors, io);
        for (const m of result.testMessages) io.stderr(`${m}\n`);
        const n = result.testErrors.length;
        throw new CliError(`the test files do not build${n > 0 ? ` (${n} compiler error${n === 1 ? '' : 's'})` : ''}: the findings above are those of the packages' own files`);
      }
      return 0;
    },
  };
}
