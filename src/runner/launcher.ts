import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from '../core/run/events';
import type { ProcessExit } from '../core/run/outcome';
import type { Executor, JobHandle, OutputSink } from '../core/run/executor';
import type { Job } from '../core/run/plan';
import { logFileName } from './paths';

/**
 * Local executor that runs jobs as child processes (SPEC §3):
 * - a string command goes to the platform shell (`/bin/sh -c` / `cmd.exe /d /s /c`), an array is argv;
 * - the job's cwd (absolute, from the plan) is checked before spawning (a clear reason
 *   instead of a bare ENOENT); env = the runner's environment + the job's (defaults merged);
 * - POSIX: each action leads its own process group (`detached`), so kill() signals the whole tree:
 *   SIGTERM, then SIGKILL after the grace period; `exited` resolves only once the group is gone.
 *   Windows: `taskkill /T /F /PID`;
 * - stdout/stderr are decoded separately, coalesced (arrival order kept) and handed to the
 *   scheduler; the raw bytes are appended to `logs/<file-safe id>.log`, with the child paused
 *   while the log file is behind (memory stays bounded whatever the child writes).
 */

export interface NodeLauncherOptions {
  /** Folder of the graph file (the helper shells' own cwd; jobs carry absolute cwds). */
  readonly baseDir: string;
  /** Folder for `<file-safe id>.log`; null = no log files. A file is created on the first output byte. */
  readonly logDir: string | null;
  /** SIGTERM -> SIGKILL grace period (default 3000 ms). */
  readonly graceMs?: number;
  /** Base environment (default: process.env at construction). */
  readonly env?: NodeJS.ProcessEnv;
  /** Coalescing window for output events (default 30 ms). */
  readonly flushMs?: number;
  /** Extra variables for every action of this run (ACTIONTREE_RUN_ID, ACTIONTREE_RUN_DIR). */
  readonly runEnv?: Readonly<Record<string, string>>;
  /**
   * Backpressure from whoever consumes the output events (`run --json` on a slow pipe): while
   * the gate is closed, every running action's pipes are paused (the actions block on write,
   * as with any full pipe); nothing is dropped and memory stays bounded.
   */
  readonly outputGate?: OutputGate;
}

/** Closed while the consumer of output events is behind. */
export interface OutputGate {
  readonly open: boolean;
  /** Calls `fn` once the gate is open (at once if it is). */
  onOpen(fn: () => void): void;
}

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
export function applyBackpressure(valve: Valve, log: LogFile, logAccepted: boolean, gate: OutputGate | undefined): void {
  if (!logAccepted) valve.hold('log', (release) => log.onDrain(release));
  if (gate !== undefined && !gate.open) valve.hold('gate', (release) => gate.onOpen(release));
}

const isWindows = process.platform === 'win32';
const FLUSH_BYTES = 64 * 1024;
/** After the main process exits, how long to wait for its pipes to close (a background child may hold them). */
const PIPE_CLOSE_WAIT_MS = 1000;

export class NodeLauncher implements Executor {
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly graceMs: number;
  private readonly flushMs: number;
  private readonly cwdChecked = new Map<string, string | null>();
  private readonly logs = new Map<string, LogFile>();
  private readonly live = new Set<Attempt>();

  constructor(private readonly opts: NodeLauncherOptions) {
    this.baseEnv = { ...(opts.env ?? process.env), ...opts.runEnv };
    this.graceMs = opts.graceMs ?? 3000;
    this.flushMs = opts.flushMs ?? 30;
  }

  start(job: Job, attempt: number, onOutput: OutputSink): JobHandle {
    const a = job;
    const cwd = job.cwd;
    const log = this.logFor(a.id);
    if (attempt > 1) log.write(Buffer.from(`\n--- actiontree: attempt ${attempt} ---\n`));

    const cwdProblem = this.checkCwd(cwd);
    if (cwdProblem !== null) return failed(cwdProblem);
    const cmd = a.command;
    if ((cmd.kind === 'argv' && cmd.argv.length === 0) || (cmd.kind === 'shell' && cmd.line.trim() === '')) {
      return failed('empty command');
    }
    // The runner's environment, the action's env (defaults.env merged), then what the runner tells every action.
    const env = { ...this.baseEnv, ...a.env, ACTIONTREE_ACTION: a.id, ACTIONTREE_ATTEMPT: String(attempt) };
    // Like GNU make, a shell command line without any shell syntax is exec'd directly (the shell
    // would do exactly the same; this saves starting a shell per action). See simpleArgv.
    const argv = cmd.kind === 'argv' ? cmd.argv : isWindows ? null : simpleArgv(cmd.line);
    const tooLarge = execSizeProblem(argv ?? ['/bin/sh', '-c', cmd.kind === 'shell' ? cmd.line : ''], env, argv === null);
    if (tooLarge !== null) return failed(tooLarge);
    let child: ChildProcess;
    try {
      const common = { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[], detached: !isWindows, windowsHide: true };
      child = argv === null ? spawn(cmd.kind === 'shell' ? cmd.line : '', { ...common, shell: true }) : spawn(argv[0] as string, argv.slice(1), common);
    } catch (e: unknown) {
      return failed(spawnMessage(e, argv !== null ? (argv[0] as string) : 'shell', cwd));
    }
    const handle = new Attempt(child, argv !== null ? (argv[0] as string) : 'shell', cwd, onOutput, log, this.graceMs, this.flushMs, this.opts.outputGate);
    this.live.add(handle);
    void handle.exited.then(() => this.live.delete(handle));
    return handle;
  }

  /**
   * Last resort when the runner is exiting without finishing the run (process.exit from
   * elsewhere, a fatal error): SIGKILL every live process group synchronously, since
   * detached groups would otherwise outlive the runner.
   */
  killAllNow(): void {
    for (const a of this.live) {
      if (a.pid === null) continue;
      try {
        if (isWindows) spawnSync('taskkill', ['/T', '/F', '/PID', String(a.pid)], { stdio: 'ignore', windowsHide: true });
        else process.kill(-a.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Flushes and closes the log files; call after the run. */
  async close(): Promise<void> {
    await Promise.all([...this.logs.values()].map((l) => l.close()));
  }

  /** Log file of a job (relative to the log dir) when it has any bytes, else null. */
  logOf(id: string): string | null {
    return this.logs.get(id)?.created ? logFileName(id) : null;
  }

  /** Why an action's log is incomplete or missing, else null. */
  logErrorOf(id: string): string | null {
    return this.logs.get(id)?.error ?? null;
  }

  /** The action's log file (created on its first byte); HelperLauncher shares these. */
  logFor(id: string): LogFile {
    let l = this.logs.get(id);
    if (l === undefined) {
      l = new LogFile(this.opts.logDir === null ? null : path.join(this.opts.logDir, logFileName(id)));
      this.logs.set(id, l);
    }
    return l;
  }

  private checkCwd(cwd: string): string | null {
    const known = this.cwdChecked.get(cwd);
    if (known !== undefined) return known;
    let problem: string | null = null;
    try {
      if (!fs.statSync(cwd).isDirectory()) problem = `cwd is not a directory: ${cwd}`;
    } catch {
      problem = `cwd does not exist: ${cwd}`;
    }
    if (problem === null) this.cwdChecked.set(cwd, null); // only cache success: a folder may appear later
    return problem;
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
  const limit = MAX_ARG_STRLEN.toLocaleString('en-US');
  let total = 0;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const size = Buffer.byteLength(k) + 1 + Buffer.byteLength(v) + 1;
    if (size > MAX_ARG_STRLEN) {
      return `environment variable ${k} is too large (${size.toLocaleString('en-US')} bytes; Linux passes at most ${limit} bytes per variable or argument) (E2BIG)`;
    }
    total += size + 8;
  }
  for (let i = 0; i < argv.length; i++) {
    const size = Buffer.byteLength(argv[i] as string) + 1;
    if (size > MAX_ARG_STRLEN) {
      const what = shellLine && i === argv.length - 1 ? 'the command line' : `argument ${i} of the command`;
      return `${what} is too large (${size.toLocaleString('en-US')} bytes; Linux passes at most ${limit} bytes per variable or argument) (E2BIG)`;
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

/**
 * Appends raw bytes to an action's log; the file is created on the first byte. If the file
 * cannot be opened or written (a full disk, a name the file system refuses, the folder gone),
 * logging stops, the action goes on (its output still reaches the events), whoever waits for
 * `onDrain` is released at once, and `error` says what happened for the report.
 */
export class LogFile {
  private stream: fs.WriteStream | null = null;
  private opened = false;
  private waiting: (() => void)[] = [];
  /** Why the log is incomplete (null while all is well). */
  error: string | null = null;

  constructor(private readonly file: string | null) {}

  /** True once the file exists (it was opened), even if a later write failed. */
  get created(): boolean {
    return this.opened;
  }

  /** Returns false when the caller should wait for `onDrain` before writing more. */
  write(chunk: Buffer): boolean {
    if (this.file === null || this.error !== null) return true;
    if (this.stream === null) {
      const s = fs.createWriteStream(this.file, { flags: 'a' });
      this.stream = s;
      s.once('open', () => (this.opened = true));
      s.on('error', (e) => this.fail(s, e));
      s.on('drain', () => this.release());
    }
    return this.stream.write(chunk);
  }

  onDrain(fn: () => void): void {
    if (this.stream === null || this.error !== null || !this.stream.writableNeedDrain) fn();
    else this.waiting.push(fn);
  }

  private release(): void {
    const fns = this.waiting;
    this.waiting = [];
    for (const fn of fns) fn();
  }

  private fail(s: fs.WriteStream, e: unknown): void {
    if (this.error !== null) return;
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    const raw = e instanceof Error ? e.message : String(e);
    // "ENOSPC: no space left on device, write" -> "no space left on device (ENOSPC)"
    const m = /^([A-Z0-9]+): ([^,]+)/.exec(raw);
    const what = m !== null ? `${m[2]} (${m[1]})` : code !== '' ? `${raw} (${code})` : raw;
    this.error = this.opened ? `${what}; the log has only the first ${s.bytesWritten} bytes` : `${what}; no log was written`;
    s.destroy();
    this.release();
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    this.release();
    if (s === null) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.error !== null || s.destroyed) {
        resolve();
        return;
      }
      s.once('error', () => resolve());
      s.end(() => resolve());
    });
  }
}

class Attempt implements JobHandle {
  readonly pid: number | null;
  readonly exited: Promise<ProcessExit>;
  private resolveExit!: (e: ProcessExit) => void;
  private exit: ProcessExit | null = null;
  private closed = false;
  private killing = false;
  private groupGone = false;
  private settled = false;
  private readonly batch: OutputBatcher;
  private readonly valve: Valve;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly child: ChildProcess,
    private readonly file: string,
    private readonly cwd: string,
    onOutput: OutputSink,
    private readonly log: LogFile,
    private readonly graceMs: number,
    flushMs: number,
    private readonly gate: OutputGate | undefined,
  ) {
    this.pid = child.pid ?? null;
    this.batch = new OutputBatcher(onOutput, flushMs);
    this.valve = new Valve(
      () => {
        child.stdout?.pause();
        child.stderr?.pause();
      },
      () => {
        child.stdout?.resume();
        child.stderr?.resume();
      },
    );
    this.exited = new Promise((r) => (this.resolveExit = r));
    this.wire('stdout', child.stdout);
    this.wire('stderr', child.stderr);
    child.on('error', (e) => {
      // Spawn failure (ENOENT, EACCES...): no 'exit' follows; 'close' may.
      if (this.exit === null) this.exit = { kind: 'spawn-error', message: spawnMessage(e, this.file, this.cwd) };
      this.closed = true;
      this.maybeSettle();
    });
    child.on('exit', (code, signal) => {
      if (this.exit === null) this.exit = signal !== null ? { kind: 'signal', signal } : { kind: 'exit', code: code ?? 0 };
      if (!this.closed) {
        // A background grandchild may keep the pipes open: do not wait for it forever. While
        // the pipes are held back (a slow reader of the events), their rest is still to come.
        const closeLater = (): void => {
          if (this.closed) return;
          if (this.valve.closed && !this.killing) return this.after(PIPE_CLOSE_WAIT_MS, closeLater);
          child.stdout?.destroy();
          child.stderr?.destroy();
          this.closed = true;
          this.maybeSettle();
        };
        this.after(PIPE_CLOSE_WAIT_MS, closeLater);
      }
      this.maybeSettle();
    });
    child.on('close', () => {
      this.closed = true;
      this.maybeSettle();
    });
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private wire(stream: OutputStream, s: NodeJS.ReadableStream | null): void {
    if (s === null) return;
    const decoder = new StringDecoder('utf8');
    s.on('data', (chunk: Buffer) => {
      applyBackpressure(this.valve, this.log, this.log.write(chunk), this.killing ? undefined : this.gate);
      this.queue(stream, decoder.write(chunk));
    });
    s.on('end', () => this.queue(stream, decoder.end()));
  }

  private queue(stream: OutputStream, text: string): void {
    this.batch.queue(stream, text);
  }

  private flush(): void {
    this.batch.flush();
  }

  private maybeSettle(): void {
    if (this.settled || this.exit === null || !this.closed) return;
    if (this.killing && !this.groupGone) return;
    this.settled = true;
    this.flush();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.resolveExit(this.exit);
  }

  kill(): void {
    if (this.killing || this.settled || this.pid === null) return;
    this.killing = true;
    // Read what is left, whoever is behind: a canceled attempt must be able to end.
    this.valve.reset();
    const pid = this.pid;
    if (isWindows) {
      const tk = spawn('taskkill', ['/T', '/F', '/PID', String(pid)], { stdio: 'ignore', windowsHide: true });
      tk.on('error', () => {});
      tk.on('exit', () => {
        this.groupGone = true;
        this.maybeSettle();
      });
      return;
    }
    terminateGroup(pid, this.graceMs, (ms, fn) => this.after(ms, fn), () => {
      this.groupGone = true;
      this.maybeSettle();
    });
  }
}

/**
 * SIGTERM to the process group, SIGKILL after `graceMs`, then `onGone` once no process of the
 * group is alive — or 2 s after the SIGKILL, when only unreaped zombies can remain (a run must
 * not hang on them). `after` schedules the polls (timers the caller owns and clears).
 */
export function terminateGroup(pgid: number, graceMs: number, after: (ms: number, fn: () => void) => void, onGone: () => void): void {
  signalGroup(pgid, 'SIGTERM');
  const started = Date.now();
  let sentKill = false;
  const poll = (): void => {
    if (!groupAlive(pgid)) return onGone();
    const waited = Date.now() - started;
    if (!sentKill && waited >= graceMs) {
      sentKill = true;
      signalGroup(pgid, 'SIGKILL');
    }
    if (sentKill && waited >= graceMs + 2000) return onGone();
    after(20, poll);
  };
  after(10, poll);
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return; // never -1 (everything) or -0 (our own group)
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * True while some process of the group is alive. Zombies do not count: a killed grandchild is
 * reparented to PID 1 and stays a zombie until PID 1 reaps it, which some inits do only every
 * second or two; it is dead and holds nothing but its pid.
 */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (e: unknown) {
    return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') return true;
  }
  return false;
}

/**
 * Coalesces an attempt's output into few `onOutput` calls: consecutive text of one stream is
 * joined, and the batch goes out after `flushMs` or once 64 KiB are pending, whichever is first.
 */
export class OutputBatcher {
  private pending: [OutputStream, string][] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly onOutput: (stream: OutputStream, text: string) => void,
    private readonly flushMs: number,
  ) {}

  queue(stream: OutputStream, text: string): void {
    if (text.length === 0) return;
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last[0] === stream) last[1] += text;
    else this.pending.push([stream, text]);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (this.flushTimer === null) this.flushTimer = setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const list = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const [stream, text] of list) this.onOutput(stream, text);
  }
}
