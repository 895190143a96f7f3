// Counts the tests and benchmarks of a package from its _test.go files, so that the profiling
// lenses and commands can say what a run will run ("Benchmarks (109)", "Tests (12)").
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isGoTestFileName, maskGoSource, scanGoSource } from './goSource';

export interface PackageTests {
  testFiles: number;
  tests: number;
  benchmarks: number;
}

/**
 * Scans the _test.go files of the package in `dir`. `texts` gives the current text of files
 * open in an editor (by absolute path), read instead of the file on disk.
 */
export async function scanPackageTests(dir: string, texts?: ReadonlyMap<string, string>): Promise<PackageTests> {
  const names = (await fs.readdir(dir)).filter(isGoTestFileName);
  const result: PackageTests = { testFiles: 0, tests: 0, benchmarks: 0 };
  for (const name of names) {
    const file = path.join(dir, name);
    let text = texts?.get(file);
    if (text === undefined) {
      try {
        text = await fs.readFile(file, 'utf8');
      } catch {
        continue;
      }
    }
    result.testFiles++;
    for (const f of scanGoSource(text).funcs) {
      if (f.kind === 'test') result.tests++;
      else result.benchmarks++;
    }
  }
  return result;
}

/**
 * The benchmark functions of the package in `dir` that loop with b.Loop (`for b.Loop() {`,
 * in the function or a sub-benchmark's closure): their b.N counts every iteration they ran.
 */
export async function benchmarksUsingLoop(dir: string): Promise<Set<string>> {
  const found = new Set<string>();
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter(isGoTestFileName);
  } catch {
    return found;
  }
  for (const name of names) {
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    const lines = maskGoSource(text).split('\n');
    for (const f of scanGoSource(text).funcs) {
      if (f.kind !== 'benchmark') continue;
      const body = lines.slice(f.line, (f.endLine ?? lines.length - 1) + 1).join('\n');
      if (/\.\s*Loop\s*\(\s*\)/.test(body)) found.add(f.name);
    }
  }
  return found;
}
