import type { Executor } from '../core/run/executor';
import { HelperLauncher } from './helper-launcher';
import { NodeLauncher, type NodeLauncherOptions } from './launcher';

/** How local processes are started (see docs/runner.md, "Spawning"). */
export type SpawnMode = 'helper' | 'node';

export interface LocalExecutorOptions extends NodeLauncherOptions {
  /**
   * 'helper' (default): actions are forked by small long-lived `/bin/bash` helpers, so the
   * runner never forks itself per action (falls back to 'node' where that is not possible:
   * Windows, no /bin/bash). 'node': `child_process.spawn` per action.
   */
  readonly spawn?: SpawnMode;
}

/** The local executor: HelperLauncher or NodeLauncher, chosen by `spawn` (never by the environment). */
export function createLocalExecutor(opts: LocalExecutorOptions): Executor {
  const { spawn = 'helper', ...rest } = opts;
  return spawn === 'helper' && HelperLauncher.supported() ? new HelperLauncher(rest) : new NodeLauncher(rest);
}

/**
 * The spawn mode from an environment (`ACTIONTREE_SPAWN=node|helper`); undefined when unset or
 * not one of those. Read once at the edges (CLI, worker) and passed down.
 */
export function spawnModeFromEnv(env: Readonly<Record<string, string | undefined>>): SpawnMode | undefined {
  const v = env['ACTIONTREE_SPAWN'];
  return v === 'node' || v === 'helper' ? v : undefined;
}
