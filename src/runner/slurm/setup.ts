import type { Graph } from '../../core/model';
import type { Job, RunPlan } from '../../core/run/plan';
import { probeCluster, type ClusterInfo } from './commands';
import { SlurmExecutor, type SlurmJobSettings } from './executor';

/** Which executor a run uses (`--executor`, the file's `executor`, the extension's `actiontree.executor`). */
export type ExecutorKind = 'local' | 'slurm';

export interface SlurmRunOptions {
  /** Environment of the Slurm tools (SLURM_CONF, PATH); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** squeue interval (ms). */
  readonly pollMs?: number;
  /** Run-level settings (the file's `executor` object; CLI options would go here). */
  readonly defaults?: SlurmJobSettings;
  /** Per-action overrides (the actions' `slurm` objects), by action id. */
  readonly perAction?: ReadonlyMap<string, SlurmJobSettings>;
  /** How long the controller may stay unreachable before live jobs are given up (ms). */
  readonly controllerDownMs?: number;
}

/** The file's `executor` and the actions' `slurm` settings (validated by parse/). */
export function slurmSettingsFromGraph(graph: Graph): { kind: ExecutorKind | undefined; defaults: SlurmJobSettings; perAction: Map<string, SlurmJobSettings> } {
  const perAction = new Map<string, SlurmJobSettings>();
  for (const a of graph.actions) if (a.slurm !== undefined) perAction.set(a.id, a.slurm);
  const ex = graph.executor;
  const defaults: SlurmJobSettings = {
    ...(ex?.partition !== undefined ? { partition: ex.partition } : {}),
    ...(ex?.account !== undefined ? { account: ex.account } : {}),
    ...(ex?.sbatchArgs !== undefined ? { sbatchArgs: ex.sbatchArgs } : {}),
  };
  return { kind: ex?.type, defaults, perAction };
}

function merge(base: SlurmJobSettings, over: SlurmJobSettings | undefined): SlurmJobSettings {
  if (over === undefined) return base;
  return {
    ...(over.partition ?? base.partition) !== undefined ? { partition: over.partition ?? base.partition } : {},
    ...(over.account ?? base.account) !== undefined ? { account: over.account ?? base.account } : {},
    sbatchArgs: [...(base.sbatchArgs ?? []), ...(over.sbatchArgs ?? [])],
  };
}

export type SlurmPrepared =
  | { readonly ok: true; readonly info: ClusterInfo; readonly licenses: ReadonlySet<string>; readonly resources: RunPlan['resources']; readonly cpus: number }
  | { readonly ok: false; readonly message: string };

/**
 * Before the run folder exists: checks Slurm answers, reads its licenses once. Resources of the
 * graph that the cluster declares as licenses go to Slurm (-L) and are not counted by the
 * runner; the others stay counted. CPUs: the cluster admits jobs by CPU, so unless `--cpus` is
 * given the runner does not cap them (its slot count is the sum of every job's CPUs).
 */
export async function prepareSlurm(plan: RunPlan, cpusArg: number | undefined, o: SlurmRunOptions): Promise<SlurmPrepared> {
  const probe = await probeCluster({ env: o.env ?? process.env });
  if (!probe.ok) return probe;
  const licenses = new Set(plan.resources.map((r) => r.name).filter((n) => probe.info.licenses.has(n)));
  const resources = plan.resources.filter((r) => !licenses.has(r.name));
  const cpus = cpusArg ?? Math.max(1, plan.jobs.reduce((s, j) => s + Math.max(1, Math.ceil(j.needs.cpus)), 0));
  return { ok: true, info: probe.info, licenses, resources, cpus };
}

export function createSlurmExecutor(args: {
  runId: string;
  runDir: string;
  logDir: string;
  jobs: readonly Job[];
  lookahead: boolean;
  licenses: ReadonlySet<string>;
  runEnv: Readonly<Record<string, string>>;
  options: SlurmRunOptions;
}): SlurmExecutor {
  const defaults = args.options.defaults ?? {};
  return new SlurmExecutor({
    runId: args.runId,
    runDir: args.runDir,
    logDir: args.logDir,
    slurm: { env: args.options.env ?? process.env },
    jobs: args.jobs,
    lookahead: args.lookahead,
    licenses: args.licenses,
    runEnv: args.runEnv,
    settings: (job) => merge(defaults, args.options.perAction?.get(job.actionId)),
    ...(args.options.pollMs !== undefined ? { pollMs: args.options.pollMs } : {}),
    ...(args.options.controllerDownMs !== undefined ? { controllerDownMs: args.options.controllerDownMs } : {}),
  });
}
