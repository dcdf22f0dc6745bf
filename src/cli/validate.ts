/** `actiontree validate [FILE...]`: diagnostics as `file:line:col: severity code: message`. */
import * as os from 'node:os';
import { analyzeText, MAX_ANALYZE_SIZE, tooLargeDiagnostic } from '../core/analyze';
import type { Diagnostic } from '../core/diagnostics';
import type { Graph } from '../core/model';
import { LineIndex } from '../core/text';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';
import { readGraphFile, resolveGraphFile } from './files';
import { escapeControls, formatDiagnostic, jsonForTerminal } from '../core/format';

export interface FileDiagnostics {
  readonly display: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly lineIndex: LineIndex;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 errors, 1 warning in 3 files" / "no problems in 1 file". */
export function summarize(all: readonly FileDiagnostics[], unreadable: number): string {
  const count = (s: Diagnostic['severity']) => all.reduce((n, f) => n + f.diagnostics.filter((d) => d.severity === s).length, 0);
  const parts: string[] = [];
  const e = count('error');
  const w = count('warning');
  const i = count('information');
  const h = count('hint');
  if (e) parts.push(plural(e, 'error'));
  if (w) parts.push(plural(w, 'warning'));
  if (i) parts.push(plural(i, 'info'));
  if (h) parts.push(plural(h, 'hint'));
  const files = plural(all.length, 'file');
  const tail = unreadable ? `; ${plural(unreadable, 'file')} could not be read` : '';
  return `${parts.length ? parts.join(', ') : 'no problems'} in ${files}${tail}`;
}

/** Reads and analyzes one graph file; an unreadable file is a message. */
export async function validateFile(
  file: string,
  display: string,
): Promise<{ ok: true; result: FileDiagnostics; text: string; graph: Graph } | { ok: false; message: string }> {
  const read = await readGraphFile(file, display, MAX_ANALYZE_SIZE);
  if (read.ok === false) return { ok: false, message: read.message };
  if (read.ok === 'too-large') {
    const empty = analyzeText('{}').graph;
    return { ok: true, text: '', graph: empty, result: { display, diagnostics: [tooLargeDiagnostic(read.bytes)], lineIndex: new LineIndex('') } };
  }
  // Machine-aware checks (more-cpus-than-cores) against the cores this process may use.
  const a = analyzeText(read.text, { availableCores: os.availableParallelism() });
  return { ok: true, text: read.text, graph: a.graph, result: { display, diagnostics: a.diagnostics, lineIndex: a.lineIndex } };
}

const USAGE = `Usage: actiontree validate [FILE...] [--format text|json]

Checks graph files and prints one line per problem:
  FILE:LINE:COLUMN: SEVERITY CODE: MESSAGE
(1-based line and column; severities: error, warning, info(rmation), hint).
A summary line goes to stderr. FILE defaults to the only *.actiontree.jsonc in the
current folder; a folder stands for the only graph file in it.

Options:
  --format text|json   json: one array of {file, line, column, endLine, endColumn,
                       severity, code, message, data} on stdout (default: text)
  -h, --help           show this help

Exit status: 0 no errors (warnings and hints allowed), 1 errors found,
2 usage error or a file that cannot be read.`;

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check graph files and print their problems',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs('validate', argv, { format: { type: 'string', choices: ['text', 'json'] }, help: { type: 'boolean', short: 'h' } });
    if (!args.ok) {
      io.stderr(`actiontree: ${escapeControls(args.message)}\n`);
      return EXIT_USAGE;
    }
    if (args.values.help) {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    const json = args.values.format === 'json';
    const targets: (string | undefined)[] = args.positionals.length ? [...new Set(args.positionals)] : [undefined];
    const results: FileDiagnostics[] = [];
    let unreadable = 0;
    const jsonOut: unknown[] = [];
    for (const t of targets) {
      const r = await resolveGraphFile(t, io.cwd);
      if (!r.ok) {
        io.stderr(`actiontree: ${escapeControls(r.message)}\n`);
        unreadable++;
        continue;
      }
      const v = await validateFile(r.file, r.display);
      if (!v.ok) {
        io.stderr(`actiontree: ${escapeControls(v.message)}\n`);
        unreadable++;
        continue;
      }
      results.push(v.result);
      const { lineIndex } = v.result;
      if (json) {
        for (const d of v.result.diagnostics) {
          const range = lineIndex.rangeOf(d.span);
          jsonOut.push({
            file: r.display,
            line: range.start.line + 1,
            column: range.start.character + 1,
            endLine: range.end.line + 1,
            endColumn: range.end.character + 1,
            severity: d.severity,
            code: d.code,
            message: d.message,
            ...(d.data ? { data: d.data } : {}),
          });
        }
      } else {
        const lines = v.result.diagnostics.map((d) => formatDiagnostic(r.display, d, lineIndex));
        if (lines.length) io.stdout(`${lines.join('\n')}\n`);
      }
    }
    if (json) io.stdout(`${jsonForTerminal(JSON.stringify(jsonOut, null, 2))}\n`);
    // The summary; when nothing could be read, the one error line says it all.
    if (results.length > 0) io.stderr(`${summarize(results, unreadable)}\n`);
    if (unreadable) return EXIT_USAGE;
    return results.some((f) => f.diagnostics.some((d) => d.severity === 'error')) ? EXIT_FAILURE : EXIT_OK;
  },
};
