// One face for both engines: the pickers' look-ups and the merged profile, decoded and
// checked with the same pprof decoder as every other profile (an answer without samples is
// an error: nothing matched), and kept gzip'd (as Go writes
// profiles, and as `go tool pprof` reads them).
import { gzipSync } from 'node:zlib';
import { decodeProfile, type DecodeOptions, type PprofProfile } from '../pprof/decode';
import { FleetError, type FleetServer, type RequestOptions } from './http';
import { parcaLabelNames, parcaLabelValues, parcaMergedProfile, parcaProfileTypes } from './parca';
import { pyroscopeLabelNames, pyroscopeLabelValues, pyroscopeMergedProfile, pyroscopeProfileTypes } from './pyroscope';
import { formatQuery, type FleetQuery } from './query';
import { formatTimeRange, type TimeRange } from './timeRange';
import type { ProfileTypeInfo } from './types';

export type EngineKind = 'parca' | 'pyroscope';

export const ENGINE_NAMES: Record<EngineKind, string> = { parca: 'Parca', pyroscope: 'Pyroscope' };

export interface Engine {
  kind: EngineKind;
  server: FleetServer;
}

export function profileTypes(e: Engine, range: TimeRange, opts?: RequestOptions): Promise<ProfileTypeInfo[]> {
  return e.kind === 'parca' ? parcaProfileTypes(e.server, range, opts) : pyroscopeProfileTypes(e.server, range, opts);
}

export function labelNames(e: Engine, profileType: string, range: TimeRange, opts?: RequestOptions): Promise<string[]> {
  return e.kind === 'parca' ? parcaLabelNames(e.server, profileType, range, opts) : pyroscopeLabelNames(e.server, profileType, range, opts);
}

export function labelValues(e: Engine, profileType: string, label: string, range: TimeRange, opts?: RequestOptions): Promise<string[]> {
  return e.kind === 'parca' ? parcaLabelValues(e.server, profileType, label, range, opts) : pyroscopeLabelValues(e.server, profileType, label, range, opts);
}

export interface FetchedProfile {
  /** The pprof profile, gzip'd: what to write to a file. */
  gz: Buffer;
  /** It decoded: the profile is a valid pprof profile. */
  profile: PprofProfile;
  /** The API that answered. */
  api: string;
  /** "Parca localhost:7070 · memory:…{job="svc"} · 2026-05-01 10:00–11:00 UTC" */
  title: string;
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** What produced a profile, for titles: engine, server, query and window. */
export function describeFetch(e: Engine, query: FleetQuery, range: TimeRange): string {
  const where = e.server.url.pathname === '/' ? e.server.url.host : `${e.server.url.host}${e.server.url.pathname.replace(/\/$/, '')}`;
  return `${ENGINE_NAMES[e.kind]} ${where} · ${formatQuery(query)} · ${formatTimeRange(range)}`;
}

export interface FetchedBytes {
  /** The pprof profile, gzip'd: what to write to a file. */
  gz: Buffer;
  api: string;
  title: string;
}

/** Fetches the merged profile of a query over a window, undecoded (the editor decodes it in a worker). */
export async function fetchMergedBytes(e: Engine, query: FleetQuery, range: TimeRange, opts: RequestOptions = {}): Promise<FetchedBytes> {
  const merged = e.kind === 'parca' ? await parcaMergedProfile(e.server, query, range, opts) : await pyroscopeMergedProfile(e.server, query, range, opts);
  const gz = isGzip(merged.pprof) ? merged.pprof : gzipSync(merged.pprof);
  return { gz, api: merged.api, title: describeFetch(e, query, range) };
}

/** The error for an answer without samples. */
export function noSamplesError(e: Engine, query: FleetQuery, range: TimeRange): FleetError {
  return new FleetError(`${ENGINE_NAMES[e.kind]} has no samples for ${formatQuery(query)} in ${formatTimeRange(range)}: check the labels and the window (the pickers list what the server has)`);
}

/**
 * Fetches the merged profile of a query over a window and decodes it (ProfileError when it is
 * not a valid pprof profile or over the memory budget; FleetError for what the server said).
 */
export async function fetchMergedProfile(e: Engine, query: FleetQuery, range: TimeRange, opts: RequestOptions & DecodeOptions = {}): Promise<FetchedProfile> {
  const fetched = await fetchMergedBytes(e, query, range, opts);
  const profile = decodeProfile(fetched.gz, opts);
  if (profile.sampleValues.length === 0) throw noSamplesError(e, query, range);
  return { ...fetched, profile };
}

/**
 * Which engine serves `server`: Pyroscope when its Connect querier answers, else Parca when
 * its REST API does. Errors other than "no such path" (credentials, network) are thrown as they are.
 */
export async function detectEngine(server: FleetServer, opts: RequestOptions = {}): Promise<EngineKind> {
  const now = Date.now();
  const range = { startMs: now - 3_600_000, endMs: now };
  const notHere = (err: unknown) => err instanceof FleetError && err.status === 404 && err.code === undefined;
  try {
    await pyroscopeProfileTypes(server, range, opts);
    return 'pyroscope';
  } catch (err) {
    if (!notHere(err)) throw err;
  }
  try {
    await parcaProfileTypes(server, range, opts);
    return 'parca';
  } catch (err) {
    if (notHere(err)) throw new FleetError(`${server.url.href} serves neither Pyroscope's querier API nor Parca's /api: check the address`);
    throw err;
  }
}
