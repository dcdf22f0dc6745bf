import type { ActionLimits, ActionModel, Command, Graph, ResourceDecl } from '../../../src/core/model';
import type { Executor, JobHandle, OutputSink } from '../../../src/core/run/executor';
import type { ProcessExit } from '../../../src/core/run/outcome';
import { jobOf, type Job } from '../../../src/core/run/plan';
import type { Clock } from '../../../src/core/run/scheduler';

const sp = { offset: 0, length: 0 };

export interface ActionSpec {
  id: string;
  deps?: string[];
  cpus?: number;
  resources?: Record<string, number | undefined>;
  priority?: number;
  retries?: number;
  timeoutMs?: number;
  accept?: boolean;
  command?: Command;
  /** SPEC §8 fields (memory, group, retryOn, retryDelayMs…). */
  limits?: ActionLimits;
  /** SPEC §10 locks: name -> mode (declared automatically in the graph). */
  locks?: Record<string, 'shared' | 'exclusive'>;
}

/** Builds a Graph model directly (no parser), for scheduler tests. */
export function makeGraph(actions: ActionSpec[], resources: Record<string, number> = {}, cpus = 2): Graph {
  const models: ActionModel[] = actions.map((a, index) => ({
    id: a.id,
    index,
    keySpan: sp,
    span: sp,
    command: a.command ?? { kind: 'shell', line: `run ${a.id}` },
    dependsOn: (a.deps ?? []).map((value) => ({ value, span: sp })),
    deps: [...new Set(a.deps ?? [])].filter((d) => d !== a.id),
    cpus: a.cpus ?? 1,
    resources: Object.entries(a.resources ?? {}).flatMap(([name, amount]) => (amount === undefined ? [] : [{ name, amount, keySpan: sp }])),
    timeoutMs: a.timeoutMs,
    retries: a.retries ?? 0,
    acceptFailedDependencies: a.accept ?? false,
    priority: a.priority ?? 0,
    cwd: undefined,
    env: {},
    description: undefined,
    ...(a.limits !== undefined ? { limits: a.limits } : {}),
    ...(a.locks !== undefined ? { locks: Object.entries(a.locks).map(([name, mode]) => ({ name, mode, keySpan: sp })) } : {}),
  }));
  const decls: ResourceDecl[] = Object.entries(resources).map(([name, capacity]) => ({ name, capacity, keySpan: sp, span: sp }));
  const lockNames = [...new Set(actions.flatMap((a) => Object.keys(a.locks ?? {})))];
  return {
    version: 1,
    name: 'test',
    cpus,
    keepGoing: false,
    resources: decls,
    actions: models,
    byId: new Map(models.map((m) => [m.id, m])),
    ...(lockNames.length > 0 ? { locks: lockNames.map((name) => ({ name, span: sp })) } : {}),
  };
}

/** The jobs of `graph` restricted to `selection` (file order), with optional remaining critical paths. */
export function jobsOf(graph: Graph, selection?: readonly string[], remaining?: ReadonlyMap<string, number>): Job[] {
  const chosen = selection === undefined ? null : new Set(selection);
  return graph.actions.filter((a) => chosen === null || chosen.has(a.id)).map((a) => jobOf(a, '/work', remaining?.get(a.id) ?? 1));
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A clock that only moves when `run` fires its next timer. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + ms, seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Fires timers in (time, creation) order, flushing promise jobs between them, until `done` settles. */
  async run<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    let value: T | undefined;
    void done.then((v) => {
      settled = true;
      value = v;
    });
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (settled) return value as T;
      this.timers = this.timers.filter((x) => x.live);
      if (this.timers.length === 0) throw new Error('fake clock: no timers left but the run has not finished');
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift() as Timer;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
  }
}

export interface AttemptScript {
  /** Duration in ms. */
  ms: number;
  /** Exit code (default 0), or a signal, or a spawn error. */
  exit?: ProcessExit;
  /** Output written at start. */
  out?: string;
  /** Ignores kill() (exits only at the end of its duration, like a child ignoring SIGTERM until SIGKILL). */
  killMs?: number;
}

/** Scripted processes: `scripts[id][attempt-1]` (the last entry repeats); default 10 ms, exit 0. */
export class FakeExecutor implements Executor {
  readonly launches: { id: string; attempt: number; at: number }[] = [];
  readonly kills: { id: string; at: number }[] = [];
  private nextPid = 100;

  constructor(
    private readonly clock: FakeClock,
    private readonly scripts: Record<string, AttemptScript[]> = {},
  ) {}

  start(job: Job, attempt: number, onOutput: OutputSink): JobHandle {
    const id = job.id;
    this.launches.push({ id, attempt, at: this.clock.now() });
    const list = this.scripts[id] ?? [{ ms: 10 }];
    const s = list[Math.min(attempt, list.length) - 1] ?? { ms: 10 };
    const exit: ProcessExit = s.exit ?? { kind: 'exit', code: 0 };
    let resolve!: (e: ProcessExit) => void;
    const exited = new Promise<ProcessExit>((r) => (resolve = r));
    let done = false;
    const end = (e: ProcessExit): void => {
      if (done) return;
      done = true;
      resolve(e);
    };
    if (exit.kind === 'spawn-error') {
      this.clock.setTimer(0, () => end(exit));
      return { pid: null, exited, kill: () => {} };
    }
    if (s.out !== undefined) {
      const out = s.out;
      this.clock.setTimer(0, () => onOutput('stdout', out));
    }
    const cancelEnd = this.clock.setTimer(s.ms, () => end(exit));
    let killed = false;
    return {
      pid: this.nextPid++,
      exited,
      kill: () => {
        if (killed || done) return;
        killed = true;
        this.kills.push({ id, at: this.clock.now() });
        cancelEnd();
        this.clock.setTimer(s.killMs ?? 0, () => end({ kind: 'signal', signal: s.killMs !== undefined ? 'SIGKILL' : 'SIGTERM' }));
      },
    };
  }

  logOf(): string | null {
    return null;
  }

  killAllNow(): void {}

  async close(): Promise<void> {}
}
