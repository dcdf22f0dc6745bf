/**
 * Strongly connected components (iterative Tarjan, linear time) and, for every edge that lies
 * on a cycle, a cycle through that edge. Pure; works on integer node ids 0..n-1 so callers
 * map their own ids. Deterministic: components and their members are in node order, and
 * cycle paths follow neighbors sorted by `names`, so they do not depend on edge order.
 */

/** Iterative Tarjan. `comp[v]` is the component number of v; `components` lists members in node order. */
export function stronglyConnectedComponents(
  adj: readonly (readonly number[])[],
): { comp: Int32Array; components: number[][] } {
  const { comp, found } = tarjan(adj, true);
  return { comp, components: found };
}

/**
 * Only components of two or more nodes get a member list (the usual graph has none):
 * `comp[v]` is the index in `big` of v's component, or -1 for a node on no cycle.
 */
function bigComponents(adj: readonly (readonly number[])[]): { comp: Int32Array; big: number[][] } {
  const { comp, found } = tarjan(adj, false);
  return { comp, big: found };
}

/**
 * Iterative Tarjan on typed arrays (no recursion, linear time). Components are listed in order
 * of first member, members in node order; single nodes only when `singletons` (else their
 * `comp` stays -1).
 */
function tarjan(adj: readonly (readonly number[])[], singletons: boolean): { comp: Int32Array; found: number[][] } {
  const n = adj.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let sp = 0;
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  let cp = 0;
  const found: number[][] = [];
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    index[s] = low[s] = counter++;
    stack[sp++] = s;
    onStack[s] = 1;
    callNode[cp] = s;
    callEdge[cp++] = 0;
    while (cp > 0) {
      const top = cp - 1;
      const v = callNode[top] as number;
      const ei = callEdge[top] as number;
      const nb = adj[v] as readonly number[];
      if (ei < nb.length) {
        callEdge[top] = ei + 1;
        const w = nb[ei] as number;
        if (w < 0 || w >= n) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[cp] = w;
          callEdge[cp++] = 0;
        } else if (onStack[w] && (index[w] as number) < (low[v] as number)) {
          low[v] = index[w] as number;
        }
      } else {
        cp--;
        if (cp > 0) {
          const p = callNode[cp - 1] as number;
          if ((low[v] as number) < (low[p] as number)) low[p] = low[v] as number;
        }
        if (low[v] === index[v]) {
          if (stack[sp - 1] === v && !singletons) {
            sp--;
            onStack[v] = 0;
          } else {
            const members: number[] = [];
            let w: number;
            do {
              w = stack[--sp] as number;
              onStack[w] = 0;
              members.push(w);
            } while (w !== v);
            members.sort((a, b) => a - b);
            found.push(members);
          }
        }
      }
    }
  }
  if (found.length > 1) found.sort((a, b) => (a[0] as number) - (b[0] as number));
  for (let i = 0; i < found.length; i++) for (const m of found[i] as number[]) comp[m] = i;
  return { comp, found };
}

/** A cycle through the edge from -> to: `head` are its first members starting with `from, to, …`; `tail` its last members (ending just before returning to `from`); `total` members in all. When total <= head.length, tail is empty. */
export interface CyclePath {
  readonly head: readonly number[];
  readonly tail: readonly number[];
  readonly total: number;
  /** True when this is a shortest cycle through the edge. */
  readonly shortest: boolean;
}

export interface CycleEdge {
  readonly from: number;
  readonly to: number;
  readonly cycle: CyclePath;
}

/** Work bound per component for exact shortest cycles: (nodes + edges) * edges. */
const EXACT_BUDGET = 2_000_000;
const KEEP = 10;

/**
 * Every edge u -> v (u != v) with u and v in the same strongly connected component, in order
 * of u then of v's position in adj[u], each with a cycle through it. Self-loops are ignored
 * (reported as self-dependencies elsewhere).
 */
export function cycleEdges(adj: readonly (readonly number[])[], names: readonly string[]): {
  components: number[][];
  edges: CycleEdge[];
} {
  const n = adj.length;
  const { comp, big } = bigComponents(adj);
  if (big.length === 0) return { components: big, edges: [] };
  const components = big;

  const byName = (a: number, b: number): number => {
    const x = names[a] ?? '';
    const y = names[b] ?? '';
    return x < y ? -1 : x > y ? 1 : a - b;
  };
  // Neighbors inside the same component, sorted by name; and the reverse.
  const fwd: number[][] = new Array(n);
  const rev: number[][] = new Array(n);
  const compEdges = new Map<number, number>();
  for (const c of big) for (const m of c) rev[m] = [];
  for (const c of big) {
    for (const u of c) {
      const ci = comp[u] as number;
      const list: number[] = [];
      for (const v of adj[u] as readonly number[]) {
        if (v !== u && comp[v] === ci && !list.includes(v)) list.push(v);
      }
      list.sort(byName);
      fwd[u] = list;
      for (const v of list) (rev[v] as number[]).push(u);
      compEdges.set(ci, (compEdges.get(ci) ?? 0) + list.length);
    }
  }
  for (const c of big) for (const m of c) (rev[m] as number[]).sort(byName);

  const stamp = new Int32Array(n);
  const parent = new Int32Array(n);
  let epoch = 0;
  const queue = new Int32Array(n);

  /** BFS over `g` from s; fills parent for reached nodes; stops at target when given. */
  const bfs = (g: number[][], s: number, target: number): boolean => {
    epoch++;
    let qh = 0;
    let qt = 0;
    queue[qt++] = s;
    stamp[s] = epoch;
    parent[s] = -1;
    while (qh < qt) {
      const x = queue[qh++] as number;
      if (x === target) return true;
      for (const y of g[x] as number[]) {
        if (stamp[y] !== epoch) {
          stamp[y] = epoch;
          parent[y] = x;
          queue[qt++] = y;
        }
      }
    }
    return false;
  };

  const edges: CycleEdge[] = [];
  const fallbackCache = new Map<number, { next: Int32Array; prev: Int32Array; dr: Int32Array; df: Int32Array; root: number }>();
  const r = (ci: number): number => fallbackCache.get(ci)?.root ?? -1;
  const fallback = (ci: number, members: readonly number[]) => {
    let f = fallbackCache.get(ci);
    if (f) return f;
    let root = members[0] as number;
    for (const m of members) if (byName(m, root) < 0) root = m;
    const rr = root;
    const next = new Int32Array(n).fill(-1);
    const prev = new Int32Array(n).fill(-1);
    const dr = new Int32Array(n).fill(-1);
    const df = new Int32Array(n).fill(-1);
    // forward tree from r (prev, df) and reverse tree to r (next, dr)
    for (const [g, par, dist] of [
      [fwd, prev, df],
      [rev, next, dr],
    ] as const) {
      let qh = 0;
      let qt = 0;
      queue[qt++] = rr;
      dist[rr] = 0;
      while (qh < qt) {
        const x = queue[qh++] as number;
        for (const y of g[x] as number[]) {
          if (dist[y] === -1) {
            dist[y] = (dist[x] as number) + 1;
            par[y] = x;
            queue[qt++] = y;
          }
        }
      }
    }
    f = { next, prev, dr, df, root: rr };
    fallbackCache.set(ci, f);
    return f;
  };

  // Edges in node order, then adjacency order (deduplicated), like the source file.
  for (let u = 0; u < n; u++) {
    const ci = comp[u] as number;
    if (ci < 0) continue;
    const members = components[ci] as number[];
    const size = members.length;
    const e = compEdges.get(ci) ?? 0;
    const exact = (size + e) * e <= EXACT_BUDGET;
    const seen = new Set<number>();
    for (const v of adj[u] as readonly number[]) {
      if (v === u || comp[v] !== ci || seen.has(v)) continue;
      seen.add(v);
      if (exact) {
        bfs(fwd, v, u);
        // path v .. u via parent pointers (from u back to v)
        const back: number[] = [];
        for (let x = u; x !== -1 && x !== v; x = parent[x] as number) back.push(x);
        // back = [u, ..., after v]; cycle = u, v, ..., (before u)
        const path: number[] = [u, v];
        for (let i = back.length - 1; i >= 1; i--) path.push(back[i] as number);
        edges.push({ from: u, to: v, cycle: cut(path, true) });
      } else {
        const { next, prev, dr, df } = fallback(ci, members);
        const total = 1 + (dr[v] as number) + (df[u] as number);
        const head: number[] = [u];
        for (let x = v; head.length < Math.min(total, KEEP * 2) && x !== -1; x = next[x] as number) head.push(x);
        if (total <= KEEP * 2) {
          // short enough: complete it from the forward tree
          const tailRev: number[] = [];
          for (let x = prev[u] as number; x !== -1 && head.length + tailRev.length < total; x = prev[x] as number) tailRev.push(x);
          edges.push({ from: u, to: v, cycle: { head: [...head.slice(0, total - tailRev.length), ...tailRev.reverse()], tail: [], total, shortest: false } });
        } else {
          // the last members: r's side of the forward tree (prev chain of u, without r) ...
          const tailRev: number[] = [];
          for (let x = prev[u] as number; x !== -1 && tailRev.length < KEEP; x = prev[x] as number) {
            if (x !== r(ci)) tailRev.push(x);
          }
          let tail = tailRev.reverse();
          if (tail.length < KEEP) {
            // ... completed by the end of the chain v -> r (which ends at r)
            const chain: number[] = [];
            for (let x = v; x !== -1; x = next[x] as number) chain.push(x);
            if (u === r(ci)) chain.pop();
            tail = [...chain.slice(Math.max(0, chain.length - (KEEP - tail.length))), ...tail];
          }
          edges.push({ from: u, to: v, cycle: { head: head.slice(0, KEEP), tail, total, shortest: false } });
        }
      }
    }
  }
  return { components: big, edges };
}

function cut(path: number[], shortest: boolean): CyclePath {
  if (path.length <= KEEP * 2) return { head: path, tail: [], total: path.length, shortest };
  return { head: path.slice(0, KEEP), tail: path.slice(path.length - KEEP), total: path.length, shortest };
}

/** "a → b → c → a", eliding the middle past 10 members. */
export function formatCycle(c: CyclePath, name: (i: number) => string): string {
  const all = c.tail.length === 0 ? c.head : undefined;
  let shown: string[];
  if (all && all.length <= 10) shown = all.map(name);
  else {
    const first = c.head.slice(0, 5).map(name);
    const lastSrc = all ? all.slice(all.length - 5) : c.tail.slice(c.tail.length - 5);
    shown = [...first, `… (${c.total - 10} more)`, ...lastSrc.map(name)];
  }
  return [...shown, name(c.head[0] as number)].join(' → ');
}

/** Members to point related information at: all when <= 20, else the first and last 10. */
export function cycleMembers(c: CyclePath): number[] {
  return [...c.head, ...c.tail].slice(0, 20);
}
