// "Open Profile from Parca/Pyroscope…": the merged profile of a query over a time window, from
// the continuous profiling server in goMemoryInsight.profileServer.url, shown in the flame graph
// panel. The pickers (profile type, label values) list what the server has; the client code is
// src/fleet/ (no vscode there). Credentials live in VS Code's SecretStorage, one entry per
// server address, set with "Set Profile Server Credentials…" — never in settings.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { FeatureContext } from '../feature';
import { openProfile, type OpenProfileResult } from '../flame';
import { decodeErrorOf } from '../decode';
import { detectEngine, ENGINE_NAMES, fetchMergedBytes, labelNames, labelValues, noSamplesError, profileTypes, type Engine, type EngineKind, type FetchedBytes } from '../../fleet/client';
import { FleetError, parseServerUrl, type FleetAuth, type FleetServer } from '../../fleet/http';
import { formatQuery, formatSelector, parseQuery, QueryError, type FleetQuery, type LabelMatcher } from '../../fleet/query';
import { formatTimeRange, parseDuration, resolveTimeRange, shiftRange, TimeRangeError, type TimeRange } from '../../fleet/timeRange';
import type { ProfileData } from '../../shared/profileData';

const SECTION = 'goMemoryInsight.profileServer';
const DAY_MS = 86_400_000;

/** What the command takes as an argument to skip the pickers (the tests use it). */
export interface FleetOpenArgs {
  server?: string;
  kind?: EngineKind;
  query: string;
  since?: string;
  from?: string;
  to?: string;
  /** Also fetch the same window this long before (e.g. "1d") and show the difference. */
  compareWith?: string;
}

export interface FleetOpenResult {
  ok: boolean;
  error?: string;
  file?: string;
  baseFile?: string;
  title?: string;
  api?: string;
}

function secretKey(url: URL): string {
  return `goMemoryInsight.profileServer.auth:${url.origin}${url.pathname}`;
}

function parseSecret(text: string | undefined): FleetAuth | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<{ kind: string; token: string; user: string; password: string }>;
    if (v.kind === 'bearer' && typeof v.token === 'string') return { kind: 'bearer', token: v.token };
    if (v.kind === 'basic' && typeof v.user === 'string' && typeof v.password === 'string') return { kind: 'basic', user: v.user, password: v.password };
  } catch {
    // an entry this version did not write: no credentials
  }
  return undefined;
}

function configured(): { url: string; kind: EngineKind | 'auto'; tenant: string; timeoutMs: number } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const kind = c.get<string>('kind', 'auto');
  return {
    url: c.get<string>('url', '').trim(),
    kind: kind === 'parca' || kind === 'pyroscope' ? kind : 'auto',
    tenant: c.get<string>('tenant', '').trim(),
    timeoutMs: Math.max(5, c.get<number>('timeoutSeconds', 120)) * 1000,
  };
}

class Fleet {
  /** Engines found by detection, by server address (forgotten when the settings change). */
  private readonly detected = new Map<string, EngineKind>();

  constructor(private readonly ctx: FeatureContext) {}

  forget(): void {
    this.detected.clear();
  }

  private get log(): vscode.LogOutputChannel {
    return this.ctx.log;
  }

  /** The server from the argument, the setting, or an input box (remembered for next time). */
  private async serverUrl(given: string | undefined): Promise<URL | undefined> {
    let text = given ?? configured().url;
    if (!text) {
      const typed = await vscode.window.showInputBox({
        title: 'Open Profile from Parca/Pyroscope',
        prompt: 'Address of a Parca or Grafana Pyroscope server (saved as goMemoryInsight.profileServer.url)',
        value: this.ctx.context.globalState.get<string>('goMemoryInsight.profileServer.last', 'http://localhost:4040'),
        validateInput: (v) => {
          const u = parseServerUrl(v);
          return typeof u === 'string' ? u : undefined;
        },
      });
      if (typed === undefined) return undefined;
      text = typed;
      await vscode.workspace.getConfiguration(SECTION).update('url', typed.trim(), vscode.ConfigurationTarget.Global);
    }
    const url = parseServerUrl(text);
    if (typeof url === 'string') throw new FleetError(url);
    await this.ctx.context.globalState.update('goMemoryInsight.profileServer.last', url.href);
    return url;
  }

  private async engine(url: URL, kind: EngineKind | 'auto' | undefined): Promise<Engine> {
    const cfg = configured();
    const auth = parseSecret(await this.ctx.context.secrets.get(secretKey(url)));
    const server: FleetServer = { url, ...(auth ? { auth } : {}), ...(cfg.tenant ? { tenant: cfg.tenant } : {}) };
    let k = kind && kind !== 'auto' ? kind : cfg.kind !== 'auto' ? cfg.kind : this.detected.get(url.href);
    if (!k) {
      k = await detectEngine(server, { timeoutMs: Math.min(cfg.timeoutMs, 30_000) });
      this.detected.set(url.href, k);
      this.log.info(`Profile server: ${url.href} is ${ENGINE_NAMES[k]}`);
    }
    return { kind: k, server };
  }

  /** Runs a look-up for a picker with a busy indicator; FleetError as it is. */
  private lookUp<T>(title: string, f: (signal: AbortSignal) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await f(abort.signal);
      } finally {
        sub.dispose();
      }
    });
  }

  private async pickRange(): Promise<{ range: TimeRange; compare?: number } | undefined> {
    type Item = vscode.QuickPickItem & { since?: string; compare?: number; custom?: boolean };
    const items: Item[] = [
      { label: 'Last 15 minutes', since: '15m' },
      { label: 'Last hour', since: '1h' },
      { label: 'Last 6 hours', since: '6h' },
      { label: 'Last 24 hours', since: '24h' },
      { label: 'Last 7 days', since: '7d' },
      { label: 'Last hour vs the same hour yesterday', description: 'diff', since: '1h', compare: DAY_MS },
      { label: 'Last 24 hours vs the 24 hours a week before', description: 'diff', since: '24h', compare: 7 * DAY_MS },
      { label: 'Custom…', description: 'from and to: RFC 3339, Unix seconds, now-2h', custom: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Time window', placeHolder: 'The profiles merged are those taken in this window' });
    if (!pick) return undefined;
    if (!pick.custom) return { range: resolveTimeRange({ since: pick.since! }), ...(pick.compare ? { compare: pick.compare } : {}) };
    const text = await vscode.window.showInputBox({
      title: 'Time window',
      prompt: 'FROM TO, e.g. "now-3h now-1h" or "2026-05-01T10:00:00Z 2026-05-01T11:00:00Z"',
      value: 'now-2h now-1h',
      validateInput: (v) => {
        try {
          const [from, to] = v.trim().split(/\s+/);
          resolveTimeRange({ from: from ?? '', to: to ?? 'now' });
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (text === undefined) return undefined;
    const [from, to] = text.trim().split(/\s+/);
    return { range: resolveTimeRange({ from: from!, ...(to ? { to } : {}) }) };
  }

  /** Profile type, then label filters, each from what the server lists for the window. */
  private async pickQuery(e: Engine, range: TimeRange): Promise<FleetQuery | undefined> {
    const where = `${ENGINE_NAMES[e.kind]} ${e.server.url.host}`;
    const types = await this.lookUp(`Listing profile types on ${where}`, (signal) => profileTypes(e, range, { signal, timeoutMs: configured().timeoutMs }));
    if (types.length === 0) throw new FleetError(`${where} has no profiles in ${formatTimeRange(range)}`);
    // Memory first: this is a memory tool, but every type opens.
    const rank = (id: string) => (id.startsWith('memory:') ? (id.includes(':inuse_space:') ? 0 : 1) : 2);
    const sorted = [...types].sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
    const typePick = await vscode.window.showQuickPick(sorted.map((t) => ({ label: `${t.name} ${t.sampleType}`, description: t.sampleUnit, detail: t.id, id: t.id })), { title: `Profile type on ${where}`, matchOnDetail: true });
    if (!typePick) return undefined;
    // Label filters: a label picked once is `name="v"`; picked again, `name=~"v1|v2"`.
    const chosen = new Map<string, string[]>();
    const escape = (v: string) => v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
    const matchers = (): LabelMatcher[] => [...chosen].map(([name, values]) => (values.length === 1 ? { name, op: '=' as const, value: values[0]! } : { name, op: '=~' as const, value: values.map(escape).join('|') }));
    const names = (await this.lookUp(`Listing labels on ${where}`, (signal) => labelNames(e, typePick.id, range, { signal, timeoutMs: configured().timeoutMs }))).filter((n) => !n.startsWith('__'));
    for (;;) {
      const selector = formatSelector(matchers());
      type Item = vscode.QuickPickItem & { name?: string };
      const items: Item[] = [
        { label: '$(cloud-download) Fetch', description: `${typePick.id}${selector}`, detail: `merged over ${formatTimeRange(range)}` },
        ...names.map((n) => ({ label: n, name: n, description: chosen.has(n) ? `one of ${chosen.get(n)!.join(', ')}: pick to add a value` : 'filter by this label' })),
      ];
      const pick = await vscode.window.showQuickPick(items, { title: `Labels ${selector}`, placeHolder: 'Filter by a label, or fetch the profile merged over every matching series' });
      if (!pick) return undefined;
      if (!pick.name) break;
      const name = pick.name;
      const values = (await this.lookUp(`Listing values of ${name}`, (signal) => labelValues(e, typePick.id, name, range, { signal, timeoutMs: configured().timeoutMs }))).filter((v) => !chosen.get(name)?.includes(v));
      if (values.length === 0) {
        void vscode.window.showInformationMessage(`Go Memory Insight: no more values of ${name} in ${formatTimeRange(range)}`);
        continue;
      }
      const value = await vscode.window.showQuickPick(values, { title: `${name} =` });
      if (value === undefined) continue;
      chosen.set(name, [...(chosen.get(name) ?? []), value]);
    }
    return parseQuery(`${typePick.id}${formatSelector(matchers())}`);
  }

  /** Fetches one window into a file under global storage and decodes it in the worker. */
  private async fetchToFile(e: Engine, query: FleetQuery, range: TimeRange, progress: vscode.Progress<{ message?: string }>, signal: AbortSignal): Promise<{ file: vscode.Uri; data: ProfileData; fetched: FetchedBytes }> {
    const fetched = await fetchMergedBytes(e, query, range, { signal, timeoutMs: configured().timeoutMs, onProgress: (n) => progress.report({ message: `${Math.round(n / 1024)} KiB` }) });
    const dir = vscode.Uri.joinPath(this.ctx.context.globalStorageUri, 'profiles');
    const stamp = new Date(range.endMs).toISOString().replace(/[:.]/g, '-');
    const safe = (s: string) => s.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60);
    const file = vscode.Uri.joinPath(dir, `${e.kind}-${safe(e.server.url.host)}-${safe(query.profileType.sampleType)}-${stamp}-${Date.now().toString(36)}.pb.gz`);
    let data: ProfileData;
    try {
      data = await this.ctx.decoder.decode(fetched.gz, path.posix.basename(file.path));
    } catch (err) {
      const d = decodeErrorOf(err);
      const why = err instanceof Error ? err.message : String(err);
      throw new FleetError(d && d.kind !== 'invalid' ? `The profile from ${e.server.url.host} cannot be opened: ${why}` : `${e.server.url.host} did not return a valid pprof profile: ${why}`);
    }
    if (data.stackStart.length <= 1) throw noSamplesError(e, query, range);
    await mkdir(dir.fsPath, { recursive: true });
    await writeFile(file.fsPath, fetched.gz);
    this.log.info(`Profile server: ${fetched.title}: ${fetched.gz.length} bytes via ${fetched.api} into ${file.fsPath}`);
    return { file, data, fetched };
  }

  async open(args?: FleetOpenArgs): Promise<FleetOpenResult | undefined> {
    try {
      const url = await this.serverUrl(args?.server);
      if (!url) return undefined;
      const e = await this.engine(url, args?.kind);
      let range: TimeRange;
      let compare: number | undefined;
      let query: FleetQuery;
      if (args) {
        query = parseQuery(args.query);
        range = resolveTimeRange({ ...(args.since !== undefined ? { since: args.since } : {}), ...(args.from !== undefined ? { from: args.from } : {}), ...(args.to !== undefined ? { to: args.to } : {}) });
        if (args.compareWith) compare = parseDuration(args.compareWith);
      } else {
        const r = await this.pickRange();
        if (!r) return undefined;
        range = r.range;
        compare = r.compare;
        const q = await this.pickQuery(e, range);
        if (!q) return undefined;
        query = q;
      }
      const title = `${ENGINE_NAMES[e.kind]} · ${formatQuery(query)}`;
      const got = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Fetching ${title}`, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const now = await this.fetchToFile(e, query, range, progress, abort.signal);
          const base = compare ? await this.fetchToFile(e, query, shiftRange(range, compare), progress, abort.signal) : undefined;
          return { now, base };
        } finally {
          sub.dispose();
        }
      });
      const panelTitle = got.base ? `${got.base.fetched.title} → ${formatTimeRange(range)}` : got.now.fetched.title;
      const result: OpenProfileResult = await openProfile(got.now.file, { title: panelTitle, data: got.now.data, ...(got.base ? { diffBase: got.base.file } : {}) });
      if (!result.ok) throw new FleetError(result.error);
      return { ok: true, file: got.now.file.fsPath, ...(got.base ? { baseFile: got.base.file.fsPath } : {}), title: panelTitle, api: got.now.fetched.api };
    } catch (err) {
      const known = err instanceof FleetError || err instanceof QueryError || err instanceof TimeRangeError;
      const message = err instanceof Error ? err.message : String(err);
      if (!known) this.log.error(`Profile server: ${err instanceof Error ? (err.stack ?? message) : message}`);
      else this.log.warn(`Profile server: ${message}`);
      if (message !== 'Cancelled.') {
        void vscode.window.showErrorMessage(`Go Memory Insight: ${message}`, 'Open Output').then((c) => (c ? this.log.show(true) : undefined));
      }
      return { ok: false, error: message };
    }
  }

  /** Stores (or removes) the credentials of a server in SecretStorage. */
  async setCredentials(arg?: { server?: string; kind?: 'bearer' | 'basic' | 'remove'; token?: string; user?: string; password?: string }): Promise<boolean> {
    const url = await this.serverUrl(arg?.server);
    if (!url) return false;
    let kind = arg?.kind;
    if (!kind) {
      const pick = await vscode.window.showQuickPick([
        { label: 'Bearer token', auth: 'bearer' as const },
        { label: 'User and password (basic auth)', auth: 'basic' as const },
        { label: 'Remove the stored credentials', auth: 'remove' as const },
      ], { title: `Credentials for ${url.href}`, placeHolder: 'Kept in VS Code\'s secret storage, never in settings' });
      if (!pick) return false;
      kind = pick.auth;
    }
    const key = secretKey(url);
    if (kind === 'remove') {
      await this.ctx.context.secrets.delete(key);
      this.log.info(`Profile server: removed the credentials for ${url.href}`);
      return true;
    }
    let value: FleetAuth;
    if (kind === 'bearer') {
      const token = arg?.token ?? (await vscode.window.showInputBox({ title: `Bearer token for ${url.href}`, password: true, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Enter the token') }));
      if (!token) return false;
      value = { kind: 'bearer', token: token.trim() };
    } else {
      const user = arg?.user ?? (await vscode.window.showInputBox({ title: `User for ${url.href}`, ignoreFocusOut: true, validateInput: (v) => (v && !v.includes(':') ? undefined : 'A user name without ":"') }));
      if (!user) return false;
      const password = arg?.password ?? (await vscode.window.showInputBox({ title: `Password (or API key) for ${user} at ${url.href}`, password: true, ignoreFocusOut: true }));
      if (password === undefined) return false;
      value = { kind: 'basic', user, password };
    }
    await this.ctx.context.secrets.store(key, JSON.stringify(value));
    this.log.info(`Profile server: stored ${value.kind === 'bearer' ? 'a bearer token' : `basic auth for ${value.user}`} for ${url.href}`);
    return true;
  }
}

export function register(ctx: FeatureContext): void {
  const fleet = new Fleet(ctx);
  ctx.context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) fleet.forget();
    }),
    // An object argument ({server, kind, query, since | from/to, compareWith}) skips the pickers.
    vscode.commands.registerCommand('goMemoryInsight.openProfileFromServer', (arg?: unknown) => fleet.open(typeof arg === 'object' && arg !== null && typeof (arg as FleetOpenArgs).query === 'string' ? (arg as FleetOpenArgs) : undefined)),
    vscode.commands.registerCommand('goMemoryInsight.setProfileServerCredentials', (arg?: unknown) => fleet.setCredentials(typeof arg === 'object' && arg !== null ? (arg as Parameters<Fleet['setCredentials']>[0]) : undefined)),
  );
}
