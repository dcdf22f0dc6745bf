import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutputStream } from '../core/run/events';
import type { Executor, JobHandle, OutputSink } from '../core/run/executor';
import type { Job } from '../core/run/plan';
import { Attempt, attemptOptions, beginAttempt, ExecSize, spawnMessage, type AttemptServices, type LaunchContext, type LocalLauncher, type OutputGate } from './attempt';
import { logFileName } from './paths';

// Moved to ./attempt and ./process-tree (one attempt lifecycle for both launchers); re-exported for existing importers.
export { applyBackpressure, execSizeProblem, failed, OutputBatcher, simpleArgv, spawnMessage, Valve, type OutputGate } from './attempt';
export { groupAlive, signalGroup, terminateGroup } from './process-tree';

/**
 * Local executor that runs jobs as child processes (SPEC §3), one `child_process.spawn` per
 * attempt. The attempt's lifecycle (kill, settle, sampling, memory limit, affinity, output
 * batching and log backpressure) is src/runner/attempt.ts, shared with HelperLauncher; this
 * file is only the process port:
 * - a string command goes to the platform shell (`/bin/sh -c` / `cmd.exe /d /s /c`) unless it
 *   has no shell syntax (exec'd directly, see simpleArgv); an array is argv;
 * - POSIX: each action leads its own process group (`detached`), so the attempt's kill reaches
 *   the whole tree; Windows: `taskkill /T /F /PID`;
 * - stdout/stderr bytes go to the attempt; after the main process exits, pipes that a
 *   background grandchild still holds are given up after a second (abandonOutput).
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

const isWindows = process.platform === 'win32';

export class NodeLauncher implements Executor, LocalLauncher {
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly graceMs: number;
  private readonly flushMs: number;
  private readonly cwdChecked = new Map<string, string | null>();
  private readonly logs = new Map<string, LogFile>();
  private readonly live = new Set<JobHandle>();
  private readonly launch: LaunchContext;

  /**
   * @param services sampling and affinity for every attempt (withSampling/withAffinity set
   *   them); HelperLauncher passes its own so that its fallback attempts get them too.
   */
  constructor(
    private readonly opts: NodeLauncherOptions,
    readonly services: AttemptServices = { sampler: null, oomKillCount: null, cores: null },
  ) {
    this.baseEnv = { ...(opts.env ?? process.env), ...opts.runEnv };
    this.graceMs = opts.graceMs ?? 3000;
    this.flushMs = opts.flushMs ?? 30;
    this.launch = { baseEnv: this.baseEnv, execSize: new ExecSize(this.baseEnv), checkCwd: (cwd) => this.checkCwd(cwd), directExec: !isWindows };
  }

  start(job: Job, attempt: number, onOutput: OutputSink): JobHandle {
    const begun = beginAttempt(job, attempt, this.services, this.logFor(job.id), this.launch);
    if ('handle' in begun) return begun.handle;
    const { launch, release } = begun;
    const env = { ...this.baseEnv, ...launch.env };
    let child: ChildProcess;
    try {
      const common = { cwd: launch.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[], detached: !isWindows, windowsHide: true };
      child = launch.argv === null ? spawn(launch.line, { ...common, shell: true }) : spawn(launch.argv[0] as string, launch.argv.slice(1), common);
    } catch (e: unknown) {
      release();
      return failedWith(spawnMessage(e, launch.program, launch.cwd));
    }
    const handle = new Attempt(
      {
        pid: child.pid ?? null,
        pauseOutput: () => {
          child.stdout?.pause();
          child.stderr?.pause();
        },
        resumeOutput: () => {
          child.stdout?.resume();
          child.stderr?.resume();
        },
        abandonOutput: () => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        },
      },
      this.logFor(job.id),
      onOutput,
      attemptOptions(launch.job, this.services, { graceMs: this.graceMs, flushMs: this.flushMs, gate: this.opts.outputGate }, () => {
        release();
        this.live.delete(handle);
      }),
    );
    this.live.add(handle);
    wireChild(child, handle, launch.program, launch.cwd);
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
      const dir = this.opts.logDir;
      // The name is worked out on the first byte: most short actions write nothing.
      l = new LogFile(dir === null ? null : () => path.join(dir, logFileName(id)));
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

function failedWith(message: string): JobHandle {
  return { pid: null, exited: Promise.resolve({ kind: 'spawn-error', message }), kill: () => {} };
}

/** The child's events as the attempt's: pid known = started; bytes, stream ends, exit, spawn error. */
function wireChild(child: ChildProcess, a: Attempt, program: string, cwd: string): void {
  const wire = (stream: OutputStream, s: NodeJS.ReadableStream | null): void => {
    if (s === null) return a.end(stream);
    s.on('data', (chunk: Buffer) => a.output(stream, chunk));
    s.on('end', () => a.end(stream));
  };
  wire('stdout', child.stdout);
  wire('stderr', child.stderr);
  // Spawn failure (ENOENT, EACCES...): no 'exit' follows; 'close' may.
  child.on('error', (e) => a.exit({ kind: 'spawn-error', message: spawnMessage(e, program, cwd) }));
  child.on('exit', (code, signal) => a.exit(signal !== null ? { kind: 'signal', signal } : { kind: 'exit', code: code ?? 0 }));
  child.on('close', () => {
    a.end('stdout');
    a.end('stderr');
  });
  if (child.pid !== undefined) a.started(child.pid);
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

  /** @param file the log's path, or how to get it (asked once, on the first byte); null = no log. */
  constructor(private readonly file: string | null | (() => string)) {}

  /** True once the file exists (it was opened), even if a later write failed. */
  get created(): boolean {
    return this.opened;
  }

  /** Returns false when the caller should wait for `onDrain` before writing more. */
  write(chunk: Buffer): boolean {
    if (this.file === null || this.error !== null) return true;
    if (this.stream === null) {
      const s = fs.createWriteStream(typeof this.file === 'string' ? this.file : this.file(), { flags: 'a' });
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
