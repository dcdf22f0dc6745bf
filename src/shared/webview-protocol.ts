/**
 * Messages between the extension host and the Gantt webview, defined once and validated on
 * both sides (`parseHostMessage` in the webview, `parseWebviewMessage` in the extension).
 * Pure: no `vscode`, no DOM.
 */
import type { ActionState } from '../core/run/events';
import type { GanttAction, GanttAttempt, GanttInput, GanttPause } from '../core/gantt/model';

/** Where a chart comes from; kept in the webview state so a reload can restore it. */
export type ChartSource =
  | { readonly kind: 'run'; readonly runDir: string | null; readonly graphFile: string }
  | { readonly kind: 'report'; readonly path: string };

export interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly chart: GanttInput;
  /** Host clock at send time (ms since epoch) for the "now" line. */
  readonly now: number;
  readonly source: ChartSource | null;
}

export interface PatchMessage {
  readonly type: 'patch';
  readonly runId: string;
  /** Changed actions, replacing those with the same id. */
  readonly actions: readonly GanttAction[];
  readonly finishedAt: number | null;
  readonly result: GanttInput['result'];
  readonly now: number;
  readonly source: ChartSource | null;
  /** SPEC §8: the run's paused intervals so far (replacing the previous list). */
  readonly pauses?: readonly GanttPause[];
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
  readonly source: ChartSource | null;
}

export type HostToWebview = SnapshotMessage | PatchMessage | ErrorMessage;

/**
 * What is actually posted. A snapshot's chart travels as one JSON string: a webview message
 * is cloned twice on its way into the iframe, and cloning one string is far cheaper than
 * cloning 10,000 objects (see bench/gantt-render.mjs).
 */
export type WireHostMessage = Exclude<HostToWebview, SnapshotMessage> | (Omit<SnapshotMessage, 'chart'> & { readonly chartJson: string });

export function encodeHostMessage(m: HostToWebview): WireHostMessage {
  if (m.type !== 'snapshot') return m;
  return { type: 'snapshot', chartJson: JSON.stringify(m.chart), now: m.now, source: m.source };
}

export interface ReadyMessage {
  readonly type: 'ready';
}
export interface RevealOutputMessage {
  readonly type: 'reveal-output';
  readonly action: string;
}
/** Lets tests and the status line know the chart has drawn what it was sent. */
export interface RenderedMessage {
  readonly type: 'rendered';
  readonly runId: string;
  readonly rows: number;
  readonly finished: number;
  /** The message shown instead of a chart (corrupt report, run that did not start), else null. */
  readonly message: string | null;
}

export type WebviewToHost = ReadyMessage | RevealOutputMessage | RenderedMessage;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const STATES: ReadonlySet<string> = new Set<ActionState>(['pending', 'ready', 'running', 'serving', 'succeeded', 'failed', 'canceled', 'skipped']);
const RESULTS: ReadonlySet<unknown> = new Set([null, 'succeeded', 'failed', 'canceled']);
const MAX_ID = 1000;
const MAX_TEXT = 100_000;

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
function isNumOrNull(x: unknown): x is number | null {
  return x === null || isNum(x);
}
function isStrOrNull(x: unknown, max = MAX_TEXT): x is string | null {
  return x === null || (typeof x === 'string' && x.length <= max);
}
function isId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID;
}

class Invalid extends Error {}
function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Invalid(what);
}

function attempt(x: unknown): GanttAttempt {
  need(isObj(x) && isNum(x['startedAt']) && isNumOrNull(x['finishedAt']), 'attempt');
  return { startedAt: x['startedAt'] as number, finishedAt: x['finishedAt'] as number | null };
}

function action(x: unknown): GanttAction {
  need(isObj(x), 'action');
  const { id, dependsOn, state, readyAt, attempts, finishedAt, reason, exitCode, signal, command, description, estimateMs, waiting, group, peakRssBytes, cpuTimeMs, servingAt } = x;
  need(isId(id), 'action.id');
  need(Array.isArray(dependsOn) && dependsOn.every(isId), `action ${id}: dependsOn`);
  need(typeof state === 'string' && STATES.has(state), `action ${id}: state`);
  need(isNumOrNull(readyAt) && isNumOrNull(finishedAt) && isNumOrNull(exitCode) && isNumOrNull(estimateMs), `action ${id}: times`);
  need(Array.isArray(attempts), `action ${id}: attempts`);
  need(isStrOrNull(reason) && isStrOrNull(signal, 100) && isStrOrNull(command) && isStrOrNull(description), `action ${id}: texts`);
  need(waiting === undefined || isStrOrNull(waiting, 500), `action ${id}: waiting`);
  need(group === undefined || isStrOrNull(group), `action ${id}: group`);
  need((peakRssBytes === undefined || isNumOrNull(peakRssBytes)) && (cpuTimeMs === undefined || isNumOrNull(cpuTimeMs)), `action ${id}: usage`);
  need(servingAt === undefined || isNumOrNull(servingAt), `action ${id}: servingAt`);
  return {
    id,
    dependsOn: (dependsOn as string[]).slice(),
    state: state as ActionState,
    readyAt,
    attempts: attempts.map(attempt),
    finishedAt,
    reason,
    exitCode,
    signal,
    command,
    description,
    estimateMs,
    ...(typeof waiting === 'string' ? { waiting } : {}),
    ...(typeof group === 'string' ? { group } : {}),
    ...(typeof peakRssBytes === 'number' ? { peakRssBytes } : {}),
    ...(typeof cpuTimeMs === 'number' ? { cpuTimeMs } : {}),
    ...(typeof servingAt === 'number' ? { servingAt } : {}),
  };
}

function source(x: unknown): ChartSource | null {
  if (x === null || x === undefined) return null;
  need(isObj(x), 'source');
  if (x['kind'] === 'report') {
    need(typeof x['path'] === 'string' && x['path'] !== '', 'source.path');
    return { kind: 'report', path: x['path'] as string };
  }
  need(x['kind'] === 'run' && typeof x['graphFile'] === 'string' && isStrOrNull(x['runDir']), 'source');
  return { kind: 'run', graphFile: x['graphFile'] as string, runDir: x['runDir'] as string | null };
}

function pauseList(x: unknown): GanttPause[] {
  need(Array.isArray(x) && x.length <= 10_000, 'pauses');
  return x.map((p) => {
    need(isObj(p) && isNum(p['start']) && isNumOrNull(p['end']), 'pause');
    return { start: p['start'] as number, end: p['end'] as number | null };
  });
}

export function parseChart(x: unknown): GanttInput {
  need(isObj(x), 'chart');
  const { runId, title, startedAt, finishedAt, result, actions, pauses } = x;
  need(typeof runId === 'string' && runId.length <= MAX_ID, 'chart.runId');
  need(typeof title === 'string' && title.length <= MAX_ID, 'chart.title');
  need(isNum(startedAt) && isNumOrNull(finishedAt), 'chart times');
  need(RESULTS.has(result), 'chart.result');
  need(Array.isArray(actions), 'chart.actions');
  return { runId, title, startedAt, finishedAt, result: result as GanttInput['result'], actions: actions.map(action), ...(pauses !== undefined ? { pauses: pauseList(pauses) } : {}) };
}

function wrap<T>(f: () => T): Parsed<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: `invalid message: ${e.message}` };
    throw e;
  }
}

/** Validates a message received by the webview. */
export function parseHostMessage(x: unknown): Parsed<HostToWebview> {
  return wrap((): HostToWebview => {
    need(isObj(x), 'not an object');
    switch (x['type']) {
      case 'snapshot': {
        need(isNum(x['now']), 'now');
        const json = x['chartJson'];
        need(typeof json === 'string', 'snapshot.chartJson');
        let chart: unknown;
        try {
          chart = JSON.parse(json);
        } catch {
          throw new Invalid('snapshot.chartJson is not JSON');
        }
        return { type: 'snapshot', chart: parseChart(chart), now: x['now'] as number, source: source(x['source']) };
      }
      case 'patch':
        need(typeof x['runId'] === 'string' && isNum(x['now']) && isNumOrNull(x['finishedAt']) && RESULTS.has(x['result']), 'patch');
        need(Array.isArray(x['actions']), 'patch.actions');
        return {
          type: 'patch',
          runId: x['runId'] as string,
          actions: (x['actions'] as unknown[]).map(action),
          finishedAt: x['finishedAt'] as number | null,
          result: x['result'] as GanttInput['result'],
          now: x['now'] as number,
          source: source(x['source']),
          ...(x['pauses'] !== undefined ? { pauses: pauseList(x['pauses']) } : {}),
        };
      case 'error':
        need(typeof x['message'] === 'string' && x['message'].length <= MAX_TEXT, 'error.message');
        return { type: 'error', message: x['message'] as string, source: source(x['source']) };
      default:
        throw new Invalid(`unknown type ${JSON.stringify(x['type'])}`);
    }
  });
}

/** Validates a message received by the extension host. */
export function parseWebviewMessage(x: unknown): Parsed<WebviewToHost> {
  return wrap((): WebviewToHost => {
    need(isObj(x), 'not an object');
    switch (x['type']) {
      case 'ready':
        return { type: 'ready' };
      case 'reveal-output':
        need(isId(x['action']), 'reveal-output.action');
        return { type: 'reveal-output', action: x['action'] as string };
      case 'rendered':
        need(typeof x['runId'] === 'string' && Number.isInteger(x['rows']) && Number.isInteger(x['finished']), 'rendered');
        need(x['message'] === undefined || isStrOrNull(x['message']), 'rendered.message');
        return {
          type: 'rendered',
          runId: x['runId'] as string,
          rows: x['rows'] as number,
          finished: x['finished'] as number,
          message: (x['message'] as string | null | undefined) ?? null,
        };
      default:
        throw new Invalid(`unknown type ${JSON.stringify(x['type'])}`);
    }
  });
}

/** Validates the state a webview saved (restored by the panel serializer). */
export function parseSavedState(x: unknown): ChartSource | null {
  const r = wrap(() => (isObj(x) ? source(x['source']) : null));
  return r.ok ? r.value : null;
}
