/**
 * `actiontree trace [RUN-DIR] [-o trace.json]`: a run in the Chrome trace event format
 * (Perfetto, chrome://tracing), one track per CPU slot.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildTrace } from '../core/trace';
import { EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';
import { loadRun } from './runDir';

const USAGE = `Usage: actiontree trace [RUN-DIR] [-o trace.json]

Writes a run as a Chrome trace (Trace Event Format JSON): open it in https://ui.perfetto.dev
or chrome://tracing. One track per CPU slot (an attempt goes to the first free slot, as
ninjatracing does); one slice per attempt with the action's state, reason and command.

  RUN-DIR            a run folder (.actiontree/runs/<run-id>) or a file in it;
                     default: the newest run under ./.actiontree/runs
  -o, --output FILE  where to write; default: stdout

A run folder without report.json (a crashed or unfinished run) is drawn from its
events.jsonl, with a note on stderr.

Exit status: 0 written, 2 usage error or an unreadable run folder.
`;

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: 'export a run as a Chrome trace (Perfetto, chrome://tracing)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const parsed = parseArgs('trace', argv, { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } });
    if (!parsed.ok) {
      io.stderr(`actiontree trace: ${parsed.message}\n`);
      return EXIT_USAGE;
    }
    if (parsed.values['help']) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (parsed.positionals.length > 1) {
      io.stderr(`actiontree trace: expected at most one RUN-DIR, got ${parsed.positionals.length}\n`);
      return EXIT_USAGE;
    }
    const loaded = await loadRun(parsed.positionals[0], io.cwd);
    if (!loaded.ok) {
      io.stderr(`actiontree trace: ${loaded.message}\n`);
      return EXIT_USAGE;
    }
    const run = loaded.run;
    for (const n of run.notes) io.stderr(`actiontree trace: note: ${n}\n`);
    const host = run.raw?.['host'];
    const meta: Record<string, string | number | null> = { source: run.source };
    if (run.graphFile) meta['graphFile'] = run.graphFile;
    if (host && typeof host === 'object') {
      for (const [k, v] of Object.entries(host as Record<string, unknown>)) {
        if (typeof v === 'string' || typeof v === 'number') meta[`host.${k}`] = v;
      }
    }
    const text = `${JSON.stringify(buildTrace(run.input, meta))}\n`;
    const output = typeof parsed.values['output'] === 'string' ? parsed.values['output'] : undefined;
    if (!output) {
      io.stdout(text);
      return EXIT_OK;
    }
    const out = path.resolve(io.cwd, output);
    try {
      await fs.writeFile(out, text);
    } catch (e) {
      io.stderr(`actiontree trace: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`actiontree trace: wrote ${path.relative(io.cwd, out) || out} (${run.input.actions.length} actions)\n`);
    return EXIT_OK;
  },
};
