/**
 * Text for terminals and logs, shared by the CLI and the runner (pure: no node:*).
 *
 * A graph file, a run record or a command-line argument can hold any character; printed
 * raw, ESC/OSC/CSI sequences would drive the user's terminal (clear the screen, set the
 * clipboard, rewrite earlier lines) and bidi controls would reorder what is shown. So
 * every string the CLI echoes from such a source goes through `escapeControls`: C0
 * controls, DEL, C1 controls, the line/paragraph separators and the bidi embedding,
 * override, isolate and mark characters become visible escapes (`\x1b`, `\u202e`, `\n`).
 * The actions' own output, shown as such, is the user's and is not touched.
 */
import type { Diagnostic } from './diagnostics';
import type { LineIndex } from './text';

/** Every character escapeControls rewrites. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but tab and line feed pass (multi-line text). */
const UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw among those (it escapes C0 itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function visible(c: string): string {
  switch (c) {
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default: {
      const n = c.charCodeAt(0);
      return n < 0x100 ? `\\x${hex(n, 2)}` : `\\u${hex(n, 4)}`;
    }
  }
}

/** One line of untrusted text, safe to print: controls become visible escapes. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, visible);
}

/** Like escapeControls, but keeps tabs and line feeds (text that may span lines). */
export function escapeControlsKeepLines(s: string): string {
  return s.replace(UNSAFE_KEEP_LINES, visible);
}

/**
 * JSON text (from JSON.stringify) safe to print: DEL, C1 and bidi controls, which
 * JSON.stringify leaves raw, become `\u` escapes. The JSON value is unchanged.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/** One line per diagnostic, `FILE:LINE:COLUMN: SEVERITY CODE: MESSAGE` (1-based), terminal-safe. */
export function formatDiagnostic(display: string, d: Diagnostic, lineIndex: LineIndex): string {
  const p = lineIndex.positionAt(d.span.offset);
  const message = d.message.replace(/[\r\n]+/g, ' ');
  return escapeControls(`${display}:${p.line + 1}:${p.character + 1}: ${d.severity} ${d.code}: ${message}`);
}
