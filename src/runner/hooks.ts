import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDuration } from '../core/duration';
import { MAX_CONCURRENT_HOOKS, type GraphHooks, type HookName } from '../core/hooks';
import type { FinalActionState, HookFinishedEvent, RunEvent, RunResult } from '../core/run/events';
import { logFileName } from './paths';
import { groupAlive } from './process-tree';

/**
 * SPEC §10 hooks, run by the runner beside the scheduler (docs/runner.md "Hooks"):
 * - `onRunStarted` when the run starts, `onActionFinished` for each action that ran (at least one
 *   attempt started) when it finishes, `onRunFinished` once report.json is written.
 * - Each is `sh -c <command>` (Windows: cmd.exe) in the graph file's folder, its own process
 *   group, stdout + stderr into `logs/hooks/…`; environment: the runner's, the graph's
 *   `defaults.env`, then ACTIONTREE_RUN_ID, _RUN_DIR, _GRAPH_FILE, _REPORT, _HOOK, _ACTION,
 *   _STATE, _REASON.
 * - Never in the scheduler's way: the run's events only queue them; they start on a later turn,
 *   at most MAX_CONCURRENT_HOOKS at once, in order.
 * - A hook still running after `hookTimeout` has its whole process group killed (SIGTERM, SIGKILL
 *   after the grace period). A failing hook is recorded (a `hook-finished` event, the report's
 *   `hooks`), never fails the run.
 * - At the end of the run the queue gets one more `hookTimeout` to drain: queued hooks that have
 *   not started by then are not run, running ones are killed. Then onRunFinished runs alone,
 *   within its own `hookTimeout`.
 */

/** One hook as the report lists it (`hooks` in report.json): the event without `type`/`time`. */
export interface HookRecord {
  readonly hook: HookName;
  readonly action?: string;
  readonly startedAt: number | null;
  readonly finishedAt: number;
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error: string | null;
  readonly log: string | null;
}

export interface HookRunnerOptions {
  readonly hooks: GraphHooks;
  readonly runId: string;
  readonly runDir: string;
  /** Absolute path of the graph file; hooks run in its folder. */
  readonly graphFile: string;
  /** The runner's environment (the actions' base environment). */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** SIGTERM -> SIGKILL grace period for a hook past its timeout. */
  readonly graceMs: number;
  /** Every hook's end, as an event (to events.jsonl and the run's listeners). */
  readonly emit: (e: HookFinishedEvent) => void;
  readonly now: () => number;
  /** At most this many at once (default MAX_CONCURRENT_HOOKS). */
  readonly maxConcurrent?: number;
}

interface Invocation {
  readonly hook: HookName;
  readonly action: string | undefined;
  readonly state: string;
  readonly reason: string;
}

interface Live {
  readonly child: ChildProcess;
  /** Ends the invocation's process group now (SIGTERM, SIGKILL after the grace period) with this error. */
  stop(error: string): void;
  killNow(): void;
}

const isWindows = process.platform === 'win32';

export class HookRunner {
  private readonly queue: Invocation[] = [];
  private readonly live = new Set<Live>();
  private readonly started = new Set<string>();
  private readonly done: HookRecord[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly max: number;
  private pumpScheduled = false;
  /** Set once the end of the run stops taking onActionFinished hooks. */
  private closed = false;
  private readonly onExit = (): void => this.killAllNow();

  constructor(private readonly opts: HookRunnerOptions) {
    this.max = Math.max(1, opts.maxConcurrent ?? MAX_CONCURRENT_HOOKS);
    // If the runner exits before the run ends (process.exit elsewhere), take the hooks' groups down too.
    process.on('exit', this.onExit);
  }

  /** Where report.json is (or will be) written: ACTIONTREE_REPORT. */
  get reportFile(): string {
    return path.join(this.opts.runDir, 'report.json');
  }

  /** Every hook that ended (or was not run), in the order they ended. */
  get records(): readonly HookRecord[] {
    return this.done;
  }

  /** Fed every run event, in order; queues the hooks they call for and returns at once. */
  observe(e: RunEvent): void {
    if (this.closed) return;
    const cmds = this.opts.hooks.commands;
    if (e.type === 'run-started') {
      if (cmds.onRunStarted !== undefined) this.enqueue({ hook: 'onRunStarted', action: undefined, state: 'running', reason: '' });
    } else if (e.type === 'action-started') {
      this.started.add(e.action);
    } else if (e.type === 'action-finished') {
      // Only actions that ran: not the skipped (up to date) ones, nor those canceled before they started.
      if (cmds.onActionFinished !== undefined && this.started.has(e.action)) {
        this.enqueue({ hook: 'onActionFinished', action: e.action, state: e.state satisfies FinalActionState, reason: e.reason ?? '' });
      }
    }
  }

  /**
   * The end of the run: waits for queued and running hooks, at most `hookTimeout`; then hooks
   * still queued are recorded as not run and running ones are killed. Resolves when none is left.
   */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.idle()) return;
    const bound = this.opts.hooks.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.whenIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, bound);
      }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
    if (this.idle()) return;
    const why = `the run ended and its hooks had ${formatDuration(bound)} (hookTimeout) to finish`;
    for (const inv of this.queue.splice(0)) this.record(inv, null, null, null, `not run: ${why}`, null);
    for (const l of this.live) l.stop(`killed: ${why}`);
    await this.whenIdle();
  }

  /** Runs onRunFinished (after drain(), once report.json is written) and waits for it. Its record, or null when there is none. */
  async runFinished(result: RunResult): Promise<HookRecord | null> {
    this.closed = true;
    if (this.opts.hooks.commands.onRunFinished === undefined) return null;
    const before = this.done.length;
    this.launch({ hook: 'onRunFinished', action: undefined, state: result, reason: '' });
    await this.whenIdle();
    return this.done[before] ?? null;
  }

  /** SIGKILL every hook's process group now (the runner is exiting). */
  killAllNow(): void {
    for (const l of this.live) l.killNow();
  }

  /** Stops listening for the runner's exit; call after the last hook. */
  close(): void {
    this.closed = true;
    process.removeListener('exit', this.onExit);
  }

  private enqueue(inv: Invocation): void {
    this.queue.push(inv);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Never inside the scheduler's turn: the event that queued the hook returns at once.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.live.size < this.max && this.queue.length > 0) this.launch(this.queue.shift() as Invocation);
    if (this.idle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private idle(): boolean {
    return this.live.size === 0 && this.queue.length === 0;
  }

  private whenIdle(): Promise<void> {
    if (this.idle() && !this.pumpScheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private logPath(inv: Invocation): { abs: string; rel: string } {
    const rel = inv.action === undefined ? `logs/hooks/${inv.hook}.log` : `logs/hooks/${inv.hook}/${logFileName(inv.action)}`;
    return { abs: path.join(this.opts.runDir, ...rel.split('/')), rel };
  }

  private envFor(inv: Invocation): NodeJS.ProcessEnv {
    const o = this.opts;
    return {
      ...o.baseEnv,
      ...o.hooks.env,
      ACTIONTREE_RUN_ID: o.runId,
      ACTIONTREE_RUN_DIR: o.runDir,
      ACTIONTREE_GRAPH_FILE: o.graphFile,
      ACTIONTREE_REPORT: this.reportFile,
      ACTIONTREE_HOOK: inv.hook,
      // Always set (empty for run hooks), so a value inherited from an outer run never leaks in.
      ACTIONTREE_ACTION: inv.action ?? '',
      ACTIONTREE_STATE: inv.state,
      ACTIONTREE_REASON: inv.reason,
    };
  }

  private launch(inv: Invocation): void {
    const o = this.opts;
    const command = o.hooks.commands[inv.hook]?.command ?? '';
    const log = this.logPath(inv);
    let fd: number | null = null;
    try {
      fs.mkdirSync(path.dirname(log.abs), { recursive: true });
      fd = fs.openSync(log.abs, 'w');
    } catch {
      fd = null; // an unwritable run folder: the hook still runs, its output is dropped (log: null)
    }
    const startedAt = o.now();
    const out: 'ignore' | number = fd ?? 'ignore';
    let child: ChildProcess;
    try {
      child = isWindows
        ? spawn(command, { cwd: path.dirname(o.graphFile), env: this.envFor(inv), stdio: ['ignore', out, out], shell: true, windowsHide: true })
        : spawn('/bin/sh', ['-c', command], { cwd: path.dirname(o.graphFile), env: this.envFor(inv), stdio: ['ignore', out, out], detached: true });
    } catch (e: unknown) {
      closeFd(fd);
      this.record(inv, startedAt, null, null, `spawn failed: ${e instanceof Error ? e.message : String(e)}`, this.keptLog(log, fd));
      setImmediate(() => this.pump()); // not recursively from inside pump()
      return;
    }
    closeFd(fd); // the child holds its own copy
    let error: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let killSent = false;
    let exited: { code: number | null; signal: string | null } | null = null;
    let ended = false;
    const pid = child.pid;
    const sendKill = (): void => {
      killTimer = undefined;
      killSent = true;
      killTree(pid, 'SIGKILL');
      if (exited !== null) afterKill();
    };
    /** SIGKILL is delivered asynchronously: the call ends once no live process is left in the group (at most 2 s). */
    const afterKill = (): void => {
      const until = Date.now() + 2000;
      const poll = (): void => {
        if (!groupLive(pid) || Date.now() >= until) return end();
        killTimer = setTimeout(poll, 20);
      };
      poll();
    };
    const live: Live = {
      child,
      stop: (why) => {
        if (error !== null || ended) return;
        error = why;
        if (timer !== undefined) clearTimeout(timer);
        killTree(pid, 'SIGTERM');
        killTimer = setTimeout(sendKill, o.graceMs);
      },
      killNow: () => killTree(pid, 'SIGKILL'),
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (timer !== undefined) clearTimeout(timer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      this.live.delete(live);
      const e = exited ?? { code: null, signal: null };
      const why = error ?? (e.code !== null ? (e.code === 0 ? null : `exit code ${e.code}`) : e.signal !== null ? `killed by ${e.signal}` : 'ended without an exit status');
      this.record(inv, startedAt, e.code, e.signal, why, this.keptLog(log, fd));
      this.pump();
    };
    this.live.add(live);
    timer = setTimeout(() => live.stop(`timed out after ${formatDuration(o.hooks.timeoutMs)}`), o.hooks.timeoutMs);
    child.once('error', (err: Error) => {
      // Spawn failures (a missing cwd, no /bin/sh) come here, not as an exception.
      if (exited === null) {
        exited = { code: null, signal: null };
        error ??= `spawn failed: ${err.message}`;
        end();
      }
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      // A hook being stopped: done once its group is gone, or once SIGKILL has ended what was left.
      if (error !== null && groupExists(pid)) {
        if (killSent) afterKill();
        return; // else the SIGKILL timer comes
      }
      end();
    });
  }

  /** The log's run-folder-relative path when it has any bytes; an empty one is removed. */
  private keptLog(log: { abs: string; rel: string }, fd: number | null): string | null {
    if (fd === null) return null;
    try {
      if (fs.statSync(log.abs).size > 0) return log.rel;
      fs.unlinkSync(log.abs);
    } catch {
      // gone or unreadable
    }
    return null;
  }

  private record(inv: Invocation, startedAt: number | null, exitCode: number | null, signal: string | null, error: string | null, log: string | null): void {
    const finishedAt = this.opts.now();
    const r: HookRecord = {
      hook: inv.hook,
      ...(inv.action !== undefined ? { action: inv.action } : {}),
      startedAt,
      finishedAt,
      durationMs: startedAt === null ? 0 : Math.max(0, finishedAt - startedAt),
      exitCode,
      signal,
      error,
      log,
    };
    this.done.push(r);
    const { finishedAt: time, ...rest } = r;
    this.opts.emit({ type: 'hook-finished', time, ...rest });
  }
}

function closeFd(fd: number | null): void {
  if (fd === null) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/** Signals the hook's whole process group (POSIX) or tree (Windows: taskkill /T, forced). */
function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return; // never -1 (everything) or our own group
  if (isWindows) {
    spawnSync('taskkill', ['/T', '/F', '/PID', String(pid)], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

/** True while a process (not a zombie) of the group led by `pid` is alive. */
function groupLive(pid: number | undefined): boolean {
  return groupExists(pid) && groupAlive(pid as number);
}

/** True while any process (zombies included) is in the group led by `pid`. */
function groupExists(pid: number | undefined): boolean {
  if (pid === undefined || isWindows) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e: unknown) {
    return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EPERM';
  }
}
