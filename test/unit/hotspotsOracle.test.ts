// Allocation hot spots on real code, checked against ground truth nobody here wrote: a heap
// profile the Go runtime writes while encoding/json's own tests run, read by
// `go tool pprof -lines -hide='^runtime\.'` for the figures, and the compiler's own
// `-json=0,DIR` log of encoding/json for the heap decisions at each line.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/command';
import type { HotspotReport } from '../../src/hotspots/report';
import { jsonLog } from './compilerLog';
import { goBinary, testEnv } from './escapeFixture';
import { pprofTop } from './pprofFixtures';

const run = promisify(execFile);

describe('allocation hot spots on encoding/json, against go tool pprof and the compiler\'s JSON log', function () {
  this.timeout(600_000);
  let tmp: string;
  let pkgDir: string;
  let profile: string;
  let report: HotspotReport;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-hotspots-oracle-'));
    const goroot = (await run(goBinary(), ['env', 'GOROOT'], { env: testEnv() })).stdout.trim();
    pkgDir = path.join(goroot, 'src', 'encoding', 'json');
    profile = path.join(tmp, 'json.mem');
    // Every allocation recorded: which lines the profile holds does not depend on sampling.
    await run(goBinary(), ['test', '-count=1', '-run', 'TestMarshal|TestUnmarshal|TestIndent', '-memprofilerate=1', `-memprofile=${profile}`, '-o', path.join(tmp, 'json.test'), '.'], { cwd: pkgDir, env: testEnv(), maxBuffer: 64 << 20 });
    let out = '';
    let err = '';
    const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: Readable.from([Buffer.alloc(0)]), cwd: tmp, env: testEnv() };
    const code = await main(['hotspots', profile, '--json', '--all', '--dir', pkgDir], io);
    assert.equal(code, 0, err);
    report = JSON.parse(out) as HotspotReport;
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('every line\'s flat and the total are pprof\'s', async () => {
    const want = await pprofTop(profile, 'alloc_space', 'B', tmp, ['-lines', '-hide=^runtime\\.']);
    assert.equal(report.total, want.total);
    const wantFlat = new Map([...want.rows].filter(([, v]) => v.flat !== 0).map(([k, v]) => [k, v.flat]));
    assert.deepEqual(new Map(report.rows.map((r) => [`${r.function} ${r.file}:${r.line}`, r.flat])), wantFlat);
    assert.ok(report.rows.length >= 10, `${report.rows.length} rows`);
  });

  it('the heap findings of encoding/json\'s lines are the compiler\'s heap decisions there, and lines without one have none', async () => {
    const jsonDir = fs.mkdtempSync(path.join(tmp, 'log-'));
    await run(goBinary(), ['build', `-gcflags=encoding/json=-json=0,${jsonDir}`, '-o', os.devNull, 'encoding/json'], { cwd: pkgDir, env: testEnv(), maxBuffer: 64 << 20 });
    const log = jsonLog(jsonDir);
    const heapLines = new Set([...log.heap].map((k) => k.replace(/:\d+$/, '')));
    const own = report.rows.filter((r) => path.dirname(r.file) === pkgDir && !r.file.endsWith('_test.go'));
    assert.ok(own.length >= 3, `rows in encoding/json's own files: ${own.length}`);
    let withFindings = 0;
    for (const row of own) {
      const key = `${row.file}:${row.line}`;
      if (row.findings.length > 0) {
        withFindings++;
        for (const f of row.findings) assert.ok(log.heap.has(`${key}:${f.column}`), `${key}:${f.column} (${f.message}) is a heap decision in the compiler's log`);
      } else {
        assert.ok(!heapLines.has(key), `${key} has no heap finding, and the compiler's log has none there: ${row.note}`);
        assert.match(row.note!, /^no compiler finding here: /);
      }
    }
    assert.ok(withFindings >= 2, `${withFindings} rows with findings`);
  });
});
