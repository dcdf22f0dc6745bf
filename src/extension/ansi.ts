/**
 * Output helpers without `vscode`: ANSI escape stripping (output channels show plain text)
 * and a bounded in-memory tail (the log file under the run folder keeps every byte).
 */

// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), other 2-byte escapes, and C1 CSI.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\^_]|\u009b[0-?]*[ -/]*[@-~]/g;

export function stripAnsi(s: string): string {
  return s.indexOf('\u001b') < 0 && s.indexOf('\u009b') < 0 ? s : s.replace(ANSI, '');
}

/**
 * Strips escapes from a stream delivered in chunks: an escape sequence split across two
 * chunks is held back until its end arrives (at most 64 chars are held).
 */
export class AnsiStripper {
  private pending = '';

  push(chunk: string): string {
    let s = this.pending + chunk;
    this.pending = '';
    const esc = s.lastIndexOf('\u001b');
    if (esc >= 0 && s.length - esc < 64) {
      const rest = s.slice(esc);
      // Incomplete if it does not yet match a whole escape sequence at its start.
      const m = /^(?:\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\^_])/.exec(rest);
      if (!m) {
        this.pending = rest;
        s = s.slice(0, esc);
      }
    }
    return stripAnsi(s);
  }

  flush(): string {
    const s = this.pending;
    this.pending = '';
    return stripAnsi(s);
  }
}

/** Keeps the last `limit` characters appended (plus a note of how much was dropped). */
export class TailBuffer {
  private chunks: string[] = [];
  private size = 0;
  private droppedChars = 0;

  constructor(readonly limit: number) {}

  append(s: string): void {
    if (s.length === 0) return;
    if (s.length >= this.limit) {
      this.droppedChars += this.size + (s.length - this.limit);
      this.chunks = [s.slice(s.length - this.limit)];
      this.size = this.limit;
      return;
    }
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.droppedChars += first.length;
      } else {
        this.chunks[0] = first.slice(excess);
        this.size -= excess;
        this.droppedChars += excess;
      }
    }
  }

  get dropped(): number {
    return this.droppedChars;
  }

  get length(): number {
    return this.size;
  }

  text(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.droppedChars = 0;
  }
}
