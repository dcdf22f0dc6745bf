import type { ActionRunState, RunState } from './state';

/**
 * Why an action that has not started yet is waiting, computed once from the run state and
 * what each action needs (its dependencies, CPU slots and resources). Used by the tree (row
 * text and tooltip) and the Gantt chart (the waiting bar's tooltip), so both say the same.
 * Pure: no clock (durations come from the caller's `now`).
 */

/** What one action needs, as the graph file says (`ActionModel` fits this shape). */
export interface ActionNeeds {
  readonly deps: readonly string[];
  readonly cpus: number;
  readonly resources: readonly { readonly name: string; readonly amount: number }[];
  /** SPEC §10 locks it takes while running. */
  readonly locks?: readonly { readonly name: string; readonly mode: 'shared' | 'exclusive' }[];
}

/** How much exists: the run's CPU slots and each declared resource's capacity (Infinity = unlimited). */
export interface Capacity {
  readonly cpus: number;
  readonly resources: ReadonlyMap<string, number>;
}

export type WaitReason =
  /** Pending: these dependencies have not finished. */
  | { readonly kind: 'dependencies'; readonly on: readonly string[] }
  /** Ready, but a resource is exhausted: `holders` are the running actions that hold it. */
  | { readonly kind: 'resource'; readonly resource: string; readonly inUse: number; readonly capacity: number; readonly holders: readonly string[] }
  /**
   * Ready, but a lock it takes is held (`held`: how, by `holders`), or — `held` null — it asks
   * for it shared while exclusive requests wait for it (`behind`; the scheduler's writer preference).
   */
  | {
      readonly kind: 'lock';
      readonly lock: string;
      readonly mode: 'shared' | 'exclusive';
      readonly held: 'shared' | 'exclusive' | null;
      readonly holders: readonly string[];
      readonly behind: readonly string[];
    }
  /** Ready, but every CPU slot is taken. */
  | { readonly kind: 'cpu'; readonly inUse: number; readonly capacity: number; readonly holders: readonly string[] }
  /** Ready and it would fit: it is queued behind actions ranked higher (or about to start). */
  | { readonly kind: 'queued' }
  /** Ready and it would fit, but the run is paused (SPEC §8): nothing new starts until it resumes. */
  | { readonly kind: 'paused' };

const FINAL = new Set(['succeeded', 'failed', 'canceled', 'skipped']);

/** The reason `id` is waiting, or null when it is not waiting (running, finished, unknown). */
export function waitReason(state: RunState, id: string, needsOf: (id: string) => ActionNeeds | undefined, capacity: Capacity): WaitReason | null {
  const a = state.actions.get(id);
  if (a === undefined) return null;
  if (a.state === 'pending') {
    const deps = needsOf(id)?.deps ?? [];
    // Dependencies outside the run (e.g. "run only this action") count as done.
    const on = deps.filter((d) => {
      const ds = state.actions.get(d)?.state;
      return ds !== undefined && !FINAL.has(ds);
    });
    return { kind: 'dependencies', on };
  }
  if (a.state !== 'ready') return null;
  const need = needsOf(id);
  const running: ActionRunState[] = [];
  for (const other of state.order) {
    const o = state.actions.get(other);
    if (o !== undefined && o.state === 'running') running.push(o);
  }
  // Locks first (SPEC §10): a held lock names its holders.
  const behind: { lock: string; ids: string[] }[] = [];
  for (const l of need?.locks ?? []) {
    const holders: string[] = [];
    let held: 'shared' | 'exclusive' | null = null;
    for (const o of running) {
      const m = needsOf(o.id)?.locks?.find((x) => x.name === l.name)?.mode;
      if (m === undefined) continue;
      holders.push(o.id);
      if (m === 'exclusive' || held === null) held = m;
    }
    if (held === 'exclusive' || (held === 'shared' && l.mode === 'exclusive')) {
      const shown = held === 'exclusive' ? holders.filter((h) => needsOf(h)?.locks?.some((x) => x.name === l.name && x.mode === 'exclusive')) : holders;
      return { kind: 'lock', lock: l.name, mode: l.mode, held, holders: shown, behind: [] };
    }
    if (l.mode === 'shared' && !(need?.locks ?? []).some((x) => x.mode === 'exclusive')) {
      const ids: string[] = [];
      for (const other of state.order) {
        if (other === id || state.actions.get(other)?.state !== 'ready') continue;
        if (needsOf(other)?.locks?.some((x) => x.name === l.name && x.mode === 'exclusive')) ids.push(other);
      }
      if (ids.length > 0) behind.push({ lock: l.name, ids });
    }
  }
  // Resources next: they name what is exhausted and who holds it.
  for (const r of need?.resources ?? []) {
    const cap = capacity.resources.get(r.name) ?? Infinity;
    const holders: string[] = [];
    let inUse = 0;
    for (const o of running) {
      const used = needsOf(o.id)?.resources.find((x) => x.name === r.name)?.amount ?? 0;
      if (used > 0) {
        holders.push(o.id);
        inUse += used;
      }
    }
    if (!fits(inUse, r.amount, cap)) return { kind: 'resource', resource: r.name, inUse, capacity: cap, holders };
  }
  const cpus = need?.cpus ?? 1;
  let inUse = 0;
  const holders: string[] = [];
  for (const o of running) {
    holders.push(o.id);
    inUse += needsOf(o.id)?.cpus ?? 1;
  }
  if (!fits(inUse, cpus, capacity.cpus)) return { kind: 'cpu', inUse, capacity: capacity.cpus, holders };
  const b = behind[0];
  if (b !== undefined) return { kind: 'lock', lock: b.lock, mode: 'shared', held: null, holders: [], behind: b.ids };
  return state.paused === true ? { kind: 'paused' } : { kind: 'queued' };
}

/** The start rule of SPEC §3 for one slot. */
function fits(inUse: number, need: number, cap: number): boolean {
  return inUse + need <= cap || (inUse === 0 && need > cap);
}

function quoteList(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).map((d) => `'${d}'`);
  const more = ids.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function holderList(ids: readonly string[], max = 2): string {
  const shown = ids.slice(0, max);
  const more = ids.length - shown.length;
  return more > 0 ? `${shown.join(', ')} +${more}` : shown.join(', ');
}

function amount(n: number): string {
  return n === Infinity ? 'unlimited' : String(n);
}

/**
 * One line: `waiting for 'build'`, `waiting for db (held by migrate)`,
 * `waiting for lock db (exclusive, held shared by a, b)`,
 * `waiting for a CPU slot (2 of 2 in use)`, `queued behind higher-ranked actions`.
 */
export function formatWaitReason(r: WaitReason): string {
  switch (r.kind) {
    case 'dependencies':
      return r.on.length > 0 ? `waiting for ${quoteList(r.on)}` : 'waiting for its dependencies';
    case 'resource':
      return r.holders.length > 0
        ? `waiting for ${r.resource} (held by ${holderList(r.holders)})`
        : `waiting for ${r.resource} (${amount(r.inUse)} of ${amount(r.capacity)} in use)`;
    case 'lock':
      return r.held !== null
        ? `waiting for lock ${r.lock} (${r.mode}, held ${r.held} by ${holderList(r.holders)})`
        : `waiting for lock ${r.lock} (${r.mode}, behind exclusive ${holderList(r.behind)})`;
    case 'cpu':
      return `waiting for a CPU slot (${r.inUse} of ${r.capacity} in use)`;
    case 'queued':
      return 'queued: about to start';
    case 'paused':
      return 'paused: starts after Resume Run';
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** Since when an action has been waiting (ready time, else the run's start), or null. */
export function waitingSince(a: ActionRunState): number | null {
  if (a.state === 'ready') return a.readyAt ?? a.pendingAt;
  if (a.state === 'pending') return a.pendingAt;
  return null;
}

/** Capacity from a graph's declared resources and the run's CPU slots. */
export function capacityOf(cpus: number, resources: readonly { readonly name: string; readonly capacity: number }[]): Capacity {
  return { cpus, resources: new Map(resources.map((r) => [r.name, r.capacity])) };
}

/** The wait reason of `id` in a run of `graph`, as one line (tree row, chart tooltip), or null. */
export function waitingText(state: RunState, graph: { readonly byId: ReadonlyMap<string, ActionNeeds>; readonly resources: readonly { readonly name: string; readonly capacity: number }[] }, id: string): string | null {
  const r = waitReason(state, id, (x) => graph.byId.get(x), capacityOf(state.cpus, graph.resources));
  return r === null ? null : formatWaitReason(r);
}
