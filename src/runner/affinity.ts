import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Executor } from '../core/run/executor';
import { isLocalLauncher } from './attempt';

/**
 * SPEC §8 `cpuAffinity` (Linux): each running attempt is pinned to `needs.cpus` cores that no
 * other running attempt holds, by starting its command under `taskset -c <cores>` (util-linux;
 * the affinity is inherited by everything the action starts). Cores are taken lowest first
 * and given back when the attempt ends. When fewer free cores remain than an action needs
 * (more CPU slots than cores), it gets the free ones plus the least-shared others, so it is
 * still pinned to `cpus` cores. Without `taskset` (or elsewhere than Linux) nothing is pinned.
 */

let tasksetChecked: boolean | undefined;
export function tasksetAvailable(): boolean {
  if (tasksetChecked === undefined) {
    tasksetChecked = process.platform === 'linux' && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  }
  return tasksetChecked;
}

/** The cores this process may run on (Linux `Cpus_allowed_list`, e.g. "0-3,8"); else 0..n-1. */
export function allowedCores(): number[] {
  try {
    const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (m) {
      const out: number[] = [];
      for (const part of (m[1] as string).trim().split(',')) {
        const [a, b] = part.split('-').map(Number);
        if (a === undefined || !Number.isInteger(a)) continue;
        for (let c = a; c <= (b !== undefined && Number.isInteger(b) ? b : a); c++) out.push(c);
      }
      if (out.length > 0) return out;
    }
  } catch {
    // not Linux
  }
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

export class CoreSet {
  private readonly holders: number[];

  constructor(private readonly cores: readonly number[] = allowedCores()) {
    this.holders = new Array<number>(Math.max(1, cores.length)).fill(0);
  }

  /** `n` cores, free ones first (lowest), then the least shared; as core numbers. */
  take(n: number): number[] {
    const want = Math.max(1, Math.min(n, this.holders.length));
    const order = this.holders.map((h, i) => [h, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const idx = order.slice(0, want).map(([, i]) => i).sort((a, b) => a - b);
    for (const i of idx) this.holders[i] = (this.holders[i] ?? 0) + 1;
    return idx.map((i) => this.cores[i] ?? i);
  }

  give(taken: readonly number[]): void {
    for (const c of taken) {
      const i = this.cores.indexOf(c);
      if (i >= 0) this.holders[i] = Math.max(0, (this.holders[i] ?? 0) - 1);
    }
  }
}

export { pinnedJob } from './attempt';

/**
 * Pins every attempt of a local launcher (the attempt lifecycle takes the cores when it
 * starts and gives them back when it settles, src/runner/attempt.ts). Without taskset, or for
 * an executor that is not a local launcher, the executor is returned as it is.
 */
export function withAffinity(inner: Executor, cores: CoreSet = new CoreSet()): Executor {
  if (!tasksetAvailable() || !isLocalLauncher(inner)) return inner;
  inner.services.cores = cores;
  return inner;
}
