import * as fs from 'node:fs';
import type { Executor } from '../core/run/executor';
import { formatBytes } from '../core/bytes';
import { isLocalLauncher } from './attempt';

/**
 * Resource use of running attempts (SPEC §8), Linux `/proc`: every `intervalMs` (≤ 200 ms)
 * each running attempt's process tree is walked from its root through
 * `/proc/<pid>/task/<pid>/children`, reading `/proc/<pid>/stat` of each member: resident
 * memory (rss pages) and CPU time (utime + stime + the reaped children's cutime + cstime).
 * Cost is proportional to the processes of our trees, not to the machine's (no /proc scan).
 * A new attempt is first sampled at the next tick, so one that ends sooner has no samples
 * (peak and CPU time 0): it costs the runner nothing per action (issue 10 item 8).
 * The attempt records its peak resident memory (sum over the tree at one sample) and its
 * CPU time as of its last sample. A tree past its `memoryLimit` is killed at the first sample
 * that sees it (so within one interval of crossing it).
 *
 * Limits, said plainly: a process that leaves the tree (reparented to init after its parent
 * died) is no longer counted; CPU time used in the last interval before the end, and by
 * processes that lived less than one interval, is not seen (a final sample is taken when the
 * exit is reported, but the tree is gone by then). Elsewhere than Linux nothing is measured.
 */

export interface AttemptUsage {
  /** Peak of the tree's summed resident memory over the samples, bytes. */
  readonly peakRssBytes: number;
  /** User + system CPU time of the tree as of the last sample, ms. */
  readonly cpuTimeMs: number;
  /** Samples taken. */
  readonly samples: number;
}

const PAGE = 4096;
let ticksPerSecond = 100; // USER_HZ: 100 on every Linux ABI Node runs on
export const sampling = { supported: process.platform === 'linux' && fs.existsSync('/proc/self/stat') };

/**
 * Reads small /proc files through kept-open descriptors: one pread per read instead of
 * open + read + close (the sampler's cost is mostly syscalls). A descriptor not used in a
 * sampling pass is closed by `sweep()` (its process is gone or left the tree).
 */
class ProcFiles {
  private readonly fds = new Map<string, number>();
  private readonly used = new Set<string>();
  readonly buf = Buffer.allocUnsafe(4096);

  read(file: string): string | null {
    const n = this.readRaw(file);
    return n > 0 ? this.buf.toString('latin1', 0, n) : null;
  }

  /** Bytes read into `buf` (0 when the file is gone). */
  readRaw(file: string): number {
    this.used.add(file);
    let fd = this.fds.get(file);
    if (fd === undefined) {
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return 0;
      }
      this.fds.set(file, fd);
    }
    try {
      const n = fs.readSync(fd, this.buf, 0, this.buf.length, 0);
      if (n > 0) return n;
    } catch {
      // ESRCH: the process is gone
    }
    this.drop(file);
    return 0;
  }

  private drop(file: string): void {
    const fd = this.fds.get(file);
    if (fd !== undefined) {
      this.fds.delete(file);
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
  }

  sweep(): void {
    for (const file of [...this.fds.keys()]) if (!this.used.has(file)) this.drop(file);
    this.used.clear();
  }
}

const proc = new ProcFiles();

interface PidInfo {
  readonly stat: string;
  readonly children: string;
  /** The sampling round in which its children list was last read, and whether it was empty. */
  childrenRound: number;
  leaf: boolean;
}

/** Per pid: its /proc paths (made once) and what its children list said last. */
const pids = new Map<number, PidInfo>();
function infoOf(pid: number): PidInfo {
  let p = pids.get(pid);
  if (p === undefined) {
    if (pids.size > 4096) pids.clear();
    p = { stat: `/proc/${pid}/stat`, children: `/proc/${pid}/task/${pid}/children`, childrenRound: -LEAF_ROUNDS, leaf: false };
    pids.set(pid, p);
  }
  return p;
}

/**
 * A process that had no children is asked again only every LEAF_ROUNDS rounds (a tree's
 * leaves — compilers, sleeps — are most of its processes, and each /proc read costs 30-50 µs
 * on a cold cache here): a child it starts later is seen within LEAF_ROUNDS samples (600 ms at
 * 200 ms). A process with children, and the tree's root, are asked every round.
 */
const LEAF_ROUNDS = 3;
let round = 0;

/** Starts a sampling round (one per tick). */
export function nextSamplingRound(): void {
  round++;
}

const statOut = { cpuTicks: 0, rssPages: 0 };

/**
 * Fields of /proc/<pid>/stat after the command name, parsed from the bytes in place (no
 * string per field): false when the process is gone. Zombies count as 0.
 */
function readStat(info: PidInfo): boolean {
  const n = proc.readRaw(info.stat);
  if (n === 0) return false;
  const b = proc.buf;
  let i = b.lastIndexOf(0x29, n - 1); // ')': the command name may contain spaces and parentheses
  if (i < 0) return false;
  i += 2;
  const state = b[i];
  statOut.cpuTicks = 0;
  statOut.rssPages = 0;
  if (state === 0x5a || state === 0x58) return true; // Z, X
  // Fields after ") ", from 0: state, ppid, … utime = 11, stime 12, cutime 13, cstime 14, rss = 21.
  let field = 0;
  let value = 0;
  let neg = false;
  for (; i < n; i++) {
    const c = b[i] as number;
    if (c === 0x20) {
      if (field >= 11 && field <= 14) statOut.cpuTicks += neg ? -value : value;
      else if (field === 21) {
        statOut.rssPages = neg ? 0 : value;
        return true;
      }
      field++;
      value = 0;
      neg = false;
    } else if (c >= 0x30 && c <= 0x39) value = value * 10 + (c - 0x30);
    else if (c === 0x2d) neg = true;
  }
  return true;
}

function pushChildren(info: PidInfo, stack: number[], isRoot: boolean): void {
  if (!isRoot && info.leaf && round - info.childrenRound < LEAF_ROUNDS) return;
  info.childrenRound = round;
  const n = proc.readRaw(info.children);
  const b = proc.buf;
  const before = stack.length;
  let value = -1;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c >= 0x30 && c <= 0x39) value = (value < 0 ? 0 : value * 10) + (c - 0x30);
    else if (value >= 0) {
      stack.push(value);
      value = -1;
    }
  }
  if (value >= 0) stack.push(value);
  info.leaf = stack.length === before;
}

export interface TreeSample {
  readonly rssBytes: number;
  readonly cpuTimeMs: number;
  readonly processes: number;
}

/**
 * One sample of the tree under `root`. `includeRoot: false` measures only its descendants
 * (the helper launcher's `root` is the long-lived helper shell; the action is its child).
 */
export function sampleTree(root: number, includeRoot: boolean): TreeSample {
  let rss = 0;
  let ticks = 0;
  let n = 0;
  const stack: number[] = [];
  if (includeRoot) stack.push(root);
  else pushChildren(infoOf(root), stack, true);
  // A tree is a tree (a pid has one parent): the bound only guards against pid reuse mid-walk.
  let visited = 0;
  while (stack.length > 0 && visited++ < 10_000) {
    const pid = stack.pop() as number;
    const info = infoOf(pid);
    if (!readStat(info)) continue;
    n++;
    rss += statOut.rssPages * PAGE;
    ticks += statOut.cpuTicks;
    pushChildren(info, stack, pid === root);
  }
  return { rssBytes: rss, cpuTimeMs: (ticks * 1000) / ticksPerSecond, processes: n };
}

let memoryEventsFile: string | null | undefined;

/** The kernel's count of OOM kills in this process's cgroup (v2 `memory.events`), or null. The file is located once. */
export function oomKillCount(): number | null {
  if (memoryEventsFile === undefined) {
    try {
      const cg = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
      const rel = cg === undefined ? '' : cg.slice(3).trim();
      memoryEventsFile = `/sys/fs/cgroup${rel === '/' ? '' : rel}/memory.events`;
      fs.accessSync(memoryEventsFile, fs.constants.R_OK);
    } catch {
      memoryEventsFile = null;
    }
  }
  if (memoryEventsFile === null) return null;
  const text = proc.read(memoryEventsFile);
  const m = text === null ? null : /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

interface Watch {
  readonly root: number;
  readonly includeRoot: boolean;
  readonly limit: number | undefined;
  peak: number;
  cpu: number;
  samples: number;
  exceeded: number | null;
  readonly onExceeded: (rss: number) => void;
}

/** One timer for all running attempts. */
export class Sampler {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | null = null;
  /** Wall time spent sampling (ms) and ticks, for the cost figure. */
  readonly cost = { ms: 0, ticks: 0 };

  constructor(readonly intervalMs = 200) {}

  watch(root: number, includeRoot: boolean, limit: number | undefined, onExceeded: (rss: number) => void): { stop(): AttemptUsage; exceeded(): number | null } {
    const w: Watch = { root, includeRoot, limit, peak: 0, cpu: 0, samples: 0, exceeded: null, onExceeded };
    this.watches.add(w);
    // First sample at the next tick (≤ intervalMs), not now: most attempts of a large graph
    // live a few milliseconds, and a sample as they start sees only the forked shell.
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
    return {
      stop: () => {
        // A last look at what is left of a tree that was sampled before (processes it left
        // running); an attempt that ended before its first sample is gone: not looked for
        // (opening /proc files of a dead pid costs an exception each).
        if (w.samples > 0) this.sampleOne(w);
        this.watches.delete(w);
        if (this.watches.size === 0 && this.timer !== null) {
          clearInterval(this.timer);
          this.timer = null;
        }
        return { peakRssBytes: w.peak, cpuTimeMs: Math.round(w.cpu), samples: w.samples };
      },
      exceeded: () => w.exceeded,
    };
  }

  private tick(): void {
    const t0 = performance.now();
    nextSamplingRound();
    for (const w of this.watches) this.sampleOne(w);
    proc.sweep();
    this.cost.ms += performance.now() - t0;
    this.cost.ticks++;
  }

  private sampleOne(w: Watch): void {
    const s = sampleTree(w.root, w.includeRoot);
    if (s.processes === 0) return;
    w.samples++;
    if (s.rssBytes > w.peak) w.peak = s.rssBytes;
    if (s.cpuTimeMs > w.cpu) w.cpu = s.cpuTimeMs;
    if (w.limit !== undefined && w.exceeded === null && s.rssBytes > w.limit) {
      w.exceeded = s.rssBytes;
      w.onExceeded(s.rssBytes);
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.watches.clear();
    proc.sweep();
    proc.sweep();
  }
}

/** The reason of an attempt killed past its memoryLimit: `memory limit exceeded: 1.2 GiB > 1 GiB`. */
export function memoryLimitReason(rss: number, limit: number): string {
  return `memory limit exceeded: ${formatBytes(rss)} > ${formatBytes(limit)}`;
}

/**
 * SPEC §8 sampling for a local launcher: every attempt's process group is sampled from the
 * moment it runs; `usage()` on its handle gives the figures once it exited; a tree past the
 * job's `memoryLimit` is killed and its exit becomes `{kind: 'memory-limit'}`; a SIGKILL while
 * the cgroup's OOM-kill count went up is reported as an OOM kill. All of that is the attempt
 * lifecycle's (src/runner/attempt.ts): this only hands the sampler to the launcher. Executors
 * that are not local launchers (Slurm) are returned as they are: nothing local to measure.
 */
export function withSampling(inner: Executor, sampler: Sampler): Executor {
  if (!sampling.supported || !isLocalLauncher(inner)) return inner;
  inner.services.sampler = sampler;
  inner.services.oomKillCount = oomKillCount;
  return inner;
}

/** An executor's members other than `start`, for wrappers (every optional one that exists). */
export function forwarded(inner: Executor): Omit<Executor, 'start'> {
  return {
    logOf: (id) => inner.logOf(id),
    ...(inner.logErrorOf !== undefined ? { logErrorOf: (id: string) => inner.logErrorOf?.(id) ?? null } : {}),
    ...(inner.prepare !== undefined ? { prepare: (n: number) => inner.prepare?.(n) ?? Promise.resolve() } : {}),
    killAllNow: () => inner.killAllNow(),
    close: () => inner.close(),
  };
}

export function setTicksPerSecondForTests(n: number): void {
  ticksPerSecond = n;
}
