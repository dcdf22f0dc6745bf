/**
 * Pure graph algorithms over a parsed Graph (edges = ActionModel.deps: known ids, no self,
 * no repeats). All iterative, linear or n log n; safe on graphs with cycles.
 */
import type { ActionModel, Graph } from './model';

/** The given ids plus everything they depend on, transitively. Unknown ids are ignored. */
export function selectionClosure(graph: Graph, ids: readonly string[]): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const id of ids) {
    if (graph.byId.has(id) && !out.has(id)) {
      out.add(id);
      stack.push(id);
    }
  }
  while (stack.length > 0) {
    const a = graph.byId.get(stack.pop() as string);
    if (!a) continue;
    for (const d of a.deps) {
      if (!out.has(d) && graph.byId.has(d)) {
        out.add(d);
        stack.push(d);
      }
    }
  }
  return out;
}

/** For every action (file order), the actions that depend on it directly, in file order. */
export function dependents(graph: Graph): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of graph.actions) out.set(a.id, []);
  for (const a of graph.actions) {
    for (const d of a.deps) out.get(d)?.push(a.id);
  }
  return out;
}

function members(graph: Graph, ids?: ReadonlySet<string>): ActionModel[] {
  return ids ? graph.actions.filter((a) => ids.has(a.id)) : [...graph.actions];
}

/**
 * Dependencies first; among actions that are free at the same time, file order first.
 * Actions on (or behind) a cycle can never be free: they are appended in file order.
 */
export function topologicalOrder(graph: Graph, ids?: ReadonlySet<string>): string[] {
  const list = members(graph, ids);
  const pos = new Map<string, number>();
  list.forEach((a, i) => pos.set(a.id, i));
  const indeg = new Int32Array(list.length);
  const out: number[][] = list.map(() => []);
  list.forEach((a, i) => {
    for (const d of a.deps) {
      const j = pos.get(d);
      if (j === undefined) continue;
      indeg[i] = (indeg[i] as number) + 1;
      (out[j] as number[]).push(i);
    }
  });
  // Min-heap of positions (file order among ready ones).
  const heap: number[] = [];
  const push = (x: number) => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((heap[p] as number) <= x) break;
      heap[i] = heap[p] as number;
      i = p;
    }
    heap[i] = x;
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && (heap[r] as number) < (heap[l] as number) ? r : l;
        if ((heap[c] as number) >= last) break;
        heap[i] = heap[c] as number;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  for (let i = 0; i < list.length; i++) if (indeg[i] === 0) push(i);
  const done = new Uint8Array(list.length);
  const order: string[] = [];
  while (heap.length > 0) {
    const i = pop();
    done[i] = 1;
    order.push((list[i] as ActionModel).id);
    for (const j of out[i] as number[]) {
      indeg[j] = (indeg[j] as number) - 1;
      if (indeg[j] === 0) push(j);
    }
  }
  if (order.length < list.length) {
    for (let i = 0; i < list.length; i++) if (!done[i]) order.push((list[i] as ActionModel).id);
  }
  return order;
}

export interface CriticalPath {
  /** Sum of durations along the longest chain. */
  readonly length: number;
  /** The longest chain, dependencies first. Ties: earlier in file order. */
  readonly path: string[];
  /** remaining(a) = duration(a) + max over dependents d of remaining(d). */
  readonly remaining: Map<string, number>;
}

/**
 * Longest chain by duration. Edges behind a cycle are cut where the topological order
 * cannot honor them, so the result is always finite.
 */
export function criticalPath(graph: Graph, duration: (id: string) => number, ids?: ReadonlySet<string>): CriticalPath {
  const order = topologicalOrder(graph, ids);
  const pos = new Map<string, number>();
  order.forEach((id, i) => pos.set(id, i));
  const deps = dependentsWithin(graph, pos);
  const remaining = new Map<string, number>();
  const best = new Map<string, string | undefined>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i] as string;
    let d = duration(id);
    if (!Number.isFinite(d) || d < 0) d = 0;
    let m = 0;
    let via: string | undefined;
    for (const x of deps.get(id) ?? []) {
      if ((pos.get(x) as number) <= i) continue; // a cycle edge: ignore
      const r = remaining.get(x) as number;
      if (r > m || via === undefined && r === m && m > 0) {
        m = r;
        via = x;
      }
    }
    remaining.set(id, d + m);
    best.set(id, via);
  }
  // Start: the largest remaining among actions (file order on ties).
  let start: string | undefined;
  let length = 0;
  for (const a of members(graph, ids)) {
    const r = remaining.get(a.id) ?? 0;
    if (start === undefined || r > length) {
      start = a.id;
      length = r;
    }
  }
  const path: string[] = [];
  const seen = new Set<string>();
  for (let x = start; x !== undefined && !seen.has(x); x = best.get(x)) {
    seen.add(x);
    path.push(x);
  }
  return { length, path, remaining };
}

/** Dependents restricted to the ids in `pos`, each list in file order. */
function dependentsWithin(graph: Graph, pos: ReadonlyMap<string, number>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of graph.actions) {
    if (!pos.has(a.id)) continue;
    for (const d of a.deps) {
      if (!pos.has(d)) continue;
      let l = out.get(d);
      if (!l) out.set(d, (l = []));
      l.push(a.id);
    }
  }
  return out;
}
