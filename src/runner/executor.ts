import type { Executor } from '../core/run/executor';
import { HelperLauncher } from './helper-launcher';
import { NodeLauncher, type NodeLauncherOptions } from './launcher';

/** How local processes are started (see docs/runner.md, "Spawning"). */
export type SpawnMode = 'helper' | 'python' | 'bash' | 'node';

export interface LocalExecutorOptions extends NodeLauncherOptions {
  /**
   * 'helper' (default): actions are started by small long-lived helpers, so the runner never
   * forks itself per action — Python ones (posix_spawn) on Linux with /usr/bin/python3, else
   * bash ones; 'python' / 'bash' choose one (a Python that cannot do it falls back to bash).
   * Where no helper is possible (Windows, no /bin/bash): 'node', `child_process.spawn` per action.
   */
  readonly spawn?: SpawnMode;
}

/** The local executor: HelperLauncher or NodeLauncher, chosen by `spawn` (never by the environment). */
export function createLocalExecutor(opts: LocalExecutorOptions): Executor {
  const { spawn = 'helper', ...rest } = opts;
  if (spawn === 'node' || !HelperLauncher.supported()) return new NodeLauncher(rest);
  return new HelperLauncher(rest, spawn === 'helper' ? 'auto' : spawn);
}

/**
 * The spawn mode from an environment (`ACTIONTREE_SPAWN=helper|python|bash|node`); undefined when unset or
 * not one of those. Read once at the edges (CLI, worker) and passed down.
 */
export function spawnModeFromEnv(env: Readonly<Record<string, string | undefined>>): SpawnMode | undefined {
  const v = env['ACTIONTREE_SPAWN'];
  return v === 'node' || v === 'helper' || v === 'python' || v === 'bash' ? v : undefined;
}
