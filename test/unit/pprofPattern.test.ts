// Patterns applied to profile data have Go's (RE2) syntax and meaning and match in linear time:
// the profile's own drop_frames/keep_frames, and --focus/--ignore/--hide. Go's regexp package
// and `go tool pprof` on the same crafted files are the references. The CLI runs as a child
// process (dist/cli.js) killed after 10 s, so a hang fails the test instead of freezing it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/command';
import { decodeProfile, toProfileData } from '../../src/pprof/decode';
import { compilePattern, type PatternMode } from '../../src/pprof/pattern';
import { pprofTop, runGo, type PprofTop } from './pprofFixtures';
import { craftProfile, redosProfileBytes, writeRedosProfile, type CraftedSample } from './patternProfiles';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const HANG_MS = 10_000;

interface CliRun {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

/** Runs the built CLI; kills it (SIGKILL: a busy CLI does not get to its SIGTERM handler) after 10 s. */
function runCli(args: string[], cwd: string): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: HANG_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, out: stdout, err: stderr, ms: Date.now() - t0 });
    });
  });
}

/** The CLI in this process (for errors that come before any matching). */
async function cliInProcess(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: Readable.from([Buffer.alloc(0)]), cwd, env: process.env };
  const code = await main(args, io);
  return { code, out, err };
}

interface TopJson {
  total: number;
  rows: Array<{ function: string; flat: number; cum: number }>;
}

/** `pprof top --json` through the built CLI, compared with `go tool pprof -top` given the same flags. */
async function assertTopMatchesPprof(dir: string, file: string, ours: string[], theirs: string[], what: string): Promise<CliRun> {
  const r = await runCli(['pprof', 'top', file, '--json', ...ours], dir);
  assert.ok(r.ms < HANG_MS && r.code !== null, `${what}: the CLI ended within 10 s (took ${r.ms} ms)`);
  assert.equal(r.code, 0, `${what}: ${r.err}`);
  const got = JSON.parse(r.out) as TopJson;
  const want: PprofTop = await pprofTop(join(dir, file), 'space', 'B', dir, theirs);
  assert.equal(got.total, want.total, `${what}: total`);
  assert.equal(got.rows.reduce((s, x) => s + x.flat, 0), want.shown, `${what}: shown`);
  assert.deepEqual(new Map(got.rows.map((x) => [x.function, { flat: x.flat, cum: x.cum }])), want.rows, `${what}: rows`);
  return r;
}

describe('patterns on profile data: RE2 syntax, linear time, as in go tool pprof', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gmi-pattern-'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('compilePattern accepts, refuses and matches like Go\'s regexp package', async () => {
    const patterns = [
      '(?i)RUNTIME\\.malloc',
      '\\Qa.b(c)\\E',
      '\\pL+',
      '\\p{Greek}',
      '[[:alpha:]]+',
      '[[:^digit:]]x',
      '(?s)a.b',
      '(?U)a+',
      '(?P<name>x)y',
      '(?<name>x)y',
      'a{2,3}',
      '^\\z',
      'a)|(b',
      '(a+)+$',
      '(a|aa)+$',
      '(x+x+)+y',
      '',
      // Refused by RE2 (lookaround, backreferences, JS escapes), accepted by JavaScript.
      '(?=x)',
      '(?!main)',
      '(?<=a)b',
      '(a)\\1',
      '\\Z',
      '\\cA',
      'a{1001}',
      'x**',
      '(',
      'a\n(',
    ];
    const inputs = ['', 'runtime.mallocgc', 'RUNTIME.MALLOC', 'a.b(c)', 'aXb(c)', 'héllo', 'hello', 'αβγ', '12x', 'ax', 'a\nb', 'aab', 'aaa', 'xy', 'b', 'main.main', `${'a'.repeat(40)}b`, `${'x'.repeat(40)}`];
    const goSrc = `package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
)

type item struct {
	Pattern string
	Whole   bool
}

func main() {
	var in struct {
		Items  []item
		Inputs []string
	}
	b, err := os.ReadFile("oracle.json")
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, &in); err != nil {
		panic(err)
	}
	type result struct {
		Error   string
		Matches []bool
	}
	out := []result{}
	for _, it := range in.Items {
		p := it.Pattern
		if it.Whole {
			p = "^(" + p + ")$"
		}
		re, err := regexp.Compile(p)
		if err != nil {
			out = append(out, result{Error: strings.TrimPrefix(err.Error(), "error parsing regexp: ")})
			continue
		}
		m := []bool{}
		for _, s := range in.Inputs {
			m = append(m, re.MatchString(s))
		}
		out = append(out, result{Matches: m})
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;
    const items = patterns.flatMap((p) => [{ Pattern: p, Whole: false }, { Pattern: p, Whole: true }]);
    writeFileSync(join(dir, 'oracle.go'), goSrc);
    writeFileSync(join(dir, 'oracle.json'), JSON.stringify({ Items: items, Inputs: inputs }));
    const run = await runGo(['run', 'oracle.go'], dir);
    assert.equal(run.exitCode, 0, run.stderr);
    const want = JSON.parse(run.stdout) as Array<{ Error: string; Matches: boolean[] | null }>;
    items.forEach((it, i) => {
      const mode: PatternMode = it.Whole ? 'whole' : 'search';
      const what = `${JSON.stringify(it.Pattern)} (${mode})`;
      const got = compilePattern(it.Pattern, mode);
      const w = want[i]!;
      if (w.Error) {
        assert.ok(!got.ok, `${what} is refused, as by Go: ${w.Error}`);
        assert.equal(got.error.split('\n').length, 1, `${what}: the error is one line`);
        assert.ok(got.error.startsWith(`invalid pattern "${it.Pattern.replace(/\n/g, '\\n')}": `), `${what}: ${got.error}`);
        assert.equal(got.error.slice(got.error.indexOf('": ') + 3), w.Error.replace(/\n/g, '\\n').slice(0, 80) + (w.Error.length > 80 ? '…' : ''), `${what}: Go's reason`);
      } else {
        assert.ok(got.ok, `${what} compiles, as in Go: ${got.ok ? '' : got.error}`);
        assert.deepEqual(inputs.map((s) => got.pattern.test(s)), w.Matches, `${what}: matches as Go's MatchString`);
      }
    });
  });

  it('(a) the ReDoS profile (drop_frames "(a+)+", a function aaa…ab): pprof top ends at once with go tool pprof\'s totals', async () => {
    writeRedosProfile(join(dir, 'redos.pprof'));
    assert.deepEqual(Buffer.from(redosProfileBytes()), Buffer.from(craftProfile({ dropFrames: '(a+)+', samples: [{ stack: [`${'a'.repeat(40)}b`, 'main.main'], value: 1000 }, { stack: ['main.main'], value: 24 }] })));
    const r = await assertTopMatchesPprof(dir, 'redos.pprof', [], [], 'redos');
    assert.equal(r.err, '', 'the pattern is valid: no note');
    // The same profile as a table (the default output) and through the decoder in this process.
    const table = await runCli(['pprof', 'top', 'redos.pprof'], dir);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab/);
    const data = toProfileData(decodeProfile(redosProfileBytes()), 'redos');
    assert.equal(data.notes, undefined);
  });

  it('(b) drop_frames and keep_frames in RE2 syntax ((?i), \\Q…\\E, \\pL, [[:alpha:]]) remove what go tool pprof removes', async () => {
    // Leaf first. runtime.memmove is inlined into main.copy (one location, two lines).
    const samples: CraftedSample[] = [
      { stack: ['runtime.nextFree', 'runtime.mallocgc', 'main.work', 'main.main'], value: 100 },
      { stack: ['grow', 'main.work', 'main.main'], value: 200 },
      { stack: ['inner', 'créer', 'main.main'], value: 400 },
      { stack: ['runtimeXmallocgc', 'main.main'], value: 800 },
      { stack: [['runtime.memmove', 'main.copy'], 'main.main'], value: 1600 },
      { stack: ['main.main'], value: 3200 },
    ];
    const cases: Array<{ dropFrames: string; keepFrames?: string; note?: RegExp }> = [
      { dropFrames: '(?i)RUNTIME\\..*' },
      { dropFrames: '\\Qruntime.mallocgc\\E' },
      { dropFrames: 'runtime.mallocgc' },
      { dropFrames: '\\pL+' },
      { dropFrames: '[[:alpha:]]+' },
      { dropFrames: 'runtime\\..*', keepFrames: '(?i)RUNTIME\\.(MEMMOVE|MALLOCGC)' },
      // JavaScript would take these (and drop most frames); Go refuses them and drops nothing.
      { dropFrames: '(?!main\\.main).*', note: /^warning: [^\n]+: drop_frames was not applied: invalid pattern "\(\?!main\\\.main\)\.\*": invalid or unsupported Perl syntax: `\(\?!`\n$/ },
      { dropFrames: '.*', keepFrames: '(?=main).*', note: /^warning: [^\n]+: drop_frames was not applied: keep_frames: invalid pattern "\(\?=main\)\.\*": invalid or unsupported Perl syntax: `\(\?=`\n$/ },
    ];
    const flats = new Set<string>();
    for (const [i, c] of cases.entries()) {
      const file = `drop${i}.pprof`;
      writeFileSync(join(dir, file), craftProfile({ samples, dropFrames: c.dropFrames, ...(c.keepFrames !== undefined ? { keepFrames: c.keepFrames } : {}) }));
      const what = `drop_frames ${JSON.stringify(c.dropFrames)}${c.keepFrames !== undefined ? ` keep_frames ${JSON.stringify(c.keepFrames)}` : ''}`;
      const r = await assertTopMatchesPprof(dir, file, [], [], what);
      if (c.note) assert.match(r.err, c.note, what);
      else assert.equal(r.err, '', what);
      flats.add(r.out);
    }
    assert.equal(flats.size, cases.length - 1, 'each valid pattern drops something different; the refused ones drop nothing');
  });

  it('(c) --focus, --ignore and --hide in RE2 syntax, and catastrophic patterns on long names, agree with go tool pprof', async () => {
    const long = 'a'.repeat(3000);
    writeFileSync(
      join(dir, 'long.pprof'),
      craftProfile({
        samples: [
          { stack: [`main.${long}`, 'main.main'], value: 100 },
          { stack: [`${long}b`, 'main.main'], value: 200 },
          { stack: ['main.work', 'main.main'], value: 400 },
          { stack: ['Ünïcode.Fn', 'main.work', 'main.main'], value: 800 },
          { stack: ['main.main'], value: 1600 },
        ],
      }),
    );
    const cases: Array<[string, string]> = [
      ['--focus', '(a|aa)+$'],
      ['--focus', '(a+)+$'],
      ['--focus', '(?i)MAIN\\.WORK'],
      ['--focus', '^\\pL+\\.Fn$'],
      ['--focus', '[[:upper:]]'],
      ['--ignore', '(a|aa)+$'],
      ['--ignore', '(?i)ünïcode'],
      ['--hide', '\\Qmain.work\\E'],
      ['--hide', '(x+x+)+y'],
    ];
    for (const [flag, value] of cases) {
      await assertTopMatchesPprof(dir, 'long.pprof', [flag, value], [`-${flag.slice(2)}=${value}`], `${flag} ${value}`);
    }
  });

  it('(d) an invalid --focus, --ignore or --hide pattern is a one-line error', async () => {
    writeRedosProfile(join(dir, 'redos.pprof'));
    const cases: Array<[string[], RegExp]> = [
      [['--focus', '(?=x)'], /^go-memory-insight pprof: --focus: invalid pattern "\(\?=x\)": invalid or unsupported Perl syntax: `\(\?=`$/],
      [['--ignore', '(a)\\1'], /^go-memory-insight pprof: --ignore: invalid pattern "\(a\)\\1": invalid escape sequence: `\\1`$/],
      [['--hide=a\n('], /^go-memory-insight pprof: --hide: invalid pattern "a\\n\(": missing closing \): `a\\n\(`$/],
      [['--focus', '('.repeat(5000) + ')'.repeat(5000)], /^go-memory-insight pprof: --focus: invalid pattern "\(+…": expression nests too deeply$/],
    ];
    for (const [flags, message] of cases) {
      const r = await cliInProcess(['pprof', 'top', 'redos.pprof', ...flags], dir);
      assert.equal(r.code, 2, flags.join(' '));
      assert.equal(r.out, '');
      assert.equal(r.err.split('\n').length, 2, `one line: ${r.err}`);
      assert.match(r.err.trimEnd(), message);
    }
    // An empty pattern is no filter, as in pprof.
    const empty = await runCli(['pprof', 'top', 'redos.pprof', '--json', '--ignore='], dir);
    assert.equal(empty.code, 0, empty.err);
    assert.equal((JSON.parse(empty.out) as TopJson).rows.length, 2);
  });

  it('a profile whose drop_frames is refused still opens, with a note saying it was not applied', () => {
    const bytes = craftProfile({ dropFrames: '(?<=x)main', samples: [{ stack: ['main.f', 'main.main'], value: 7 }] });
    const data = toProfileData(decodeProfile(bytes), 'refused');
    assert.deepEqual(data.notes, ['drop_frames was not applied: invalid pattern "(?<=x)main": invalid named capture: `(?<=x)main)$`']);
    assert.equal(data.values[0]!.reduce((a, b) => a + b, 0), 7);
  });
});
