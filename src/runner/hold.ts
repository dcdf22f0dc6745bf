import * as fs from 'node:fs';
import * as os from 'node:os';
import { formatBytes } from '../core/bytes';
import type { StartHold } from '../core/run/pause';

/** Available memory (Linux MemAvailable; elsewhere os.freemem()). */
export function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'latin1'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

/**
 * SPEC §8 `maxLoad` / `minFreeMemory`: holds back new starts (never kills) while the 1-minute
 * load average is >= maxLoad or available memory is below minFreeMemory. Checked every
 * `intervalMs`; the scheduler is told when the hold lifts. `probe` is injectable for tests.
 */
export class LoadHold implements StartHold {
  private reason: string | null = null;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxLoad: number | undefined,
    private readonly minFree: number | undefined,
    private readonly probe: () => { load: number; free: number } = () => ({ load: os.loadavg()[0] ?? 0, free: availableMemory() }),
    intervalMs = 500,
  ) {
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  blocked(): string | null {
    return this.reason;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  private check(): void {
    const { load, free } = this.probe();
    let reason: string | null = null;
    if (this.maxLoad !== undefined && load >= this.maxLoad) reason = `load ${load.toFixed(2)} >= maxLoad ${this.maxLoad}`;
    else if (this.minFree !== undefined && free < this.minFree) reason = `available memory ${formatBytes(free)} < minFreeMemory ${formatBytes(this.minFree)}`;
    const lifted = this.reason !== null && reason === null;
    this.reason = reason;
    if (lifted) for (const l of [...this.listeners]) l();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }
}
