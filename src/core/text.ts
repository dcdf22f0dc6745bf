/** A half-open range of UTF-16 code units in a document: [offset, offset + length). */
export interface Span {
  readonly offset: number;
  readonly length: number;
}

export interface Position {
  /** 0-based line. */
  readonly line: number;
  /** 0-based UTF-16 column. */
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export function span(offset: number, length: number): Span {
  return { offset, length };
}

export function spanEnd(s: Span): number {
  return s.offset + s.length;
}

export function spanContains(s: Span, offset: number): boolean {
  return offset >= s.offset && offset <= s.offset + s.length;
}

/**
 * Converts offsets to line/column and back. Built once per text (one linear pass to find
 * line starts); each lookup is a binary search.
 */
export class LineIndex {
  private readonly starts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    if (text.indexOf('\r') < 0) {
      // Only \n line breaks (the usual file): let indexOf find them.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.starts = starts;
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */) {
        starts.push(i + 1);
      } else if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - (this.starts[lo] as number) };
  }

  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line] as number;
    const next = pos.line + 1 < this.starts.length ? (this.starts[pos.line + 1] as number) : this.text.length;
    return Math.max(start, Math.min(start + pos.character, next));
  }

  rangeOf(s: Span): Range {
    return { start: this.positionAt(s.offset), end: this.positionAt(s.offset + s.length) };
  }
}
