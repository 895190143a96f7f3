// What the server knows of the workspace's files: the content digest of every Go file, go.mod,
// go.sum and go.work it has seen, and a generation bumped whenever one is seen with new
// content. A kept result is reusable only while the generation it was made at is current.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../../escape/positions';

export function digest(text: string | Buffer | undefined): string {
  return text === undefined ? '' : createHash('sha1').update(text).digest('base64');
}

/** The directory of the go.mod file at or above `dir`, if any. */
export function moduleRootOf(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'go.mod'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

export function readString(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readText(file: string): LineIndex | undefined {
  const text = readString(file);
  return text === undefined ? undefined : new LineIndex(text);
}

/** The Go files of a directory (names), or undefined when it cannot be read. */
export function goFilesOf(dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir).filter((n) => n.endsWith('.go'));
  } catch {
    return undefined;
  }
}

export class WorkspaceDigests {
  /** Bumped whenever a Go file, go.mod, go.sum or go.work is seen with content not seen before. */
  generation = 0;
  /** Content digest of every such file as last seen ('' for missing). */
  private readonly seen = new Map<string, string>();

  /** Records a file's content as seen now; anything new bumps the generation. */
  observe(file: string, contentDigest: string): void {
    if (this.seen.get(file) === contentDigest) return;
    this.seen.set(file, contentDigest);
    this.generation++;
  }

  /** Reads a file and records its content. */
  observeDisk(file: string): void {
    let content: Buffer | undefined;
    try {
      content = fs.readFileSync(file);
    } catch {
      content = undefined;
    }
    this.observe(file, digest(content));
  }

  /** Whether the file was seen before (a change to it can be told from the echo of a save). */
  has(file: string): boolean {
    return this.seen.has(file);
  }

  /** A change not read (a file never seen, of a branch switch that may bring thousands). */
  changedUnread(): void {
    this.generation++;
  }
}
