// The folders profiles and test binaries go to (under the extension's storage folder): created
// when missing and checked for writing, so that a folder that cannot be written gives a clear
// message before `go test` runs instead of a run that fails at the end.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export class StorageError extends Error {}

export interface ProfileStorage {
  /** Folder of the profile files. */
  profiles: string;
  /** Folder of the test binaries while a run lasts. */
  binaries: string;
}

/** Creates the folders and checks they can be written. */
export async function prepareStorage(root: string): Promise<ProfileStorage> {
  const profiles = path.join(root, 'profiles');
  const binaries = path.join(root, 'bin');
  for (const dir of [profiles, binaries]) {
    try {
      await fs.mkdir(dir, { recursive: true });
      const probe = path.join(dir, `.write-check-${process.pid}`);
      await fs.writeFile(probe, '');
      await fs.rm(probe, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' : (err as Error).message;
      throw new StorageError(`Go Memory Insight cannot write profiles to ${dir}: ${why}. Check the permissions of the folder (it is VS Code's storage for this extension).`);
    }
  }
  return { profiles, binaries };
}

/** Size of a file, or 0 when it does not exist. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

export async function removeFiles(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((f) => fs.rm(f, { force: true }).catch(() => undefined)));
}
