import type { OutputStream } from './events';
import type { ProcessExit } from './outcome';
import type { Job } from './plan';

/**
 * The executor port: where a Job's attempts run. Local executors (src/runner: helper shells
 * or child_process.spawn) start processes; a cluster executor would submit jobs. The
 * scheduler only calls `start`; the rest is what the run's driver (executeRun) needs.
 */

/** One started attempt. Opaque to the scheduler beyond these members. */
export interface JobHandle {
  /** The local process id shown in `action-started.pid`; null when there is none (nothing spawned, or not a local process). */
  readonly pid: number | null;
  /** Executor-specific id of the attempt when it is not a local pid (e.g. a cluster job id). */
  readonly ref?: string;
  /** Resolves once the attempt has ended and its output is drained (after kill(): once everything it started is gone). Never rejects. */
  readonly exited: Promise<ProcessExit>;
  /**
   * Executors that queue attempts (a cluster): resolves with the time (epoch ms) the attempt
   * really began running, or null when it ended without starting. Resolves before `exited`.
   * Absent: the attempt runs from `start()` on. The scheduler emits `action-queued` at start(),
   * `action-started` then, and counts the timeout from the real start.
   */
  readonly began?: Promise<number | null>;
  /** After `exited` resolved: the exact end time (epoch ms) when the executor knows it (a wrapper's record), else undefined. */
  endTime?(): number | undefined;
  /** Terminates the attempt and everything it started (locally: SIGTERM, then SIGKILL after a grace period). Idempotent. */
  kill(): void;
  /** SPEC §8: what the attempt used, once `exited` resolved; null/absent when not measured. */
  usage?(): { readonly peakRssBytes: number; readonly cpuTimeMs: number } | null;
  /**
   * SPEC §10, a service's attempt: resolves with the time (epoch ms) its readiness probe first
   * succeeded, or null once the attempt ended without being ready. Never rejects. Absent for
   * jobs without `service`. The scheduler owns the `readyTimeout` timer.
   */
  readonly ready?: Promise<number | null>;
}

/** Called with decoded output text, in arrival order per stream. */
export type OutputSink = (stream: OutputStream, text: string) => void;

/** What the scheduler needs: start an attempt (1-based) of a job. */
export interface JobStarter {
  start(job: Job, attempt: number, onOutput: OutputSink): JobHandle;
  /**
   * SPEC §10: asked before a service's first attempt starts (it holds its slots meanwhile): a
   * reason it must not start (e.g. "port 5432 is already in use by another process"), or null.
   * Never rejects (a rejection counts as null).
   */
  checkService?(job: Job): Promise<string | null>;
}

export interface Executor extends JobStarter {
  /** The job's log file, relative to the run's log folder, when it has any bytes; else null. */
  logOf(jobId: string): string | null;
  /** Why the job's log is incomplete or missing (a full disk, an unwritable folder); null when it has every byte. */
  logErrorOf?(jobId: string): string | null;
  /**
   * Optional: get ready to run `parallel` attempts at once before the run starts (e.g. start
   * helper processes), so that no attempt's recorded time includes the executor's own start-up.
   */
  prepare?(parallel: number): Promise<void>;
  /** Last resort when the runner exits mid-run: kill everything still running, synchronously. */
  killAllNow(): void;
  /** After the run: release helpers, flush and close log files. */
  close(): Promise<void>;
}
