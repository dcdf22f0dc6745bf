/**
 * Messages between the extension host and the graph view webview, defined once and
 * validated on both sides (parseGraphHostMessage in the webview, parseGraphWebviewMessage
 * in the extension). Pure: no `vscode`, no DOM. Big payloads travel as one JSON string
 * (cheaper to clone than thousands of objects; see src/shared/webview-protocol.ts).
 */
import type { GanttInput } from '../core/gantt/model';
import { parseChart } from './webview-protocol';

export interface GraphViewNode {
  readonly id: string;
  readonly deps: readonly string[];
  readonly command: string | null;
  readonly description: string | null;
}

export interface GraphViewGraph {
  readonly title: string;
  readonly graphFile: string;
  readonly nodes: readonly GraphViewNode[];
}

/** Wire form: `graphJson` is JSON.stringify(GraphViewGraph); `chartJson` of GanttInput | null. */
export type GraphHostWire =
  | { readonly type: 'graph'; readonly graphJson: string }
  | { readonly type: 'run'; readonly chartJson: string; readonly now: number }
  | { readonly type: 'error'; readonly message: string };

export type GraphHostMessage =
  | { readonly type: 'graph'; readonly graph: GraphViewGraph }
  | { readonly type: 'run'; readonly chart: GanttInput | null; readonly now: number }
  | { readonly type: 'error'; readonly message: string };

export function encodeGraphHostMessage(m: GraphHostMessage): GraphHostWire {
  switch (m.type) {
    case 'graph':
      return { type: 'graph', graphJson: JSON.stringify(m.graph) };
    case 'run':
      return { type: 'run', chartJson: JSON.stringify(m.chart), now: m.now };
    case 'error':
      return m;
  }
}

export interface GraphRenderedMessage {
  readonly type: 'rendered';
  /** Actions in the graph. */
  readonly nodes: number;
  /** Actions laid out and drawn (fewer in a filtered view; 0 while a "too big" notice shows). */
  readonly drawn: number;
  /** Drawn actions per run state (`none` = not in the run). */
  readonly states: Readonly<Record<string, number>>;
  /** Layout + first drawing time of the last layout, ms (null when nothing was laid out). */
  readonly layoutMs: number | null;
  /** The notice shown instead of (or above) the drawing, else null. */
  readonly message: string | null;
  readonly runId: string | null;
}

export type GraphWebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'reveal-output'; readonly action: string }
  | GraphRenderedMessage;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const MAX_ID = 1000;
const MAX_TEXT = 100_000;
const MAX_NODES = 200_000;

class Invalid extends Error {}
function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Invalid(what);
}
function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID;
}
function isStrOrNull(x: unknown): x is string | null {
  return x === null || (typeof x === 'string' && x.length <= MAX_TEXT);
}
function wrap<T>(f: () => T): Parsed<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: `invalid message: ${e.message}` };
    if (e instanceof SyntaxError) return { ok: false, error: `invalid message: ${e.message}` };
    throw e;
  }
}

function graph(x: unknown): GraphViewGraph {
  need(isObj(x), 'graph');
  const { title, graphFile, nodes } = x;
  need(typeof title === 'string' && title.length <= MAX_ID, 'graph.title');
  need(typeof graphFile === 'string' && graphFile.length <= 10_000, 'graph.graphFile');
  need(Array.isArray(nodes) && nodes.length <= MAX_NODES, 'graph.nodes');
  return {
    title,
    graphFile,
    nodes: nodes.map((n: unknown) => {
      need(isObj(n), 'node');
      const { id, deps, command, description } = n;
      need(isId(id), 'node.id');
      need(Array.isArray(deps) && deps.every(isId), `node ${id}: deps`);
      need(isStrOrNull(command) && isStrOrNull(description), `node ${id}: texts`);
      return { id, deps: (deps as string[]).slice(), command, description };
    }),
  };
}

export function parseGraphHostMessage(x: unknown): Parsed<GraphHostMessage> {
  return wrap(() => {
    need(isObj(x), 'message');
    switch (x['type']) {
      case 'graph':
        need(typeof x['graphJson'] === 'string', 'graphJson');
        return { type: 'graph', graph: graph(JSON.parse(x['graphJson'] as string)) };
      case 'run': {
        need(typeof x['chartJson'] === 'string', 'chartJson');
        need(typeof x['now'] === 'number' && Number.isFinite(x['now']), 'now');
        const c: unknown = JSON.parse(x['chartJson'] as string);
        let chart: GanttInput | null = null;
        if (c !== null) {
          try {
            chart = parseChart(c);
          } catch (e) {
            // parseChart reports an invalid chart with its own error class.
            throw new Invalid(`chart: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        return { type: 'run', chart, now: x['now'] as number };
      }
      case 'error':
        need(typeof x['message'] === 'string' && x['message'].length <= MAX_TEXT, 'message');
        return { type: 'error', message: x['message'] as string };
      default:
        throw new Invalid(`unknown type ${JSON.stringify(x['type'])}`);
    }
  });
}

export function parseGraphWebviewMessage(x: unknown): Parsed<GraphWebviewMessage> {
  return wrap(() => {
    need(isObj(x), 'message');
    switch (x['type']) {
      case 'ready':
        return { type: 'ready' };
      case 'reveal-output':
        need(isId(x['action']), 'action');
        return { type: 'reveal-output', action: x['action'] as string };
      case 'rendered': {
        const { nodes, drawn, states, layoutMs, message, runId } = x;
        need(Number.isInteger(nodes) && Number.isInteger(drawn), 'counts');
        need(isObj(states) && Object.values(states).every((v) => Number.isInteger(v)), 'states');
        need(layoutMs === null || (typeof layoutMs === 'number' && Number.isFinite(layoutMs)), 'layoutMs');
        need(isStrOrNull(message) && isStrOrNull(runId), 'texts');
        return { type: 'rendered', nodes: nodes as number, drawn: drawn as number, states: { ...(states as Record<string, number>) }, layoutMs: layoutMs as number | null, message, runId };
      }
      default:
        throw new Invalid(`unknown type ${JSON.stringify(x['type'])}`);
    }
  });
}
