// Parses `go version` output and checks it against the oldest Go the profiling commands support.

export interface GoVersion {
  major: number;
  minor: number;
  patch: number;
  /** A development build ("devel go1.23-abc..."): assumed new enough. */
  devel: boolean;
  /** As printed, e.g. "go1.26.8", "go1.22rc1". */
  text: string;
}

/** The oldest Go the profiling commands run with. */
export const MIN_GO = { major: 1, minor: 21 } as const;

/** Parses "go version go1.26.8 linux/amd64" (or just "go1.26.8"). */
export function parseGoVersion(output: string | undefined): GoVersion | undefined {
  if (!output) return undefined;
  const devel = /\bdevel\b/.test(output);
  const m = /\bgo(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?/.exec(output);
  if (!m) return devel ? { major: Infinity, minor: 0, patch: 0, devel: true, text: output.trim() } : undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), devel, text: m[0] };
}

/** undefined when `go version` output is supported, else why not. */
export function checkGoVersion(output: string | undefined): string | undefined {
  const v = parseGoVersion(output);
  const min = `go${MIN_GO.major}.${MIN_GO.minor}`;
  if (!v) return `could not tell the Go version from \`go version\` (${output ? output.trim() : 'no output'}); ${min} or newer is needed.`;
  if (v.devel) return undefined;
  if (v.major > MIN_GO.major || (v.major === MIN_GO.major && v.minor >= MIN_GO.minor)) return undefined;
  return `${v.text} is too old: profiling needs ${min} or newer.`;
}
