/**
 * The editor's view of `actiontree plan`: what the next run of a graph file would do and why,
 * computed by the same code as the CLI (`planDecisions`) in a forked runner worker
 * (`dist/runner.js`, message `plan`), so hashing input files never blocks the extension host
 * or the language server. Used by the tree tooltip (extension), the hover and the code lens
 * (language server). No vscode import: both processes use it.
 *
 * Cost bounds: one plan child at a time per cache (a machine with 2 cores runs the actions
 * too); a child that takes longer than `timeoutMs` is killed (answer: "unknown"); results are
 * cached per graph file until invalidated (a save, a run's end) or older than `ttlMs` (files
 * changed outside the editor). Planning reads files only (input hashes — the stat cache under
 * `.actiontree/state/` spares unchanged ones — and the state); it writes nothing and takes no
 * lock, so it is allowed in an untrusted workspace (nothing runs).
 */
import * as cp from 'node:child_process';
import * as path from 'node:path';
import { parseWorkerMessage, type PlanDecisionData, type PlanMessage } from '../shared/runner-protocol';

export type PlanReply =
  | { readonly kind: 'plan'; readonly decisions: ReadonlyMap<string, PlanDecisionData>; readonly warnings: readonly string[]; readonly at: number }
  | { readonly kind: 'error'; readonly message: string; readonly at: number };

export interface PlanChildOptions {
  readonly timeoutMs?: number;
  readonly force?: boolean;
  /** Environment of the child (the values of `envInputs`); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Forks the runner worker with a `plan` message; never rejects. */
export function planInChild(runnerScript: string, graphFile: string, opts: PlanChildOptions = {}): Promise<PlanReply> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    let settled = false;
    let error: string | null = null;
    let result: PlanReply | null = null;
    const done = (r: PlanReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child: cp.ChildProcess;
    try {
      child = cp.fork(runnerScript, [], {
        cwd: path.dirname(graphFile),
        execArgv: [],
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        env: { ...(opts.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
        serialization: 'json',
      });
    } catch (e: unknown) {
      resolve({ kind: 'error', message: `cannot start the planner: ${e instanceof Error ? e.message : String(e)}`, at: Date.now() });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ kind: 'error', message: `planning took longer than ${Math.round(timeoutMs / 1000)} s`, at: Date.now() });
    }, timeoutMs);
    child.on('message', (raw: unknown) => {
      const parsed = parseWorkerMessage(raw);
      if (!parsed.ok) return;
      const m = parsed.value;
      if (m.type === 'plan-result') {
        result = { kind: 'plan', decisions: new Map(m.decisions.map((d) => [d.action, d])), warnings: m.warnings, at: Date.now() };
      } else if (m.type === 'error') {
        error = error === null ? m.message : `${error}\n${m.message}`;
      } else if (m.type === 'done') {
        done(result ?? { kind: 'error', message: error ?? 'the planner gave no answer', at: Date.now() });
      }
    });
    child.on('error', (e) => done({ kind: 'error', message: `planner: ${e.message}`, at: Date.now() }));
    child.on('exit', (code, signal) => done(result ?? { kind: 'error', message: error ?? `the planner exited (${signal ?? `code ${code}`})`, at: Date.now() }));
    const msg: PlanMessage = { type: 'plan', graphFile, ...(opts.force === true ? { force: true } : {}) };
    try {
      child.send(msg);
    } catch {
      // the exit handler answers
    }
  });
}

export interface PlanCacheOptions {
  /** A cached plan older than this is computed again when asked for (files may change outside the editor). */
  readonly ttlMs?: number;
  readonly timeoutMs?: number;
  /** Bound on graph files remembered. */
  readonly maxEntries?: number;
  /** For tests: how a plan is computed (default: planInChild with runnerScript). */
  readonly compute?: (graphFile: string) => Promise<PlanReply>;
}

interface Entry {
  value: PlanReply | undefined;
  /** Bumped by invalidate(): a computation that started before is not trusted as fresh. */
  generation: number;
  valueGeneration: number;
  pending: Promise<PlanReply> | null;
}

/**
 * Plans per graph file, computed one at a time, cached and invalidated. `get` waits at most
 * `waitMs` and otherwise answers with what is known (possibly stale, possibly nothing).
 */
export class PlanCache {
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly compute: (graphFile: string) => Promise<PlanReply>;
  private readonly listeners = new Set<(graphFile: string, reply: PlanReply) => void>();
  /** Plans computed (tests and the debug command read it). */
  computed = 0;

  constructor(runnerScript: string, opts: PlanCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 15_000;
    this.maxEntries = opts.maxEntries ?? 64;
    const timeoutMs = opts.timeoutMs ?? 20_000;
    this.compute = opts.compute ?? ((f) => planInChild(runnerScript, f, { timeoutMs }));
  }

  /** Called after each plan computed. */
  onDidCompute(f: (graphFile: string, reply: PlanReply) => void): { dispose(): void } {
    this.listeners.add(f);
    return { dispose: () => this.listeners.delete(f) };
  }

  private entry(graphFile: string): Entry {
    let e = this.entries.get(graphFile);
    if (e === undefined) {
      e = { value: undefined, generation: 0, valueGeneration: -1, pending: null };
      this.entries.set(graphFile, e);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    return e;
  }

  private fresh(e: Entry): boolean {
    return e.value !== undefined && e.valueGeneration === e.generation && Date.now() - e.value.at < this.ttlMs;
  }

  /** The cached plan without computing anything (stale or not); undefined when none. */
  peek(graphFile: string): { reply: PlanReply; fresh: boolean } | undefined {
    const e = this.entries.get(graphFile);
    return e?.value === undefined ? undefined : { reply: e.value, fresh: this.fresh(e) };
  }

  /** Starts computing when the cached plan is missing or not fresh; returns the computation. */
  refresh(graphFile: string): Promise<PlanReply> {
    const e = this.entry(graphFile);
    if (this.fresh(e)) return Promise.resolve(e.value!);
    if (e.pending !== null) return e.pending;
    const generation = e.generation;
    const run = this.queue.then(() => this.compute(graphFile));
    this.queue = run.catch(() => undefined);
    e.pending = run
      .then((reply) => {
        e.value = reply;
        e.valueGeneration = generation;
        this.computed++;
        for (const l of this.listeners) {
          try {
            l(graphFile, reply);
          } catch {
            // a listener's problem is not the plan's
          }
        }
        return reply;
      })
      .finally(() => {
        e.pending = null;
        // Invalidated while computing: the next ask computes again.
      });
    return e.pending;
  }

  /** A fresh plan if one is ready within `waitMs`, else the last known one (or undefined). */
  async get(graphFile: string, waitMs: number): Promise<PlanReply | undefined> {
    const run = this.refresh(graphFile);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([run.catch(() => undefined), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)))]);
    clearTimeout(timer);
    return r ?? this.entries.get(graphFile)?.value;
  }

  /** Marks one graph file's plan (or every plan) stale. */
  invalidate(graphFile?: string): void {
    if (graphFile === undefined) {
      for (const e of this.entries.values()) e.generation++;
    } else {
      const e = this.entries.get(graphFile);
      if (e) e.generation++;
    }
  }
}

/** "would run: input changed: src/a.ts, command changed" / "up to date: would be skipped". */
export function describeDecision(d: PlanDecisionData): string {
  if (d.decision === 'skip') return 'up to date — the next run skips it';
  const reasons = d.reasons.length > 0 ? d.reasons : ['(no reason given)'];
  const shown = reasons.slice(0, 5).join('; ');
  return `the next run runs it: ${shown}${reasons.length > 5 ? `; … ${reasons.length - 5} more` : ''}`;
}
