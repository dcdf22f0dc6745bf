/**
 * Problem matchers (SPEC §11): an action's `problemMatcher` turns lines of its output into
 * problems (file, line, column, severity, message), the way VS Code's task problem matchers
 * do. VS Code does not expose the definitions of its named matchers (`$tsc`, `$gcc`, …) to
 * extensions, so the common ones are defined here (NAMED_MATCHERS); an inline matcher uses
 * the same shape as in tasks.json. Pure: no node:*, no vscode.
 */

export type ProblemSeverity = 'error' | 'warning' | 'info';

/** One regular expression and the capture groups that hold each part (1-based; 0 = unused). */
export interface ProblemPattern {
  readonly regexp: string;
  readonly file?: number;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** A group holding `line`, `line,col` or `line,col,endLine,endCol`. */
  readonly location?: number;
  readonly severity?: number;
  readonly code?: number;
  readonly message?: number;
  /** Last pattern of a multi-line matcher only: matches repeatedly (eslint-stylish). */
  readonly loop?: boolean;
}

export type FileLocation = 'relative' | 'absolute' | 'autodetect';

export interface ProblemMatcher {
  /** `$tsc` for a named matcher; `inline` otherwise. */
  readonly name: string;
  /** Shown as the diagnostic's source (default: the matcher's name without `$`). */
  readonly source: string;
  /** Severity when the pattern has no severity group or it says something unknown. */
  readonly severity: ProblemSeverity;
  /** How file paths are resolved: relative to the action's cwd, absolute, or either. */
  readonly fileLocation: FileLocation;
  readonly pattern: readonly ProblemPattern[];
}

export interface Problem {
  readonly file: string;
  /** 1-based; 1 when the output names no line. */
  readonly line: number;
  /** 1-based; 1 when the output names no column. */
  readonly column: number;
  readonly endLine: number | null;
  readonly endColumn: number | null;
  readonly severity: ProblemSeverity;
  readonly message: string;
  readonly code: string | null;
  readonly source: string;
  readonly fileLocation: FileLocation;
}

/**
 * The named matchers ActionTree ships (the patterns VS Code and its common extensions use
 * for these tools' default output formats). Documented in docs/format.md.
 */
export const NAMED_MATCHERS: ReadonlyMap<string, ProblemMatcher> = new Map<string, ProblemMatcher>([
  [
    '$tsc',
    {
      name: '$tsc',
      source: 'ts',
      severity: 'error',
      fileLocation: 'relative',
      pattern: [{ regexp: String.raw`^([^\s].*)[\(:](\d+)[,:](\d+)(?:\):\s+|\s+-\s+)(error|warning|info)\s+TS(\d+)\s*:\s*(.*)$`, file: 1, line: 2, column: 3, severity: 4, code: 5, message: 6 }],
    },
  ],
  [
    '$gcc',
    {
      name: '$gcc',
      source: 'gcc',
      severity: 'error',
      fileLocation: 'autodetect',
      pattern: [{ regexp: String.raw`^(.*?):(\d+):(\d*):?\s+(?:fatal\s+)?(warning|error|note):\s+(.*)$`, file: 1, line: 2, column: 3, severity: 4, message: 5 }],
    },
  ],
  [
    '$eslint-compact',
    {
      name: '$eslint-compact',
      source: 'eslint',
      severity: 'error',
      fileLocation: 'autodetect',
      pattern: [{ regexp: String.raw`^(.+):\sline\s(\d+),\scol\s(\d+),\s(Error|Warning|Info)\s-\s(.+)\s\((.+)\)$`, file: 1, line: 2, column: 3, severity: 4, message: 5, code: 6 }],
    },
  ],
  [
    '$eslint-stylish',
    {
      name: '$eslint-stylish',
      source: 'eslint',
      severity: 'error',
      fileLocation: 'autodetect',
      pattern: [
        { regexp: String.raw`^([^\s].*)$`, file: 1 },
        { regexp: String.raw`^\s+(\d+):(\d+)\s+(error|warning|info)\s+(.+?)(?:\s\s+(.*))?$`, line: 1, column: 2, severity: 3, message: 4, code: 5, loop: true },
      ],
    },
  ],
  [
    '$go',
    {
      name: '$go',
      source: 'go',
      severity: 'error',
      fileLocation: 'autodetect',
      pattern: [{ regexp: String.raw`^([^:\s][^:]*\.go):(\d+)(?::(\d+))?:\s+(.*)$`, file: 1, line: 2, column: 3, message: 4 }],
    },
  ],
  [
    '$msCompile',
    {
      name: '$msCompile',
      source: 'msCompile',
      severity: 'error',
      fileLocation: 'absolute',
      pattern: [
        {
          regexp: String.raw`^(?:\s*\d+>)?(\S.*?)(?:\((\d+|\d+,\d+|\d+,\d+,\d+,\d+)\))?\s*:\s+(?:(\S+)\s+)?(error|warning|info)\s+(\w+\d+)?\s*:\s*(.*)$`,
          file: 1,
          location: 2,
          severity: 4,
          code: 5,
          message: 6,
        },
      ],
    },
  ],
]);

export const NAMED_MATCHER_NAMES: readonly string[] = [...NAMED_MATCHERS.keys()];

const PATTERN_KEYS = ['regexp', 'file', 'line', 'column', 'endLine', 'endColumn', 'location', 'severity', 'code', 'message', 'loop'] as const;
const GROUP_KEYS = ['file', 'line', 'column', 'endLine', 'endColumn', 'location', 'severity', 'code', 'message'] as const;

/** Compiles a regular expression from the file; an error message instead of a throw. */
export function compilePattern(source: string): { ok: true; re: RegExp } | { ok: false; error: string } {
  try {
    return { ok: true, re: new RegExp(source) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function severityOf(text: string | undefined, fallback: ProblemSeverity): ProblemSeverity {
  if (text === undefined) return fallback;
  const t = text.toLowerCase();
  if (t.startsWith('err') || t === 'fatal' || t === 'e') return 'error';
  if (t.startsWith('warn') || t === 'w') return 'warning';
  if (t.startsWith('info') || t === 'note' || t === 'hint' || t === 'i') return 'info';
  return fallback;
}

export { PATTERN_KEYS, GROUP_KEYS };

interface Compiled {
  readonly matcher: ProblemMatcher;
  readonly res: readonly RegExp[];
}

interface Partial {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity?: string;
  code?: string;
  message?: string;
}

function fill(p: Partial, pat: ProblemPattern, m: RegExpExecArray): void {
  const g = (k: number | undefined): string | undefined => (k !== undefined && k > 0 ? m[k] : undefined);
  const num = (s: string | undefined): number | undefined => {
    if (s === undefined || s === '') return undefined;
    const n = Number.parseInt(s, 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const file = g(pat.file);
  if (file !== undefined && file.trim() !== '') p.file = file.trim();
  const loc = g(pat.location);
  if (loc !== undefined) {
    const parts = loc.split(',').map((x) => num(x.trim()));
    if (parts[0] !== undefined) p.line = parts[0];
    if (parts[1] !== undefined) p.column = parts[1];
    if (parts[2] !== undefined) p.endLine = parts[2];
    if (parts[3] !== undefined) p.endColumn = parts[3];
  }
  const line = num(g(pat.line));
  if (line !== undefined) p.line = line;
  const column = num(g(pat.column));
  if (column !== undefined) p.column = column;
  const endLine = num(g(pat.endLine));
  if (endLine !== undefined) p.endLine = endLine;
  const endColumn = num(g(pat.endColumn));
  if (endColumn !== undefined) p.endColumn = endColumn;
  const sev = g(pat.severity);
  if (sev !== undefined) p.severity = sev;
  const code = g(pat.code);
  if (code !== undefined && code !== '') p.code = code;
  const msg = g(pat.message);
  if (msg !== undefined) p.message = msg;
}

/**
 * Feeds output to matchers and collects problems. Text arrives in chunks per stream; lines
 * are split on \n (a trailing \r is dropped, ANSI color codes are removed before matching).
 * A line longer than 64 KiB is not matched (a guard against pathological regexps on huge
 * lines). At most `maxProblems` problems are kept.
 */
export class ProblemCollector {
  private readonly compiled: Compiled[];
  private readonly partial = new Map<string, string>();
  /** Multi-line state per stream and matcher: index of the next pattern and the problem so far. */
  private readonly multi = new Map<string, { next: number; base: Partial }>();
  readonly problems: Problem[] = [];
  dropped = 0;

  constructor(
    matchers: readonly ProblemMatcher[],
    private readonly maxProblems = 5000,
  ) {
    this.compiled = [];
    for (const m of matchers) {
      const res: RegExp[] = [];
      for (const p of m.pattern) {
        const c = compilePattern(p.regexp);
        if (!c.ok) break;
        res.push(c.re);
      }
      if (res.length === m.pattern.length && res.length > 0) this.compiled.push({ matcher: m, res });
    }
  }

  get active(): boolean {
    return this.compiled.length > 0;
  }

  /** Adds output text of one stream; returns the number of problems added. */
  push(stream: string, text: string): number {
    const before = this.problems.length;
    const buf = (this.partial.get(stream) ?? '') + text;
    const lines = buf.split('\n');
    const rest = lines.pop() ?? '';
    this.partial.set(stream, rest.length > 65536 ? '' : rest);
    for (const l of lines) this.line(stream, l);
    return this.problems.length - before;
  }

  /** Matches what is left of each stream's last line (call when the action ends). */
  flush(): number {
    const before = this.problems.length;
    for (const [stream, rest] of this.partial) if (rest !== '') this.line(stream, rest);
    this.partial.clear();
    this.multi.clear();
    return this.problems.length - before;
  }

  private line(stream: string, raw: string): void {
    if (raw.length > 65536) return;
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/\r$/, '').replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
    this.compiled.forEach((c, ci) => {
      const key = `${stream}\u0000${ci}`;
      const pats = c.matcher.pattern;
      if (pats.length === 1) {
        const m = c.res[0]!.exec(line);
        if (m) this.emit(c.matcher, (() => {
          const p: Partial = {};
          fill(p, pats[0]!, m);
          return p;
        })());
        return;
      }
      const st = this.multi.get(key);
      if (st) {
        const idx = st.next;
        const m = c.res[idx]!.exec(line);
        if (m) {
          const p: Partial = { ...st.base };
          fill(p, pats[idx]!, m);
          if (idx === pats.length - 1) {
            this.emit(c.matcher, p);
            if (pats[idx]!.loop) return; // keep matching the loop pattern with the same base
            this.multi.delete(key);
          } else {
            this.multi.set(key, { next: idx + 1, base: p });
          }
          return;
        }
        this.multi.delete(key);
      }
      const m0 = c.res[0]!.exec(line);
      if (m0) {
        const p: Partial = {};
        fill(p, pats[0]!, m0);
        this.multi.set(key, { next: 1, base: p });
      }
    });
  }

  private emit(m: ProblemMatcher, p: Partial): void {
    if (p.file === undefined || p.message === undefined) return;
    if (this.problems.length >= this.maxProblems) {
      this.dropped++;
      return;
    }
    this.problems.push({
      file: p.file,
      line: p.line ?? 1,
      column: p.column ?? 1,
      endLine: p.endLine ?? null,
      endColumn: p.endColumn ?? null,
      severity: severityOf(p.severity, m.severity),
      message: p.message,
      code: p.code ?? null,
      source: m.source,
      fileLocation: m.fileLocation,
    });
  }
}
