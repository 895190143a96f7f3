// Allocation figures on the code: while the flame graph shows a profile, each workspace line
// that the profile attributes a value to gets an end-of-line annotation ("▲ 1.2 GiB alloc ·
// 34%") in the sample type the panel shows, and hovering the line lists the heaviest call
// paths through it. They follow the panel (profile, sample type) and go when it closes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatPercent, formatValue } from '../../pprof/units';
import { aggregateLines, callPathsThrough, formatLineAnnotation, sampleTypeLabel, shortFuncName, type LineAggregation } from '../../profiling/lines';
import type { ShownProfile } from '../flame';

/** Lines below this share of the profile are not annotated (noise). */
const MIN_FRACTION = 0.001;
/** Lines at or above this share are drawn in the warning colour. */
const HOT_FRACTION = 0.1;
const PATHS_IN_HOVER = 5;

export interface AnnotatedLine {
  /** 1-based line. */
  line: number;
  value: number;
  text: string;
}

/** What is annotated right now, for tests and the log. */
export interface AnnotationState {
  enabled: boolean;
  profile?: string;
  sampleType?: string;
  total?: number;
  /** Files with figures (absolute paths) and their lines, heaviest first. */
  files: { file: string; lines: AnnotatedLine[] }[];
  /** Decorations applied in visible editors: file → 1-based lines. */
  decorated: { file: string; lines: number[] }[];
}

interface Current {
  shown: ShownProfile;
  agg: LineAggregation;
  /** Annotated lines per file (absolute path), already filtered. */
  byFile: Map<string, AnnotatedLine[]>;
}

function normalize(file: string): string {
  const p = path.normalize(file);
  return process.platform === 'win32' || process.platform === 'darwin' ? p.toLowerCase() : p;
}

export class AllocationAnnotations implements vscode.Disposable {
  private readonly decoration: vscode.TextEditorDecorationType;
  private current: Current | undefined;
  private enabled: boolean;
  /** Files edited since the profile was taken: their lines no longer match. */
  private readonly stale = new Set<string>();
  private readonly applied = new Map<vscode.TextEditor, number[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    enabled: boolean,
  ) {
    this.enabled = enabled;
    this.decoration = vscode.window.createTextEditorDecorationType({
      after: { margin: '0 0 0 2em', fontStyle: 'italic' },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    void this.setContext();
    this.subscriptions.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!this.current || e.contentChanges.length === 0 || e.document.uri.scheme !== 'file') return;
        const key = normalize(e.document.uri.fsPath);
        if (this.current.byFile.has(key) && !this.stale.has(key)) {
          this.stale.add(key);
          this.render();
        }
      }),
      vscode.languages.registerHoverProvider({ scheme: 'file', language: 'go' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
  }

  /** Follows the flame graph panel: a new profile or sample type, or undefined when it closed. */
  show(shown: ShownProfile | undefined): void {
    if (!shown) {
      this.current = undefined;
      this.stale.clear();
      this.render();
      return;
    }
    const same = this.current && this.current.shown.data === shown.data && this.current.shown.sampleIndex === shown.sampleIndex;
    if (same) {
      this.current!.shown = shown;
      return;
    }
    try {
      this.current = this.compute(shown);
      this.stale.clear();
    } catch (err) {
      this.log.error(`Allocation figures for ${shown.uri.toString()}: ${err instanceof Error ? err.message : String(err)}`);
      this.current = undefined;
    }
    this.render();
  }

  toggle(): boolean {
    this.enabled = !this.enabled;
    void this.setContext();
    this.render();
    return this.enabled;
  }

  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    void this.setContext();
    this.render();
  }

  private setContext(): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', 'goMemoryInsight.allocationAnnotations', this.enabled);
  }

  private compute(shown: ShownProfile): Current {
    const inWorkspace = new Map<string, boolean>();
    const include = (file: string): boolean => {
      let v = inWorkspace.get(file);
      if (v === undefined) {
        v = path.isAbsolute(file) && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) !== undefined;
        inWorkspace.set(file, v);
      }
      return v;
    };
    const agg = aggregateLines(shown.data, shown.sampleIndex, { include });
    const type = shown.data.sampleTypes[shown.sampleIndex]!;
    const byFile = new Map<string, AnnotatedLine[]>();
    for (const [file, lines] of agg.byFile) {
      const list: AnnotatedLine[] = [];
      for (const [line, value] of lines) {
        if (agg.total <= 0 || value / agg.total < MIN_FRACTION) continue;
        list.push({ line, value, text: formatLineAnnotation(value, agg.total, type) });
      }
      if (list.length === 0) continue;
      list.sort((a, b) => b.value - a.value || a.line - b.line);
      byFile.set(normalize(file), list);
    }
    let count = 0;
    for (const l of byFile.values()) count += l.length;
    this.log.info(`Allocation figures: ${count} lines in ${byFile.size} workspace files for ${type.type} of ${shown.uri.fsPath || shown.uri.toString()}`);
    return { shown, agg, byFile };
  }

  private linesFor(document: vscode.TextDocument): AnnotatedLine[] | undefined {
    if (!this.enabled || !this.current || document.uri.scheme !== 'file') return undefined;
    const key = normalize(document.uri.fsPath);
    if (this.stale.has(key)) return undefined;
    return this.current.byFile.get(key);
  }

  private render(): void {
    const visible = new Set(vscode.window.visibleTextEditors);
    for (const editor of [...this.applied.keys()]) if (!visible.has(editor)) this.applied.delete(editor);
    for (const editor of visible) {
      const lines = this.linesFor(editor.document);
      if (!lines) {
        if (this.applied.has(editor)) {
          editor.setDecorations(this.decoration, []);
          this.applied.delete(editor);
        }
        continue;
      }
      const total = this.current!.agg.total;
      const options: vscode.DecorationOptions[] = [];
      const done: number[] = [];
      for (const l of lines) {
        if (l.line < 1 || l.line > editor.document.lineCount) continue;
        const textLine = editor.document.lineAt(l.line - 1);
        const hot = l.value / total >= HOT_FRACTION;
        options.push({
          range: new vscode.Range(textLine.range.end, textLine.range.end),
          renderOptions: { after: { contentText: l.text, color: new vscode.ThemeColor(hot ? 'editorWarning.foreground' : 'editorCodeLens.foreground') } },
        });
        done.push(l.line);
      }
      editor.setDecorations(this.decoration, options);
      this.applied.set(editor, done);
    }
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const lines = this.linesFor(document);
    const cur = this.current;
    if (!lines || !cur) return undefined;
    const line = position.line + 1;
    const entry = lines.find((l) => l.line === line);
    if (!entry) return undefined;
    // The profile's own spelling of the file (the map key may be case-folded).
    const file = [...cur.agg.byFile.keys()].find((f) => normalize(f) === normalize(document.uri.fsPath)) ?? document.uri.fsPath;
    const { data, sampleIndex } = cur.shown;
    const type = data.sampleTypes[sampleIndex]!;
    const total = cur.agg.total;
    const paths = callPathsThrough(data, sampleIndex, file, line, PATHS_IN_HOVER);
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.supportHtml = false;
    const name = path.basename(cur.shown.uri.fsPath || cur.shown.uri.path);
    md.appendMarkdown(`**${formatValue(entry.value, type.unit)} ${sampleTypeLabel(type.type)}** on this line — ${formatPercent(entry.value, total)} of `);
    md.appendText(`${type.type} in ${name}`);
    md.appendMarkdown(`\n\nThrough this line, callees included: ${formatValue(paths.through, type.unit)} (${formatPercent(paths.through, total)})\n\n`);
    if (paths.paths.length > 0) {
      md.appendMarkdown(`Heaviest call paths through this line${paths.distinct > paths.paths.length ? ` (${paths.paths.length} of ${paths.distinct})` : ''}:\n\n`);
      for (const p of paths.paths) {
        // Root-most frames are the test framework: show the last frames, the ones that matter.
        const frames = p.frames.map((f) => `${shortFuncName(f.func)}:${f.line}`);
        const shown = frames.length > 6 ? ['…', ...frames.slice(-6)] : frames;
        md.appendMarkdown(`- **${formatValue(p.value, type.unit)}** (${formatPercent(p.value, total)}) `);
        // Go symbol names have no backticks; inline code keeps them literal.
        md.appendMarkdown(`\`${shown.join(' → ').replace(/`/g, "'")}\`\n`);
      }
    }
    md.appendMarkdown('\n\n_Go Memory Insight: Toggle Allocation Figures on Code_ hides these figures.');
    return new vscode.Hover(md, document.lineAt(position.line).range);
  }

  state(): AnnotationState {
    const cur = this.current;
    const type = cur ? cur.shown.data.sampleTypes[cur.shown.sampleIndex] : undefined;
    return {
      enabled: this.enabled,
      profile: cur?.shown.uri.toString(),
      sampleType: type?.type,
      total: cur?.agg.total,
      files: cur ? [...cur.byFile].map(([file, lines]) => ({ file, lines })) : [],
      decorated: [...this.applied].filter(([, lines]) => lines.length > 0).map(([editor, lines]) => ({ file: editor.document.uri.fsPath, lines })),
    };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.decoration.dispose();
  }
}
