import type { ActionState } from './events';
import type { RunState } from './state';

/**
 * Counts that add up: every selected action is in exactly one bucket, and an action that
 * never started is "not run" rather than "done". One formatter for the status bar, the
 * chart header, the progress notification and the completion message:
 * `2 succeeded · 1 failed · 2 not run`. Pure.
 */
export interface ActionCounts {
  readonly succeeded: number;
  readonly failed: number;
  /** Canceled after it had started (killed by a cancel or timeout of the run). */
  readonly canceled: number;
  readonly skipped: number;
  readonly running: number;
  /** Pending or ready (the run is still going). */
  readonly waiting: number;
  /** Finished without ever starting (canceled because a dependency failed, the run was canceled, …). */
  readonly notRun: number;
}

export const ZERO_COUNTS: ActionCounts = { succeeded: 0, failed: 0, canceled: 0, skipped: 0, running: 0, waiting: 0, notRun: 0 };

/** `ran`: the action had at least one attempt. */
export function countActions(items: Iterable<{ readonly state: ActionState; readonly ran: boolean }>): ActionCounts {
  const c = { ...ZERO_COUNTS };
  for (const { state, ran } of items) {
    switch (state) {
      case 'succeeded':
        c.succeeded++;
        break;
      case 'failed':
        if (ran) c.failed++;
        else c.notRun++; // defensive: a failure reported for an action that never started
        break;
      case 'canceled':
        if (ran) c.canceled++;
        else c.notRun++;
        break;
      case 'skipped':
        c.skipped++;
        break;
      case 'running':
      case 'serving': // a ready service (SPEC §10) is still running
        c.running++;
        break;
      case 'pending':
      case 'ready':
        c.waiting++;
        break;
      default: {
        const never: never = state;
        return never;
      }
    }
  }
  return c;
}

/** The counts of a run's selected actions. */
export function runCounts(state: RunState): ActionCounts {
  const items: { state: ActionState; ran: boolean }[] = [];
  for (const id of state.order) {
    const a = state.actions.get(id);
    if (a) items.push({ state: a.state, ran: a.attempts.length > 0 || a.startedAt !== null });
  }
  return countActions(items);
}

export function totalOf(c: ActionCounts): number {
  return c.succeeded + c.failed + c.canceled + c.skipped + c.running + c.waiting + c.notRun;
}

/** Finished actions, whether they ran or not. */
export function finishedOf(c: ActionCounts): number {
  return c.succeeded + c.failed + c.canceled + c.skipped + c.notRun;
}

/** `2 succeeded · 1 failed · 2 not run`; zero buckets are left out; `no actions` when empty. */
export function formatCounts(c: ActionCounts, sep = ' · '): string {
  const parts: string[] = [];
  if (c.succeeded) parts.push(`${c.succeeded} succeeded`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.canceled) parts.push(`${c.canceled} canceled`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.running) parts.push(`${c.running} running`);
  if (c.waiting) parts.push(`${c.waiting} waiting`);
  if (c.notRun) parts.push(`${c.notRun} not run`);
  return parts.length > 0 ? parts.join(sep) : 'no actions';
}

/** `1 action`, `3 actions`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
