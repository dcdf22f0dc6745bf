/**
 * How one attempt of an action ended. Expected failures are values, never exceptions.
 * `ProcessExit` is what a launcher reports; the scheduler adds `timeout` and `canceled`
 * (it owns the timers and the run's AbortSignal).
 */

export type ProcessExit =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'spawn-error'; readonly message: string }
  /** The executor lost or could not run the attempt for a reason of its own (a cluster killed or rejected the job); the message is the reason. */
  | { readonly kind: 'executor-error'; readonly message: string };

export type Outcome =
  | ProcessExit
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'canceled' };

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
      return `killed by ${o.signal}`;
    case 'spawn-error':
      return `spawn failed: ${o.message}`;
    case 'executor-error':
      return o.message;
    case 'timeout':
      return `timed out after ${formatMs(o.afterMs)}`;
    case 'canceled':
      return 'run canceled';
    default: {
      const never: never = o;
      return never;
    }
  }
}

export function outcomeExitCode(o: Outcome): number | null {
  return o.kind === 'exit' ? o.code : null;
}

export function outcomeSignal(o: Outcome): string | null {
  return o.kind === 'signal' ? o.signal : null;
}
