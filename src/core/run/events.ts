/**
 * The run event vocabulary (SPEC §4). One JSON object per line in `events.jsonl` and on
 * stdout with `actiontree run --json`. Versioned: add fields freely, never rename.
 * Times are milliseconds since the Unix epoch (fractions allowed).
 */

/** `serving` (SPEC §10): a service that is ready and still running (its dependents may start). */
export type ActionState = 'pending' | 'ready' | 'running' | 'serving' | 'succeeded' | 'failed' | 'canceled' | 'skipped';
export type FinalActionState = 'succeeded' | 'failed' | 'canceled' | 'skipped';
export type RunResult = 'succeeded' | 'failed' | 'canceled';
export type OutputStream = 'stdout' | 'stderr';

export interface RunStartedEvent {
  readonly type: 'run-started';
  readonly runId: string;
  readonly time: number;
  readonly cpus: number;
  readonly actions: readonly string[];
  readonly graphFile?: string;
  readonly keepGoing?: boolean;
  /** Estimated duration per action (ms) from earlier runs, when known. */
  readonly estimates?: Readonly<Record<string, number>>;
}

export interface ActionReadyEvent {
  readonly type: 'action-ready';
  readonly action: string;
  readonly time: number;
}

/** How an earlier attempt of the same action ended (carried by the next attempt's start). */
export interface AttemptEnd {
  readonly finishedAt: number;
  readonly reason: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** SPEC §8: peak resident memory of the attempt's whole process tree (bytes), when measured. */
  readonly peakRssBytes?: number;
  /** SPEC §8: CPU time (user + system) of the attempt's whole process tree (ms), when measured. */
  readonly cpuTimeMs?: number;
}

export interface ActionStartedEvent {
  readonly type: 'action-started';
  readonly action: string;
  readonly time: number;
  /** 1-based. */
  readonly attempt: number;
  /** null when the process could not be spawned. */
  readonly pid: number | null;
  /** For attempt > 1: how the previous attempt ended (a retry keeps the action's slots). */
  readonly previous?: AttemptEnd;
  /** Executor-specific id of the attempt when it is not a local process (a Slurm job id). */
  readonly ref?: string;
}

/**
 * An attempt was handed to an executor that queues (a Slurm cluster): it holds its slots and
 * waits for the cluster; `action-started` follows when it really begins (its `time` is when the
 * job started on the node, which may precede this event's arrival). Local executors never emit it.
 */
export interface ActionQueuedEvent {
  readonly type: 'action-queued';
  readonly action: string;
  readonly time: number;
  /** 1-based. */
  readonly attempt: number;
  /** Executor-specific id (a Slurm job id). */
  readonly ref?: string;
}

export interface ActionOutputEvent {
  readonly type: 'action-output';
  readonly action: string;
  readonly time: number;
  readonly stream: OutputStream;
  readonly text: string;
}

export interface ActionFinishedEvent {
  readonly type: 'action-finished';
  readonly action: string;
  readonly time: number;
  readonly state: FinalActionState;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly attempts: number;
  /** SPEC §8: of the last attempt's whole process tree, when measured (peak resident bytes, user + system ms). */
  readonly peakRssBytes?: number;
  readonly cpuTimeMs?: number;
}

/**
 * SPEC §10: a service's readiness probe succeeded: its dependents may start (their
 * `action-ready` events follow). The service keeps running (`serving`) until it is stopped.
 */
export interface ServiceReadyEvent {
  readonly type: 'service-ready';
  readonly action: string;
  readonly time: number;
  /** The attempt that became ready (1-based). */
  readonly attempt: number;
}

/** SPEC §8: nothing new starts until `run-resumed`; running actions go on. */
export interface RunPausedEvent {
  readonly type: 'run-paused';
  readonly time: number;
}

export interface RunResumedEvent {
  readonly type: 'run-resumed';
  readonly time: number;
}

export interface RunFinishedEvent {
  readonly type: 'run-finished';
  readonly time: number;
  readonly result: RunResult;
}

/** SPEC §10 hooks (docs/records.md "Hooks"): which moment a hook command belongs to. */
export type HookName = 'onRunStarted' | 'onActionFinished' | 'onRunFinished';

/**
 * SPEC §10: a hook command ended (or was never started: `exitCode` null and `error` says why).
 * Not part of any action's state; the reducer ignores it. onRunFinished's comes after
 * `run-finished` (the report is written before that hook runs).
 */
export interface HookFinishedEvent {
  readonly type: 'hook-finished';
  readonly time: number;
  readonly hook: HookName;
  /** The action an onActionFinished hook was about; absent for run hooks. */
  readonly action?: string;
  /** When the hook's process started; null when it never started. */
  readonly startedAt: number | null;
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** null when it exited 0; else why it failed ("exit code 3", "timed out after 30s", "spawn failed: …"). */
  readonly error: string | null;
  /** Its output, relative to the run folder (`logs/hooks/…`); null when it wrote nothing. */
  readonly log: string | null;
}

export type RunEvent =
  | RunStartedEvent
  | ActionReadyEvent
  | ActionQueuedEvent
  | ActionStartedEvent
  | ServiceReadyEvent
  | ActionOutputEvent
  | ActionFinishedEvent
  | RunPausedEvent
  | RunResumedEvent
  | RunFinishedEvent
  | HookFinishedEvent;
