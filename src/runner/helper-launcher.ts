import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OutputStream } from '../core/run/events';
import type { ProcessExit } from '../core/run/outcome';
import type { Executor, JobHandle, OutputSink } from '../core/run/executor';
import type { Job } from '../core/run/plan';
import { Attempt, attemptOptions, beginAttempt, ExecSize, type AttemptServices, type Launch, type LaunchContext, type LocalLauncher, type ProcessPort } from './attempt';
import { NodeLauncher, type NodeLauncherOptions } from './launcher';
import { groupExists, signalGroup } from './process-tree';

/**
 * POSIX launcher that never forks the Node process per action. Node's `spawn` forks the
 * whole runner and blocks its event loop until the child has exec'd (1 ms idle, 5-15 ms on
 * busy cores); instead, each concurrently running action gets a small long-lived helper, and
 * the helper starts the action:
 *
 *   helper stdin  <- one record per action (bash: a shell line
 *                    `cd '<cwd>' && export K='v'… && exec <argv | /bin/sh -c '…'>`;
 *                    Python: "<length>\n" + NUL-separated fields, see PYTHON_SCRIPT)
 *   helper fd 1 / fd 4 -> the action's stdout / stderr, each ended by a random sentinel
 *   helper fd 3   -> "R" once the helper is ready for its first record,
 *                    "S <pid>" when the action has started (its process group id),
 *                    "E <status> [<left> [<pid>]]" when it has exited (bash: on fd 3; Python:
 *                    right after the stdout sentinel, with the pid when it sent no "S" because
 *                    the action ended within 5 ms); left = 1 when processes the action started
 *                    in the background are still alive in its group (bash leaves it out: the
 *                    runner checks)
 *
 * Two helpers: Python (Linux with /usr/bin/python3: `posix_spawn` with a process group of its
 * own, no fork of the helper) and bash with job control (`set -m`, which works without a
 * terminal; dash's does not). Every action runs in a process group of its own: timeout and
 * cancel kill that group as the Node launcher does, and the helper lives on. An action that
 * leaves background processes behind retires its helper (stdin closed, never reused), so
 * their later output can never be mistaken for another action's; it is not captured (the
 * Node launcher drops it too once the action has exited). The action's shell is still
 * /bin/sh: a command line with shell syntax is `/bin/sh -c …`, a plain one is exec'd directly.
 * Differences from NodeLauncher: `pid` in action-started is the helper's; a death by signal
 * is seen as the status 128+n and reported as that signal. Anything the helper cannot express
 * (Windows, no /bin/bash, env names that are not shell identifiers) goes through NodeLauncher.
 * The attempt's lifecycle (kill, settle, sampling, memory limit, affinity, output batching,
 * log backpressure) is src/runner/attempt.ts, shared with NodeLauncher: this file is the
 * helper pool and the process port (the protocol above, the sentinels).
 */

const SENTINEL_ENV = 'ACTIONTREE_SENTINEL';
const HELPER_SHELL = '/bin/bash';
const HELPER_PYTHON = '/usr/bin/python3';
// fd 5 is a pipe nobody writes to: it reaches end-of-file only when the runner is gone (even
// SIGKILLed). A watcher started once per helper then TERMs the helper, whose trap kills the
// running action's group: a dead runner leaves no action behind.
const BASH_SCRIPT = [
  'set -m',
  `SENT=$${SENTINEL_ENV}; unset ${SENTINEL_ENV}`,
  "NL='",
  "'",
  'pid=',
  `trap 'if [ -n "$pid" ]; then kill -KILL -- "-$pid" 2>/dev/null; fi; exit 129' TERM HUP`,
  '( IFS= read -r _ <&5; kill -TERM $$ ) </dev/null >/dev/null 2>&1 3>&- 4>&- &',
  'w=$!',
  'exec 5<&-',
  'echo R >&3',
  'while IFS= read -r line; do',
  '  ( eval "$line" ) </dev/null 2>&4 3>&- 4>&- &',
  '  pid=$!',
  '  echo "S $pid" >&3',
  '  wait "$pid"',
  '  st=$?',
  '  printf %s "$SENT"',
  '  printf %s "$SENT" >&4',
  '  pid=',
  '  echo "E $st" >&3',
  'done',
  'kill "$w" 2>/dev/null',
].join('\n');

// The same protocol in Python (Linux): each action is started with posix_spawn (vfork-like:
// no copy of the helper's page tables, ~0.2 ms less CPU per action than bash's fork) in a
// process group of its own. One record per action: "<byte length>\n" then the fields
// cwd, file, number of env additions, their names and values, argv — joined by NUL (which no
// path, argument or variable can contain). No json module: it imports re (+8 ms per start).
// Exit code 3 before "R": this Python cannot do it (the launcher then uses bash).
const PYTHON_SCRIPT = [
  'import os, sys, select, _signal as signal, _thread',
  'if sys.version_info < (3, 8) or not hasattr(os, "posix_spawn"): sys.exit(3)',
  `SENT = os.environ.pop("${SENTINEL_ENV}", "").encode("latin-1")`,
  'for fd in (3, 4, 5): os.set_inheritable(fd, False)',
  'base = dict(os.environb)',
  'cur = 0',
  'def stop(*_):',
  '    if cur > 0:',
  '        try: os.killpg(cur, signal.SIGKILL)',
  '        except OSError: pass',
  '    os._exit(129)',
  'signal.signal(signal.SIGTERM, stop)',
  'signal.signal(signal.SIGHUP, stop)',
  'signal.signal(signal.SIGINT, signal.SIG_DFL)',
  'def watch():',
  '    try:',
  '        while os.read(5, 64): pass',
  '    except OSError: pass',
  '    stop()',
  '_thread.start_new_thread(watch, ())',
  'SIGDEF = [s for s in (signal.SIGPIPE, getattr(signal, "SIGXFSZ", None), getattr(signal, "SIGXFZ", None)) if s is not None]',
  'FA = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0), (os.POSIX_SPAWN_DUP2, 4, 2)]',
  'PIDFD = hasattr(os, "pidfd_open") and hasattr(select, "poll")',
  'def say(fd, b):',
  '    while b: b = b[os.write(fd, b):]',
  'try:',
  '    say(3, b"R\\n")',
  '    inp = sys.stdin.buffer',
  '    while True:',
  '        head = inp.readline()',
  '        if not head: break',
  '        f = inp.read(int(head)).split(b"\\0")',
  '        cwd, file, n = f[0], f[1], 3 + 2 * int(f[2])',
  '        env = base.copy()',
  '        for i in range(3, n, 2): env[f[i]] = f[i + 1]',
  '        argv = f[n:]',
  '        try:',
  '            os.chdir(cwd)',
  '            try:',
  '                pid = os.posix_spawn(file, argv, env, file_actions=FA, setpgroup=0, setsigdef=SIGDEF)',
  '            except OSError as e:',
  '                if e.errno != 8: raise',
  '                pid = os.posix_spawn(b"/bin/sh", [b"/bin/sh", file] + argv[1:], env, file_actions=FA, setpgroup=0, setsigdef=SIGDEF)',
  '        except OSError as e:',
  '            say(4, b"actiontree: %s: %s\\n" % (file, (e.strerror or "error").encode("utf-8", "replace")))',
  '            say(4, SENT)',
  '            say(1, SENT + b"E %d 0\\n" % (126 if e.errno == 13 else 127))',
  '            continue',
  '        cur = pid',
  // An action that ends within 5 ms has its pid told with its exit (one message less).
  '        quick = False',
  '        if PIDFD:',
  '            try:',
  '                pfd = os.pidfd_open(pid)',
  '                try:',
  '                    pl = select.poll()',
  '                    pl.register(pfd, select.POLLIN)',
  '                    quick = len(pl.poll(5)) > 0',
  '                finally:',
  '                    os.close(pfd)',
  '            except OSError: pass',
  '        if not quick: say(3, b"S %d\\n" % pid)',
  '        while True:',
  '            try:',
  '                st = os.waitpid(pid, 0)[1]',
  '                break',
  '            except InterruptedError: continue',
  '            except ChildProcessError:',
  '                st = 0',
  '                break',
  '        cur = 0',
  '        code = 128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)',
  '        try:',
  '            os.killpg(pid, 0)',
  '            left = 1',
  '        except OSError as e:',
  '            left = 1 if e.errno == 1 else 0',
  '        say(4, SENT)',
  '        say(1, SENT + (b"E %d %d %d\\n" % (code, left, pid) if quick else b"E %d %d\\n" % (code, left)))',
  'except BrokenPipeError:',
  '    stop()',
].join('\n');

/** Which interpreter runs a helper: Python where it can (Linux), else bash. */
export type HelperKind = 'python' | 'bash';

function newSentinel(): Buffer {
  return Buffer.from(`\u0001actiontree-${randomBytes(12).toString('hex')}\u0001`);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single-quotes for sh; newlines become '"$NL"' so a command stays on one protocol line. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`).replace(/\n/g, `'"$NL"'`)}'`;
}

const signalNames = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

export class HelperLauncher implements Executor, LocalLauncher {
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly graceMs: number;
  private readonly flushMs: number;
  private readonly sentinel = newSentinel();
  private readonly idle: Helper[] = [];
  private readonly helpers = new Set<Helper>();
  private readonly programs = new Map<string, { readonly file: string } | { readonly problem: string }>();
  private readonly cwdFound = new Set<string>();
  private readonly fallback: NodeLauncher;
  private readonly launch: LaunchContext;
  /** Sampling and affinity (withSampling/withAffinity), shared with the fallback. */
  readonly services: AttemptServices = { sampler: null, oomKillCount: null, cores: null };
  /** Helpers to keep started (prepare()): a retired or dead one is replaced ahead of need. */
  private warm = 0;
  private closing = false;
  /** Python (posix_spawn) where it works, else bash; settled by the first helper that starts. */
  private kind: HelperKind;

  constructor(
    private readonly opts: NodeLauncherOptions,
    kind: HelperKind | 'auto' = 'auto',
    /** The Python to use (tests: one that cannot run the helper). */
    private readonly python = HELPER_PYTHON,
  ) {
    this.kind = kind === 'auto' ? HelperLauncher.defaultKind() : kind;
    this.baseEnv = { ...(opts.env ?? process.env), ...opts.runEnv };
    this.graceMs = opts.graceMs ?? 3000;
    this.flushMs = opts.flushMs ?? 30;
    this.fallback = new NodeLauncher(opts, this.services);
    this.launch = {
      baseEnv: this.baseEnv,
      execSize: new ExecSize(this.baseEnv),
      // As NodeLauncher: a folder once found is not looked at again (a failure is: it may appear later).
      checkCwd: (cwd) => {
        if (this.cwdFound.has(cwd)) return null;
        try {
          if (!fs.statSync(cwd).isDirectory()) return `cwd is not a directory: ${cwd}`;
        } catch {
          return `cwd does not exist: ${cwd}`;
        }
        this.cwdFound.add(cwd);
        return null;
      },
      directExec: true,
      findProgram: (file, cwd, env) => this.findProgram(file, cwd, env['PATH'] ?? this.baseEnv['PATH'] ?? ''),
    };
  }

  static supported(): boolean {
    return process.platform !== 'win32' && fs.existsSync('/bin/sh') && fs.existsSync(HELPER_SHELL);
  }

  /** Python on Linux when /usr/bin/python3 exists (elsewhere a python3 stub may ask to install tools). */
  static defaultKind(): HelperKind {
    return process.platform === 'linux' && fs.existsSync(HELPER_PYTHON) ? 'python' : 'bash';
  }

  /** The interpreter the helpers use (after prepare(): the one that worked). */
  get helperKind(): HelperKind {
    return this.kind;
  }

  /**
   * Starts `parallel` helpers and waits (at most `timeoutMs`) until each has started and is
   * reading its first line, so that no action's recorded time includes starting a helper
   * (fork + exec of bash: 5-50 ms, far more from a busy or large parent). Later, a helper
   * that retires or dies is replaced at once, in the background.
   */
  async prepare(parallel: number, timeoutMs = 5000): Promise<void> {
    this.warm = Math.max(0, Math.floor(parallel));
    const started = Date.now();
    await this.startWarm(timeoutMs);
    // A Python that cannot run the helper (too old, broken) says so before "R": use bash.
    if (this.kind === 'python' && this.idle.length > 0 && this.idle.every((h) => h.dead)) {
      this.kind = 'bash';
      this.idle.length = 0;
      await this.startWarm(Math.max(0, timeoutMs - (Date.now() - started)));
    }
  }

  private async startWarm(timeoutMs: number): Promise<void> {
    while (this.idle.length < this.warm) this.idle.push(this.newHelper());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.idle.map((h) => h.ready)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private newHelper(): Helper {
    const h = new Helper(this.kind, this.python, this.baseEnv, this.opts.baseDir, this.sentinel, (x) => this.release(x));
    this.helpers.add(h);
    return h;
  }

  /** Keeps `warm` helpers available: a replacement for one that retired or died. */
  private replenish(): void {
    if (this.closing) return;
    const live = [...this.helpers].filter((h) => !h.dead && !h.retired).length;
    if (live < this.warm) this.idle.push(this.newHelper());
  }

  start(job: Job, attempt: number, onOutput: OutputSink): JobHandle {
    for (const k in job.env) if (!IDENT.test(k)) return this.fallback.start(job, attempt, onOutput);
    const log = this.fallback.logFor(job.id);
    const begun = beginAttempt(job, attempt, this.services, log, this.launch);
    if ('handle' in begun) return begun.handle;
    const { launch, release } = begun;
    const line = this.kind === 'python' ? this.pythonLine(launch) : bashLine(launch);
    let helper = this.idle.pop();
    while (helper !== undefined && helper.dead) helper = this.idle.pop();
    if (helper === undefined) helper = this.newHelper();
    const options = attemptOptions(launch.job, this.services, { graceMs: this.graceMs, flushMs: this.flushMs, gate: this.opts.outputGate }, release);
    return helper.run(line, (port) => new Attempt(port, log, onOutput, options));
  }

  /** The Python helper's record (see PYTHON_SCRIPT): the program is found on the action's PATH here. */
  private pythonLine(launch: Launch): string {
    const argv = launch.argv ?? ['/bin/sh', '-c', launch.line];
    const file = launch.argv !== null ? (launch.executable ?? (argv[0] as string)) : '/bin/sh';
    const fields = [launch.cwd, file, ''];
    let n = 0;
    for (const k in launch.env) {
      fields.push(k, launch.env[k] as string);
      n++;
    }
    fields[2] = String(n);
    for (const a of argv) fields.push(a);
    const payload = fields.join('\0');
    return `${Buffer.byteLength(payload)}\n${payload}`;
  }

  private release(h: Helper): void {
    if (h.dead) this.helpers.delete(h);
    else if (h.retired) h.retire(); // stays in `helpers` until close() has seen it exit
    else this.idle.push(h);
    if (h.dead || h.retired) setImmediate(() => this.replenish());
  }

  /** Where `file` is (on the action's PATH), or a missing or non-executable program as the spawn error Node would give. */
  private findProgram(file: string, cwd: string, pathVar: string): { readonly file: string } | { readonly problem: string } {
    const key = file.includes('/') ? path.resolve(cwd, file) : `${file}\u0000${pathVar}\u0000${cwd}`;
    const cached = this.programs.get(key);
    if (cached !== undefined) return cached;
    // An empty or relative PATH entry is relative to the action's folder, as for the shell's exec.
    const candidates = file.includes('/') ? [path.resolve(cwd, file)] : pathVar.split(':').map((d) => path.resolve(cwd, d || '.', file));
    let problem: string | null = `command not found: '${file}' (ENOENT)`;
    let found = file;
    for (const c of candidates) {
      try {
        const st = fs.statSync(c);
        if (st.isDirectory()) continue;
        fs.accessSync(c, fs.constants.X_OK);
        problem = null;
        found = c;
        break;
      } catch (e: unknown) {
        const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : '';
        if (code === 'EACCES') problem = `permission denied: '${file}' is not executable (EACCES)`;
      }
    }
    const r = problem === null ? { file: found } : { problem };
    if (!file.includes('/') || problem === null) this.programs.set(key, r);
    return r;
  }

  logOf(id: string): string | null {
    return this.fallback.logOf(id);
  }

  logErrorOf(id: string): string | null {
    return this.fallback.logErrorOf(id);
  }

  killAllNow(): void {
    for (const h of this.helpers) {
      if (h.actionGroup !== null) signalGroup(h.actionGroup, 'SIGKILL');
      if (h.pid > 0) signalGroup(h.pid, 'SIGKILL');
    }
    this.fallback.killAllNow();
  }

  /** Ends the helpers (their stdin closes, they exit) and closes the log files. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.helpers].map((h) => h.close()));
    this.helpers.clear();
    await this.fallback.close();
  }
}

/** The bash helper's line: `cd … && export K='v'… && exec …`, all single-quoted. */
function bashLine(launch: Launch): string {
  let exports = '';
  for (const k in launch.env) exports += ` ${k}=${q(launch.env[k] as string)}`;
  // A command line with shell syntax gets its own `sh -c` (so `$$`, `exit`, traps are its own).
  const run = launch.argv !== null ? `exec ${launch.argv.map(q).join(' ')}` : `exec /bin/sh -c ${q(launch.line)}`;
  return `cd ${q(launch.cwd)} && export${exports} && ${run}\n`;
}

/** One helper (bash or Python): runs one action at a time, each in its own process group. */
class Helper {
  readonly pid: number;
  dead = false;
  /** Set when an action left background processes behind: never reused. */
  retired = false;
  /** The process group of the running action (from its "S" line), else null. */
  actionGroup: number | null = null;
  private readonly child: ChildProcess;
  private readonly kind: HelperKind;
  private current: SentinelReader | null = null;
  private readonly err: NodeJS.ReadableStream | null;
  private ctl = '';
  private readonly exited: Promise<void>;
  /** Resolves once the helper reads its first line (its "R"), or once it is gone. */
  readonly ready: Promise<void>;
  private setReady!: () => void;

  constructor(
    kind: HelperKind,
    python: string,
    env: NodeJS.ProcessEnv,
    cwd: string,
    private readonly sentinel: Buffer,
    private readonly onIdle: (h: Helper) => void,
  ) {
    this.kind = kind;
    const [program, args] = kind === 'python' ? [python, ['-I', '-S', '-c', PYTHON_SCRIPT]] : [HELPER_SHELL, ['-c', BASH_SCRIPT]];
    this.child = spawn(program, args, {
      cwd,
      env: { ...env, [SENTINEL_ENV]: sentinel.toString('latin1') },
      // fd 2 (the helper's own messages, e.g. "Segmentation fault") is discarded; the action's
      // stderr is fd 4.
      stdio: ['pipe', 'pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.pid = this.child.pid ?? -1;
    this.ready = new Promise((resolve) => (this.setReady = resolve));
    this.child.stdin?.on('error', () => {});
    // The watcher's end-of-file pipe: never written; read so that its close is seen.
    const watch = this.watchPipe();
    watch?.on('error', () => {});
    watch?.resume();
    this.err = this.child.stdio[4] as NodeJS.ReadableStream | null;
    this.child.stdout?.on('data', (c: Buffer) => this.current?.data('stdout', c));
    this.err?.on('data', (c: Buffer) => this.current?.data('stderr', c));
    const ctl = this.child.stdio[3] as NodeJS.ReadableStream | null;
    ctl?.on('data', (c: Buffer) => {
      this.ctl += c.toString('latin1');
      let nl: number;
      while ((nl = this.ctl.indexOf('\n')) >= 0) {
        const line = this.ctl.slice(0, nl);
        this.ctl = this.ctl.slice(nl + 1);
        this.control(line);
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', () => {
        this.dead = true;
        this.setReady();
        this.current?.helperGone({ kind: 'spawn-error', message: 'spawn failed: /bin/sh could not be started' });
        resolve();
      });
      this.child.on('exit', () => {
        this.dead = true;
        this.setReady();
        resolve();
        // A background process that left the group may hold the pipes: stop waiting after 1 s.
        const t = setTimeout(() => this.destroyStreams(), 1000);
        t.unref();
        this.child.once('close', () => clearTimeout(t));
      });
      this.child.on('close', (code, signal) => {
        this.dead = true;
        this.setReady();
        this.current?.helperGone(signal !== null ? { kind: 'signal', signal } : { kind: 'exit', code: code ?? 1 });
      });
    });
  }

  /** A line of the protocol: R, S <pid>, E <status> [<left>] (fd 3; E after the stdout sentinel from Python). */
  private control(line: string): void {
    if (line === 'R') {
      this.setReady();
      return;
    }
    const s = /^S (\d+)$/.exec(line);
    if (s) {
      this.actionGroup = Number(s[1]);
      this.current?.attempt.started(this.actionGroup);
      return;
    }
    const m = /^E (\d+)(?: ([01]))?(?: (\d+))?$/.exec(line);
    if (m) {
      // The Python helper names an action that ended within 5 ms only here (no "S" line).
      if (m[3] !== undefined && this.actionGroup === null) {
        this.actionGroup = Number(m[3]);
        this.current?.attempt.started(this.actionGroup);
      }
      // Processes the action left in its group: said by the Python helper; checked here for
      // bash (its `kill -0 -- -pgid` gets slower with every job it has run: 0.25 ms per
      // action after 1,000).
      if (m[2] !== undefined ? m[2] === '1' : this.actionGroup !== null && groupExists(this.actionGroup)) this.retired = true;
      this.actionGroup = null;
      this.current?.attempt.exit(exitOfStatus(Number(m[1])));
    }
  }

  /** fd 5 (the typings know only fds 0-4). */
  private watchPipe(): NodeJS.ReadableStream | null {
    return (this.child.stdio as unknown as (NodeJS.ReadableStream | null | undefined)[])[5] ?? null;
  }

  private destroyStreams(): void {
    (this.watchPipe() as { destroy?: () => void } | null)?.destroy?.();
    this.child.stdout?.destroy();
    (this.err as { destroy?: () => void } | null)?.destroy?.();
    (this.child.stdio[3] as { destroy?: () => void } | null)?.destroy?.();
  }

  /** Sends the attempt's line; `make` builds the attempt on this helper's process port. */
  run(line: string, make: (port: ProcessPort) => Attempt): JobHandle {
    const attempt = make({
      pid: this.pid > 0 ? this.pid : null,
      pauseOutput: () => this.pause(),
      resumeOutput: () => this.resume(),
      settled: () => {
        this.current = null;
        this.onIdle(this);
      },
    });
    this.current = new SentinelReader(attempt, this.sentinel, this.kind === 'python' ? (line) => this.control(line) : null);
    this.child.stdin?.write(line);
    return attempt;
  }

  /** Ends a helper whose last action left processes behind (it exits on stdin EOF). */
  retire(): void {
    this.retired = true;
    this.child.stdin?.end();
  }

  pause(): void {
    this.child.stdout?.pause();
    this.err?.pause();
  }

  resume(): void {
    this.child.stdout?.resume();
    this.err?.resume();
  }

  /**
   * Ends the helper (stdin EOF: it exits once idle) and stops reading its pipes, which
   * background processes of earlier actions may still hold open.
   */
  async close(): Promise<void> {
    this.child.stdin?.end();
    await this.exited;
    this.destroyStreams();
  }
}

/** A shell status as an exit: 128+n is death by signal n (as the helper's `wait` reports it). */
function exitOfStatus(st: number): ProcessExit {
  const sig = st > 128 ? signalNames.get(st - 128) : undefined;
  return sig !== undefined ? { kind: 'signal', signal: sig } : { kind: 'exit', code: st };
}

/**
 * The running attempt's view of the helper's stdout / fd 4: its bytes up to the sentinel the
 * helper prints after the action exited, then end of stream. Late output of a background
 * process after the sentinel is not this action's and is dropped.
 */
class SentinelReader {
  private readonly done = { stdout: false, stderr: false };
  private readonly carry: Record<OutputStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

  /** After the stdout sentinel, the Python helper's "E …" line (up to \n), else null. */
  private trailer: string | null = null;

  constructor(
    readonly attempt: Attempt,
    private readonly sentinel: Buffer,
    private readonly onTrailer: ((line: string) => void) | null,
  ) {}

  data(stream: OutputStream, chunk: Buffer): void {
    if (this.done[stream]) {
      if (stream === 'stdout' && this.trailer !== null) this.addTrailer(chunk);
      return;
    }
    let buf = this.carry[stream].length > 0 ? Buffer.concat([this.carry[stream], chunk]) : chunk;
    const at = buf.indexOf(this.sentinel);
    let ended = false;
    let after: Buffer | null = null;
    if (at >= 0) {
      // On stdout from Python, what follows the sentinel is the "E …" line.
      if (stream === 'stdout' && this.onTrailer !== null) after = buf.subarray(at + this.sentinel.length);
      buf = buf.subarray(0, at);
      this.carry[stream] = Buffer.alloc(0);
      ended = true;
    } else {
      // Hold back a tail that could be the start of the sentinel.
      let k = Math.min(this.sentinel.length - 1, buf.length);
      while (k > 0 && !buf.subarray(buf.length - k).equals(this.sentinel.subarray(0, k))) k--;
      this.carry[stream] = k > 0 ? Buffer.from(buf.subarray(buf.length - k)) : Buffer.alloc(0);
      buf = buf.subarray(0, buf.length - k);
    }
    if (buf.length > 0) this.attempt.output(stream, buf);
    if (ended) this.end(stream);
    if (after !== null) {
      this.trailer = '';
      this.addTrailer(after);
    }
  }

  private addTrailer(chunk: Buffer): void {
    this.trailer += chunk.toString('latin1');
    const nl = (this.trailer as string).indexOf('\n');
    if (nl < 0) return;
    const line = (this.trailer as string).slice(0, nl);
    this.trailer = null;
    this.onTrailer?.(line);
  }

  private end(stream: OutputStream): void {
    if (this.done[stream]) return;
    this.done[stream] = true;
    const rest = this.carry[stream];
    this.carry[stream] = Buffer.alloc(0);
    if (rest.length > 0) this.attempt.output(stream, rest);
    this.attempt.end(stream);
  }

  /** The helper died (killed with the action's group, or crashed): what it said last is all. */
  helperGone(exit: ProcessExit): void {
    this.attempt.exit(exit);
    this.end('stdout');
    this.end('stderr');
  }
}
