import type { RunEvent, RunResult } from '../core/run/events';

/**
 * IPC messages between the extension (parent) and the runner worker (`dist/runner.js`,
 * forked with `child_process.fork`). One run per worker process: the parent sends `start`,
 * receives `event`s, then exactly one `done`; the worker exits after `done`. Both sides
 * validate what they receive (`parseParentMessage` / `parseWorkerMessage`).
 *
 * Output events are batched by the worker: at most one `action-output` per action and stream
 * every ~50 ms, each capped (the log file under the run folder keeps every byte).
 */

export const RUNNER_PROTOCOL_VERSION = 1;

export interface StartMessage {
  readonly type: 'start';
  /** Absolute path of the `*.actiontree.jsonc` file. */
  readonly graphFile: string;
  /** Named actions (their dependencies are added); omitted or empty = the whole graph. */
  readonly actions?: readonly string[];
  /** true: run exactly the named actions, not their dependencies (those count as done). */
  readonly only?: boolean;
  /** Overrides the file's `cpus`. */
  readonly cpus?: number;
  /** Overrides the file's `keepGoing`. */
  readonly keepGoing?: boolean;
  /** Where jobs run (docs/slurm.md); omitted = the file's `executor`, else local. */
  readonly executor?: 'local' | 'slurm';
  /** Base environment of the actions (default: the worker's own). The extension sends a terminal's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Run every selected action, even those that are up to date (`--force`). */
  readonly force?: boolean;
}

/**
 * Plan without running (`actiontree plan`): the worker answers with one `plan-result` (or an
 * `error`), then `done` with a null result, and exits. Reads files only (input hashes, the
 * incremental state); writes nothing, takes no lock.
 */
export interface PlanMessage {
  readonly type: 'plan';
  readonly graphFile: string;
  readonly force?: boolean;
}

export interface CancelMessage {
  readonly type: 'cancel';
}

/** SPEC §8: nothing new starts until `resume`; running actions go on. */
export interface PauseMessage {
  readonly type: 'pause';
}

export interface ResumeMessage {
  readonly type: 'resume';
}

export type ParentToWorker = StartMessage | CancelMessage | PauseMessage | ResumeMessage | PlanMessage;

export interface EventMessage {
  readonly type: 'event';
  readonly event: RunEvent;
}

export interface ErrorMessage {
  readonly type: 'error';
  /** Human-readable, one or more lines (e.g. `file:line:col: error code: message` for an invalid graph). */
  readonly message: string;
}

export interface DoneMessage {
  readonly type: 'done';
  /** The run folder (`.../.actiontree/runs/<run-id>`), null when nothing was started. */
  readonly runDir: string | null;
  /** null when the run never started (invalid graph, unwritable run folder, bad message). */
  readonly result: RunResult | null;
}

export interface PlanDecisionData {
  readonly action: string;
  readonly decision: 'run' | 'skip';
  readonly reasons: readonly string[];
}

export interface PlanResultMessage {
  readonly type: 'plan-result';
  /** Topological order, as `actiontree plan`. */
  readonly decisions: readonly PlanDecisionData[];
  readonly warnings: readonly string[];
}

export type WorkerToParent = EventMessage | ErrorMessage | DoneMessage | PlanResultMessage;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isStringRecord(x: unknown): boolean {
  if (!isObject(x)) return false;
  const entries = Object.entries(x);
  return entries.length <= 10_000 && entries.every(([k, v]) => k !== '' && !k.includes('=') && !k.includes('\0') && typeof v === 'string' && !v.includes('\0'));
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Validates a message received by the worker. */
export function parseParentMessage(x: unknown): Parsed<ParentToWorker> {
  if (!isObject(x)) return { ok: false, error: 'message is not an object' };
  switch (x['type']) {
    case 'cancel':
      return { ok: true, value: { type: 'cancel' } };
    case 'pause':
      return { ok: true, value: { type: 'pause' } };
    case 'resume':
      return { ok: true, value: { type: 'resume' } };
    case 'start': {
      const graphFile = x['graphFile'];
      if (typeof graphFile !== 'string' || graphFile === '') return { ok: false, error: 'start: graphFile must be a non-empty string' };
      const actions = x['actions'];
      if (actions !== undefined && !(Array.isArray(actions) && actions.every((a) => typeof a === 'string'))) {
        return { ok: false, error: 'start: actions must be an array of strings' };
      }
      const cpus = x['cpus'];
      if (cpus !== undefined && !(typeof cpus === 'number' && Number.isInteger(cpus) && cpus >= 1)) {
        return { ok: false, error: 'start: cpus must be an integer >= 1' };
      }
      const keepGoing = x['keepGoing'];
      if (keepGoing !== undefined && typeof keepGoing !== 'boolean') return { ok: false, error: 'start: keepGoing must be a boolean' };
      const env = x['env'];
      if (env !== undefined && !isStringRecord(env)) return { ok: false, error: 'start: env must be an object of strings' };
      const only = x['only'];
      if (only !== undefined && typeof only !== 'boolean') return { ok: false, error: 'start: only must be a boolean' };
      const executor = x['executor'];
      if (executor !== undefined && executor !== 'local' && executor !== 'slurm') return { ok: false, error: "start: executor must be 'local' or 'slurm'" };
      const force = x['force'];
      if (force !== undefined && typeof force !== 'boolean') return { ok: false, error: 'start: force must be a boolean' };
      const value: StartMessage = {
        type: 'start',
        graphFile,
        ...(actions !== undefined ? { actions: (actions as string[]).slice() } : {}),
        ...(only !== undefined ? { only } : {}),
        ...(cpus !== undefined ? { cpus } : {}),
        ...(keepGoing !== undefined ? { keepGoing } : {}),
        ...(executor !== undefined ? { executor } : {}),
        ...(env !== undefined ? { env: { ...(env as Record<string, string>) } } : {}),
        ...(force !== undefined ? { force } : {}),
      };
      return { ok: true, value };
    }
    case 'plan': {
      const graphFile = x['graphFile'];
      if (typeof graphFile !== 'string' || graphFile === '') return { ok: false, error: 'plan: graphFile must be a non-empty string' };
      const force = x['force'];
      if (force !== undefined && typeof force !== 'boolean') return { ok: false, error: 'plan: force must be a boolean' };
      return { ok: true, value: { type: 'plan', graphFile, ...(force !== undefined ? { force } : {}) } };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(x['type'])}` };
  }
}

const eventTypes = new Set(['run-started', 'action-ready', 'action-queued', 'action-started', 'service-ready', 'action-output', 'action-finished', 'run-paused', 'run-resumed', 'run-finished', 'hook-finished']);
/** Events that concern no action (hook-finished's `action` is optional). */
const runLevel = new Set(['run-started', 'run-finished', 'run-paused', 'run-resumed', 'hook-finished']);
const results = new Set(['succeeded', 'failed', 'canceled']);

/** Validates a message received by the extension (shape-level: type tags and field types). */
export function parseWorkerMessage(x: unknown): Parsed<WorkerToParent> {
  if (!isObject(x)) return { ok: false, error: 'message is not an object' };
  switch (x['type']) {
    case 'event': {
      const e = x['event'];
      if (!isObject(e) || typeof e['type'] !== 'string' || !eventTypes.has(e['type']) || typeof e['time'] !== 'number') {
        return { ok: false, error: 'event: not a run event' };
      }
      if (!runLevel.has(e['type']) && typeof e['action'] !== 'string') {
        return { ok: false, error: 'event: missing action' };
      }
      return { ok: true, value: { type: 'event', event: e as unknown as RunEvent } };
    }
    case 'error':
      if (typeof x['message'] !== 'string') return { ok: false, error: 'error: message must be a string' };
      return { ok: true, value: { type: 'error', message: x['message'] } };
    case 'done': {
      const runDir = x['runDir'];
      const result = x['result'];
      if (runDir !== null && typeof runDir !== 'string') return { ok: false, error: 'done: runDir must be a string or null' };
      if (result !== null && !(typeof result === 'string' && results.has(result))) return { ok: false, error: 'done: bad result' };
      return { ok: true, value: { type: 'done', runDir, result: result as RunResult | null } };
    }
    case 'plan-result': {
      const ds = x['decisions'];
      const ws = x['warnings'];
      if (!Array.isArray(ds) || !Array.isArray(ws) || !ws.every((w) => typeof w === 'string')) return { ok: false, error: 'plan-result: bad shape' };
      const decisions: PlanDecisionData[] = [];
      for (const d of ds as unknown[]) {
        if (!isObject(d) || typeof d['action'] !== 'string' || (d['decision'] !== 'run' && d['decision'] !== 'skip')) {
          return { ok: false, error: 'plan-result: bad decision' };
        }
        const reasons = d['reasons'];
        if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) return { ok: false, error: 'plan-result: bad reasons' };
        decisions.push({ action: d['action'], decision: d['decision'], reasons: (reasons as string[]).slice() });
      }
      return { ok: true, value: { type: 'plan-result', decisions, warnings: (ws as string[]).slice() } };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(x['type'])}` };
  }
}
