import * as cp from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Graph } from '../core/model';
import type { RunEvent, RunResult } from '../core/run/events';
import { initialRunState, reduceRun, type RunState } from '../core/run/state';
import { graphInfo, type GraphInfo } from '../core/gantt/input';
import { parseWorkerMessage, type StartMessage } from '../shared/runner-protocol';

/** What a run was asked to do. */
export interface RunRequest {
  readonly graphFile: string;
  /** Named actions (with their dependencies unless `only`); undefined = the whole graph. */
  readonly actions?: readonly string[];
  /** Run exactly `actions`, not their dependencies. */
  readonly only?: boolean;
  /** Run every selected action, up to date or not (`--force`). */
  readonly force?: boolean;
  /** The graph as analyzed when the run was requested (tree order, chart arrows, commands). */
  readonly graph: Graph;
  readonly label: string;
  /** Where jobs run; undefined = the file's `executor`, else local. */
  readonly executor?: 'local' | 'slurm';
  /** Base environment of the actions (a terminal's, see shared/terminal-env.ts); default: the worker's. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunSummary {
  readonly id: number;
  readonly graphFile: string;
  readonly runId: string | null;
  readonly runDir: string | null;
  readonly result: RunResult | null;
  readonly error: string | null;
  readonly states: Readonly<Record<string, string>>;
  readonly pids: readonly number[];
  readonly workerPid: number | null;
}

let nextId = 1;

/**
 * One run: a forked runner worker (`dist/runner.js`) that owns every action process. Events
 * go through the shared reducer; listeners are told after each event.
 */
export class RunSession implements vscode.Disposable {
  readonly id = nextId++;
  state: RunState = initialRunState();
  runDir: string | null = null;
  error: string | null = null;
  finished = false;
  readonly info: GraphInfo;
  /** Every pid an action attempt reported (for the "nothing left behind" checks). */
  readonly pids: number[] = [];
  private readonly eventEmitter = new vscode.EventEmitter<RunEvent>();
  readonly onEvent = this.eventEmitter.event;
  private readonly finishEmitter = new vscode.EventEmitter<RunSession>();
  readonly onDidFinish = this.finishEmitter.event;
  private worker: cp.ChildProcess | undefined;
  private readonly exited: Promise<void>;
  readonly done: Promise<RunSummary>;
  private stderr = '';
  private cancelRequested = false;

  constructor(
    readonly request: RunRequest,
    runnerScript: string,
  ) {
    this.info = graphInfo(request.graph);
    let resolveDone!: (s: RunSummary) => void;
    this.done = new Promise((r) => (resolveDone = r));
    const worker = cp.fork(runnerScript, [], {
      cwd: path.dirname(request.graphFile),
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'json',
    });
    this.worker = worker;
    worker.stderr?.setEncoding('utf8');
    worker.stderr?.on('data', (d: string) => {
      if (this.stderr.length < 20_000) this.stderr += d;
    });
    worker.on('message', (m: unknown) => this.onMessage(m));
    worker.on('error', (e) => {
      this.error ??= `runner process error: ${e.message}`;
    });
    this.exited = new Promise<void>((resolve) => {
      worker.once('exit', (code, signal) => {
        this.worker = undefined;
        if (!this.finished) {
          this.error ??= `the runner process exited unexpectedly (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim().slice(0, 2000)}` : ''}`;
          this.finish();
        }
        resolve();
      });
    });
    // `done` resolves once the worker has exited too (it exits right after its `done`
    // message; one that lingers is killed after a grace period).
    this.onDidFinish(() => {
      const w = this.worker;
      const timer = w ? setTimeout(() => w.kill('SIGKILL'), 5000) : undefined;
      void this.exited.then(() => {
        if (timer) clearTimeout(timer);
        resolveDone(this.summary());
      });
    });
    const start: StartMessage = {
      type: 'start',
      graphFile: request.graphFile,
      ...(request.actions && request.actions.length > 0 ? { actions: request.actions.slice() } : {}),
      ...(request.only ? { only: true } : {}),
      ...(request.executor !== undefined ? { executor: request.executor } : {}),
      ...(request.force ? { force: true } : {}),
      ...(request.env ? { env: { ...request.env } } : {}),
    };
    worker.send(start);
  }

  get graphFile(): string {
    return this.request.graphFile;
  }

  get workerPid(): number | null {
    return this.worker?.pid ?? null;
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) {
      console.warn('[actiontree] ignored runner message:', parsed.error);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'event': {
        const e = m.event;
        this.state = reduceRun(this.state, e);
        if (e.type === 'action-started' && typeof e.pid === 'number') this.pids.push(e.pid);
        this.eventEmitter.fire(e);
        break;
      }
      case 'error':
        this.error = this.error ? `${this.error}\n${m.message}` : m.message;
        break;
      case 'plan-result':
        break;
      case 'done':
        this.runDir = m.runDir;
        if (m.result === null && !this.error) this.error = 'the run did not start';
        this.finish();
        break;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.finishEmitter.fire(this);
  }

  get result(): RunResult | null {
    return this.state.result;
  }

  get canceled(): boolean {
    return this.cancelRequested;
  }

  /** Asks the worker to cancel: it kills every action's process tree and writes the report. */
  cancel(): void {
    if (this.finished || this.cancelRequested) return;
    this.cancelRequested = true;
    try {
      this.worker?.send({ type: 'cancel' });
    } catch {
      // the channel is already closed: the exit handler finishes the session
    }
  }

  /** SPEC §8: asks the worker to pause (nothing new starts) or resume; the run's events tell when it did. */
  setPaused(paused: boolean): void {
    if (this.finished || this.cancelRequested) return;
    try {
      this.worker?.send({ type: paused ? 'pause' : 'resume' });
    } catch {
      // the channel is closed: the run is ending
    }
  }

  get paused(): boolean {
    return this.state.paused === true;
  }

  /** Cancels (if running) and waits for the worker to exit; kills it after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.cancel();
    const w = this.worker;
    if (!w) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
          resolve();
        }, graceMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    await this.exited;
  }

  summary(): RunSummary {
    // Object.fromEntries defines own keys: an action named `__proto__` stays a key.
    const states: Record<string, string> = Object.fromEntries([...this.state.actions.entries()].map(([id, a]) => [id, a.state]));
    return {
      id: this.id,
      graphFile: this.graphFile,
      runId: this.state.runId,
      runDir: this.runDir,
      result: this.state.result,
      error: this.error,
      states,
      pids: this.pids.slice(),
      workerPid: this.workerPid,
    };
  }

  dispose(): void {
    this.eventEmitter.dispose();
    this.finishEmitter.dispose();
  }
}

/** All runs of this window. Several graphs may run at once; each run is its own worker. */
export class RunService implements vscode.Disposable {
  private readonly sessions: RunSession[] = [];
  private readonly startEmitter = new vscode.EventEmitter<RunSession>();
  readonly onDidStart = this.startEmitter.event;
  private readonly changeEmitter = new vscode.EventEmitter<RunSession>();
  /** Fired after every event of any run (listeners throttle as they need). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly finishEmitter = new vscode.EventEmitter<RunSession>();
  readonly onDidFinish = this.finishEmitter.event;
  private disposed = false;

  constructor(private readonly runnerScript: string) {}

  start(request: RunRequest): RunSession {
    if (this.disposed) throw new Error('the run service is disposed');
    const s = new RunSession(request, this.runnerScript);
    // Keep the latest 20 finished sessions per window.
    this.sessions.push(s);
    const finished = this.sessions.filter((x) => x.finished);
    for (const old of finished.slice(0, Math.max(0, finished.length - 20))) {
      this.sessions.splice(this.sessions.indexOf(old), 1);
      old.dispose();
    }
    s.onEvent(() => this.changeEmitter.fire(s));
    s.onDidFinish(() => {
      this.changeEmitter.fire(s);
      this.finishEmitter.fire(s);
    });
    this.startEmitter.fire(s);
    return s;
  }

  get all(): readonly RunSession[] {
    return this.sessions;
  }

  get active(): RunSession[] {
    return this.sessions.filter((s) => !s.finished);
  }

  byId(id: number): RunSession | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  /** The newest session of a graph file (running or not). */
  latest(graphFile?: string): RunSession | undefined {
    for (let i = this.sessions.length - 1; i >= 0; i--) {
      const s = this.sessions[i]!;
      if (graphFile === undefined || samePath(s.graphFile, graphFile)) return s;
    }
    return undefined;
  }

  /** This window's sessions of a graph file, newest first. */
  sessionsOf(graphFile: string): RunSession[] {
    return this.sessions.filter((s) => samePath(s.graphFile, graphFile)).reverse();
  }

  activeFor(graphFile: string): RunSession | undefined {
    return this.active.find((s) => samePath(s.graphFile, graphFile));
  }

  /** Cancels every run and waits until every worker has exited. */
  async stopAll(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.stop()));
  }

  async disposeAsync(): Promise<void> {
    this.disposed = true;
    await this.stopAll();
    this.dispose();
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.sessions) s.cancel();
    this.startEmitter.dispose();
    this.changeEmitter.dispose();
    this.finishEmitter.dispose();
  }
}

export function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
}
