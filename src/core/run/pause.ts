/**
 * Pause and resume (SPEC §8): a switch the run's driver flips (the CLI on SIGUSR1/SIGUSR2,
 * the worker on the extension's Pause Run / Resume Run); the scheduler listens. While paused
 * nothing new starts; running actions (and their retries) go on. Pure.
 */
export class PauseSwitch {
  private state = false;
  private readonly listeners = new Set<(paused: boolean) => void>();

  get paused(): boolean {
    return this.state;
  }

  /** Returns false when already paused. */
  pause(): boolean {
    return this.set(true);
  }

  /** Returns false when not paused. */
  resume(): boolean {
    return this.set(false);
  }

  subscribe(listener: (paused: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(v: boolean): boolean {
    if (this.state === v) return false;
    this.state = v;
    for (const l of [...this.listeners]) l(v);
    return true;
  }
}

/**
 * Something outside the run that holds back new starts without pausing it (SPEC §8:
 * `maxLoad`, `minFreeMemory`). `blocked()` is asked before each start; `subscribe` tells the
 * scheduler to try again when the answer may have changed.
 */
export interface StartHold {
  blocked(): string | null;
  subscribe(onChange: () => void): () => void;
}
