import { criticalPath, selectionClosure } from '../graph';
import type { RetryKind } from '../limits';
import { expandGraph, resolveRequested } from '../matrix';
import type { LockMode } from '../locks';
import type { ActionModel, Command, Graph } from '../model';
import type { ServiceSpec } from '../service';

/**
 * The execution plan: what a run will execute, resolved from the editor's model (SPEC §3, §7–§10).
 *
 *   Graph (parse/analyze, source spans) → RunPlan of Jobs (this file) → scheduler → Executor
 *
 * Everything the runner executes is a `Job`: no source spans, every value resolved (cwd
 * absolute, env merged, needs as numbers). Steps that change what runs (matrix expansion,
 * up-to-date checks, memory needs) build or annotate the plan; the scheduler and the
 * executors only ever see Jobs. Pure: no node:*; the runner passes its path resolver.
 */

/** A quantity of a declared resource a job holds while it runs. */
export interface ResourceNeed {
  readonly name: string;
  /** >= 0 (0 holds nothing, as written in the file). */
  readonly amount: number;
}

/** A lock a job holds while it runs (SPEC §10): any number of shared holders at once, or one exclusive holder alone. */
export interface LockNeed {
  readonly name: string;
  readonly mode: LockMode;
}

/** What a job holds while it runs (admission). Extensible: memory, locks. */
export interface JobNeeds {
  /** CPU slots (>= 0; 1 by default). */
  readonly cpus: number;
  /** Declared resources, in the order written. */
  readonly resources: readonly ResourceNeed[];
  /** Bytes held against the run's memory capacity (SPEC §8): declared, else learned; 0/undefined = none. */
  readonly memory?: number;
  /** SPEC §10 locks (names and modes); undefined/empty = none. */
  readonly locks?: readonly LockNeed[];
}

export interface Job {
  /** The job id: the action id today; a matrix expansion gets its own (`test[python=3.11]`). */
  readonly id: string;
  /** The action of the graph file this job comes from. */
  readonly actionId: string;
  /** 0-based file order (the last tie-break among ready jobs); a matrix action's expansions are consecutive, in expansion order. */
  readonly index: number;
  /** Resolved command. A missing one (a schema error: never run) is an empty argv ('empty command'). */
  readonly command: Command;
  /** Absolute working directory (the action's cwd resolved against the graph file's folder). */
  readonly cwd: string;
  /** Declared environment: defaults.env merged with the action's env (the action wins). */
  readonly env: Readonly<Record<string, string>>;
  readonly needs: JobNeeds;
  /** Job ids this job waits for (jobs outside the plan count as done). */
  readonly deps: readonly string[];
  /** Per attempt, ms; undefined = none. */
  readonly timeoutMs: number | undefined;
  /** Extra attempts after a failure. */
  readonly retries: number;
  readonly priority: number;
  readonly acceptFailedDependencies: boolean;
  readonly description: string | undefined;
  /** Remaining critical path (its own estimate plus the longest chain after it); ranks ready jobs. */
  readonly remaining: number;
  /** SPEC §8: kill the tree past this many bytes of resident memory. */
  readonly memoryLimit?: number;
  /** SPEC §8: the declared group this job belongs to. */
  readonly group?: string;
  /** SPEC §8: which failures are retried (undefined = all). */
  readonly retryOn?: readonly RetryKind[];
  /** SPEC §8: wait before the 2nd attempt, doubling for each further one. */
  readonly retryDelayMs?: number;
  /** Fingerprint inputs (SPEC §7): input globs, relative to `cwd`; undefined = not incremental. */
  readonly inputs?: readonly string[];
  /** Output globs, relative to `cwd`. */
  readonly outputs?: readonly string[];
  /** Names of inherited environment variables that count as inputs. */
  readonly envInputs?: readonly string[];
  /** SPEC §10: a service — dependents start once it is ready; stopped when none remains to run. */
  readonly service?: ServiceSpec;
}

export interface ResourceCapacity {
  readonly name: string;
  /** Integer >= 1, or Infinity for "unlimited". */
  readonly capacity: number;
}

export interface RunPlan {
  /** Selected ids in file order (the named actions plus their dependencies — or only them —, or all). */
  readonly selection: string[];
  /** Requested names (action ids, expansion ids, selectors) that select no action of the graph. */
  readonly unknown: string[];
  /** Remaining critical path per selected action, in estimate units (ms when estimates exist). */
  readonly remaining: Map<string, number>;
  /** The jobs to execute, in file order (one per selected action today). */
  readonly jobs: readonly Job[];
  /** The graph's declared resources (what the jobs' needs count against). */
  readonly resources: readonly ResourceCapacity[];
  /** SPEC §8 run-wide limits. */
  readonly limits: PlanLimits;
}

export interface PlanGroup {
  readonly name: string;
  readonly timeoutMs: number | undefined;
  readonly description: string | undefined;
}

/** Run-wide limits, resolved (SPEC §8). */
export interface PlanLimits {
  /** Memory capacity in bytes that jobs' `needs.memory` count against; undefined = memory is not admitted. */
  readonly memory: number | undefined;
  /** The whole run, ms. */
  readonly timeoutMs: number | undefined;
  readonly groups: readonly PlanGroup[];
  readonly maxLoad: number | undefined;
  readonly minFreeMemory: number | undefined;
  readonly cpuAffinity: boolean;
}

export interface PlanPaths {
  /** Absolute folder of the graph file: relative cwds resolve against it. Default '/'. */
  readonly baseDir?: string;
  /** `resolve(baseDir, cwd)` → absolute path; the runner passes node's path.resolve. Default: POSIX rules. */
  readonly resolve?: (baseDir: string, relative: string) => string;
  /** Total RAM in bytes, for `"memory": "auto"` (= 90 % of it). Without it "auto" admits no memory. */
  readonly totalMemory?: number;
  /** Peak resident memory (bytes) per action in its last successful run: the memory need of actions that declare none. */
  readonly learnedMemory?: ReadonlyMap<string, number>;
}

/**
 * What a run will do. Durations for the critical path: an action's estimate from earlier runs;
 * an action without one gets the median of the known estimates (so a new action counts as a
 * typical one, not as free), or 1 when nothing is known (every action weighs the same).
 */
export function planRun(
  graph: Graph,
  requested: readonly string[],
  estimates: ReadonlyMap<string, number>,
  only = false,
  paths: PlanPaths = {},
): RunPlan {
  // SPEC §10: matrix actions become one action per combination; names may be selectors.
  graph = expandGraph(graph);
  const { ids: requestedIds, unknown } = resolveRequested(graph, requested);
  const chosen = requested.length === 0 ? null : only ? new Set(requestedIds) : selectionClosure(graph, requestedIds);
  const actions = graph.actions.filter((a) => chosen === null || chosen.has(a.id));
  const selection = actions.map((a) => a.id);
  const known = selection.map((id) => estimates.get(id)).filter((x): x is number => x !== undefined && Number.isFinite(x) && x >= 0);
  known.sort((a, b) => a - b);
  const fallback = known.length === 0 ? 1 : (known[Math.floor((known.length - 1) / 2)] as number);
  const cp = criticalPath(graph, (id) => estimates.get(id) ?? fallback, new Set(selection));
  const baseDir = paths.baseDir ?? '/';
  const resolve = paths.resolve ?? posixResolve;
  const gl = graph.limits;
  const memory = gl?.memory === 'auto' ? (paths.totalMemory !== undefined ? Math.floor(paths.totalMemory * 0.9) : undefined) : gl?.memory;
  const learned = memory !== undefined ? paths.learnedMemory : undefined;
  const jobs = actions.map((a) => {
    const job = jobOf(a, a.cwd === undefined ? resolve(baseDir, '.') : resolve(baseDir, a.cwd), cp.remaining.get(a.id) ?? 1);
    const peak = learned?.get(a.id);
    if (a.limits?.memory === undefined && peak !== undefined && peak > 0) return { ...job, needs: { ...job.needs, memory: peak } };
    return job;
  });
  const limits: PlanLimits = {
    memory,
    timeoutMs: gl?.timeoutMs,
    groups: (gl?.groups ?? []).map((g) => ({ name: g.name, timeoutMs: g.timeoutMs, description: g.description })),
    maxLoad: gl?.maxLoad,
    minFreeMemory: gl?.minFreeMemory,
    cpuAffinity: gl?.cpuAffinity ?? false,
  };
  return { selection, unknown, remaining: cp.remaining, jobs, resources: graph.resources.map((r) => ({ name: r.name, capacity: r.capacity })), limits };
}

/** The job that runs an action as written. */
export function jobOf(a: ActionModel, cwd: string, remaining = 1): Job {
  return {
    id: a.id,
    actionId: a.expansionOf?.action ?? a.id,
    index: a.index,
    command: a.command ?? { kind: 'argv', argv: [] },
    cwd,
    env: a.env,
    needs: {
      cpus: a.cpus,
      resources: a.resources.map((r) => ({ name: r.name, amount: r.amount })),
      ...(a.limits?.memory !== undefined ? { memory: a.limits.memory } : {}),
      ...(a.locks !== undefined && a.locks.length > 0 ? { locks: a.locks.map((l) => ({ name: l.name, mode: l.mode })) } : {}),
    },
    deps: a.deps,
    timeoutMs: a.timeoutMs,
    retries: a.retries,
    priority: a.priority,
    acceptFailedDependencies: a.acceptFailedDependencies,
    description: a.description,
    remaining,
    ...(a.limits?.memoryLimit !== undefined ? { memoryLimit: a.limits.memoryLimit } : {}),
    ...(a.limits?.group !== undefined ? { group: a.limits.group } : {}),
    ...(a.limits?.retryOn !== undefined ? { retryOn: a.limits.retryOn } : {}),
    ...(a.limits?.retryDelayMs !== undefined ? { retryDelayMs: a.limits.retryDelayMs } : {}),
    ...(a.service !== undefined ? { service: a.service } : {}),
    // inputs / outputs / envInputs: copied here once the model has them (SPEC §7).
  };
}

/** `path.posix.resolve(base, rel)` without node: an absolute `rel` wins; `.` and `..` are folded. */
export function posixResolve(base: string, rel: string): string {
  const joined = rel.startsWith('/') ? rel : `${base}/${rel}`;
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
