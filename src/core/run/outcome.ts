import { formatBytes } from '../bytes';
/**
 * How one attempt of an action ended. Expected failures are values, never exceptions.
 * `ProcessExit` is what a launcher reports; the scheduler adds `timeout` and `canceled`
 * (it owns the timers and the run's AbortSignal).
 */

export type ProcessExit =
  | { readonly kind: 'exit'; readonly code: number }
  /** `oom`: the kernel's OOM killer sent it (where the system tells, SPEC §8). */
  | { readonly kind: 'signal'; readonly signal: string; readonly oom?: boolean }
  /** SPEC §8: the tree's resident memory passed the job's `memoryLimit` and it was killed. */
  | { readonly kind: 'memory-limit'; readonly rssBytes: number; readonly limitBytes: number }
  | { readonly kind: 'spawn-error'; readonly message: string }
  /** The executor lost or could not run the attempt for a reason of its own (a cluster killed or rejected the job); the message is the reason. */
  | { readonly kind: 'executor-error'; readonly message: string };

export type Outcome =
  | ProcessExit
  | { readonly kind: 'timeout'; readonly afterMs: number }
  /** Killed because its group ran past the group's timeout (SPEC §8). */
  | { readonly kind: 'group-timeout'; readonly group: string; readonly afterMs: number }
  | { readonly kind: 'canceled' }
  /**
   * SPEC §10: a service that did not become ready: it exited first (`exit`), or its
   * `readyTimeout` passed (`timedOut`; its tree was killed). `message` is the report's reason.
   */
  | { readonly kind: 'not-ready'; readonly message: string; readonly timedOut: boolean; readonly exit?: ProcessExit };

export function isSuccess(o: Outcome): boolean {
  return o.kind === 'exit' && o.code === 0;
}

/** "250ms", "5s", "1.5s", "5m", "1h", "90s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(2))}s`;
}

/** The report's `reason` for an outcome: null on success. */
export function outcomeReason(o: Outcome): string | null {
  switch (o.kind) {
    case 'exit':
      if (o.code === 0) return null;
      if (o.code === 127) return 'exit code 127 (command not found)';
      if (o.code === 126) return 'exit code 126 (command not executable)';
      return `exit code ${o.code}`;
    case 'signal':
      return `killed by ${o.signal}${o.oom === true ? ' (out of memory)' : ''}`;
    case 'memory-limit':
      return `memory limit exceeded: ${formatBytes(o.rssBytes)} > ${formatBytes(o.limitBytes)}`;
    case 'spawn-error':
      return `spawn failed: ${o.message}`;
    case 'executor-error':
      return o.message;
    case 'timeout':
      return `timed out after ${formatMs(o.afterMs)}`;
    case 'group-timeout':
      return groupTimeoutReason(o.group, o.afterMs);
    case 'canceled':
      return 'run canceled';
    case 'not-ready':
      return o.message;
    default: {
      const never: never = o;
      return never;
    }
  }
}

export function groupTimeoutReason(group: string, afterMs: number): string {
  return `group '${group}' timed out after ${formatMs(afterMs)}`;
}

export function runTimeoutReason(afterMs: number): string {
  return `run timed out after ${formatMs(afterMs)}`;
}

/** Which `retryOn` kind (SPEC §8) a failed outcome is; null when it is never retried. */
export function retryKind(o: Outcome): 'failure' | 'timeout' | 'memory' | null {
  switch (o.kind) {
    case 'signal':
      return o.oom === true ? 'memory' : 'failure';
    case 'memory-limit':
      return 'memory';
    case 'exit':
    case 'spawn-error':
    case 'executor-error':
      return 'failure';
    case 'timeout':
      return 'timeout';
    case 'not-ready':
      return o.timedOut ? 'timeout' : 'failure';
    case 'group-timeout':
    case 'canceled':
      return null;
    default: {
      const never: never = o;
      return never;
    }
  }
}

export function outcomeExitCode(o: Outcome): number | null {
  if (o.kind === 'not-ready') return o.exit !== undefined && !o.timedOut ? outcomeExitCode(o.exit) : null;
  return o.kind === 'exit' ? o.code : null;
}

export function outcomeSignal(o: Outcome): string | null {
  if (o.kind === 'not-ready') return o.exit !== undefined && !o.timedOut ? outcomeSignal(o.exit) : null;
  return o.kind === 'signal' ? o.signal : o.kind === 'memory-limit' ? 'SIGKILL' : null;
}
