import { criticalPath, selectionClosure } from '../graph';
import type { Graph } from '../model';

export interface RunPlan {
  /** Selected ids in file order (the named actions plus their dependencies — or only them —, or all). */
  readonly selection: string[];
  /** Requested names that are not actions of the graph. */
  readonly unknown: string[];
  /** Remaining critical path per selected action, in estimate units (ms when estimates exist). */
  readonly remaining: Map<string, number>;
}

/**
 * What a run will do. Durations for the critical path: an action's estimate from earlier runs;
 * an action without one gets the median of the known estimates (so a new action counts as a
 * typical one, not as free), or 1 when nothing is known (every action weighs the same).
 */
export function planRun(graph: Graph, requested: readonly string[], estimates: ReadonlyMap<string, number>, only = false): RunPlan {
  const unknown = requested.filter((id) => !graph.byId.has(id));
  const chosen = requested.length === 0 ? null : only ? new Set(requested) : selectionClosure(graph, requested);
  const selection = graph.actions.filter((a) => chosen === null || chosen.has(a.id)).map((a) => a.id);
  const known = selection.map((id) => estimates.get(id)).filter((x): x is number => x !== undefined && Number.isFinite(x) && x >= 0);
  known.sort((a, b) => a - b);
  const fallback = known.length === 0 ? 1 : (known[Math.floor((known.length - 1) / 2)] as number);
  const cp = criticalPath(graph, (id) => estimates.get(id) ?? fallback, new Set(selection));
  return { selection, unknown, remaining: cp.remaining };
}
