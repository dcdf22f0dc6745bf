/**
 * The runner worker (`dist/runner.js`): a small Node process the extension forks
 * (`child_process.fork`, IPC) so that spawning actions never happens in the large extension
 * host (fork/spawn cost grows with the parent's memory). One run per process; protocol in
 * src/shared/runner-protocol.ts. If the parent goes away (VS Code closes or crashes), the
 * run is canceled, every process tree killed, the report written, and the worker exits.
 */
import { formatDiagnostic } from '../core/format';
import type { RunEvent, OutputStream } from '../core/run/events';
import { parseParentMessage, type PlanMessage, type StartMessage, type WorkerToParent } from '../shared/runner-protocol';
import { planDecisions } from './incremental/plan';
import { spawnModeFromEnv } from './executor';
import { executeRun } from './run';
import { PauseSwitch } from '../core/run/pause';

/** Output to the parent: at most one message per action and stream per FLUSH_MS, each at most CAP characters. */
const FLUSH_MS = 50;
const CAP = 64 * 1024;

let started = false;
let finished = false;
const ac = new AbortController();
const pause = new PauseSwitch();

function send(m: WorkerToParent): void {
  if (!process.connected || process.send === undefined) return;
  try {
    process.send(m);
  } catch {
    // channel closed between the check and the send: the disconnect handler cancels the run
  }
}

/** Coalesces action-output events per (action, stream); other events flush first, so order holds. */
class OutputBatcher {
  private readonly pending = new Map<string, { action: string; stream: OutputStream; time: number; parts: string[]; size: number; dropped: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly emit: (e: RunEvent) => void) {}

  event(e: RunEvent): void {
    if (e.type !== 'action-output') {
      this.flush();
      this.emit(e);
      return;
    }
    const key = `${e.stream}\u0000${e.action}`;
    let p = this.pending.get(key);
    if (p === undefined) {
      p = { action: e.action, stream: e.stream, time: e.time, parts: [], size: 0, dropped: 0 };
      this.pending.set(key, p);
    }
    p.parts.push(e.text);
    p.size += e.text.length;
    // Keep only the newest CAP characters of this window (what a live view shows).
    while (p.size - (p.parts[0]?.length ?? 0) >= CAP && p.parts.length > 1) {
      const first = p.parts.shift() as string;
      p.size -= first.length;
      p.dropped += first.length;
    }
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (const p of this.pending.values()) {
      let text = p.parts.join('');
      let dropped = p.dropped;
      if (text.length > CAP) {
        dropped += text.length - CAP;
        text = text.slice(text.length - CAP);
      }
      const note = dropped > 0 ? `[actiontree: ${dropped} characters not shown here; the log file has all output]\n` : '';
      this.emit({ type: 'action-output', action: p.action, time: p.time, stream: p.stream, text: note + text });
    }
    this.pending.clear();
  }
}

async function start(m: StartMessage): Promise<void> {
  const batcher = new OutputBatcher((event) => send({ type: 'event', event }));
  let runDir: string | null = null;
  const spawn = spawnModeFromEnv(process.env);
  const outcome = await executeRun({
    graphFile: m.graphFile,
    ...(m.actions !== undefined ? { actions: m.actions } : {}),
    ...(m.only !== undefined ? { only: m.only } : {}),
    ...(m.cpus !== undefined ? { cpus: m.cpus } : {}),
    ...(m.keepGoing !== undefined ? { keepGoing: m.keepGoing } : {}),
    ...(m.executor !== undefined ? { executor: m.executor } : {}),
    ...(m.env !== undefined ? { env: m.env } : {}),
    ...(m.force !== undefined ? { force: m.force } : {}),
    ...(spawn !== undefined ? { spawn } : {}),
    signal: ac.signal,
    pause,
    onRunDir: (dir) => (runDir = dir),
    onEvent: (e) => batcher.event(e),
  });
  batcher.flush();
  switch (outcome.kind) {
    case 'invalid': {
      const lines = outcome.diagnostics.map((d) => formatDiagnostic(m.graphFile, d, outcome.lineIndex));
      send({ type: 'error', message: `the graph has errors; nothing was run\n${lines.join('\n')}` });
      finish({ type: 'done', runDir: null, result: null });
      return;
    }
    case 'nothing':
    case 'error':
      send({ type: 'error', message: outcome.message });
      finish({ type: 'done', runDir, result: null });
      return;
    case 'finished':
      finish({ type: 'done', runDir: outcome.runDir, result: outcome.summary.result });
      return;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** `actiontree plan` for the editor (tree tooltip, hover, code lens): reads, never writes. */
function plan(m: PlanMessage): void {
  const outcome = planDecisions(m.graphFile, { force: m.force === true });
  switch (outcome.kind) {
    case 'plan':
      send({ type: 'plan-result', decisions: outcome.decisions.map((d) => ({ action: d.action, decision: d.decision, reasons: d.reasons.slice() })), warnings: outcome.warnings.slice() });
      break;
    case 'invalid':
      send({ type: 'error', message: `the graph has errors\n${outcome.diagnostics.map((d) => formatDiagnostic(m.graphFile, d, outcome.lineIndex)).join('\n')}` });
      break;
    case 'error':
      send({ type: 'error', message: outcome.message });
      break;
    default: {
      const never: never = outcome;
      return never;
    }
  }
  finish({ type: 'done', runDir: null, result: null });
}

function finish(done: WorkerToParent): void {
  finished = true;
  if (!process.connected || process.send === undefined) {
    process.exit(0);
  }
  process.send(done, undefined, {}, () => {
    if (process.connected) process.disconnect();
    process.exitCode = 0;
  });
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('actiontree runner: this is the extension\'s worker; start it with child_process.fork (IPC)\n');
    process.exitCode = 2;
    return;
  }
  process.on('message', (raw: unknown) => {
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) {
      send({ type: 'error', message: `bad message: ${parsed.error}` });
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'cancel':
        ac.abort();
        return;
      case 'pause':
        pause.pause();
        return;
      case 'resume':
        pause.resume();
        return;
      case 'plan':
        if (started) {
          send({ type: 'error', message: 'this worker is busy' });
          return;
        }
        started = true;
        try {
          plan(m);
        } catch (e: unknown) {
          send({ type: 'error', message: `internal error: ${e instanceof Error ? e.message : String(e)}` });
          finish({ type: 'done', runDir: null, result: null });
        }
        return;
      case 'start':
        if (started) {
          send({ type: 'error', message: 'a run is already in progress in this worker' });
          return;
        }
        started = true;
        start(m).catch((e: unknown) => {
          send({ type: 'error', message: `internal error: ${e instanceof Error ? e.message : String(e)}` });
          finish({ type: 'done', runDir: null, result: null });
        });
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  });
  process.on('disconnect', () => {
    // The extension is gone: cancel (kills every tree), then exit once the report is written.
    ac.abort();
    // A run in progress ends through finish(), which exits when the channel is gone.
    if (!started || finished) process.exit(0);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
}

main();
