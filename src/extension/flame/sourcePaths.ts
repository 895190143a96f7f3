// Maps a file path written in a profile to files on this machine. Pure (no vscode): the
// caller supplies the Go environment and an existence check.
//
// Profiles name files as the binary recorded them:
//   - absolute paths from a normal build: /home/me/proj/pkg/x.go, /usr/local/go/src/fmt/print.go,
//     /home/me/go/pkg/mod/github.com/x/y@v1.2.3/z.go (possibly from another machine);
//   - with -trimpath: module paths (example.com/proj/pkg/x.go), module@version paths for
//     dependencies (github.com/x/y@v1.2.3/z.go) and GOROOT-relative ones (fmt/print.go).
import * as path from 'node:path';

export interface GoModuleDir {
  /** Module path, e.g. example.com/proj. */
  path: string;
  /** Directory on disk. */
  dir: string;
}

export interface SourceEnv {
  /** Modules of the workspace (`go list -m -json`): main modules and replacements. */
  modules: GoModuleDir[];
  goroot?: string;
  gomodcache?: string;
  /** Workspace folders, for paths recorded on another machine. */
  workspaceFolders: string[];
}

/** Module cache case encoding: upper-case letters become '!' + lower case. */
export function escapeModulePath(p: string): string {
  return p.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** Splits a profile path into '/'-separated segments (Windows separators too). */
function segments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s.length > 0);
}

/**
 * Candidate files for a profile path, most likely first. The caller opens the first that
 * exists. Never returns a path that does not come from the profile path and the environment.
 */
export function sourceCandidates(file: string, env: SourceEnv): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    const n = path.normalize(p);
    if (!out.includes(n)) out.push(n);
  };
  if (!file || file.includes('\0')) return out;
  const slashed = file.replace(/\\/g, '/');
  const segs = segments(file);
  if (segs.some((s) => s === '..')) return out;

  if (isAbsolute(file)) add(file);

  // Module paths (-trimpath): the longest matching module wins.
  const modules = [...env.modules].sort((a, b) => b.path.length - a.path.length);
  for (const m of modules) {
    if (!isAbsolute(file) && slashed.startsWith(m.path + '/')) add(path.join(m.dir, ...segments(slashed.slice(m.path.length + 1))));
  }

  // module@version/...: the module cache, from a -trimpath path or an absolute .../pkg/mod/... one.
  if (env.gomodcache) {
    const modIdx = slashed.lastIndexOf('/pkg/mod/');
    if (isAbsolute(file) && modIdx >= 0) add(path.join(env.gomodcache, ...segments(slashed.slice(modIdx + '/pkg/mod/'.length))));
    if (!isAbsolute(file)) {
      const at = segs.findIndex((s) => /@v[0-9]/.test(s));
      if (at >= 0) {
        const modPath = segs.slice(0, at + 1).join('/');
        const rest = segs.slice(at + 1);
        // The path may already be escaped (recorded from the cache) or not (-trimpath).
        add(path.join(env.gomodcache, ...segments(escapeModulePath(modPath)), ...rest));
        add(path.join(env.gomodcache, ...segments(modPath), ...rest));
      }
    }
  }

  // The standard library: GOROOT-relative (-trimpath) or another GOROOT's absolute path.
  if (env.goroot) {
    if (!isAbsolute(file) && segs.length > 0 && !segs[0]!.includes('.')) add(path.join(env.goroot, 'src', ...segs));
    if (isAbsolute(file)) {
      const srcIdx = slashed.lastIndexOf('/src/');
      if (srcIdx >= 0) {
        const rest = segments(slashed.slice(srcIdx + '/src/'.length));
        if (rest.length > 0 && !rest[0]!.includes('.') && !rest.some((s) => /@v[0-9]/.test(s))) add(path.join(env.goroot, 'src', ...rest));
      }
    }
  }

  // Recorded elsewhere: the longest tail of the path that exists under a workspace folder.
  for (const folder of env.workspaceFolders) {
    const maxTail = Math.min(segs.length, 12);
    for (let k = maxTail; k >= 1; k--) add(path.join(folder, ...segs.slice(segs.length - k)));
  }
  return out;
}

/** The first candidate that exists, or undefined. */
export async function resolveSourcePath(file: string, env: SourceEnv, exists: (p: string) => Promise<boolean>): Promise<string | undefined> {
  for (const c of sourceCandidates(file, env)) {
    if (await exists(c)) return c;
  }
  return undefined;
}

/** Parses the output of `go list -m -json` (a stream of JSON objects, one per module). */
export function parseGoListModules(stdout: string): { modules: GoModuleDir[]; main?: string } {
  const modules: GoModuleDir[] = [];
  let main: string | undefined;
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < stdout.length; i++) {
    const c = stdout[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        try {
          const m = JSON.parse(stdout.slice(start, i + 1)) as { Path?: unknown; Dir?: unknown; Main?: unknown; Replace?: { Dir?: unknown } };
          const dir = typeof m.Replace?.Dir === 'string' ? m.Replace.Dir : m.Dir;
          if (typeof m.Path === 'string' && typeof dir === 'string') modules.push({ path: m.Path, dir });
          if (m.Main === true && typeof m.Path === 'string') main ??= m.Path;
        } catch {
          // not a module object: skip it
        }
        start = -1;
      }
    }
  }
  return main === undefined ? { modules } : { modules, main };
}
