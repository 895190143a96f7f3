// A heap watch: polls a service's `heap?gc=1`, `goroutine` and (where served) `goroutineleak`
// endpoints on an interval, keeps a bounded series of what they said and the first and newest
// heap snapshots, and ranks what grew between them. Fetching and decoding are given by the
// caller (the extension decodes in its worker thread, the CLI in-process), so this stays pure.
import type { ProfileData } from '../shared/profileData';
import { countTotal, heapGrowth, inuseTotals, type GrowthOptions, type HeapGrowth } from './growth';
import { nextDelay, type WatchEndpoints, type WatchOptions } from './options';

export interface FetchOptions {
  signal: AbortSignal;
  maxBytes: number;
  timeoutMs: number;
}

export interface WatchDeps {
  /** GETs a URL; rejects with an error whose `status` is the HTTP status when the server answered with another. */
  fetch(url: URL, opts: FetchOptions): Promise<Uint8Array>;
  decode(bytes: Uint8Array, name: string, signal: AbortSignal): Promise<ProfileData>;
  /** Defaults to Date.now. */
  now?: () => number;
}

/** One poll: its time, and what it read or why it failed. */
export interface WatchPoint {
  /** Milliseconds since the epoch, when the poll started. */
  at: number;
  inuseBytes?: number;
  inuseObjects?: number;
  goroutines?: number;
  /** Go 1.26's goroutineleak profile, where the service serves it. */
  leakedGoroutines?: number;
  /** Why the poll failed (the other fields are then absent). */
  error?: string;
}

export interface HeapSnapshot {
  at: number;
  data: ProfileData;
  /** The profile as the service sent it (to open it elsewhere). */
  bytes: Uint8Array;
}

export type WatchPhase = 'starting' | 'watching' | 'retrying' | 'done' | 'stopped' | 'failed';

/** Whether the service serves the goroutineleak profile: unknown until the first poll asked. */
export type LeakProfileSupport = 'unknown' | 'served' | 'not served';

export interface WatchStatus {
  phase: WatchPhase;
  /** What went wrong (failed, retrying), or why it ended. */
  message?: string;
  polls: number;
  failures: number;
  leakProfile: LeakProfileSupport;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class Aborted extends Error {}

export class HeapWatcher {
  private readonly points: WatchPoint[] = [];
  private firstSnap: HeapSnapshot | undefined;
  private newestSnap: HeapSnapshot | undefined;
  private phase: WatchPhase = 'starting';
  private message: string | undefined;
  private polls = 0;
  private failures = 0;
  private leak: LeakProfileSupport = 'unknown';
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private running: Promise<WatchStatus> | undefined;
  /** Called after every change of the series or the status. */
  onChange: ((w: HeapWatcher) => void) | undefined;

  constructor(
    readonly endpoints: WatchEndpoints,
    readonly options: WatchOptions,
    private readonly deps: WatchDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts polling (once); resolves with the final status when the watch ends. */
  start(): Promise<WatchStatus> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops at once: the request under way is cancelled. */
  stop(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  status(): WatchStatus {
    const s: WatchStatus = { phase: this.phase, polls: this.polls, failures: this.failures, leakProfile: this.leak };
    if (this.message !== undefined) s.message = this.message;
    return s;
  }

  /** The points kept: the first poll's and the newest ones, at most options.maxPoints. */
  series(): readonly WatchPoint[] {
    return this.points;
  }

  first(): HeapSnapshot | undefined {
    return this.firstSnap;
  }

  newest(): HeapSnapshot | undefined {
    return this.newestSnap;
  }

  /** What grew from the first snapshot to the newest; undefined before there are two. */
  growth(opts?: GrowthOptions): HeapGrowth | undefined {
    if (!this.firstSnap || !this.newestSnap || this.firstSnap === this.newestSnap) return undefined;
    return heapGrowth(this.firstSnap.data, this.newestSnap.data, opts);
  }

  private changed(): void {
    try {
      this.onChange?.(this);
    } catch {
      // A listener's failure is its own: the watch goes on.
    }
  }

  private push(p: WatchPoint): void {
    this.points.push(p);
    // The first point stays (the growth is counted from it); the oldest after it go.
    if (this.points.length > this.options.maxPoints) this.points.splice(1, this.points.length - this.options.maxPoints);
  }

  private async loop(): Promise<WatchStatus> {
    const signal = this.abort.signal;
    const { intervalMs, count, maxFailures } = this.options;
    this.changed();
    while (!signal.aborted) {
      const started = this.now();
      try {
        const point = await this.poll(started);
        this.polls++;
        this.failures = 0;
        this.push(point);
        this.phase = 'watching';
        this.message = undefined;
        if (count > 0 && this.polls >= count) {
          this.phase = 'done';
          this.message = `${this.polls} snapshots taken`;
          this.changed();
          break;
        }
      } catch (err) {
        if (signal.aborted || err instanceof Aborted) break;
        const message = messageOf(err);
        this.failures++;
        if (this.polls === 0 || this.failures >= maxFailures) {
          // Nothing to watch, or the service is gone: the watch ends on the error, and its last
          // point is that error, so no figure shown passes for the service's current one.
          this.phase = 'failed';
          this.message = this.polls === 0 ? message : `${message} (${this.failures} polls failed in a row; stopped)`;
          if (this.polls > 0) this.push({ at: started, error: message });
          this.changed();
          return this.status();
        }
        this.phase = 'retrying';
        this.message = message;
        this.push({ at: started, error: message });
      }
      this.changed();
      const delay = nextDelay(intervalMs, started, this.now());
      if (!(await this.sleep(delay))) break;
    }
    if (this.phase !== 'done') {
      this.phase = 'stopped';
      this.message = `stopped after ${this.polls} snapshot${this.polls === 1 ? '' : 's'}`;
      this.changed();
    }
    return this.status();
  }

  /** Resolves true after `ms`, false at once when the watch is stopped. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async get(url: URL, what: string): Promise<{ bytes: Uint8Array; data: ProfileData }> {
    const signal = this.abort.signal;
    const { maxBytes, timeoutMs } = this.options;
    const bytes = await this.deps.fetch(url, { signal, maxBytes, timeoutMs });
    if (signal.aborted) throw new Aborted();
    let data: ProfileData;
    try {
      data = await this.deps.decode(bytes, `${what}-${this.polls + 1}`, signal);
    } catch (err) {
      if (signal.aborted) throw new Aborted();
      throw new Error(`${url.href} did not return a pprof profile: ${messageOf(err)}`, { cause: err });
    }
    return { bytes, data };
  }

  private async poll(at: number): Promise<WatchPoint> {
    const e = this.endpoints;
    const heap = await this.get(e.heap, 'heap');
    let totals;
    try {
      totals = inuseTotals(heap.data);
    } catch {
      throw new Error(`${e.heap.href} did not return a heap profile (its sample types: ${heap.data.sampleTypes.map((t) => t.type).join(', ')})`);
    }
    const goroutines = countTotal((await this.get(e.goroutine, 'goroutine')).data);
    let leaked: number | undefined;
    if (this.leak !== 'not served') {
      try {
        leaked = countTotal((await this.get(e.goroutineLeak, 'goroutineleak')).data);
        this.leak = 'served';
      } catch (err) {
        // Only Go 1.26 built with GOEXPERIMENT=goroutineleakprofile serves it; net/http/pprof
        // answers 404 otherwise. Asked once.
        if (this.leak === 'unknown' && statusOf(err) === 404) this.leak = 'not served';
        else throw err;
      }
    }
    const snap: HeapSnapshot = { at, data: heap.data, bytes: heap.bytes };
    this.firstSnap ??= snap;
    this.newestSnap = snap;
    const p: WatchPoint = { at, inuseBytes: totals.bytes, goroutines };
    if (totals.objects !== undefined) p.inuseObjects = totals.objects;
    if (leaked !== undefined) p.leakedGoroutines = leaked;
    return p;
  }
}
