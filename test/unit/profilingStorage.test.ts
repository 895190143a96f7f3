import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileSize, prepareStorage, removeFiles, StorageError } from '../../src/profiling/storage';

describe('profiling: storage folder', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gmi-storage-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('creates a missing storage folder with its profiles and bin folders', async () => {
    const root = path.join(tmp, 'not', 'there', 'yet');
    const s = await prepareStorage(root);
    assert.deepEqual(s, { profiles: path.join(root, 'profiles'), binaries: path.join(root, 'bin') });
    assert.ok(fs.statSync(s.profiles).isDirectory() && fs.statSync(s.binaries).isDirectory());
    assert.deepEqual(fs.readdirSync(s.profiles), [], 'the write check leaves nothing behind');
  });

  it('says clearly when the folder cannot be created or written', async () => {
    // A file where the folder should be: nobody, root included, can create folders under it.
    const file = path.join(tmp, 'storage');
    fs.writeFileSync(file, 'not a folder');
    await assert.rejects(prepareStorage(file), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.match(err.message, /^Go Memory Insight cannot write profiles to .*storage[\\/]profiles: .+\. Check the permissions/);
      return true;
    });
  });

  it('refuses a read-only folder (when permissions apply to this user)', async function () {
    if (process.platform === 'win32' || process.getuid?.() === 0) this.skip(); // root writes anywhere
    fs.mkdirSync(path.join(tmp, 'ro', 'profiles'), { recursive: true });
    fs.chmodSync(path.join(tmp, 'ro', 'profiles'), 0o500);
    try {
      await assert.rejects(prepareStorage(path.join(tmp, 'ro')), /it is not writable/);
    } finally {
      fs.chmodSync(path.join(tmp, 'ro', 'profiles'), 0o700);
    }
  });

  it('sizes and removes files, missing ones included', async () => {
    const f = path.join(tmp, 'p.pprof');
    fs.writeFileSync(f, 'abc');
    assert.equal(await fileSize(f), 3);
    assert.equal(await fileSize(path.join(tmp, 'missing')), 0);
    await removeFiles([f, path.join(tmp, 'missing')]);
    assert.equal(fs.existsSync(f), false);
  });
});
