/** `actiontree run [FILE] [ACTION...] [--cpus N] [--keep-going] [--json]` (SPEC §5, docs/runner.md). */
import * as path from 'node:path';
import type { RunEvent } from '../core/run/events';
import { formatMs } from '../core/run/outcome';
import { formatUsage } from '../core/bytes';
import { PauseSwitch } from '../core/run/pause';
import { OutputTails } from '../core/run/tail';
import { spawnModeFromEnv } from '../runner/executor';
import { executeRun } from '../runner/run';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, parseIntOption, type CliCommand, type CliIO } from './command';
import { GRAPH_SUFFIX, resolveFileAndActions } from './files';
import { escapeControls, formatDiagnostic, jsonForTerminal } from '../core/format';

const USAGE = `Usage: actiontree run [FILE] [ACTION...] [--only] [--force] [--cpus N] [--keep-going] [--executor local|slurm] [--json]

Runs the graph's actions as child processes under its CPU and resource limits. With
ACTIONs, runs those actions plus everything they depend on; else the whole graph.
An action that declares "inputs" is skipped ("up to date") when nothing it depends on
changed since its last successful run; 'actiontree plan' shows what would run and why.
FILE defaults to the only *${GRAPH_SUFFIX} in the current folder; the first argument is
taken as FILE when it ends in ${GRAPH_SUFFIX} or names an existing file or folder.

Records go to .actiontree/runs/<run-id>/ beside the graph file: events.jsonl,
report.json and logs/<action>.log (all output of every attempt).

Options:
  --only          run exactly the named ACTIONs, not their dependencies
  --force         run every selected action, even those that are up to date
  --cpus N        CPU slots for this run (overrides the file's "cpus")
  --keep-going    after a failure, still run everything that does not depend on it
  --executor E    'local' (child processes) or 'slurm' (one sbatch job per attempt on the
                  Slurm cluster SLURM_CONF names; see docs/slurm.md); default: the file's
                  "executor", else local
  --json          print every run event as one JSON object per line on stdout
                  (progress and summary go to stderr)
  -h, --help      show this help

On a terminal a single progress line is kept up to date; otherwise one line is printed
per finished action (consecutive up-to-date skips share one). At the end: a summary,
the last output lines of failed actions, and where the report and logs are.

Ctrl-C (SIGINT), SIGTERM, SIGHUP (terminal closed) or SIGQUIT cancels the run: every
running process tree gets SIGTERM, then SIGKILL after 3 s; the report is still written.

SIGUSR1 pauses the run: nothing new starts, running actions go on; SIGUSR2 resumes it.

Exit status: 0 all selected actions succeeded, 1 the run failed, 2 invalid graph or
usage (nothing started), 128 + the signal's number when canceled by a signal (130
SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT).`;

const TAIL_LINES = 20;

/** Signals that cancel the run (every one that would otherwise end the runner), with the exit status: 128 + number. */
const CANCEL_SIGNALS: readonly (readonly [NodeJS.Signals, number])[] = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
  ['SIGQUIT', 131],
];

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run the graph (or named actions and their dependencies)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const parsed = parseArgs('run', argv, {
      cpus: { type: 'string' },
      'keep-going': { type: 'boolean' },
      only: { type: 'boolean' },
      executor: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (!parsed.ok) {
      io.stderr(`actiontree run: ${escapeControls(parsed.message)}\n`);
      return EXIT_USAGE;
    }
    if (parsed.values['help'] === true) {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    let cpus: number | undefined;
    const cpusArg = parsed.values['cpus'];
    if (typeof cpusArg === 'string') {
      const n = parseIntOption('--cpus', cpusArg);
      if (!n.ok) {
        io.stderr(`actiontree run: ${escapeControls(n.message)}\n`);
        return EXIT_USAGE;
      }
      cpus = n.value;
    }
    const executorArg = parsed.values['executor'];
    if (executorArg !== undefined && executorArg !== 'local' && executorArg !== 'slurm') {
      io.stderr(`actiontree run: --executor must be 'local' or 'slurm', got '${String(executorArg)}'\n`);
      return EXIT_USAGE;
    }
    const json = parsed.values['json'] === true;
    const keepGoing = parsed.values['keep-going'] === true ? true : undefined;

    const target = await resolveFileAndActions(parsed.positionals, parsed.values['only'] === true, io.cwd);
    if (!target.ok) {
      io.stderr(`actiontree run: ${escapeControls(target.message)}
`);
      return EXIT_USAGE;
    }
    const resolved = target.graph;
    const names = target.actions;

    const ui = new Progress(io, json);
    const ac = new AbortController();
    let canceledBy: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (canceledBy === null) {
        canceledBy = sig;
        ui.note(`${sig === 'SIGINT' ? 'Ctrl-C' : sig}: canceling the run (stopping running actions)…`);
        ac.abort();
      }
    };
    // Every signal that would end the runner cancels cleanly instead (the report is written).
    const handlers = CANCEL_SIGNALS.map(([sig]) => [sig, (): void => onSignal(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    // SIGUSR1 pauses, SIGUSR2 resumes (SPEC §8). Installing a handler also replaces Node's
    // default for SIGUSR1, which would open the inspector.
    const pause = new PauseSwitch();
    const onPause = (): void => void pause.pause();
    const onResume = (): void => void pause.resume();
    process.on('SIGUSR1', onPause);
    process.on('SIGUSR2', onResume);
    const spawn = spawnModeFromEnv(io.env);
    try {
      const outcome = await executeRun({
        graphFile: resolved.file,
        actions: names,
        ...(parsed.values['only'] === true ? { only: true } : {}),
        ...(parsed.values['force'] === true ? { force: true } : {}),
        ...(cpus !== undefined ? { cpus } : {}),
        ...(keepGoing !== undefined ? { keepGoing } : {}),
        ...(spawn !== undefined ? { spawn } : {}),
        ...(executorArg !== undefined ? { executor: executorArg } : {}),
        signal: ac.signal,
        pause,
        env: { ...io.env },
        onEvent: (e) => ui.event(e),
        ...(json && io.stdoutGate !== undefined ? { outputGate: io.stdoutGate } : {}),
      });
      ui.stop();
      switch (outcome.kind) {
        case 'invalid':
          for (const d of outcome.diagnostics) io.stderr(`${formatDiagnostic(resolved.display, d, outcome.lineIndex)}\n`);
          io.stderr(`actiontree run: ${escapeControls(resolved.display)} has ${outcome.diagnostics.length} error${outcome.diagnostics.length === 1 ? '' : 's'}; nothing was run\n`);
          return EXIT_USAGE;
        case 'error':
          io.stderr(`actiontree run: ${escapeControls(outcome.message)}\n`);
          return EXIT_USAGE;
        case 'nothing':
          io.stderr(`actiontree run: ${outcome.message}\n`);
          return EXIT_OK;
        case 'finished': {
          for (const w of outcome.warnings) io.stderr(`warning: ${escapeControls(w)}\n`);
          ui.summary(outcome.summary, outcome.runDir, io.cwd);
          for (const l of outcome.logErrors) io.stderr(`actiontree run: warning: the log of '${l.action}' is incomplete: ${l.error}\n`);
          if (outcome.summary.result === 'succeeded') return EXIT_OK;
          const bySignal = CANCEL_SIGNALS.find(([sig]) => sig === canceledBy);
          if (bySignal !== undefined) return bySignal[1];
          return EXIT_FAILURE;
        }
        default: {
          const never: never = outcome;
          return never;
        }
      }
    } finally {
      ui.stop();
      for (const [sig, h] of handlers) process.removeListener(sig, h);
      process.removeListener('SIGUSR1', onPause);
      process.removeListener('SIGUSR2', onResume);
    }
  },
};

/** Up-to-date skips named in their one line; the rest are counted. */
const SKIPS_NAMED = 5;

type Summary = Extract<Awaited<ReturnType<typeof executeRun>>, { kind: 'finished' }>['summary'];

/** Terminal output: a live line on a TTY, one line per finished action otherwise, or JSON events. */
class Progress {
  private readonly tails = new OutputTails(16 * 1024);
  private readonly running = new Set<string>();
  private total = 0;
  private done = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private lineShown = false;
  /** Progress to a file or pipe, written in one go per turn of the event loop (a write per line costs 10-20 µs). */
  private pending = '';
  private flushQueued = false;
  private pausedNow = false;
  private readonly usage = new Map<string, { peak: number | undefined; cpu: number | undefined }>();
  private readonly live: boolean;
  /**
   * Consecutive "up to date" skips not yet printed (to a file or pipe): one line for the lot,
   * written before the next line or action start, so that a no-op run of 2,000 actions logs
   * one line, not 2,000 (report.json lists every one).
   */
  private upToDate: string[] = [];

  constructor(
    private readonly io: CliIO,
    private readonly json: boolean,
  ) {
    this.live = io.isTTY && !json;
  }

  /** Messages for the user: stderr with --json, else the same stream as the progress. */
  private say(s: string): void {
    this.flushSkips();
    this.flush();
    if (this.json) this.io.stderr(s);
    else this.io.stdout(s);
  }

  private out(s: string): void {
    // On a terminal each redraw goes out as it is made; to a file or pipe, one write per turn.
    if (this.live) {
      this.io.stdout(s);
      return;
    }
    this.pending += s;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.pending === '') return;
    const s = this.pending;
    this.pending = '';
    this.io.stdout(s);
  }

  note(msg: string): void {
    this.flushSkips();
    this.clearLine();
    this.flush();
    this.io.stderr(`${msg}\n`);
    this.draw();
  }

  event(e: RunEvent): void {
    // JSON.stringify escapes C0 controls; jsonForTerminal the rest (same JSON value).
    if (this.json) this.out(`${jsonForTerminal(JSON.stringify(e))}\n`);
    switch (e.type) {
      case 'run-started':
        this.total = e.actions.length;
        this.startedAt = e.time;
        if (this.live && this.timer === null) {
          this.timer = setInterval(() => this.draw(), 200);
          this.timer.unref();
        }
        break;
      case 'action-ready':
      case 'action-queued':
        break;
      case 'action-started':
        this.flushSkips();
        this.running.add(e.action);
        if (e.attempt > 1 && !this.json) this.line(`↻ ${escapeControls(e.action)}: attempt ${e.attempt} (previous: ${escapeControls(e.previous?.reason ?? 'failed')})`);
        break;
      case 'service-ready':
        if (!this.json && !this.live) this.line(`● ${escapeControls(e.action)}: ready (serving)`);
        break;
      case 'action-output':
        this.tails.add(e.action, e.text);
        break;
      case 'action-finished': {
        if (e.peakRssBytes !== undefined || e.cpuTimeMs !== undefined) this.usage.set(e.action, { peak: e.peakRssBytes, cpu: e.cpuTimeMs });
        this.running.delete(e.action);
        this.done++;
        if (e.state === 'succeeded') this.tails.clear(e.action);
        // On a terminal, only what needs attention is printed above the progress line.
        if (!this.json && !this.live && e.state === 'skipped' && e.reason === 'up to date') this.upToDate.push(e.action);
        else if (!this.json && (!this.live || (e.state !== 'succeeded' && e.state !== 'skipped'))) {
          const mark = e.state === 'succeeded' ? '✓' : e.state === 'failed' ? '✗' : e.state === 'canceled' ? '○' : '-';
          const attempts = e.attempts > 1 ? ` after ${e.attempts} attempts` : '';
          this.line(`${mark} ${escapeControls(e.action)}${e.reason ? `: ${escapeControls(e.reason)}` : ''}${attempts}`);
        }
        break;
      }
      case 'run-paused':
        this.pausedNow = true;
        if (!this.json) this.line('⏸ paused: nothing new starts until SIGUSR2 (running actions go on)');
        break;
      case 'run-resumed':
        this.pausedNow = false;
        if (!this.json) this.line('▶ resumed');
        break;
      case 'run-finished':
        break;
      case 'hook-finished':
        // SPEC §10: a failing hook never fails the run (nor changes the exit status); it is said.
        if (e.error !== null && !this.json) {
          this.clearLine();
          this.flush();
          this.io.stderr(`warning: hook ${e.hook}${e.action !== undefined ? ` (${escapeControls(e.action)})` : ''} failed: ${escapeControls(e.error)}${e.log !== null ? ` (output: ${escapeControls(e.log)})` : ''}\n`);
        }
        break;
      default: {
        const never: never = e;
        return never;
      }
    }
    this.draw();
  }

  private line(s: string): void {
    if (this.json) return;
    this.flushSkips();
    this.clearLine();
    this.out(`${s}\n`);
  }

  private flushSkips(): void {
    const ids = this.upToDate;
    if (ids.length === 0) return;
    this.upToDate = [];
    if (ids.length === 1) {
      this.out(`- ${escapeControls(ids[0] as string)}: up to date\n`);
      return;
    }
    const shown = ids.slice(0, SKIPS_NAMED).map(escapeControls).join(', ');
    const more = ids.length > SKIPS_NAMED ? ` and ${ids.length - SKIPS_NAMED} more` : '';
    this.out(`- ${ids.length} up to date: ${shown}${more}\n`);
  }

  private clearLine(): void {
    if (this.lineShown) {
      this.out('\r\x1b[2K');
      this.lineShown = false;
    }
  }

  private draw(): void {
    if (!this.live || this.total === 0) return;
    const elapsed = ((performance.timeOrigin + performance.now() - this.startedAt) / 1000).toFixed(1);
    const names = [...this.running];
    const width = Math.max(40, (process.stdout.columns ?? 80) - 1);
    let text = `[${this.done}/${this.total}] ${elapsed}s${this.pausedNow ? ' PAUSED' : ''}`;
    if (names.length > 0) {
      text += ' running: ';
      let shown = 0;
      for (const n of names) {
        const more = names.length - shown - 1;
        const add = (shown ? ', ' : '') + escapeControls(n);
        if (text.length + add.length + (more > 0 ? 8 : 0) > width) break;
        text += add;
        shown++;
      }
      if (shown < names.length) text += ` (+${names.length - shown})`;
    }
    this.out(`\r\x1b[2K${text.slice(0, width)}`);
    this.lineShown = true;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.flushSkips();
    this.clearLine();
    this.flush();
  }

  summary(s: Summary, runDir: string, cwd: string): void {
    const count = (st: string): number => s.actions.filter((a) => a.state === st).length;
    const parts = [`${count('succeeded')} succeeded`];
    for (const st of ['failed', 'canceled', 'skipped']) if (count(st) > 0) parts.push(`${count(st)} ${st}`);
    const failed = s.actions.filter((a) => a.state === 'failed');
    for (const a of failed) {
      const { lines, more } = this.tails.lastLines(a.id, TAIL_LINES);
      // The header is ours (escaped); the output lines below are the action's own, as printed.
      this.say(`\n── ${escapeControls(a.id)}: ${escapeControls(a.reason ?? 'failed')}${a.attempts > 1 ? ` (${a.attempts} attempts)` : ''} ──\n`);
      if (lines.length === 0) this.say('(no output)\n');
      else {
        if (more) this.say(`… (earlier output in the log)\n`);
        this.say(`${lines.join('\n')}\n`);
      }
    }
    const rel = (p: string): string => {
      const r = path.relative(cwd, p);
      return r === '' || r.startsWith('..') ? p : r;
    };
    // SPEC §8: the slowest and the largest actions (up to 3 each), when there is more than one.
    const ran = s.actions.filter((a) => a.startedAt !== null);
    if (ran.length > 1) {
      const slow = ran
        .map((a) => ({ id: a.id, ms: a.finishedAt - (a.startedAt as number) }))
        .sort((a, b) => b.ms - a.ms || (a.id < b.id ? -1 : 1))
        .slice(0, 3);
      this.say(`\nslowest: ${slow.map((x) => `${x.id} ${formatMs(Math.round(x.ms))}`).join(', ')}\n`);
      const big = [...this.usage.entries()]
        // An attempt shorter than the sampler's first tick is never measured (peak 0): not "largest".
        .filter(([, u]) => u.peak !== undefined && u.peak > 0)
        .sort((a, b) => (b[1].peak as number) - (a[1].peak as number) || (a[0] < b[0] ? -1 : 1))
        .slice(0, 3);
      if (big.length > 0) this.say(`largest: ${big.map(([id, u]) => `${id} ${formatUsage(u.peak, u.cpu)}`).join('; ')}\n`);
    }
    const verdict = s.result === 'succeeded' ? 'Run succeeded' : s.result === 'failed' ? 'Run FAILED' : 'Run CANCELED';
    this.say(`\n${verdict}: ${parts.join(', ')} of ${s.actions.length} in ${formatMs(Math.round(s.finishedAt - s.startedAt))}\n`);
    this.say(`report: ${escapeControls(rel(path.join(runDir, 'report.json')))}\nlogs:   ${escapeControls(rel(path.join(runDir, 'logs')))}${path.sep}\n`);
  }
}
