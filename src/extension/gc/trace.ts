// Reading a GC trace file for a panel: the cycles of its main process, as the message the GC
// tab takes.
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import type * as vscode from 'vscode';
import { mainRun, parseGcTrace } from '../../gc/gctrace';
import type { ShowGcTraceMessage } from '../../shared/webviewProtocol';

/** Trace text as a GC tab message; undefined (with the reason) when it holds no cycle. */
export function gcTraceMessage(text: string, name: string): { msg?: ShowGcTraceMessage; error?: string } {
  const trace = parseGcTrace(text);
  const run = mainRun(trace);
  if (!run) return { error: `${name} holds no GC trace lines ("gc N @…"): run the program with GODEBUG=gctrace=1 and keep its standard error.` };
  return { msg: { type: 'showGcTrace', cycles: run.cycles, name } };
}

/** The GC trace file of a profiling run, or undefined (no file, unreadable: logged). */
export async function readGcTraceMessage(file: string | undefined, log: vscode.LogOutputChannel): Promise<ShowGcTraceMessage | undefined> {
  if (!file) return undefined;
  try {
    const r = gcTraceMessage(await readFile(file, 'utf8'), path.basename(file));
    if (r.error) log.warn(`GC trace: ${r.error}`);
    return r.msg;
  } catch (err) {
    log.warn(`GC trace: cannot read ${file}: ${String(err)}`);
    return undefined;
  }
}
