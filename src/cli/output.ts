// Output of the CLI a piece at a time: a large result (escape --json of hundreds of megabytes
// of compiler output) is written as it is made, in chunks, waiting for stdout to drain between
// them, instead of being built as one string.
import type { CliIO } from './command';

/** Collects text and passes it to io.stdout in chunks of about `chunkSize` characters. */
export class ChunkedOutput {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly io: CliIO,
    private readonly chunkSize = 256 * 1024,
  ) {}

  /** Adds text; once a chunk is full, writes it and waits until stdout can take more. */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkSize) await this.flush();
  }

  /** Writes what is collected and waits until stdout can take more. */
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.io.stdout(chunk);
    await this.io.drained?.();
  }
}

/** A member of writeJsonObject whose array is written item by item. */
export class JsonArrayStream {
  constructor(readonly items: Iterable<unknown>) {}
}

/** JSON.stringify(value, null, 1), each line after the first indented by `indent` more spaces. */
function stringifyIndented(value: unknown, indent: string): string {
  // undefined, a function or a symbol: JSON.stringify gives undefined; in an array it is null.
  const json = JSON.stringify(value, null, 1) as string | undefined;
  // A newline in JSON text is always layout: newlines in strings are escaped.
  return json === undefined ? 'null' : json.replaceAll('\n', '\n' + indent);
}

/**
 * Writes the text of `JSON.stringify(object, null, 1) + '\n'` for an object with these members,
 * in order: a member whose value is a JsonArrayStream is written as an array one item at a time,
 * so the whole text never exists at once. Members whose value is undefined are left out, as
 * JSON.stringify does.
 */
export async function writeJsonObject(out: ChunkedOutput, members: readonly (readonly [string, unknown])[]): Promise<void> {
  let first = true;
  await out.write('{');
  for (const [key, value] of members) {
    if (value === undefined) continue;
    await out.write(`${first ? '' : ','}\n ${JSON.stringify(key)}: `);
    first = false;
    if (!(value instanceof JsonArrayStream)) {
      await out.write(stringifyIndented(value, ' '));
      continue;
    }
    let empty = true;
    for (const item of value.items) {
      await out.write(`${empty ? '[' : ','}\n  ${stringifyIndented(item, '  ')}`);
      empty = false;
    }
    await out.write(empty ? '[]' : '\n ]');
  }
  await out.write(first ? '}\n' : '\n}\n');
  await out.flush();
}
