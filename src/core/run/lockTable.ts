import type { LockNeed } from './plan';

/**
 * Admission of shared and exclusive locks (SPEC §10): any number of shared holders at once,
 * or one exclusive holder alone. Pure; the scheduler asks `fits`, `acquire`s when the job
 * starts and `release`s when it ends. Every lock of a job is taken at once when it starts
 * and held until it ends (never one while waiting for another).
 *
 * Fairness (writer preference). Among actions ready at the same time the scheduler's rank
 * (priority, critical path, file order) decides. Once an exclusive request has been passed
 * over because its lock is held, it is *waiting* (`waiting(+1)`), and no new shared holder
 * is admitted on that lock until it has started: the shared holders already running finish,
 * the lock drains and the waiting exclusive request takes it, even ahead of a shared request
 * ranked higher. A stream of shared holders cannot starve it.
 *
 * No deadlock: a waiting exclusive request is itself exempt from other waiting requests'
 * preference (it may take its other locks shared), so with nothing running every lock is
 * free and the best-ranked waiting exclusive request — or, when none waits, any ready
 * action — fits.
 */

interface LockState {
  /** Ids of running shared holders. */
  readonly shared: Set<string>;
  /** Id of the running exclusive holder, or null. */
  exclusive: string | null;
  /** Exclusive requests passed over for this lock and not yet started (see above). */
  exclusiveWaiting: number;
}

export class LockTable {
  private readonly locks = new Map<string, LockState>();

  private state(name: string): LockState {
    let s = this.locks.get(name);
    if (s === undefined) this.locks.set(name, (s = { shared: new Set(), exclusive: null, exclusiveWaiting: 0 }));
    return s;
  }

  /** True when every lock of `needs` can be taken now; `waiter`: the request is itself a waiting exclusive one. */
  fits(needs: readonly LockNeed[], waiter = false): boolean {
    for (const l of needs) {
      const s = this.locks.get(l.name);
      if (s === undefined) continue;
      if (s.exclusive !== null) return false;
      if (l.mode === 'exclusive') {
        if (s.shared.size > 0) return false;
      } else if (s.exclusiveWaiting > 0 && !waiter) {
        return false; // writer preference: an exclusive request waits for this lock
      }
    }
    return true;
  }

  acquire(id: string, needs: readonly LockNeed[]): void {
    for (const l of needs) {
      const s = this.state(l.name);
      if (l.mode === 'exclusive') s.exclusive = id;
      else s.shared.add(id);
    }
  }

  release(id: string, needs: readonly LockNeed[]): void {
    for (const l of needs) {
      const s = this.locks.get(l.name);
      if (s === undefined) continue;
      if (l.mode === 'exclusive') {
        if (s.exclusive === id) s.exclusive = null;
      } else s.shared.delete(id);
    }
  }

  /** An exclusive request starts (+1) or stops (-1: started, canceled) waiting for its locks. */
  waiting(needs: readonly LockNeed[], delta: 1 | -1): void {
    for (const l of needs) if (l.mode === 'exclusive') this.state(l.name).exclusiveWaiting += delta;
  }

  /** Who holds `name` now (for tests and diagnostics). */
  holders(name: string): { readonly mode: 'shared' | 'exclusive' | null; readonly ids: readonly string[] } {
    const s = this.locks.get(name);
    if (s === undefined) return { mode: null, ids: [] };
    if (s.exclusive !== null) return { mode: 'exclusive', ids: [s.exclusive] };
    return s.shared.size > 0 ? { mode: 'shared', ids: [...s.shared] } : { mode: null, ids: [] };
  }
}

/** One need per name (a name listed twice with different modes: exclusive wins), in the order written. */
export function normalizeLocks(locks: readonly LockNeed[] | undefined): readonly LockNeed[] {
  if (locks === undefined || locks.length === 0) return NO_LOCKS;
  const byName = new Map<string, LockNeed>();
  for (const l of locks) {
    if (typeof l?.name !== 'string' || (l.mode !== 'shared' && l.mode !== 'exclusive')) continue;
    const prev = byName.get(l.name);
    if (prev === undefined || (prev.mode === 'shared' && l.mode === 'exclusive')) byName.set(l.name, { name: l.name, mode: l.mode });
  }
  return [...byName.values()];
}

const NO_LOCKS: readonly LockNeed[] = Object.freeze([]);
