// Container limits: cgroup v1 and v2 read from directories shaped like /proc and /sys/fs/cgroup,
// this machine's own cgroup, and the GOMEMLIMIT advice checked against a real run at it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { adviseContainer, cgroupMounts, readCgroupLimit } from '../../src/gc/cgroup';
import { parseGcTrace, summarize, type GcCycle } from '../../src/gc/gctrace';
import { cleanupGcLoad, runGcLoad } from './gcFixture';

const MiB = 2 ** 20;

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-cgroup-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const V2_MOUNT = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const V1_MOUNTS = [
  '31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '32 31 0:29 /docker/abc /sys/fs/cgroup/cpu rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
  '35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
  '',
].join('\n');

describe('container memory limits', function () {
  this.timeout(300_000);
  const roots: string[] = [];
  after(() => {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
    cleanupGcLoad();
  });
  const make = (files: Record<string, string>): string => {
    const r = tree(files);
    roots.push(r);
    return r;
  };

  it('reads mountinfo for the memory controller (v1) and the unified hierarchy (v2)', () => {
    assert.deepEqual(cgroupMounts(V2_MOUNT + V1_MOUNTS), [
      { root: '/', mountPoint: '/sys/fs/cgroup', version: 2 },
      { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory', version: 1 },
    ]);
  });

  it('cgroup v2: the tightest memory.max from the process\'s cgroup up, with memory.high', async () => {
    const root = make({
      'proc/123/cgroup': '0::/kubepods/pod1/ctr\n',
      'proc/123/mountinfo': V2_MOUNT,
      'sys/fs/cgroup/kubepods/memory.max': '1073741824\n',
      'sys/fs/cgroup/kubepods/pod1/memory.max': 'max\n',
      'sys/fs/cgroup/kubepods/pod1/ctr/memory.max': '536870912\n',
      'sys/fs/cgroup/kubepods/pod1/ctr/memory.high': '402653184\n',
    });
    const got = await readCgroupLimit(123, root);
    assert.deepEqual(got, { version: 2, limitBytes: 512 * MiB, file: path.join(root, 'sys/fs/cgroup/kubepods/pod1/ctr/memory.max'), highBytes: 384 * MiB });
    // A parent tighter than the child wins.
    fs.writeFileSync(path.join(root, 'sys/fs/cgroup/kubepods/memory.max'), '268435456\n');
    assert.equal((await readCgroupLimit(123, root))?.limitBytes, 256 * MiB);
  });

  it('cgroup v2 inside a container: the namespace\'s own root, "0::/"', async () => {
    const root = make({ 'proc/self/cgroup': '0::/\n', 'proc/self/mountinfo': V2_MOUNT, 'sys/fs/cgroup/memory.max': '2147483648\n' });
    assert.equal((await readCgroupLimit('self', root))?.limitBytes, 2048 * MiB);
    fs.writeFileSync(path.join(root, 'sys/fs/cgroup/memory.max'), 'max\n');
    assert.equal(await readCgroupLimit('self', root), undefined, 'max is no limit');
  });

  it('cgroup v1: memory.limit_in_bytes below the mount that shows the container\'s cgroup as its root', async () => {
    const root = make({
      'proc/7/cgroup': '12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n',
      'proc/7/mountinfo': V1_MOUNTS,
      'sys/fs/cgroup/memory/memory.limit_in_bytes': '805306368\n',
    });
    assert.deepEqual(await readCgroupLimit(7, root), { version: 1, limitBytes: 768 * MiB, file: path.join(root, 'sys/fs/cgroup/memory/memory.limit_in_bytes') });
    // v1's "no limit" is the largest page-aligned counter.
    fs.writeFileSync(path.join(root, 'sys/fs/cgroup/memory/memory.limit_in_bytes'), '9223372036854771712\n');
    assert.equal(await readCgroupLimit(7, root), undefined);
  });

  it('no cgroup files, or garbage in them: no limit', async () => {
    assert.equal(await readCgroupLimit(1, make({})), undefined);
    const root = make({ 'proc/1/cgroup': 'garbage\n', 'proc/1/mountinfo': V2_MOUNT, 'sys/fs/cgroup/memory.max': 'lots\n' });
    assert.equal(await readCgroupLimit(1, root), undefined);
  });

  it('reads this machine\'s own cgroup', async function () {
    if (!fs.existsSync('/proc/self/cgroup')) this.skip();
    const got = await readCgroupLimit();
    if (got) {
      // What it says is in the file it names.
      const text = fs.readFileSync(got.file, 'utf8').trim();
      assert.equal(Number(text), got.limitBytes);
      assert.ok(got.limitBytes > 0);
    } else {
      // No limit: every memory controller file on this process's path says so.
      const lines = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter((l) => /^0::|:memory:/.test(l));
      for (const l of lines) {
        const rel = l.slice(l.lastIndexOf(':') + 1);
        for (const f of [path.join('/sys/fs/cgroup', rel, 'memory.max'), path.join('/sys/fs/cgroup/memory', rel, 'memory.limit_in_bytes')]) {
          if (fs.existsSync(f)) assert.ok(/^max$|^\d{19}$/.test(fs.readFileSync(f, 'utf8').trim()), `${f} sets no limit`);
        }
      }
    }
  });

  it('suggests a GOMEMLIMIT, warns when the recorded heap comes near the limit, and the suggestion holds in a real run', async () => {
    const base: GcCycle[] = parseGcTrace((await runGcLoad({ gogc: '100' })).trace).runs[0]!.cycles;
    const peak = summarize(base).peakGoalMB;
    // A container below the recorded peak goal (but above the live heap): too small for GOGC alone.
    const tight = adviseContainer(base, Math.round(peak * 0.8));
    assert.ok(tight.warning, 'warns');
    assert.match(tight.warning, /set GOMEMLIMIT=\d+MiB, or the process risks an OOM kill/);
    assert.equal(tight.suggestedGoMemLimitMB, Math.floor(tight.limitMB * 0.9));
    assert.ok(tight.peakNeedMB > peak);
    assert.equal(tight.reasoning.length, 4);
    assert.ok(tight.withSuggestion.cycles > base.length, 'the limit costs cycles');
    assert.ok(tight.withSuggestion.peakGoalMB <= tight.suggestedGoMemLimitMB);
    // Just above the peak: still too close.
    assert.ok(adviseContainer(base, Math.round(peak * 1.05)).warning);
    // A roomy one: no warning.
    const roomy = adviseContainer(base, 4096);
    assert.equal(roomy.warning, undefined);
    assert.equal(roomy.withSuggestion.cycles, base.length);
    // The real run at the suggested GOMEMLIMIT: its heap goal stays under it, and the
    // predicted cycles are within 40%.
    const real = parseGcTrace((await runGcLoad({ gogc: '100', memoryLimit: `${tight.suggestedGoMemLimitMB}MiB` })).trace).runs[0]!.cycles;
    const s = summarize(real);
    const paced = real.filter((c, i) => i > 0 && !c.forced && !real[i - 1]!.forced);
    assert.ok(Math.max(...paced.map((c) => c.goalMB)) <= tight.suggestedGoMemLimitMB, `goals under GOMEMLIMIT=${tight.suggestedGoMemLimitMB}MiB`);
    assert.ok(Math.abs(tight.withSuggestion.cycles / s.cycles - 1) <= 0.4, `predicted ${tight.withSuggestion.cycles} cycles, real ${s.cycles}`);
  });
});
