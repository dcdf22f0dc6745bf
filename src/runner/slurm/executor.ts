import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { RunEvent } from '../../core/run/events';
import type { Executor, JobHandle, OutputSink } from '../../core/run/executor';
import type { ProcessExit } from '../../core/run/outcome';
import type { Job } from '../../core/run/plan';
import { logFileName } from '../paths';
import { errorText, isTerminal, parseQueue, sbatchPath, slurmCmd, slurmCmdSync, timeLimitMinutes, type QueueRow, type SlurmEnv } from './commands';
import { parseEnd, parseStart, wrapperScript } from './wrapper';

/**
 * The Slurm executor (SPEC §9): each attempt is one `sbatch` job running a small wrapper
 * (wrapper.ts) that records exact start/end times and the exit code on the shared file system.
 *
 * - Submission: job name = run id (so `scancel --name=RUN` stops the whole run), comment =
 *   action id, `--cpus-per-task`, `--time` (minutes, rounded up; the runner enforces the exact
 *   timeout with scancel), `-L` for resources the cluster declares as licenses, `--chdir`,
 *   `--export=ALL` (+ the action's env exported by the wrapper), -o/-e = the action's log.
 * - Lookahead: when nothing but dependencies holds a job back (no runner-counted resource, CPUs
 *   not capped, no gate), it is submitted as soon as all its dependencies are submitted, with
 *   `--dependency=afterok:…`, so a dependency hop costs what Slurm costs. The scheduler still
 *   decides: a pre-submitted job it never starts (a dependency failed, keepGoing stopped the
 *   run) is scancel'ed when its `action-finished` is observed.
 * - State: the wrapper's files (fs.watch on the status folder + a stat per poll) and ONE
 *   `squeue --name=RUN` per poll for the whole run (jobs that end without the wrapper: killed
 *   by Slurm, rejected at start, node failure).
 * - Nothing stays behind: close() and killAllNow() `scancel --name=RUN`; a detached watchdog
 *   does the same if the runner dies without running its exit handlers (SIGKILL).
 */

export interface SlurmJobSettings {
  readonly partition?: string;
  readonly account?: string;
  readonly sbatchArgs?: readonly string[];
}

export interface SlurmExecutorOptions {
  readonly runId: string;
  /** The run folder (status files go to `slurm/` inside). Must be on a file system the nodes share. */
  readonly runDir: string;
  readonly logDir: string;
  readonly slurm: SlurmEnv;
  /** Every job of the run (for lookahead submission). */
  readonly jobs: readonly Job[];
  /** Pre-submit dependents with Slurm dependencies (see above). */
  readonly lookahead: boolean;
  /** Resource names that are cluster licenses (→ -L). */
  readonly licenses: ReadonlySet<string>;
  /** Variables for every action (ACTIONTREE_RUN_ID, ACTIONTREE_RUN_DIR). */
  readonly runEnv: Readonly<Record<string, string>>;
  /** partition / account / extra sbatch arguments per job. */
  readonly settings: (job: Job) => SlurmJobSettings;
  /** squeue interval while jobs are live (default 1000 ms; 200 ms while a cancel is pending). */
  readonly pollMs?: number;
  /** How long squeue may keep failing before live attempts fail (default 60 s). */
  readonly controllerDownMs?: number;
  /** Start the detached watchdog (default true). */
  readonly watchdog?: boolean;
}

/** Slurm states of a job that Slurm (or an administrator) ended. */
const KILLED_BY_SLURM = new Set(['CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'DEADLINE', 'BOOT_FAIL']);

/** sbatch processes in flight at once. */
const SUBMIT_PARALLEL = 4;

type Phase = 'submitting' | 'queued' | 'running' | 'done';

/** A `JobHandle` whose `ref` becomes known once sbatch answers. */
class SlurmAttempt implements JobHandle {
  readonly pid = null;
  ref: string | undefined;
  phase: Phase = 'submitting';
  killRequested = false;
  sink: OutputSink | null = null;
  /** Counted in its tail's `active` (claimed by the scheduler, not yet done). */
  tailHeld = false;
  startMs: number | null = null;
  endMs: number | undefined;
  /** Time the job was first seen terminal in squeue without an end file. */
  terminalSeen: number | null = null;
  /** A signal-like exit code (> 128) from the wrapper, held until squeue says whether Slurm killed the job. */
  pendingEnd: { time: number; code: number; seen: number } | null = null;
  readonly began: Promise<number | null>;
  readonly exited: Promise<ProcessExit>;
  private resolveBegan!: (t: number | null) => void;
  private resolveExit!: (e: ProcessExit) => void;

  constructor(
    readonly job: Job,
    readonly attempt: number,
    readonly key: string,
    private readonly owner: SlurmExecutor,
  ) {
    this.began = new Promise((r) => (this.resolveBegan = r));
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  endTime(): number | undefined {
    return this.endMs;
  }

  kill(): void {
    if (this.killRequested || this.phase === 'done') return;
    this.killRequested = true;
    this.owner.cancelAttempt(this);
  }

  markStarted(t: number): void {
    if (this.startMs !== null || this.phase === 'done') return;
    this.startMs = t;
    this.phase = 'running';
    this.resolveBegan(t);
  }

  finish(exit: ProcessExit, endMs?: number): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.endMs = endMs;
    if (this.startMs === null) this.resolveBegan(null);
    this.owner.flushLog(this.job.id);
    if (this.tailHeld) {
      this.tailHeld = false;
      this.owner.releaseTail(this.job.id);
    }
    this.resolveExit(exit);
    this.owner.attemptDone(this);
  }
}

/** Per job: the log file tail (shared by its attempts). */
interface Tail {
  readonly file: string;
  offset: number;
  readonly decoder: StringDecoder;
  sink: OutputSink | null;
  /** Live attempts being tailed: only these tails are read on the timer and on log-folder events. */
  active: number;
}

export class SlurmExecutor implements Executor {
  private readonly statusDir: string;
  private readonly live = new Set<SlurmAttempt>();
  /** Pre-submitted first attempts not yet claimed by the scheduler, by job id. */
  private readonly prepared = new Map<string, SlurmAttempt>();
  /** Latest attempt per job id (for dependency ids). */
  private readonly latest = new Map<string, SlurmAttempt>();
  /** Jobs known to have succeeded (their wrapper said exit 0). */
  private readonly succeeded = new Set<string>();
  /** Jobs the scheduler has finished (any state). */
  private readonly finished = new Set<string>();
  private readonly byId = new Map<string, Job>();
  private readonly dependents = new Map<string, Job[]>();
  private readonly tails = new Map<string, Tail>();
  private readonly tailsByFile = new Map<string, Tail>();
  /** Live attempts by status-file key. */
  private readonly byKey = new Map<string, SlurmAttempt>();
  private readonly watchers: fs.FSWatcher[] = [];
  private pollTimer: NodeJS.Timeout | null = null;
  private tailTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private squeueFailingSince: number | null = null;
  private lastSqueueError = '';
  private closed = false;
  private watchdogPid: number | null = null;
  private seq = 0;
  private readonly pollMs: number;

  constructor(private readonly o: SlurmExecutorOptions) {
    this.pollMs = o.pollMs ?? 1000;
    this.statusDir = path.join(o.runDir, 'slurm');
    fs.mkdirSync(this.statusDir, { recursive: true });
    for (const j of o.jobs) this.byId.set(j.id, j);
    for (const j of o.jobs) {
      for (const d of new Set(j.deps)) {
        if (!this.byId.has(d) || d === j.id) continue;
        const list = this.dependents.get(d) ?? [];
        list.push(j);
        this.dependents.set(d, list);
      }
    }
    try {
      this.watchers.push(fs.watch(this.statusDir, (_ev, name) => this.onStatusFile(typeof name === 'string' ? name : null)));
      this.watchers.push(
        fs.watch(o.logDir, (_ev, name) => {
          const t = typeof name === 'string' ? this.tailsByFile.get(name) : undefined;
          if (t !== undefined) {
            if (t.active > 0) this.readTail(t);
          } else this.readTails();
        }),
      );
    } catch {
      // no file events (some network file systems): polling alone sees the files
    }
    for (const w of this.watchers) w.on('error', () => {});
    if (o.watchdog !== false) this.startWatchdog();
  }

  // --- the port ---------------------------------------------------------------------------

  start(job: Job, attempt: number, onOutput: OutputSink): JobHandle {
    const tail = this.tailOf(job.id);
    tail.sink = onOutput;
    const pre = attempt === 1 ? this.prepared.get(job.id) : undefined;
    if (pre !== undefined) {
      this.prepared.delete(job.id);
      if (!(pre.phase === 'done' && pre.startMs === null)) {
        pre.sink = onOutput;
        this.holdTail(pre, tail);
        this.readTail(tail);
        return pre;
      }
      // killed by Slurm before it could start (a dependency id it waited for failed): submit again
    }
    if (attempt > 1) this.appendLog(job.id, `\n--- actiontree: attempt ${attempt} ---\n`);
    const a = this.newAttempt(job, attempt);
    a.sink = onOutput;
    this.holdTail(a, tail);
    const problem = this.precheck(job);
    if (problem !== null) {
      a.finish({ kind: 'spawn-error', message: problem });
      return a;
    }
    void this.submit(a, []);
    return a;
  }

  logOf(jobId: string): string | null {
    const name = logFileName(jobId);
    try {
      return fs.statSync(path.join(this.o.logDir, name)).size > 0 ? name : null;
    } catch {
      return null;
    }
  }

  killAllNow(): void {
    slurmCmdSync(this.o.slurm, 'scancel', [`--name=${this.o.runId}`]);
  }

  async close(): Promise<void> {
    this.closed = true;
    // Belt and braces: nothing of this run may stay queued or running. (With the controller
    // down this cannot succeed; the watchdog is left running then, and retries once it answers.)
    const r = await slurmCmd({ ...this.o.slurm, timeoutMs: 10_000 }, 'scancel', [`--name=${this.o.runId}`]);
    const keepWatchdog = !r.ok;
    for (const a of this.live) a.finish({ kind: 'signal', signal: 'SIGTERM' });
    this.stopTimers();
    for (const w of this.watchers) w.close();
    this.readTails();
    if (this.watchdogPid !== null && !keepWatchdog) {
      try {
        process.kill(this.watchdogPid, 'SIGTERM');
      } catch {
        // already gone
      }
      this.watchdogPid = null;
    }
  }

  /** Told every run event (executeRun): a pre-submitted job the scheduler finished without starting is canceled. */
  observe(e: RunEvent): void {
    if (e.type !== 'action-finished') return;
    this.finished.add(e.action);
    const pre = this.prepared.get(e.action);
    if (pre !== undefined) {
      this.prepared.delete(e.action);
      pre.kill();
    }
  }

  // --- submission -------------------------------------------------------------------------

  private newAttempt(job: Job, attempt: number): SlurmAttempt {
    const key = `${String(++this.seq).padStart(5, '0')}`;
    const a = new SlurmAttempt(job, attempt, key, this);
    this.latest.set(job.id, a);
    return a;
  }

  private precheck(job: Job): string | null {
    const c = job.command;
    if ((c.kind === 'argv' && c.argv.length === 0) || (c.kind === 'shell' && c.line.trim() === '')) return 'empty command';
    try {
      if (!fs.statSync(job.cwd).isDirectory()) return `cwd is not a directory: ${job.cwd}`;
    } catch {
      return `cwd does not exist: ${job.cwd}`;
    }
    return null;
  }

  private sbatchArgs(a: SlurmAttempt, afterok: readonly string[]): string[] {
    const job = a.job;
    const log = sbatchPath(path.join(this.o.logDir, logFileName(job.id)));
    const args = [
      '--parsable',
      `--job-name=${this.o.runId}`,
      `--comment=${job.actionId}`,
      `--output=${log}`,
      `--error=${log}`,
      '--open-mode=append',
      `--chdir=${job.cwd}`,
      '--export=ALL',
    ];
    if (job.needs.cpus >= 1) args.push(`--cpus-per-task=${Math.ceil(job.needs.cpus)}`);
    // SPEC §9: memory / memoryLimit -> --mem (the larger of the two: the limit is what the job may reach).
    const memBytes = Math.max(job.needs.memory ?? 0, job.memoryLimit ?? 0);
    if (memBytes > 0) args.push(`--mem=${Math.ceil(memBytes / (1024 * 1024))}M`);
    if (job.timeoutMs !== undefined && job.timeoutMs > 0) args.push(`--time=${timeLimitMinutes(job.timeoutMs)}`);
    const lic = job.needs.resources.filter((r) => this.o.licenses.has(r.name) && r.amount > 0).map((r) => `${r.name}:${Math.ceil(r.amount)}`);
    if (lic.length > 0) args.push(`--licenses=${lic.join(',')}`);
    if (afterok.length > 0) args.push(`--dependency=afterok:${afterok.join(':')}`, '--kill-on-invalid-dep=yes');
    const s = this.o.settings(job);
    if (s.partition !== undefined) args.push(`--partition=${s.partition}`);
    if (s.account !== undefined) args.push(`--account=${s.account}`);
    if (s.sbatchArgs !== undefined) args.push(...s.sbatchArgs);
    return args;
  }

  private async submit(a: SlurmAttempt, afterok: readonly string[]): Promise<void> {
    const script = path.join(this.statusDir, `${a.key}.sh`);
    try {
      fs.writeFileSync(script, wrapperScript({ job: a.job, attempt: a.attempt, runId: this.o.runId, statusPrefix: path.join(this.statusDir, a.key), runEnv: this.o.runEnv }), { mode: 0o755 });
    } catch (e: unknown) {
      a.finish({ kind: 'executor-error', message: `slurm: cannot write the job script: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    this.live.add(a);
    this.byKey.set(a.key, a);
    await this.submitSlot();
    let r;
    try {
      r = await slurmCmd(this.o.slurm, 'sbatch', [...this.sbatchArgs(a, afterok), script]);
    } finally {
      this.releaseSubmitSlot();
    }
    if (!r.ok) {
      this.live.delete(a);
      a.finish({ kind: 'executor-error', message: `sbatch rejected the job: ${errorText(r)}` });
      return;
    }
    const id = r.stdout.trim().split(';')[0] ?? '';
    if (!/^\d+$/.test(id)) {
      this.live.delete(a);
      a.finish({ kind: 'executor-error', message: `sbatch answered '${r.stdout.trim()}' instead of a job id` });
      return;
    }
    a.ref = id;
    if (a.phase === 'submitting') a.phase = 'queued';
    if (a.killRequested || this.closed) void this.scancel([id]);
    this.ensurePolling();
    this.checkFiles(a);
    this.lookahead(a.job.id);
  }

  /** At most SUBMIT_PARALLEL sbatch processes at once (200 ready jobs must not fork 200 sbatch at once). */
  private submitting = 0;
  private readonly submitWaiters: (() => void)[] = [];

  private submitSlot(): Promise<void> {
    if (this.submitting < SUBMIT_PARALLEL) {
      this.submitting++;
      return Promise.resolve();
    }
    return new Promise((r) => this.submitWaiters.push(r));
  }

  private releaseSubmitSlot(): void {
    const next = this.submitWaiters.shift();
    if (next !== undefined) next();
    else this.submitting--;
  }

  /** Pre-submits dependents of `jobId` whose every dependency is submitted (afterok) or done. */
  private lookahead(jobId: string): void {
    if (!this.o.lookahead || this.closed) return;
    for (const d of this.dependents.get(jobId) ?? []) {
      if (this.prepared.has(d.id) || this.latest.has(d.id) || this.finished.has(d.id)) continue;
      if (d.acceptFailedDependencies) continue; // afterany would start it before the scheduler decides
      if (d.inputs !== undefined) continue; // incremental: the gate may find it up to date and skip it
      if (d.needs.resources.some((r) => r.amount > 0 && !this.o.licenses.has(r.name))) continue; // runner-counted
      if ((d.needs.locks?.length ?? 0) > 0) continue; // SPEC §10 locks are admitted by the runner's scheduler, not by Slurm
      if (this.precheck(d) !== null) continue; // let the scheduler report it
      const ids: string[] = [];
      let ok = true;
      for (const dep of new Set(d.deps)) {
        const job = this.byId.get(dep);
        if (job === undefined || dep === d.id) continue; // outside the plan: done
        if (this.succeeded.has(dep)) continue;
        const att = this.latest.get(dep);
        if (att === undefined || att.ref === undefined || job.retries > 0 || att.phase === 'done' || att.killRequested) {
          ok = false;
          break;
        }
        ids.push(att.ref);
      }
      if (!ok || ids.length === 0) continue;
      const a = this.newAttempt(d, 1);
      this.prepared.set(d.id, a);
      this.tailOf(d.id);
      void this.submit(a, ids);
    }
  }

  // --- cancel -----------------------------------------------------------------------------

  cancelAttempt(a: SlurmAttempt): void {
    if (a.ref !== undefined) void this.scancel([a.ref]);
    // else: submit() cancels it as soon as sbatch answers
    this.ensurePolling();
  }

  private async scancel(ids: readonly string[]): Promise<void> {
    const r = await slurmCmd(this.o.slurm, 'scancel', ids);
    if (!r.ok) this.lastSqueueError = `scancel: ${errorText(r)}`;
    this.schedulePoll(100);
  }

  // --- state ------------------------------------------------------------------------------

  private onStatusFile(name: string | null): void {
    if (name === null) {
      for (const a of this.live) this.checkFiles(a);
      return;
    }
    const m = /^(\d+)\.(start|end)$/.exec(name);
    if (m === null) return;
    const a = this.byKey.get(m[1] as string);
    if (a !== undefined) this.checkFiles(a);
  }

  /** Reads the wrapper's files of a live attempt; true when it finished. */
  private checkFiles(a: SlurmAttempt): boolean {
    if (a.phase === 'done') return true;
    const prefix = path.join(this.statusDir, a.key);
    if (a.startMs === null) {
      const t = readSmall(`${prefix}.start`);
      const start = t === null ? null : parseStart(t);
      if (start !== null) a.markStarted(start);
    }
    const e = readSmall(`${prefix}.end`);
    const end = e === null ? null : parseEnd(e);
    if (end === null) return false;
    if (a.startMs === null) a.markStarted(end.time);
    if (end.code > 128 && !a.killRequested && a.ref !== undefined) {
      // Killed by a signal: by Slurm (time limit, scancel by someone, OOM) or not? squeue says.
      if (a.pendingEnd === null) {
        a.pendingEnd = { ...end, seen: Date.now() };
        this.schedulePoll(50);
      }
      return false;
    }
    if (end.code === 0) this.succeeded.add(a.job.id);
    this.readTail(this.tailOf(a.job.id));
    a.finish({ kind: 'exit', code: end.code }, end.time);
    return true;
  }

  attemptDone(a: SlurmAttempt): void {
    this.live.delete(a);
    this.byKey.delete(a.key);
    if (this.live.size === 0) this.stopTimers();
  }

  private ensurePolling(): void {
    if (this.pollTimer === null && !this.closed) this.schedulePoll(this.pollMs);
    if (this.tailTimer === null && !this.closed) {
      this.tailTimer = setInterval(() => this.readTails(), 250);
      this.tailTimer.unref?.();
    }
  }

  private schedulePoll(ms: number): void {
    if (this.closed) return;
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      void this.poll();
    }, ms);
  }

  private stopTimers(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    if (this.tailTimer !== null) clearInterval(this.tailTimer);
    this.pollTimer = null;
    this.tailTimer = null;
  }

  /** One squeue for the whole run, then every live attempt is checked against it. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      for (const a of [...this.live]) this.checkFiles(a);
      if (this.live.size === 0) return;
      const t0 = Date.now();
      const r = await slurmCmd({ ...this.o.slurm, timeoutMs: 20_000 }, 'squeue', ['-h', '-t', 'all', `--name=${this.o.runId}`, '-o', '%i|%T|%r']);
      const now = Date.now();
      if (!r.ok) {
        this.lastSqueueError = errorText(r);
        this.squeueFailingSince ??= t0;
        const limit = this.o.controllerDownMs ?? 60_000;
        if (now - this.squeueFailingSince >= limit) {
          for (const a of [...this.live]) {
            if (!this.checkFiles(a)) {
              if (a.ref !== undefined) void this.scancel([a.ref]);
              a.finish({ kind: 'executor-error', message: `slurm: the controller has not answered for ${Math.round((now - this.squeueFailingSince) / 1000)}s (squeue: ${this.lastSqueueError}); job ${a.ref ?? '?'} abandoned` });
            }
          }
        }
        return;
      }
      this.squeueFailingSince = null;
      const rows = parseQueue(r.stdout);
      for (const a of [...this.live]) this.fromQueue(a, a.ref === undefined ? undefined : rows.get(a.ref), now);
    } finally {
      this.polling = false;
      if (this.live.size > 0) {
        const killing = [...this.live].some((a) => a.killRequested || a.terminalSeen !== null || a.pendingEnd !== null);
        this.schedulePoll(killing ? 200 : this.pollMs);
      }
    }
  }

  private fromQueue(a: SlurmAttempt, row: QueueRow | undefined, now: number): void {
    if (a.phase === 'done' || a.ref === undefined) return;
    if (this.checkFiles(a)) return;
    const pe = a.pendingEnd;
    if (pe !== null) {
      if (row !== undefined && !isTerminal(row.state) && now - pe.seen < 5000) return; // Slurm has not decided yet
      this.readTail(this.tailOf(a.job.id));
      if (row !== undefined && KILLED_BY_SLURM.has(row.state)) {
        a.finish({ kind: 'executor-error', message: `${this.endedAs(a.ref, row)} (the command ended with exit code ${pe.code})` }, pe.time);
      } else {
        a.finish({ kind: 'exit', code: pe.code }, pe.time);
      }
      return;
    }
    if (row === undefined || isTerminal(row.state)) {
      // The end file is written before the job completes; give a file system that lags one more poll.
      if (a.terminalSeen === null) {
        a.terminalSeen = now;
        return;
      }
      if (now - a.terminalSeen < 150) return;
      if (this.checkFiles(a)) return;
      if (a.killRequested) {
        a.finish({ kind: 'signal', signal: 'SIGTERM' });
        return;
      }
      a.finish({ kind: 'executor-error', message: `${this.endedAs(a.ref, row)}${a.startMs === null ? ' before it started' : ''}` });
    }
  }

  /** `slurm job 12 ended as TIMEOUT: Slurm's --time limit`. */
  private endedAs(ref: string, row: QueueRow | undefined): string {
    const what = row === undefined ? 'vanished from squeue' : `ended as ${row.state}${row.reason !== '' && row.reason !== 'None' ? ` (${row.reason})` : ''}`;
    const hint = row?.state === 'TIMEOUT' ? ": Slurm's --time limit" : row?.state === 'OUT_OF_MEMORY' ? ': out of memory (--mem)' : row?.state === 'CANCELLED' ? ': canceled outside the runner' : '';
    return `slurm job ${ref} ${what}${hint}`;
  }

  // --- output -----------------------------------------------------------------------------

  private tailOf(jobId: string): Tail {
    let t = this.tails.get(jobId);
    if (t === undefined) {
      const file = path.join(this.o.logDir, logFileName(jobId));
      let offset = 0;
      try {
        offset = fs.statSync(file).size;
      } catch {
        // not there yet
      }
      t = { file, offset, decoder: new StringDecoder('utf8'), sink: null, active: 0 };
      this.tails.set(jobId, t);
      this.tailsByFile.set(path.basename(file), t);
    }
    return t;
  }

  private appendLog(jobId: string, text: string): void {
    const t = this.tailOf(jobId);
    this.readTail(t);
    try {
      fs.appendFileSync(t.file, text);
      t.offset += Buffer.byteLength(text);
    } catch {
      // logging is best effort
    }
  }

  private holdTail(a: SlurmAttempt, t: Tail): void {
    if (a.phase === 'done' || a.tailHeld) return;
    a.tailHeld = true;
    t.active++;
  }

  releaseTail(jobId: string): void {
    const t = this.tails.get(jobId);
    if (t !== undefined) t.active = Math.max(0, t.active - 1);
  }

  flushLog(jobId: string): void {
    const t = this.tails.get(jobId);
    if (t !== undefined) this.readTail(t);
  }

  private readTails(): void {
    for (const t of this.tails.values()) if (t.sink !== null && t.active > 0) this.readTail(t);
  }

  private readTail(t: Tail): void {
    if (t.sink === null) return;
    let fd: number;
    try {
      fd = fs.openSync(t.file, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, t.offset);
        if (n <= 0) break;
        t.offset += n;
        const text = t.decoder.write(buf.subarray(0, n));
        if (text.length > 0) t.sink('stdout', text);
      }
    } catch {
      // best effort
    } finally {
      fs.closeSync(fd);
    }
  }

  // --- watchdog ---------------------------------------------------------------------------

  /**
   * A detached shell that outlives a SIGKILLed runner: once the runner's pid is gone it runs
   * `scancel --name=RUN` (retrying while the controller does not answer). Stopped by close()
   * unless close() could not scancel itself. (The pid could be reused within a second: then it
   * waits for that process instead; harmless.)
   */
  private startWatchdog(): void {
    try {
      // After the runner is gone: scancel, retried every 10 s for up to an hour while the controller does not answer.
      // Gives up when the cluster's configuration file is gone (a throwaway cluster was removed).
      const conf = this.o.slurm.env['SLURM_CONF'];
      const confGone = conf !== undefined && conf !== '' ? `[ ! -e ${shqSimple(conf)} ] || ` : '';
      const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; i=0; until ${confGone}scancel --name=${shqSimple(this.o.runId)} 2>/dev/null; do i=$((i+1)); [ $i -ge 360 ] && exit 1; sleep 10; done`;
      const p = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore', env: this.o.slurm.env });
      p.on('error', () => {});
      p.unref();
      this.watchdogPid = p.pid ?? null;
    } catch {
      this.watchdogPid = null;
    }
  }
}

function shqSimple(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function readSmall(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
