/**
 * Expected diagnostics written into fixture files as caret comments under the line they
 * point at (the comment is valid JSONC, so the fixture still parses):
 *
 *     "dependsOn": ["tset"]
 * //               ^^^^^^ unknown-dependency error: exact message (optional)
 *
 * The carets give the exact columns of the range on the closest line above that is not a
 * caret comment.
 */
import { readFileSync } from 'node:fs';

export interface Expected {
  readonly line: number; // 0-based
  readonly startCol: number;
  readonly endCol: number;
  readonly code: string;
  readonly severity: string;
  readonly message: string | undefined;
}

const CARET = /^(\s*\/\/\s*)(\^+)\s+([a-z-]+)\s+(error|warning|information|hint)(?::\s(.*))?$/;

export function expectedFromText(text: string): Expected[] {
  const lines = text.split(/\r?\n/);
  const out: Expected[] = [];
  let target = -1;
  lines.forEach((l, i) => {
    const m = CARET.exec(l);
    if (!m) {
      target = i;
      return;
    }
    const start = (m[1] as string).length;
    out.push({
      line: target,
      startCol: start,
      endCol: start + (m[2] as string).length,
      code: m[3] as string,
      severity: m[4] as string,
      message: m[5],
    });
  });
  return out;
}

export function readFixture(path: string): string {
  return readFileSync(path, 'utf8');
}
