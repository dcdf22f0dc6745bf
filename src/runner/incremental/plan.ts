import * as path from 'node:path';
import type { Diagnostic } from '../../core/diagnostics';
import { selectionClosure, topologicalOrder } from '../../core/graph';
import { expandGraph, resolveRequested } from '../../core/matrix';
import type { Graph } from '../../core/model';
import type { LineIndex } from '../../core/text';
import { loadGraph } from '../run';
import { IncrementalSession } from './session';

/**
 * What a run would do and why, without running anything (`actiontree plan`, and the editor's
 * tree tooltip, hover and code lens). Reads the incremental state; takes no lock, writes nothing.
 */

export interface PlanDecision {
  readonly action: string;
  readonly decision: 'run' | 'skip';
  readonly reasons: readonly string[];
}

export interface PlanOptions {
  /** Named actions (plus their dependencies unless `only`); empty/omitted = all. */
  readonly actions?: readonly string[];
  readonly only?: boolean;
  readonly force?: boolean;
  /** The environment a run would inherit (values of `envInputs`); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export type PlanOutcome =
  | {
      readonly kind: 'plan';
      /** Topological order (dependencies first; file order among the free ones). */
      readonly decisions: readonly PlanDecision[];
      /** Input patterns that match no file, a corrupt state file, … */
      readonly warnings: readonly string[];
      readonly graph: Graph;
    }
  | { readonly kind: 'invalid'; readonly diagnostics: readonly Diagnostic[]; readonly lineIndex: LineIndex }
  | { readonly kind: 'error'; readonly message: string };

/** Decisions for a graph already parsed (the language server has one). */
export function planGraph(graphFile: string, graph: Graph, opts: PlanOptions = {}): { decisions: PlanDecision[]; warnings: string[] } {
  graph = expandGraph(graph); // SPEC §10 (the language server passes the graph as written)
  const requested = resolveRequested(graph, opts.actions ?? []).ids;
  const chosen = (opts.actions ?? []).length === 0 ? null : opts.only === true ? new Set(requested) : selectionClosure(graph, requested);
  const selection = graph.actions.filter((a) => chosen === null || chosen.has(a.id)).map((a) => a.id);
  const session = IncrementalSession.forPlan({
    graphFile: path.resolve(graphFile),
    graph,
    selection,
    force: opts.force === true,
    env: opts.env ?? process.env,
    runId: 'plan',
  });
  const decisions = session.planAll(topologicalOrder(graph, new Set(selection)));
  return { decisions, warnings: [...session.warnings] };
}

/** Reads and validates the graph file, then plans. Never throws. */
export function planDecisions(graphFile: string, opts: PlanOptions = {}): PlanOutcome {
  const abs = path.resolve(graphFile);
  const loaded = loadGraph(abs);
  if (loaded.kind !== 'graph') return loaded;
  const unknown = resolveRequested(loaded.graph, opts.actions ?? []).unknown;
  if (unknown.length > 0) {
    return { kind: 'error', message: `no such action${unknown.length > 1 ? 's' : ''} in ${path.basename(abs)}: ${unknown.map((n) => `'${n}'`).join(', ')}` };
  }
  const { decisions, warnings } = planGraph(abs, loaded.graph, opts);
  return { kind: 'plan', decisions, warnings, graph: loaded.graph };
}
