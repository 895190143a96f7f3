// `escape --json` is written a finding at a time (a big compiler output made a JSON text several
// times the size of its model): the text is the one JSON.stringify(value, null, 1) gives.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import type { CliIO } from '../../src/cli/command';
import { toJson, type JsonFinding } from '../../src/cli/escape';
import { main } from '../../src/cli/main';
import { ChunkedOutput, JsonArrayStream, writeJsonObject } from '../../src/cli/output';
import { EscapeModel } from '../../src/escape/model';
import { EscapeOutputParser } from '../../src/escape/parser';
import { goBinary, testEnv } from './escapeFixture';

/** An io that keeps what is written, chunk by chunk, and counts the waits for stdout. */
function recordingIO(cwd = process.cwd()): { io: CliIO; chunks: string[]; waits: () => number } {
  const chunks: string[] = [];
  let waits = 0;
  const io: CliIO = {
    stdout: (t) => void chunks.push(t),
    stderr: (t) => assert.fail(`stderr: ${t}`),
    drained: async () => {
      waits++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    stdin: process.stdin,
    cwd,
    env: testEnv(),
  };
  return { io, chunks, waits: () => waits };
}

describe('escape --json: written a piece at a time', function () {
  this.timeout(240_000);

  it('writeJsonObject writes JSON.stringify(object, null, 1) + newline, whatever the members and chunk size', async () => {
    const members = fc.array(
      // Not array indices (an object puts those first) nor __proto__: keys such as the command's.
      fc.tuple(fc.string().map((k) => `k${k}`), fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.array(fc.jsonValue()).map((a) => ({ streamed: a })))),
      { maxLength: 5 },
    );
    await fc.assert(
      fc.asyncProperty(members, fc.integer({ min: 1, max: 200 }), async (list, chunkSize) => {
        // Keys are unique in an object: the last one wins in JSON.stringify.
        const unique = [...new Map(list).entries()];
        const expected: Record<string, unknown> = {};
        for (const [k, v] of unique) expected[k] = v !== null && typeof v === 'object' && 'streamed' in v ? v.streamed : v;
        const { io, chunks } = recordingIO();
        const out = new ChunkedOutput(io, chunkSize);
        await writeJsonObject(out, unique.map(([k, v]) => [k, v !== null && typeof v === 'object' && 'streamed' in v ? new JsonArrayStream(v.streamed as unknown[]) : v]));
        assert.equal(chunks.join(''), JSON.stringify(expected, null, 1) + '\n');
      }),
      { numRuns: 300 },
    );
  });

  it('on a real capture: the same text as JSON.stringify of all findings, in chunks with a wait for stdout between them', async () => {
    // encoding/json compiled with -m=2 (the go command replays it from its cache on later runs).
    const res = await promisify(execFile)(goBinary(), ['build', '-gcflags=-m=2', '-o', os.devNull, 'encoding/json'], { env: testEnv(), maxBuffer: 256 << 20 });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-escjson-'));
    try {
      const file = path.join(tmp, 'escape.txt');
      fs.writeFileSync(file, res.stderr);
      assert.ok(res.stderr.length > 100_000, `a real capture (${res.stderr.length} bytes)`);

      const { io, chunks, waits } = recordingIO(tmp);
      assert.equal(await main(['escape', '--from-output', file, '--json'], io), 0);

      // What the command printed before it was streamed: one JSON.stringify of every finding.
      const model = new EscapeModel({ cwd: tmp, readSource: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined) });
      const loose: JsonFinding[] = [];
      const parser = new EscapeOutputParser({ onFinding: (f) => (f.at ? model.add(f) : loose.push({ kind: 'other', file: null, line: null, column: null, message: f.message, explanation: [] })) });
      parser.write(fs.readFileSync(file));
      parser.end();
      model.finish();
      const expected = JSON.stringify({ findings: [...[...model.all()].map(toJson), ...loose] }, null, 1) + '\n';
      const text = chunks.join('');
      assert.ok(model.size > 1000, `${model.size} findings`);
      assert.equal(text, expected);
      assert.deepEqual(JSON.parse(text), JSON.parse(expected));

      // Several chunks, none much bigger than the chunk size, each followed by a wait.
      assert.ok(chunks.length > 2, `${chunks.length} chunks`);
      assert.ok(chunks.every((c) => c.length < 256 * 1024 + 64 * 1024), `chunks of ${Math.max(...chunks.map((c) => c.length))} characters`);
      assert.equal(waits(), chunks.length);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('an empty output: {"findings": []}; the readable listing goes out in chunks too', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-escjson-'));
    try {
      const file = path.join(tmp, 'empty.txt');
      fs.writeFileSync(file, '');
      let r = recordingIO(tmp);
      assert.equal(await main(['escape', '--from-output', file, '--json'], r.io), 0);
      assert.equal(r.chunks.join(''), JSON.stringify({ findings: [] }, null, 1) + '\n');
      r = recordingIO(tmp);
      assert.equal(await main(['escape', '--from-output', file], r.io), 0);
      assert.equal(r.chunks.join(''), 'no findings\n');
      assert.equal(r.waits(), 1);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
