import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeText, hasErrors, MAX_ANALYZE_SIZE } from '../core/analyze';
import type { Diagnostic } from '../core/diagnostics';
import { topologicalOrder } from '../core/graph';
import type { Graph } from '../core/model';
import type { RunEvent } from '../core/run/events';
import type { PauseSwitch } from '../core/run/pause';
import { planRun, type RunPlan } from '../core/run/plan';
import { expandGraph, sourceGraph } from '../core/matrix';
import { runGraph, type Clock, type GateDecision, type RunSummary, type SchedulerGate } from '../core/run/scheduler';
import { IncrementalSession, usesIncremental } from './incremental/session';
import type { LineIndex } from '../core/text';
import type { Executor } from '../core/run/executor';
import { createLocalExecutor, type SpawnMode } from './executor';
import type { OutputGate } from './launcher';
import { createSlurmExecutor, prepareSlurm, slurmSettingsFromGraph, type ExecutorKind, type SlurmRunOptions } from './slurm/setup';
import { newRunId } from './paths';
import { readRegularFileSync } from './safeRead';
import { loadRunHints, type RunHints } from './history';
import { withAffinity } from './affinity';
import { LoadHold } from './hold';
import { AttemptLog, buildReport, createRunDir, EventsWriter, writeReportAtomic } from './records';
import { Sampler, withSampling } from './sampler';
import { withServices } from './readiness';
import { HookRunner } from './hooks';

/** How often running trees are sampled (SPEC §8: at most 200 ms). */
const SAMPLE_INTERVAL_MS = 200;

/**
 * One run of a graph file, end to end: read + validate, plan (selection, estimates from
 * earlier runs, critical path → a RunPlan of Jobs), create the run folder, schedule the jobs
 * on a local executor, record events, write the report. Shared by `actiontree run` and the
 * extension's worker.
 * Expected failures come back as values (`RunOutcome`), never as exceptions.
 */

export interface RunRequest {
  /** Absolute path of the graph file. */
  readonly graphFile: string;
  /** Named actions (plus their dependencies unless `only`); empty/omitted = all. */
  readonly actions?: readonly string[];
  /** Run exactly the named actions; dependencies outside them are not run and count as done. */
  readonly only?: boolean;
  readonly cpus?: number;
  readonly keepGoing?: boolean;
  readonly signal: AbortSignal;
  /** Every event, in order, as it happens (after it was queued for events.jsonl). */
  readonly onEvent?: (e: RunEvent) => void;
  /** Called once the run folder exists, before the first event. */
  readonly onRunDir?: (dir: string) => void;
  /** SIGTERM -> SIGKILL grace period (default 3000 ms). */
  readonly graceMs?: number;
  /** Base environment for actions (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * How processes are started: 'helper' (default on POSIX) forks actions from small `/bin/bash`
   * helpers so the runner never forks itself per action; 'node' uses child_process.spawn
   * per action. The CLI and the worker pass ACTIONTREE_SPAWN=node|helper here
   * (spawnModeFromEnv); executeRun itself never reads the environment for it.
   */
  readonly spawn?: SpawnMode;
  /** Backpressure from a slow consumer of the events (`run --json`): see NodeLauncherOptions.outputGate. */
  readonly outputGate?: OutputGate;
  /** Decides, as each job becomes ready, whether it runs or is skipped; told each job's end. */
  readonly gate?: SchedulerGate;
  /** SPEC §8: sample each attempt's process tree (peak memory, CPU time, memoryLimit). Default true; false for benchmarks. */
  readonly sampling?: boolean;
  /** SPEC §8: pause/resume switch (the CLI flips it on SIGUSR1/SIGUSR2, the worker on messages). */
  readonly pause?: PauseSwitch;
  /** Where jobs run: 'local' (default) or 'slurm' (docs/slurm.md); undefined = the file's `executor`, else local. */
  readonly executor?: ExecutorKind;
  /** Slurm settings (environment of the Slurm tools, poll interval). */
  readonly slurm?: SlurmRunOptions;
  /** Run every selected action, even those that are up to date (`--force`). */
  readonly force?: boolean;
}

export type RunOutcome =
  | {
      readonly kind: 'finished';
      readonly runDir: string;
      readonly reportFile: string;
      readonly summary: RunSummary;
      readonly graph: Graph;
      /** Incremental runs: input patterns that matched no file, state problems. */
      readonly warnings: readonly string[];
      /** Actions whose log is incomplete or missing, with why (also `logError` in report.json). */
      readonly logErrors: readonly { readonly action: string; readonly error: string }[];
    }
  /** The graph has errors: nothing started. */
  | { readonly kind: 'invalid'; readonly diagnostics: readonly Diagnostic[]; readonly lineIndex: LineIndex }
  /** The graph has no actions (an `empty-graph` warning): nothing to run, no run folder. */
  | { readonly kind: 'nothing'; readonly message: string }
  /** Unreadable file, unknown action names, bad option, unwritable run folder: nothing started. */
  | { readonly kind: 'error'; readonly message: string };

export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export type Loaded =
  | { readonly kind: 'graph'; readonly graph: Graph; readonly hash: string }
  | Extract<RunOutcome, { kind: 'invalid' } | { kind: 'error' }>;

/**
 * Reads and validates the graph file. Only the Graph and the file's hash leave this function:
 * the text and the syntax tree become garbage before anything is spawned (fork cost grows
 * with the runner's memory).
 */
export function loadGraph(graphFile: string): Loaded {
  // A regular file only (a FIFO would block open() and ignore signals), bounded in size.
  const r = readRegularFileSync(graphFile, { maxBytes: MAX_ANALYZE_SIZE, followSymlinks: true });
  if (!r.ok) {
    if (r.kind === 'too-large') return { kind: 'error', message: `'${graphFile}' is too large to run (${r.size} bytes)` };
    return { kind: 'error', message: `cannot read '${graphFile}': ${r.kind === 'missing' && r.reason === 'no such file' ? 'no such file' : r.reason}` };
  }
  const bytes = r.bytes;
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const analysis = analyzeText(text);
  if (hasErrors(analysis.diagnostics)) {
    return { kind: 'invalid', diagnostics: analysis.diagnostics.filter((d) => d.severity === 'error'), lineIndex: analysis.lineIndex };
  }
  // SPEC §10: the runner, the records and the incremental state see the expanded ids.
  return { kind: 'graph', graph: expandGraph(analysis.graph), hash: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

export async function executeRun(req: RunRequest): Promise<RunOutcome> {
  const loaded = loadGraph(req.graphFile);
  if (loaded.kind !== 'graph') return loaded;
  const graph = loaded.graph;
  const requested = req.actions ?? [];
  if (req.cpus !== undefined && !(Number.isInteger(req.cpus) && req.cpus >= 1)) {
    return { kind: 'error', message: `--cpus must be an integer >= 1, got ${req.cpus}` };
  }
  const cpus = req.cpus ?? (graph.cpus === 'auto' ? os.availableParallelism() : graph.cpus);
  const keepGoing = req.keepGoing ?? graph.keepGoing;

  // What earlier runs teach (duration estimates for priorities and the ETA, learned peaks for
  // memory admission) only matters to actions that start. Reading it means parsing up to ten
  // earlier report.json files, the largest cost of a no-op incremental run after the stats
  // (≈ 100 ms of 2,000 actions' history): an incremental graph on the local executor plans
  // without it first, and reads it only once the up-to-date checks say something will run.
  const fromFile = slurmSettingsFromGraph(graph);
  const onSlurm = (req.executor ?? fromFile.kind ?? 'local') === 'slurm';
  const memoryHints = graph.limits?.memory !== undefined;
  const lazyHints = usesIncremental(graph) && !onSlurm;
  const planWith = (hints: RunHints | null): RunPlan =>
    planRun(graph, requested, hints?.estimates ?? new Map(), req.only === true, {
      baseDir: path.dirname(req.graphFile),
      resolve: path.resolve,
      totalMemory: os.totalmem(),
      ...(memoryHints && hints !== null ? { learnedMemory: hints.memory } : {}),
    });
  const readHints = (): Promise<RunHints> => loadRunHints(req.graphFile, new Set(graph.actions.map((a) => a.id)), memoryHints);
  let hints = lazyHints ? null : await readHints();
  let plan = planWith(hints);
  if (plan.unknown.length > 0) {
    const names = plan.unknown.map((n) => `'${n}'`).join(', ');
    const src = sourceGraph(graph);
    const known = src.actions.length <= 20 ? ` (actions: ${src.actions.map((a) => a.id).join(', ')})` : '';
    return { kind: 'error', message: `no such action${plan.unknown.length > 1 ? 's' : ''} in ${path.basename(req.graphFile)}: ${names}${known}` };
  }

  if (plan.jobs.length === 0) {
    return { kind: 'nothing', message: `${path.basename(req.graphFile)} has no actions: there was nothing to run` };
  }

  // Slurm (SPEC §9): check the cluster answers and read its licenses before anything is created.
  let runCpus = cpus;
  let resources = plan.resources;
  let licenses: ReadonlySet<string> = new Set();
  if (onSlurm) {
    // SPEC §10 services are local only (docs/slurm.md): a probe would have to run on the job's node.
    const services = plan.jobs.filter((j) => j.service !== undefined).map((j) => `'${j.id}'`);
    if (services.length > 0) {
      return {
        kind: 'error',
        message: `services cannot run on the Slurm executor (${services.slice(0, 5).join(', ')}${services.length > 5 ? ', …' : ''} ${services.length === 1 ? 'is a service' : 'are services'}); run this graph with --executor local`,
      };
    }
    const prep = await prepareSlurm(plan, req.cpus, { ...(req.slurm ?? {}), env: req.slurm?.env ?? req.env ?? process.env });
    if (!prep.ok) return { kind: 'error', message: prep.message };
    runCpus = prep.cpus;
    resources = prep.resources;
    licenses = prep.licenses;
  }

  const machineWarnings = onSlurm ? [] : affinityWarnings(plan, runCpus, os.availableParallelism());

  const runId = newRunId();
  // Incremental state and the lock against a second run of this graph file (SPEC §7).
  const opened = IncrementalSession.forRun({
    graphFile: path.resolve(req.graphFile),
    graph,
    selection: plan.selection,
    force: req.force === true,
    env: req.env ?? process.env,
    runId,
  });
  if (opened.kind === 'busy') return { kind: 'error', message: opened.message };
  const session = opened.session;
  const created = createRunDir(req.graphFile, runId);
  if (!created.ok) {
    session.close();
    return { kind: 'error', message: created.message };
  }
  req.onRunDir?.(created.dir);
  const gate = composeGates(session, req.gate);

  const writer = new EventsWriter(path.join(created.dir, 'events.jsonl'));
  const attempts = new AttemptLog();
  const runEnv = { ACTIONTREE_RUN_ID: runId, ACTIONTREE_RUN_DIR: created.dir };
  const slurmExecutor = onSlurm
    ? createSlurmExecutor({
        runId,
        runDir: created.dir,
        logDir: created.logDir,
        jobs: plan.jobs,
        // Pre-submitting dependents is only right when the runner would start them at once anyway.
        lookahead: req.cpus === undefined && req.gate === undefined,
        licenses,
        runEnv,
        options: { ...(req.slurm ?? {}), env: req.slurm?.env ?? req.env ?? process.env, defaults: { ...fromFile.defaults, ...(req.slurm?.defaults ?? {}) }, perAction: fromFile.perAction },
      })
    : null;
  // SPEC §10 hooks: queued by the run's events, run beside the scheduler (src/runner/hooks.ts).
  const hooks =
    graph.hooks !== undefined
      ? new HookRunner({
          hooks: graph.hooks,
          runId,
          runDir: created.dir,
          graphFile: path.resolve(req.graphFile),
          baseEnv: req.env ?? process.env,
          graceMs: req.graceMs ?? 3000,
          now: realClock.now,
          emit: (e) => {
            writer.write(e);
            req.onEvent?.(e);
          },
        })
      : undefined;
  const sampler = new Sampler(SAMPLE_INTERVAL_MS);
  const localExecutor = (): Executor => {
    // (outputGate, the --json backpressure, applies to local processes: a Slurm job's output is read from its log file.)
    const local = createLocalExecutor({
      spawn: req.spawn ?? 'helper',
      baseDir: path.dirname(req.graphFile),
      logDir: created.logDir,
      ...(req.graceMs !== undefined ? { graceMs: req.graceMs } : {}),
      ...(req.env !== undefined ? { env: req.env } : {}),
      runEnv,
      ...(req.outputGate !== undefined ? { outputGate: req.outputGate } : {}),
    });
    // SPEC §8: peak memory / CPU time of every attempt, memoryLimit enforcement (Linux /proc).
    const pinned = plan.limits.cpuAffinity ? withAffinity(local) : local;
    // SPEC §10: readiness probes of services (a no-op for other jobs).
    return withServices(req.sampling === false ? pinned : withSampling(pinned, sampler));
  };
  const executor: Executor = slurmExecutor ?? localExecutor();
  // If this process exits before the run ends (process.exit elsewhere, a fatal error), take
  // the detached process groups down with it.
  const lim = plan.limits;
  const hold = lim.maxLoad !== undefined || lim.minFreeMemory !== undefined ? new LoadHold(lim.maxLoad, lim.minFreeMemory) : undefined;
  const onExit = (): void => executor.killAllNow();
  process.on('exit', onExit);
  // Helpers start before the clock does: an action's time is its own, not a helper's start-up.
  // None when every selected action is up to date (a no-op run starts no process; should one
  // run after all — a caller's gate, a file changed meanwhile — a helper starts on demand).
  const mayRun = session.presume(topologicalOrder(graph, new Set(plan.selection)));
  if (mayRun && hints === null) {
    hints = await readHints();
    plan = planWith(hints); // the same selection, jobs and resources; priorities and learned memory needs from the history
  }
  const estimates = hints?.estimates ?? new Map<string, number>();
  await executor.prepare?.(mayRun ? Math.min(cpus, plan.jobs.length) : 0);
  const summary = await runGraph({
    jobs: plan.jobs,
    resources,
    options: {
      runId,
      cpus: runCpus,
      keepGoing,
      graphFile: req.graphFile,
      estimates: new Map(plan.selection.filter((id) => estimates.has(id)).map((id) => [id, estimates.get(id) as number])),
    },
    executor,
    gate,
    limits: plan.limits,
    ...(req.pause !== undefined ? { pause: req.pause } : {}),
    ...(hold !== undefined ? { hold } : {}),
    signal: req.signal,
    clock: realClock,
    onEvent: (e) => {
      writer.write(e);
      attempts.observe(e);
      slurmExecutor?.observe(e);
      req.onEvent?.(e);
      hooks?.observe(e);
    },
  });
  // Hooks still queued or running get one more hookTimeout (docs/runner.md "Hooks").
  await hooks?.drain();
  process.removeListener('exit', onExit);
  sampler.close();
  hold?.close();
  session.close();
  await executor.close();
  const report = buildReport({
    graphName: graph.name ?? null,
    plan,
    graphFile: req.graphFile,
    graphHash: loaded.hash,
    cpus: runCpus,
    keepGoing,
    summary,
    attempts,
    logOf: (id) => executor.logOf(id),
    incremental: { fingerprintOf: (id) => session.fingerprintOf(id), whyOf: (id) => session.whyOf(id), warnings: session.warnings },
    logErrorOf: (id) => executor.logErrorOf?.(id) ?? null,
    ...(hooks !== undefined ? { hooks: hooks.records.slice() } : {}),
  });
  let reportFile: string;
  let reportError: string | null = null;
  try {
    reportFile = writeReportAtomic(created.dir, report);
  } catch (e: unknown) {
    reportFile = '';
    reportError = e instanceof Error ? e.message : String(e);
  }
  if (hooks !== undefined) {
    // SPEC §10: onRunFinished runs once report.json is written (ACTIONTREE_REPORT); its own
    // record is added to the report afterwards (written again, atomically).
    const last = await hooks.runFinished(summary.result);
    hooks.close();
    if (last !== null && reportError === null) {
      try {
        writeReportAtomic(created.dir, { ...report, hooks: hooks.records.slice() });
      } catch (e: unknown) {
        reportError = e instanceof Error ? e.message : String(e);
      }
    }
  }
  writer.close();
  if (reportError !== null) {
    return { kind: 'error', message: `the run finished (${summary.result}) but its report could not be written: ${reportError}` };
  }
  const logErrors = Object.entries(report.actions).flatMap(([action, a]) => (a.logError !== null ? [{ action, error: a.logError }] : []));
  return { kind: 'finished', runDir: created.dir, reportFile, summary, graph, logErrors, warnings: [...machineWarnings, ...session.warnings] };
}

/**
 * Issue 10, "more cores pinned than exist": with cpuAffinity, CPU slots (the run's, or one
 * action's) beyond the machine's cores mean pinned actions share cores. The same check as the
 * `more-cpus-than-cores` diagnostic of `validate`, here for what only the run knows (`--cpus`).
 */
export function affinityWarnings(plan: { readonly limits: { readonly cpuAffinity: boolean }; readonly jobs: readonly { readonly id: string; readonly needs: { readonly cpus: number } }[] }, runCpus: number, cores: number): string[] {
  if (!plan.limits.cpuAffinity) return [];
  const out: string[] = [];
  const n = (k: number): string => `${k} core${k === 1 ? '' : 's'}`;
  if (runCpus > cores) out.push(`cpuAffinity: the run has ${runCpus} CPU slots but this machine has ${n(cores)}: running actions share cores`);
  const big = plan.jobs.filter((j) => j.needs.cpus > cores);
  for (const j of big.slice(0, 5)) {
    out.push(`cpuAffinity: action '${j.id}' needs ${j.needs.cpus} CPU slots but this machine has ${n(cores)}: it is pinned to all ${cores}, shared`);
  }
  if (big.length > 5) out.push(`cpuAffinity: ${big.length - 5} more actions need more CPU slots than this machine's ${n(cores)}`);
  return out;
}

/** The incremental session decides first; a caller's gate (tests, future steps) may still skip what it would run, and hears every end. */
function composeGates(session: IncrementalSession, extra: SchedulerGate | undefined): SchedulerGate {
  const extraBefore = extra?.beforeStart?.bind(extra);
  const extraAfter = extra?.afterFinish?.bind(extra);
  return {
    beforeStart: (job) => {
      // SPEC §10: a service always runs (its dependents need it running, not its outputs).
      if (job.service !== undefined) return extraBefore !== undefined ? extraBefore(job) : { skip: false };
      const mine = session.beforeStart(job.id);
      if (extraBefore === undefined) return mine;
      const then = (d: GateDecision): GateDecision | Promise<GateDecision> => (d.skip ? d : extraBefore(job));
      return mine instanceof Promise ? mine.then(then) : then(mine);
    },
    afterFinish: (job, state, event) => {
      session.afterFinish(job.id, state);
      extraAfter?.(job, state, event);
    },
  };
}
