/** `actiontree plan [FILE] [ACTION...] [--only] [--force] [--json]` (SPEC §7, docs/cli.md). */
import { planDecisions } from '../runner/incremental/plan';
import { EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';
import { resolveFileAndActions } from './files';
import { escapeControls, formatDiagnostic, jsonForTerminal } from '../core/format';

const USAGE = `Usage: actiontree plan [FILE] [ACTION...] [--only] [--force] [--json]

Prints what 'actiontree run' would do and why, without running anything: one line per
selected action, dependencies first.

  run   build   (input changed: src/a.ts)
  skip  lint    (up to date)

An action that declares "inputs" is skipped when its fingerprint (command, cwd, env,
envInputs, input file contents, dependencies) equals its last successful run's and its
recorded outputs are unchanged. A dependent of an action that will run is shown as
running ("dependency 'x' will run"); a real run may still skip it when the dependency
rewrites byte-identical outputs (early cutoff).

Options:
  --only     plan exactly the named ACTIONs, not their dependencies
  --force    as 'run --force': every selected action runs ("forced")
  --json     one JSON object per line: {"action","decision":"run"|"skip","reasons":[...]}
  -h, --help show this help

Warnings (input patterns that match no file, an unreadable state file) go to stderr.
Exit status: 0 planned, 2 invalid graph or usage.`;

export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'show what a run would do and why (run or skip), without running',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const parsed = parseArgs('plan', argv, {
      only: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (!parsed.ok) {
      io.stderr(`actiontree plan: ${escapeControls(parsed.message)}\n`);
      return EXIT_USAGE;
    }
    if (parsed.values['help'] === true) {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    const target = await resolveFileAndActions(parsed.positionals, parsed.values['only'] === true, io.cwd);
    if (!target.ok) {
      io.stderr(`actiontree plan: ${escapeControls(target.message)}
`);
      return EXIT_USAGE;
    }
    const resolved = target.graph;
    const names = target.actions;
    const out = planDecisions(resolved.file, {
      actions: names,
      only: parsed.values['only'] === true,
      force: parsed.values['force'] === true,
      env: io.env,
    });
    switch (out.kind) {
      case 'invalid':
        for (const d of out.diagnostics) io.stderr(`${formatDiagnostic(resolved.display, d, out.lineIndex)}\n`);
        io.stderr(`actiontree plan: ${escapeControls(resolved.display)} has ${out.diagnostics.length} error${out.diagnostics.length === 1 ? '' : 's'}\n`);
        return EXIT_USAGE;
      case 'error':
        io.stderr(`actiontree plan: ${escapeControls(out.message)}\n`);
        return EXIT_USAGE;
      case 'plan': {
        for (const w of out.warnings) io.stderr(`warning: ${escapeControls(w)}\n`);
        if (parsed.values['json'] === true) {
          for (const d of out.decisions) io.stdout(`${jsonForTerminal(JSON.stringify({ action: d.action, decision: d.decision, reasons: d.reasons }))}\n`);
        } else {
          const width = Math.max(0, ...out.decisions.map((d) => d.action.length));
          for (const d of out.decisions) io.stdout(`${d.decision.padEnd(5)} ${escapeControls(d.action).padEnd(width)}   (${escapeControls(d.reasons.join('; '))})\n`);
        }
        return EXIT_OK;
      }
      default: {
        const never: never = out;
        return never;
      }
    }
  },
};
