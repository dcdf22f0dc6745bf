/**
 * The last `maxChars` characters of each action's output (stdout and stderr interleaved in
 * arrival order). Memory stays bounded whatever an action writes.
 */
export class OutputTails {
  private readonly tails = new Map<string, { chunks: string[]; size: number; dropped: number }>();

  constructor(private readonly maxChars = 16 * 1024) {}

  add(action: string, text: string): void {
    let t = this.tails.get(action);
    if (t === undefined) {
      t = { chunks: [], size: 0, dropped: 0 };
      this.tails.set(action, t);
    }
    if (text.length >= this.maxChars) {
      t.dropped += t.size + text.length - this.maxChars;
      t.chunks = [text.slice(text.length - this.maxChars)];
      t.size = this.maxChars;
      return;
    }
    t.chunks.push(text);
    t.size += text.length;
    while (t.size > this.maxChars && t.chunks.length > 0) {
      const first = t.chunks[0] as string;
      const over = t.size - this.maxChars;
      if (first.length <= over) {
        t.chunks.shift();
        t.size -= first.length;
        t.dropped += first.length;
      } else {
        t.chunks[0] = first.slice(over);
        t.size -= over;
        t.dropped += over;
      }
    }
  }

  /** The kept text and how many characters before it were dropped. */
  get(action: string): { text: string; dropped: number } {
    const t = this.tails.get(action);
    if (t === undefined) return { text: '', dropped: 0 };
    const text = t.chunks.join('');
    t.chunks = [text];
    return { text, dropped: t.dropped };
  }

  /** The last `n` lines of the kept text. */
  lastLines(action: string, n: number): { lines: string[]; more: boolean } {
    const { text, dropped } = this.get(action);
    const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
    if (text === '') return { lines: [], more: dropped > 0 };
    return { lines: lines.slice(-n), more: dropped > 0 || lines.length > n };
  }

  clear(action: string): void {
    this.tails.delete(action);
  }
}
