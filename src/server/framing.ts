// Reads LSP messages from a byte stream (the `--stdio` transport): `Content-Length: N\r\n`,
// other header lines, an empty line, then N bytes of JSON.
//
// vscode-jsonrpc's own reader waits for ever on a malformed frame: a Content-Length that is not
// a number (it reports the error and goes on reading the body as headers), a negative or huge
// length (it buffers everything that follows, waiting for 10^12 bytes), a header that never
// ends (buffered and rescanned on every chunk). This one reports the first malformed frame as a
// FramingError and reads nothing more, so the server can say so and exit, and the client start
// a new one. What it holds is bounded: a header of at most maxHeaderBytes, a body of at most
// maxContentLength.
import { AbstractMessageReader, Disposable, type DataCallback, type Message } from 'vscode-languageserver/node';

export interface FramingLimits {
  /** Bytes of header (every line, up to the empty line) before it is refused (default 16 KiB). */
  maxHeaderBytes: number;
  /** Largest Content-Length accepted (default 256 MiB: the text of a huge file, several times over). */
  maxContentLength: number;
}

export const DEFAULT_FRAMING_LIMITS: FramingLimits = { maxHeaderBytes: 16 * 1024, maxContentLength: 256 * 1024 * 1024 };

/** A frame that is not `Content-Length: N` headers and N bytes of a JSON object. The message is one line. */
export class FramingError extends Error {}

const END_OF_HEADER = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

/** A value from the stream, quoted and shortened for a one-line message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Splits bytes into messages; push() throws FramingError at the first malformed frame, and at every call after it. */
export class MessageFramer {
  /** The header read so far (no end yet). */
  private header: Buffer = EMPTY;
  /** The body's length once its header is read, else -1. */
  private expected = -1;
  private body: Buffer[] = [];
  private bodyLength = 0;
  private failed: FramingError | undefined;

  constructor(private readonly limits: FramingLimits = DEFAULT_FRAMING_LIMITS) {}

  /** Takes a chunk of the stream; returns the messages it completes. */
  push(chunk: Uint8Array): Message[] {
    if (this.failed) throw this.failed;
    const messages: Message[] = [];
    try {
      this.read(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), messages);
      return messages;
    } catch (err) {
      if (err instanceof FramingError) {
        this.failed = err;
        this.header = EMPTY;
        this.body = [];
      }
      throw err;
    }
  }

  private read(chunk: Buffer, messages: Message[]): void {
    let pos = 0;
    for (;;) {
      if (this.expected < 0) {
        if (pos >= chunk.length) return;
        // At most the bytes that can still belong to a header of the allowed size.
        const room = this.limits.maxHeaderBytes - this.header.length;
        const taken = chunk.subarray(pos, pos + room);
        const header = this.header.length === 0 ? taken : Buffer.concat([this.header, taken]);
        const end = header.indexOf(END_OF_HEADER, Math.max(0, this.header.length - 3));
        if (end < 0) {
          if (header.length >= this.limits.maxHeaderBytes) throw new FramingError(`a message header longer than ${this.limits.maxHeaderBytes} bytes (no empty line ends it)`);
          // A copy: the stream may reuse its chunk.
          this.header = Buffer.from(header);
          return;
        }
        pos += end + END_OF_HEADER.length - this.header.length;
        this.header = EMPTY;
        this.expected = this.contentLength(header.toString('latin1', 0, end));
      }
      const piece = chunk.subarray(pos, pos + (this.expected - this.bodyLength));
      this.body.push(Buffer.from(piece));
      this.bodyLength += piece.length;
      pos += piece.length;
      if (this.bodyLength < this.expected) return;
      const body = this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body);
      this.body = [];
      this.bodyLength = 0;
      this.expected = -1;
      messages.push(parseBody(body));
    }
  }

  /** The Content-Length of a header (its lines without the empty one). */
  private contentLength(header: string): number {
    let length: number | undefined;
    for (const line of header.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new FramingError(`a message header line that is not "Name: value": ${quote(line)}`);
      if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
      const value = line.slice(colon + 1).trim();
      if (!/^\d{1,16}$/.test(value)) throw new FramingError(`a Content-Length that is not a number of bytes: ${quote(value)}`);
      const n = Number(value);
      if (n > this.limits.maxContentLength) throw new FramingError(`a Content-Length of ${value} bytes, over the limit of ${this.limits.maxContentLength}`);
      if (length !== undefined && length !== n) throw new FramingError(`two Content-Length headers (${length} and ${n})`);
      length = n;
    }
    if (length === undefined) throw new FramingError(`a message header without Content-Length: ${quote(header)}`);
    return length;
  }
}

function parseBody(body: Buffer): Message {
  let message: unknown;
  try {
    message = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FramingError(`a message body of ${body.length} bytes that is not JSON: ${quote(body.toString('utf8', 0, 200))}`);
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw new FramingError(`a message body that is not a JSON object: ${quote(body.toString('utf8', 0, 200))}`);
  return message as Message;
}

/**
 * A MessageReader over a byte stream with MessageFramer: the first malformed frame fires onError
 * with a FramingError, and nothing more is read from the stream.
 */
export class StrictStreamMessageReader extends AbstractMessageReader {
  private readonly framer: MessageFramer;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    limits?: FramingLimits,
  ) {
    super();
    this.framer = new MessageFramer(limits);
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer | string): void => {
      let messages: Message[];
      try {
        messages = this.framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      } catch (err) {
        // Nothing after a malformed frame can be trusted to be where a message starts.
        this.input.off('data', onData);
        this.input.pause();
        this.fireError(err);
        return;
      }
      for (const m of messages) callback(m);
    };
    const onError = (err: unknown): void => this.fireError(err);
    let closed = false;
    const onClose = (): void => {
      if (closed) return;
      closed = true;
      this.fireClose();
    };
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('end', onClose);
    this.input.on('close', onClose);
    return Disposable.create(() => {
      this.input.off('data', onData);
      this.input.off('error', onError);
      this.input.off('end', onClose);
      this.input.off('close', onClose);
    });
  }
}
