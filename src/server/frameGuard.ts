import { Transform, type TransformCallback } from 'node:stream';

/**
 * Checks the LSP base protocol framing of a byte stream (`Content-Length: N\r\n…\r\n\r\n` +
 * N bytes) and passes it through unchanged. vscode-jsonrpc's reader, after a bad header (a
 * Content-Length that is not a number, none at all, a negative or absurd one), neither
 * recovers nor says anything: the server silently stops answering. Framing cannot be
 * resynchronized reliably, so the guard reports the first malformed header once and passes
 * nothing more; the caller logs it and exits non-zero (the client restarts the server).
 */

/** Largest message accepted (documents of tens of MB, escaped as JSON, fit well). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Longest header block accepted. */
const MAX_HEADER_BYTES = 8 * 1024;
const END = Buffer.from('\r\n\r\n');

export class FrameGuard extends Transform {
  private header = Buffer.alloc(0);
  /** Body bytes still to pass through; -1 while reading a header. */
  private bodyLeft = -1;
  private broken = false;

  constructor(private readonly onMalformed: (reason: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let buf = chunk;
    while (buf.length > 0 && !this.broken) {
      if (this.bodyLeft >= 0) {
        const n = Math.min(this.bodyLeft, buf.length);
        this.push(buf.subarray(0, n));
        this.bodyLeft -= n;
        buf = buf.subarray(n);
        if (this.bodyLeft === 0) this.bodyLeft = -1;
        continue;
      }
      const joined = this.header.length > 0 ? Buffer.concat([this.header, buf]) : buf;
      const end = joined.indexOf(END);
      if (end < 0) {
        if (joined.length > MAX_HEADER_BYTES) return this.fail(`a header longer than ${MAX_HEADER_BYTES} bytes without its end`, done);
        this.header = Buffer.from(joined);
        buf = Buffer.alloc(0);
        break;
      }
      const headerText = joined.subarray(0, end).toString('latin1');
      const problem = checkHeader(headerText);
      if (typeof problem === 'string') return this.fail(problem, done);
      this.push(joined.subarray(0, end + END.length));
      this.header = Buffer.alloc(0);
      this.bodyLeft = problem;
      buf = joined.subarray(end + END.length);
      if (this.bodyLeft === 0) this.bodyLeft = -1;
    }
    done();
  }

  private fail(reason: string, done: TransformCallback): void {
    this.broken = true;
    done();
    this.onMalformed(reason);
  }
}

/** The body length of a header block, or why it is malformed. */
export function checkHeader(text: string): number | string {
  let length: number | null = null;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `a malformed header line ${JSON.stringify(line.slice(0, 80))}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name !== 'content-length') continue;
    if (!/^[0-9]+$/.test(value)) return `Content-Length is not a byte count: ${JSON.stringify(value.slice(0, 40))}`;
    length = Number(value);
    if (length > MAX_FRAME_BYTES) return `Content-Length ${length} exceeds the ${MAX_FRAME_BYTES}-byte limit`;
  }
  if (length === null) return 'a header without Content-Length';
  return length;
}
