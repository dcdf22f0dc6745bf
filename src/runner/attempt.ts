import { spawn, spawnSync } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from '../core/run/events';
import type { JobHandle, OutputSink } from '../core/run/executor';
import type { ProcessExit } from '../core/run/outcome';
import type { Job } from '../core/run/plan';
import type { CoreSet } from './affinity';
import { signalGroup, terminateGroup } from './process-tree';
import type { AttemptUsage, Sampler } from './sampler';

/**
 * One attempt of a job as a local process tree: the lifecycle both local launchers share
 * (NodeLauncher: `child_process.spawn`; HelperLauncher: a long-lived bash helper forks it).
 * A launcher only knows how to start a process and how to read it; it plugs that in as a
 * `ProcessPort` and reports what it sees (started, output, end of a stream, exit). Everything
 * else is here, written once:
 *
 *   starting ──started(group)──▶ running ──kill() / memory past the limit──▶ stopping(reason)
 *      │                           │                                            │
 *      └── exit (nothing started) ─┴── exit + both streams ended ───────────────┴── … + tree gone
 *                                                        ▼
 *                                               settled(outcome)
 *
 * - `starting`: asked to spawn, no process group known yet (the helper's "S" line is on its way;
 *   Node knows it at once). A kill() here is remembered and done once the group is known.
 * - `running`: the tree runs; `exit` is set once its main process exited while its pipes still
 *   drain. Sampling (peak RSS, CPU time, the memoryLimit) runs from here on.
 * - `stopping(reason)`: the tree is being killed (SIGTERM, SIGKILL after the grace period; for
 *   a memory limit SIGKILL at once); settles only once no process of the group is left.
 * - `settled(outcome)`: final; later kills, exits and output are ignored. The outcome is the
 *   process's exit, turned into `memory-limit` when the sampler killed it past its limit, or
 *   marked `oom` when the kernel's OOM-kill count went up during a SIGKILL death.
 *
 * The run's own reasons (timeout, group timeout, cancel) stay with the scheduler, which owns
 * those clocks for every executor (local and Slurm alike): it calls kill() and names the outcome.
 * Also shared here: command/cwd/env resolution (`prepareLaunch`), the log hand-off with
 * backpressure (`Valve`), output decoding and batching, affinity cores held while the attempt
 * lives.
 */

export type StopReason =
  /** kill(): the scheduler's timeout, group timeout or cancel. */
  | { readonly kind: 'kill' }
  /** The sampler saw the tree's resident memory past the job's memoryLimit. */
  | { readonly kind: 'memory-limit'; readonly rssBytes: number; readonly limitBytes: number };

export type AttemptState =
  | { readonly kind: 'starting'; readonly exit: ProcessExit | null }
  | { readonly kind: 'running'; readonly group: number; readonly exit: ProcessExit | null }
  | { readonly kind: 'stopping'; readonly reason: StopReason; readonly group: number | null; readonly exit: ProcessExit | null; readonly treeGone: boolean }
  | { readonly kind: 'settled'; readonly outcome: ProcessExit };

/** What a process-starting strategy gives the attempt: its output flow and how to kill its tree. */
export interface ProcessPort {
  /** The pid shown in `action-started` (the action's own, or the helper's); null when nothing started. */
  readonly pid: number | null;
  /** Stop / restart reading the attempt's pipes (the process blocks on a full pipe). */
  pauseOutput(): void;
  resumeOutput(): void;
  /** Kill every process of the group (SIGTERM, SIGKILL after `graceMs`); `onGone` once none is left. Default: `killTree`. */
  killTree?(group: number, graceMs: number, after: After, onGone: () => void): void;
  /** Send one signal to the group (the memory limit's immediate SIGKILL). Default: `signalGroup`. */
  signalTree?(group: number, signal: NodeJS.Signals): void;
  /**
   * Stop waiting for pipes that a background process of the exited action still holds
   * (destroy them). Absent: the port always ends both streams itself (the helper's sentinels).
   */
  abandonOutput?(): void;
  /** Called once the attempt settled (the helper goes back to its pool). */
  settled?(): void;
}

/** Where an attempt's raw bytes go (LogFile): false = wait for onDrain before more. */
export interface LogSink {
  write(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
}

/** Closed while the consumer of output events is behind. */
export interface OutputGate {
  readonly open: boolean;
  /** Calls `fn` once the gate is open (at once if it is). */
  onOpen(fn: () => void): void;
}

/** Schedules `fn` after `ms`; the attempt cancels what is pending when it settles. */
export type After = (ms: number, fn: () => void) => void;
export interface Timers {
  set(ms: number, fn: () => void): () => void;
}
export const realTimers: Timers = {
  set(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** The sampler as the attempt uses it (a fake in unit tests). */
export type AttemptSampler = Pick<Sampler, 'watch'>;

export interface AttemptOptions {
  readonly graceMs: number;
  /** Coalescing window for output events. */
  readonly flushMs: number;
  readonly gate?: OutputGate | undefined;
  /** SPEC §8: measure the tree (and enforce `memoryLimit`); null = not measured. */
  readonly sampler?: AttemptSampler | null;
  readonly memoryLimit?: number | undefined;
  /** The kernel's OOM-kill count (cgroup v2), read at start and at a SIGKILL death. */
  readonly oomKillCount?: () => number | null;
  readonly timers?: Timers;
  /** After the main process exited, how long to wait for pipes a background process holds (ports with abandonOutput). */
  readonly pipeCloseWaitMs?: number;
  /** Called once settled, before `exited` resolves (affinity cores back, the launcher's live set). */
  readonly onSettled?: (outcome: ProcessExit) => void;
}

const PIPE_CLOSE_WAIT_MS = 1000;
const FLUSH_BYTES = 64 * 1024;
const isWindows = process.platform === 'win32';

export class Attempt implements JobHandle {
  readonly pid: number | null;
  readonly exited: Promise<ProcessExit>;
  private resolveExit!: (e: ProcessExit) => void;
  private st: AttemptState = { kind: 'starting', exit: null };
  private readonly ended: Record<OutputStream, boolean> = { stdout: false, stderr: false };
  /** Created on a stream's first bytes (most short actions write nothing). */
  private readonly decoders: Record<OutputStream, StringDecoder | null> = { stdout: null, stderr: null };
  private readonly batch: OutputBatcher;
  private readonly valve: Valve;
  private readonly pending = new Set<() => void>();
  private readonly timers: Timers;
  private watch: { stop(): AttemptUsage } | null = null;
  private oomBefore: number | null = null;
  private used: AttemptUsage | null = null;
  /** Every state entered, in order (for tests and debugging). */
  readonly trace: AttemptState['kind'][] = ['starting'];

  constructor(
    private readonly port: ProcessPort,
    private readonly log: LogSink,
    onOutput: OutputSink,
    private readonly o: AttemptOptions,
  ) {
    this.pid = port.pid;
    this.timers = o.timers ?? realTimers;
    this.batch = new OutputBatcher(onOutput, o.flushMs, this.timers);
    this.valve = new Valve(
      () => port.pauseOutput(),
      () => port.resumeOutput(),
    );
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  get state(): AttemptState {
    return this.st;
  }

  private enter(s: AttemptState): void {
    if (s.kind !== this.st.kind) this.trace.push(s.kind);
    this.st = s;
  }

  // ---- what the port reports ----

  /** The action's process group is known (it leads its own group). */
  started(group: number): void {
    const s = this.st;
    if (s.kind === 'starting') {
      this.enter({ kind: 'running', group, exit: s.exit });
      this.monitor(group);
    } else if (s.kind === 'stopping' && s.group === null && !s.treeGone) {
      // kill() came first: kill it now that it can be named.
      this.enter({ ...s, group });
      this.killGroup(group, s.reason);
    }
  }

  /** Raw bytes of one stream, in arrival order. */
  output(stream: OutputStream, chunk: Buffer): void {
    if (this.ended[stream] || this.st.kind === 'settled' || chunk.length === 0) return;
    // While stopping, read what is left whoever is behind: a killed attempt must be able to end.
    applyBackpressure(this.valve, this.log, this.log.write(chunk), this.st.kind === 'stopping' ? undefined : this.o.gate);
    let d = this.decoders[stream];
    if (d === null) d = this.decoders[stream] = new StringDecoder('utf8');
    this.batch.queue(stream, d.write(chunk));
  }

  /** No more bytes will come on this stream (idempotent). */
  end(stream: OutputStream): void {
    if (this.ended[stream]) return;
    this.ended[stream] = true;
    const d = this.decoders[stream];
    if (d !== null) this.batch.queue(stream, d.end());
    this.maybeSettle();
  }

  /** The main process exited (or could not be started: a `spawn-error`). The first exit counts. */
  exit(e: ProcessExit): void {
    const s = this.st;
    if (s.kind === 'settled' || s.exit !== null) return;
    if (s.kind === 'stopping') this.enter({ ...s, exit: e, treeGone: s.treeGone || s.group === null });
    else this.enter({ ...s, exit: e });
    if (e.kind === 'spawn-error') {
      this.end('stdout');
      this.end('stderr');
      return;
    }
    if (this.port.abandonOutput !== undefined && !(this.ended.stdout && this.ended.stderr)) this.after(this.o.pipeCloseWaitMs ?? PIPE_CLOSE_WAIT_MS, () => this.closeLater());
    this.maybeSettle();
  }

  /** A background process may keep the pipes open after the exit: do not wait for it forever. */
  private closeLater(): void {
    if (this.ended.stdout && this.ended.stderr) return;
    // While the pipes are held back (a slow reader of the events), their rest is still to come.
    if (this.valve.closed && this.st.kind !== 'stopping') return this.after(this.o.pipeCloseWaitMs ?? PIPE_CLOSE_WAIT_MS, () => this.closeLater());
    this.port.abandonOutput?.();
    this.end('stdout');
    this.end('stderr');
  }

  // ---- what the scheduler asks ----

  /** Terminates the attempt and everything it started. Idempotent; ignored once settled. */
  kill(): void {
    this.stop({ kind: 'kill' });
  }

  usage(): AttemptUsage | null {
    return this.used;
  }

  // ---- internals ----

  private stop(reason: StopReason): void {
    const s = this.st;
    if (s.kind === 'settled') return;
    if (s.kind === 'stopping') {
      // Past the memory limit while already being killed: memory is the emergency, SIGKILL now.
      if (reason.kind === 'memory-limit' && s.reason.kind !== 'memory-limit') {
        this.enter({ ...s, reason });
        if (s.group !== null && !s.treeGone) this.signal(s.group, 'SIGKILL');
      }
      return;
    }
    this.valve.reset();
    if (s.kind === 'starting') {
      // No group yet: killed once started() names it; if it already exited, there is nothing to kill.
      this.enter({ kind: 'stopping', reason, group: null, exit: s.exit, treeGone: s.exit !== null });
      this.maybeSettle();
      return;
    }
    this.enter({ kind: 'stopping', reason, group: s.group, exit: s.exit, treeGone: false });
    this.killGroup(s.group, reason);
  }

  private killGroup(group: number, reason: StopReason): void {
    if (reason.kind === 'memory-limit') this.signal(group, 'SIGKILL');
    const after: After = (ms, fn) => this.after(ms, fn);
    const onGone = (): void => this.treeGone();
    if (this.port.killTree !== undefined) this.port.killTree(group, this.o.graceMs, after, onGone);
    else killTree(group, this.o.graceMs, after, onGone);
  }

  private signal(group: number, signal: NodeJS.Signals): void {
    if (this.port.signalTree !== undefined) this.port.signalTree(group, signal);
    else signalGroup(group, signal);
  }

  private treeGone(): void {
    const s = this.st;
    if (s.kind !== 'stopping' || s.treeGone) return;
    this.enter({ ...s, treeGone: true });
    this.maybeSettle();
  }

  private monitor(group: number): void {
    const sampler = this.o.sampler;
    if (sampler === undefined || sampler === null) return;
    this.oomBefore = this.o.oomKillCount?.() ?? null;
    const limit = this.o.memoryLimit;
    this.watch = sampler.watch(group, true, limit, (rss) => {
      if (limit !== undefined) this.stop({ kind: 'memory-limit', rssBytes: rss, limitBytes: limit });
    });
  }

  private maybeSettle(): void {
    const s = this.st;
    if (s.kind === 'settled' || s.exit === null || !this.ended.stdout || !this.ended.stderr) return;
    if (s.kind === 'stopping' && !s.treeGone) return;
    const outcome = this.outcomeOf(s.exit, s.kind === 'stopping' ? s.reason : null);
    this.enter({ kind: 'settled', outcome });
    this.batch.flush();
    for (const cancel of this.pending) cancel();
    this.pending.clear();
    this.valve.reset();
    this.port.settled?.();
    this.o.onSettled?.(outcome);
    this.resolveExit(outcome);
  }

  private outcomeOf(exit: ProcessExit, reason: StopReason | null): ProcessExit {
    if (this.watch !== null) {
      this.used = this.watch.stop();
      this.watch = null;
    }
    if (reason?.kind === 'memory-limit' && !(exit.kind === 'exit' && exit.code === 0)) {
      return { kind: 'memory-limit', rssBytes: reason.rssBytes, limitBytes: reason.limitBytes };
    }
    if (exit.kind === 'signal' && exit.signal === 'SIGKILL' && this.oomBefore !== null) {
      const after = this.o.oomKillCount?.() ?? null;
      if (after !== null && after > this.oomBefore) return { kind: 'signal', signal: 'SIGKILL', oom: true };
    }
    return exit;
  }

  private after(ms: number, fn: () => void): void {
    const cancel = this.timers.set(ms, () => {
      this.pending.delete(cancel);
      fn();
    });
    this.pending.add(cancel);
  }
}

/** The platform's tree kill: POSIX process group (SIGTERM, SIGKILL after the grace), Windows `taskkill /T /F`. */
export function killTree(group: number, graceMs: number, after: After, onGone: () => void): void {
  if (isWindows) {
    const tk = spawn('taskkill', ['/T', '/F', '/PID', String(group)], { stdio: 'ignore', windowsHide: true });
    tk.on('error', () => onGone());
    tk.on('exit', () => onGone());
    return;
  }
  terminateGroup(group, graceMs, after, onGone);
}

// ---- command, cwd and environment ----

/** What both launchers start for an attempt, resolved once. */
export interface Launch {
  readonly job: Job;
  readonly cwd: string;
  /** The variables this attempt adds to the launcher's base environment (the job's env, ACTIONTREE_ACTION/ATTEMPT). */
  readonly env: Record<string, string>;
  /** argv to exec directly, or null: `line` goes to the shell. */
  readonly argv: readonly string[] | null;
  /** The shell command line when argv is null. */
  readonly line: string;
  /** What a spawn error names: argv[0], or 'shell'. */
  readonly program: string;
  /** The file argv[0] was found at, when the launcher looks programs up itself (findProgram), else null. */
  readonly executable: string | null;
}

export interface LaunchContext {
  readonly baseEnv: NodeJS.ProcessEnv;
  /** exec's size limits, with the base environment measured once (ExecSize). */
  readonly execSize: ExecSize;
  /** A reason the cwd cannot be used, else null (launchers may cache). */
  checkCwd(cwd: string): string | null;
  /** Plain command lines exec'd without a shell (POSIX). */
  readonly directExec: boolean;
  /** A launcher-specific lookup (the helper: where is the program?): the file, or why it cannot run. */
  findProgram?(argv0: string, cwd: string, env: Record<string, string>): { readonly file: string } | { readonly problem: string };
}

/**
 * The attempt's command, cwd and environment, or why it cannot start (a spawn-error reason):
 * the cwd must be a folder, the command not empty, exec's size limits respected. Like GNU make,
 * a shell command line without shell syntax is exec'd directly (see simpleArgv).
 */
export function resolveLaunch(job: Job, attempt: number, ctx: LaunchContext): Launch | { readonly error: string } {
  const cwd = job.cwd;
  const cwdProblem = ctx.checkCwd(cwd);
  if (cwdProblem !== null) return { error: cwdProblem };
  const cmd = job.command;
  if ((cmd.kind === 'argv' && cmd.argv.length === 0) || (cmd.kind === 'shell' && cmd.line.trim() === '')) return { error: 'empty command' };
  // The runner's environment, the action's env (defaults.env merged), then what the runner tells every action.
  const env: Record<string, string> = { ...job.env, ACTIONTREE_ACTION: job.id, ACTIONTREE_ATTEMPT: String(attempt) };
  const line = cmd.kind === 'shell' ? cmd.line : '';
  const argv = cmd.kind === 'argv' ? cmd.argv : ctx.directExec ? simpleArgv(cmd.line) : null;
  let executable: string | null = null;
  if (argv !== null && ctx.findProgram !== undefined) {
    const found = ctx.findProgram(argv[0] as string, cwd, env);
    if ('problem' in found) return { error: found.problem };
    executable = found.file;
  }
  const tooLarge = ctx.execSize.problem(argv ?? ['/bin/sh', '-c', line], env, argv === null);
  if (tooLarge !== null) return { error: tooLarge };
  return { job, cwd, env, argv, line, program: argv !== null ? (argv[0] as string) : 'shell', executable };
}

/** What the launchers share per run: sampling (SPEC §8) and affinity, set by withSampling/withAffinity. */
export interface AttemptServices {
  sampler: Sampler | null;
  oomKillCount: (() => number | null) | null;
  cores: CoreSet | null;
}

/** A launcher whose attempts can be sampled and pinned (both local launchers). */
export interface LocalLauncher {
  readonly services: AttemptServices;
}

export function isLocalLauncher(x: unknown): x is LocalLauncher {
  return typeof x === 'object' && x !== null && 'services' in x && typeof (x as { services: unknown }).services === 'object';
}

/**
 * The start of every local attempt: affinity cores taken (the command under `taskset`), the
 * attempt banner in the log, the launch resolved. Returns the launch and what to do once the
 * attempt is over, or a finished handle when it cannot start.
 */
export function beginAttempt(
  job: Job,
  attempt: number,
  services: AttemptServices,
  log: LogSink,
  ctx: LaunchContext,
): { readonly launch: Launch; readonly release: () => void } | { readonly handle: JobHandle } {
  const cores = services.cores;
  const held = cores !== null ? cores.take(job.needs.cpus) : null;
  const release = (): void => {
    if (held !== null) cores?.give(held);
  };
  if (attempt > 1) log.write(Buffer.from(`\n--- actiontree: attempt ${attempt} ---\n`));
  const r = resolveLaunch(held !== null ? pinnedJob(job, held) : job, attempt, ctx);
  if ('error' in r) {
    release();
    return { handle: failed(r.error) };
  }
  return { launch: r, release };
}

/** Options for an Attempt of a local launcher. */
export function attemptOptions(
  job: Job,
  services: AttemptServices,
  o: { readonly graceMs: number; readonly flushMs: number; readonly gate?: OutputGate | undefined },
  onSettled: (outcome: ProcessExit) => void,
): AttemptOptions {
  return {
    graceMs: o.graceMs,
    flushMs: o.flushMs,
    gate: o.gate,
    sampler: services.sampler,
    memoryLimit: job.memoryLimit,
    ...(services.oomKillCount !== null ? { oomKillCount: services.oomKillCount } : {}),
    onSettled,
  };
}

/** The job's command under `taskset -c <cores>` (SPEC §8 cpuAffinity); a plain line without a shell, as unpinned. */
export function pinnedJob(job: Job, cores: readonly number[]): Job {
  const list = cores.join(',');
  const argv = job.command.kind === 'argv' ? job.command.argv : (simpleArgv(job.command.line) ?? ['/bin/sh', '-c', job.command.line]);
  if (argv.length === 0) return job;
  return { ...job, command: { kind: 'argv', argv: ['taskset', '-c', list, ...argv] } };
}

/** A handle for an attempt that never started. */
export function failed(message: string): JobHandle {
  return { pid: null, exited: Promise.resolve({ kind: 'spawn-error', message }), kill: () => {} };
}

export function spawnMessage(e: unknown, file: string, cwd: string): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT':
      return `command not found: '${file}' (ENOENT)`;
    case 'EACCES':
      return `permission denied: '${file}' is not executable (EACCES)`;
    case 'ENOTDIR':
      return `cwd is not a directory: ${cwd} (ENOTDIR)`;
    case 'E2BIG':
      return 'the arguments and environment of the command are too large for the system (E2BIG)';
    default: {
      const msg = e instanceof Error ? e.message : String(e);
      return code ? `${msg} (${code})` : msg;
    }
  }
}

/**
 * Shell keywords and builtins that must keep going through the shell: GNU make's list plus
 * builtins whose binary twin behaves differently (echo -e/-n, pwd -L, kill %job, printf).
 * `true`/`false` are not here: /bin/true and the builtin do the same thing.
 */
const SHELL_WORDS = new Set(
  (
    'if then else elif fi case esac for select while until do done function time in ! { } [[ ]] ' +
    '. : alias bg break builtin cd command continue declare echo eval exec exit export fc fg getopts hash ' +
    'jobs kill let local logout popd printf pushd pwd read readonly return set shift shopt source suspend ' +
    'test times trap type typeset ulimit umask unalias unset wait'
  ).split(' '),
);

/**
 * argv for a command line that the shell would run as a plain `program arg…` (only
 * characters with no shell meaning, words split on spaces, no assignment, no keyword or
 * builtin), else null (the line goes to `/bin/sh -c`).
 */
export function simpleArgv(line: string): string[] | null {
  if (!/^[A-Za-z0-9 _\-./,+@%]+$/.test(line)) return null;
  const words = line.split(' ').filter((w) => w.length > 0);
  const first = words[0];
  if (first === undefined || first.includes('=') || SHELL_WORDS.has(first)) return null;
  return words;
}

/** Linux: the longest single argument or `NAME=value` string exec accepts (MAX_ARG_STRLEN, with its NUL). */
const MAX_ARG_STRLEN = 32 * 4096;
let argMax: number | undefined;

/** The system's limit for arguments + environment together (`getconf ARG_MAX`; read once, only when needed). */
function systemArgMax(): number {
  if (argMax === undefined) {
    const r = spawnSync('getconf', ['ARG_MAX'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const n = Number(String(r.stdout ?? '').trim());
    argMax = Number.isInteger(n) && n > 0 ? n : 2 * 1024 * 1024;
  }
  return argMax;
}

/**
 * Why exec would fail with E2BIG for this argv and environment, naming the culprit (a
 * variable, an argument, the command line, or the total), else null. Checked before starting
 * anything, by both launchers: the helper's shell can only report E2BIG as exit status 126,
 * and Node's spawn error does not say which part is too large. Linux limits; elsewhere null.
 */
export function execSizeProblem(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, shellLine: boolean): string | null {
  if (process.platform !== 'linux') return null;
  let total = 0;
  for (const k in env) {
    const v = env[k];
    if (v === undefined) continue;
    const size = Buffer.byteLength(k) + 1 + Buffer.byteLength(v) + 1;
    if (size > MAX_ARG_STRLEN) return varTooLarge(k, size);
    total += size + 8;
  }
  return argvProblem(argv, shellLine, total);
}

/**
 * execSizeProblem for `{...base, ...env}` with the base environment measured once: per attempt
 * only the attempt's own variables and arguments are measured (the base is the same for every
 * attempt of a run, and usually far larger). Where several variables are too large, the first
 * of the base (not overridden) is named before the attempt's own.
 */
export class ExecSize {
  private readonly sizes = new Map<string, number>();
  private readonly baseTotal: number = 0;
  private readonly tooLarge: string[] = [];

  constructor(base: Readonly<Record<string, string | undefined>>) {
    if (process.platform !== 'linux') return;
    let total = 0;
    for (const k in base) {
      const v = base[k];
      if (v === undefined) continue;
      const size = Buffer.byteLength(k) + 1 + Buffer.byteLength(v) + 1;
      this.sizes.set(k, size);
      if (size > MAX_ARG_STRLEN) this.tooLarge.push(k);
      total += size + 8;
    }
    this.baseTotal = total;
  }

  problem(argv: readonly string[], env: Readonly<Record<string, string>>, shellLine: boolean): string | null {
    if (process.platform !== 'linux') return null;
    for (const k of this.tooLarge) if (!Object.hasOwn(env, k)) return varTooLarge(k, this.sizes.get(k) ?? 0);
    let total = this.baseTotal;
    for (const k in env) {
      const size = Buffer.byteLength(k) + 1 + Buffer.byteLength(env[k] as string) + 1;
      if (size > MAX_ARG_STRLEN) return varTooLarge(k, size);
      const old = this.sizes.get(k);
      if (old !== undefined) total -= old + 8;
      total += size + 8;
    }
    return argvProblem(argv, shellLine, total);
  }
}

function varTooLarge(k: string, size: number): string {
  return `environment variable ${k} is too large (${size.toLocaleString('en-US')} bytes; Linux passes at most ${MAX_ARG_STRLEN.toLocaleString('en-US')} bytes per variable or argument) (E2BIG)`;
}

function argvProblem(argv: readonly string[], shellLine: boolean, envTotal: number): string | null {
  let total = envTotal;
  for (let i = 0; i < argv.length; i++) {
    const size = Buffer.byteLength(argv[i] as string) + 1;
    if (size > MAX_ARG_STRLEN) {
      const what = shellLine && i === argv.length - 1 ? 'the command line' : `argument ${i} of the command`;
      return `${what} is too large (${size.toLocaleString('en-US')} bytes; Linux passes at most ${MAX_ARG_STRLEN.toLocaleString('en-US')} bytes per variable or argument) (E2BIG)`;
    }
    total += size + 8;
  }
  if (total > MAX_ARG_STRLEN) {
    const max = systemArgMax();
    if (total > max) {
      return `the arguments and environment together are too large (${total.toLocaleString('en-US')} bytes; the system's limit is ${max.toLocaleString('en-US')}) (E2BIG)`;
    }
  }
  return null;
}

// ---- output: log hand-off, backpressure, batching ----

/**
 * Pauses an attempt's pipes while something holds them back (the log file is behind, the
 * output gate is closed) and resumes them once nothing does. Each reason holds at most once.
 */
export class Valve {
  private readonly held = new Set<string>();
  private generation = 0;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  get closed(): boolean {
    return this.held.size > 0;
  }

  /** Holds for `reason` until `wait` calls back (ignored if already held for it). */
  hold(reason: string, wait: (release: () => void) => void): void {
    if (this.held.has(reason)) return;
    this.held.add(reason);
    if (this.held.size === 1) this.pause();
    const gen = this.generation;
    wait(() => {
      if (gen !== this.generation || !this.held.delete(reason)) return;
      if (this.held.size === 0) this.resume();
    });
  }

  /** Drops every hold (the attempt is over); late releases are ignored. */
  reset(): void {
    this.generation++;
    const wasClosed = this.held.size > 0;
    this.held.clear();
    if (wasClosed) this.resume();
  }
}

/** After each chunk: hold the pipes while the log is behind or the output gate is closed. */
export function applyBackpressure(valve: Valve, log: LogSink, logAccepted: boolean, gate: OutputGate | undefined): void {
  if (!logAccepted) valve.hold('log', (release) => log.onDrain(release));
  if (gate !== undefined && !gate.open) valve.hold('gate', (release) => gate.onOpen(release));
}

/**
 * Coalesces an attempt's output into few `onOutput` calls: consecutive text of one stream is
 * joined, and the batch goes out after `flushMs` or once 64 KiB are pending, whichever is first.
 */
export class OutputBatcher {
  private pending: [OutputStream, string][] = [];
  private pendingBytes = 0;
  private cancelFlush: (() => void) | null = null;

  constructor(
    private readonly onOutput: (stream: OutputStream, text: string) => void,
    private readonly flushMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  queue(stream: OutputStream, text: string): void {
    if (text.length === 0) return;
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last[0] === stream) last[1] += text;
    else this.pending.push([stream, text]);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (this.cancelFlush === null) this.cancelFlush = this.timers.set(this.flushMs, () => this.flush());
  }

  flush(): void {
    if (this.cancelFlush !== null) {
      this.cancelFlush();
      this.cancelFlush = null;
    }
    if (this.pending.length === 0) return;
    const list = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const [stream, text] of list) this.onOutput(stream, text);
  }
}
