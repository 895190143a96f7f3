// The documents open in the editor, as the escape service needs them: found by path (editors
// spell URIs their own way: VS Code percent-encodes `(`, `)`, `@`…, Node does not), their
// text read once per request, and whether a line still reads as it was compiled.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { LineIndex } from '../../escape/positions';
import { readText } from './digests';
import { fileUri, type TextSource } from './present';

export class OpenDocuments {
  /** Open documents' URIs by path, rebuilt after a document opens or closes. */
  private openPaths: Map<string, string> | undefined;

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  /** A document opened or closed. */
  changed(): void {
    this.openPaths = undefined;
  }

  /** The open document of a file, found by path. */
  documentOf(file: string): TextDocument | undefined {
    const doc = this.documents.get(fileUri(file));
    if (doc) return doc;
    if (!this.openPaths) {
      this.openPaths = new Map();
      for (const d of this.documents.all()) {
        const f = this.fileOf(d.uri);
        if (f) this.openPaths.set(f, d.uri);
      }
    }
    const uri = this.openPaths.get(file);
    return uri === undefined ? undefined : this.documents.get(uri);
  }

  fileOf(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }

  packageDirOf(uri: string): string | undefined {
    const file = this.fileOf(uri);
    return file && file.endsWith('.go') ? path.dirname(file) : undefined;
  }

  /** The open document's text, else the file's on disk. */
  text(file: string): LineIndex | undefined {
    const doc = this.documentOf(file);
    return doc ? new LineIndex(doc.getText()) : readText(file);
  }

  /** A text source that reads each file (or open document) once: one per request or publish. */
  textCache(): TextSource {
    const cache = new Map<string, LineIndex | undefined>();
    return (file) => {
      let t = cache.get(file);
      if (t === undefined && !cache.has(file)) cache.set(file, (t = this.text(file)));
      return t;
    };
  }

  /** Whether line (1-based) of a file still reads as it did when compiled (a closed file is as it was). */
  isCurrentLine(compiled: ReadonlyMap<string, LineIndex>, file: string, line: number): boolean {
    const text = compiled.get(file);
    if (!text) return false;
    const doc = this.documentOf(file);
    if (!doc) return true;
    const current = doc.getText({ start: { line: line - 1, character: 0 }, end: { line, character: 0 } }).replace(/\r?\n$/, '');
    return current === text.lineText(line);
  }
}
