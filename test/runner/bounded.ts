/**
 * Runs a child process under a time bound and a memory cap: its peak resident set (VmHWM
 * from /proc/<pid>/status) is sampled every 25 ms; past either bound the child's process
 * group is SIGKILLed (the old code ignored SIGTERM while blocked on a FIFO, and read
 * /dev/zero until it had gigabytes: the test must not take the machine down with it).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface Bounded {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Highest VmHWM seen, in MiB. */
  readonly peakMiB: number;
  readonly ms: number;
  /** Why it was killed, or null when it exited by itself. */
  readonly killed: 'time' | 'memory' | null;
}

/** Peak resident set (VmHWM) of a live process in KiB, or null once it is gone. */
export function vmHwmKiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Samples a process's VmHWM until `stop()`; `onOver` is called once it exceeds `capMiB`.
 * Returns the peak seen (MiB) from `stop()`.
 */
export function watchMemory(pid: number, capMiB: number, onOver: () => void): { stop: () => number; peak: () => number } {
  let peak = 0;
  let over = false;
  const sample = (): void => {
    const k = vmHwmKiB(pid);
    if (k !== null) peak = Math.max(peak, k / 1024);
    if (!over && peak > capMiB) {
      over = true;
      onOver();
    }
  };
  sample();
  const t = setInterval(sample, 25);
  return {
    stop: () => {
      sample();
      clearInterval(t);
      return peak;
    },
    peak: () => peak,
  };
}

export function runBounded(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; capMiB: number },
): Promise<Bounded> {
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (stdout.length < 4 * 1024 * 1024) stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 1024 * 1024) stderr += d.toString();
  });
  let killed: Bounded['killed'] = null;
  const kill = (why: 'time' | 'memory'): void => {
    if (killed !== null) return;
    killed = why;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const mem = watchMemory(child.pid!, opts.capMiB, () => kill('memory'));
  const timer = setTimeout(() => kill('time'), opts.timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const peakMiB = mem.stop();
      resolve({ code, signal, stdout, stderr, peakMiB, ms: Date.now() - t0, killed });
    });
  });
}
