import * as path from 'node:path';
import {
  CHANGED,
  canonicalParts,
  decide,
  type ActionRecord,
  type DecisionResult,
  type DependencyView,
  type FileHash,
  type FingerprintParts,
} from '../../core/incremental/decide';
import type { ActionModel, Graph } from '../../core/model';
import type { FinalActionState } from '../../core/run/events';
import { contentHash, FileSystemView, type DirEntry, type StatEntry } from './files';
import { acquireLock, loadState, StateWriter } from './store';

/**
 * Incremental runs (SPEC §7) at run time and for `plan`: fingerprints, decisions and the
 * records kept after each action. The scheduler asks `beforeStart(id)` when an action is
 * ready (its dependencies have finished and `afterFinish` recorded their outputs), and
 * reports `afterFinish(id, state)` for every selected action, started or not.
 */

export const UP_TO_DATE = 'up to date';

export type GateAnswer = { readonly skip: true; readonly reason: string } | { readonly skip: false };

/** True when any action of the graph uses `inputs` or `outputs` (only then is state kept and the lock taken). */
export function usesIncremental(graph: Graph): boolean {
  return graph.actions.some((a) => a.inputs !== undefined || a.outputs !== undefined);
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface Entry {
  readonly action: ActionModel;
  readonly done: Deferred;
  finalState?: FinalActionState;
  parts?: FingerprintParts;
  fingerprint?: string;
  why?: readonly string[];
  /** What this action contributes to its dependents' fingerprints (set once it finished well). */
  depValue?: string;
  /** beforeStart said "run" (a 'started' record was written). */
  started: boolean;
}

export interface SessionOptions {
  readonly graphFile: string;
  readonly graph: Graph;
  /** Selected action ids (any order). */
  readonly selection: readonly string[];
  readonly force: boolean;
  /** The environment actions inherit (values of `envInputs`). */
  readonly env: NodeJS.ProcessEnv;
  /** Makes a non-incremental dependency's contribution unique to this run. */
  readonly runId: string;
}

const hashValue = (v: string): string => contentHash(v);

/** What a dependency with declared outputs contributes: the hash of its output files and their hashes. */
function outputsValue(outputs: readonly FileHash[]): string {
  return `out:${contentHash(JSON.stringify(outputs))}`;
}

const byPath = (a: FileHash, b: FileHash): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export class IncrementalSession {
  readonly warnings: string[] = [];
  private readonly entries = new Map<string, Entry>();
  private readonly records: Map<string, ActionRecord>;
  private readonly stat: Map<string, StatEntry>;
  private readonly dirs: Map<string, DirEntry>;
  private readonly fsv: FileSystemView;
  private writer: StateWriter | null = null;
  private releaseLock: (() => void) | null = null;
  /** False when the state cannot be written: nothing is skipped (a failure could not be remembered). */
  private usable: boolean;
  private readonly warned = new Set<string>();
  /**
   * Skips decided before the run started (presume()), each with every dependency presumed
   * skipped too; valid while no action of this run has run (cleared when one does).
   */
  private presumed = new Map<string, DecisionResult>();
  /** The state was read from an older version of its file: compacted (upgraded) at the end even when nothing changed. */
  private readonly outdated: boolean;

  private constructor(
    private readonly o: SessionOptions,
    usable: boolean,
  ) {
    this.usable = usable;
    const loaded = usable ? loadState(o.graphFile) : { records: new Map<string, ActionRecord>(), stat: new Map<string, StatEntry>(), dirs: new Map<string, DirEntry>(), warnings: [], outdated: false };
    this.outdated = loaded.outdated;
    this.records = loaded.records;
    this.stat = loaded.stat;
    this.warnings.push(...loaded.warnings);
    this.dirs = loaded.dirs;
    this.fsv = new FileSystemView(path.dirname(path.resolve(o.graphFile)), this.stat, this.dirs);
    const selected = new Set(o.selection);
    for (const a of o.graph.actions) if (selected.has(a.id)) this.entries.set(a.id, { action: a, done: deferred(), started: false });
  }

  /**
   * For a run: takes the lock (refusing when another run of this graph file holds it) and
   * opens the journal. A graph without `inputs`/`outputs` takes neither (behaves as before).
   */
  static forRun(o: SessionOptions): { kind: 'ok'; session: IncrementalSession } | { kind: 'busy'; message: string } {
    if (!usesIncremental(o.graph)) {
      const s = new IncrementalSession(o, false);
      return { kind: 'ok', session: s };
    }
    const lock = acquireLock(o.graphFile);
    if (lock.kind === 'busy') return { kind: 'busy', message: lock.message };
    if (lock.kind === 'unavailable') {
      const s = new IncrementalSession(o, false);
      s.warnings.push(`${lock.message}: the incremental state is not used, every action runs`);
      return { kind: 'ok', session: s };
    }
    const opened = StateWriter.open(o.graphFile);
    if (!opened.ok) {
      lock.release();
      const s = new IncrementalSession(o, false);
      s.warnings.push(`${opened.message}: the incremental state is not used, every action runs`);
      return { kind: 'ok', session: s };
    }
    const s = new IncrementalSession(o, true);
    s.writer = opened.writer;
    s.releaseLock = lock.release;
    return { kind: 'ok', session: s };
  }

  /** For `plan`: reads the state, takes no lock, writes nothing. */
  static forPlan(o: SessionOptions): IncrementalSession {
    return new IncrementalSession(o, true);
  }

  private warn(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push(message);
  }

  /** The parts of an action's fingerprint, given its dependencies' views (files are hashed now). */
  private computeParts(a: ActionModel, deps: readonly (readonly [string, DependencyView])[]): { parts: FingerprintParts; unreadable: string[] } {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.env)) env[k] = hashValue(v);
    const envInputs: Record<string, string | null> = {};
    for (const name of a.envInputs ?? []) {
      const v = this.o.env[name];
      envInputs[name] = v === undefined ? null : hashValue(v);
    }
    const inputs: FileHash[] = [];
    const unreadable: string[] = [];
    if (a.inputs !== undefined) {
      const ex = this.fsv.expand(a.inputs, a.cwd);
      for (const e of ex.empty) {
        this.warn(`${a.id}\0in\0${e.pattern}`, `action '${a.id}': input pattern '${e.pattern}' ${e.why !== undefined ? `can never match: ${e.why}` : 'matches no file'}`);
      }
      for (const u of ex.unreadable) {
        unreadable.push(u);
        inputs.push([u, 'unreadable']);
      }
      for (const f of ex.files) {
        const h = this.fsv.hash(f);
        if (h === 'unreadable') unreadable.push(f);
        // A file that vanished between listing and hashing is simply not an input now.
        if (h !== 'missing') inputs.push([f, h]);
      }
      if (ex.unreadable.length > 0) inputs.sort(byPath);
    }
    const depParts: Record<string, string> = {};
    for (const [id, v] of deps) depParts[id] = v.kind === 'known' ? v.value : v.kind === 'will-run' ? 'will-run' : `${v.kind}:${v.state}`;
    const cwdRel = this.fsv.cwdRel(a.cwd);
    const cwd = cwdRel ?? path.resolve(this.fsv.root, a.cwd ?? '.');
    return { parts: { command: JSON.stringify(a.command ?? null), cwd, env, envInputs, inputs, deps: depParts }, unreadable };
  }

  /** A dependency outside the selection (run with `--only`): what its last record says. */
  private viewFromRecord(dep: string): DependencyView {
    const a = this.o.graph.byId.get(dep);
    const r = this.records.get(dep);
    if (a === undefined || r === undefined || r.state !== 'succeeded') return { kind: 'known', value: `${CHANGED}:${this.o.runId}` };
    if (a.outputs !== undefined) return { kind: 'known', value: outputsValue(r.outputs) };
    if (a.inputs !== undefined) return { kind: 'known', value: r.fingerprint };
    return { kind: 'known', value: `${CHANGED}:${this.o.runId}` };
  }

  private decideWith(e: Entry, deps: readonly (readonly [string, DependencyView])[]): DecisionResult {
    const a = e.action;
    const { parts, unreadable } = this.computeParts(a, deps);
    e.parts = parts;
    e.fingerprint = contentHash(canonicalParts(parts));
    const result = decide({
      id: a.id,
      parts: a.inputs === undefined ? undefined : parts,
      record: this.usable ? this.records.get(a.id) : undefined,
      force: this.o.force,
      deps,
      unreadable,
      probeOutput: (p) => this.fsv.hash(p),
      fingerprint: e.fingerprint,
    });
    if (!this.usable && result.decision === 'run' && result.reasons[0] === 'no previous run' && usesIncremental(this.o.graph)) {
      return { decision: 'run', reasons: ['incremental state unavailable', ...result.reasons.slice(1)] };
    }
    return result;
  }

  /**
   * Run or skip, once the action's selected dependencies have finished (synchronous when they
   * have, as they have whenever the scheduler asks: it asks when the action is ready).
   */
  check(id: string): DecisionResult | Promise<DecisionResult> {
    const e = this.entries.get(id);
    if (e === undefined) return { decision: 'run', reasons: ['not selected'] };
    // A service (SPEC §10) releases its dependents while it still runs: they do not wait for its end.
    const waiting = e.action.deps.map((d) => this.entries.get(d)).filter((d): d is Entry => d !== undefined && d.finalState === undefined && d.action.service === undefined);
    if (waiting.length === 0) return this.checkNow(e);
    return Promise.all(waiting.map((d) => d.done.promise)).then(() => this.checkNow(e));
  }

  /**
   * Before the run: decides the selected actions in topological order, as if each dependency
   * were skipped, until one would run. True when one would (or the state is not used): the
   * run needs processes. False when every selected action is up to date: the run starts no
   * helper. The skips found are reused by the gate as long as nothing has run (a dependency
   * that ran could change them); they were taken moments before with the same files.
   */
  presume(order: readonly string[]): boolean {
    if (!this.usable || this.o.force) return true;
    for (const id of order) {
      const e = this.entries.get(id);
      if (e === undefined) continue;
      const views = e.action.deps.map((dep) => [dep, this.viewFromRecord(dep)] as [string, DependencyView]);
      let r: DecisionResult;
      try {
        r = this.decideWith(e, views);
      } catch {
        return true;
      }
      if (r.decision !== 'skip') return true;
      this.presumed.set(id, r);
    }
    return false;
  }

  private checkNow(e: Entry): DecisionResult {
    const presumed = this.presumed.get(e.action.id);
    if (presumed !== undefined) return presumed;
    const views: [string, DependencyView][] = [];
    for (const dep of e.action.deps) {
      const d = this.entries.get(dep);
      if (d === undefined) views.push([dep, this.viewFromRecord(dep)]);
      // A service contributes no files: a constant, so its dependents can still be up to date.
      else if (d.action.service !== undefined && d.finalState === undefined) views.push([dep, { kind: 'known', value: 'service' }]);
      else if (d.finalState === 'failed' || d.finalState === 'canceled') views.push([dep, { kind: 'failed', state: d.finalState }]);
      else views.push([dep, { kind: 'known', value: d.depValue ?? `${CHANGED}:${this.o.runId}` }]);
    }
    try {
      return this.decideWith(e, views);
    } catch (err: unknown) {
      return { decision: 'run', reasons: [`incremental check failed: ${err instanceof Error ? err.message : String(err)}`] };
    }
  }

  /**
   * The scheduler's gate: skip with "up to date", or run (recording that it started, so a
   * killed run reruns it). Synchronous when the dependencies have finished.
   */
  beforeStart(id: string): GateAnswer | Promise<GateAnswer> {
    const r = this.check(id);
    return r instanceof Promise ? r.then((x) => this.answer(id, x)) : this.answer(id, r);
  }

  private answer(id: string, r: DecisionResult): GateAnswer {
    const e = this.entries.get(id);
    if (e === undefined) return { skip: false };
    if (r.decision === 'skip') return { skip: true, reason: UP_TO_DATE };
    this.presumed.clear(); // this one runs: what depends on it must be decided afresh
    e.why = r.reasons;
    e.started = true;
    if (this.tracked(e.action)) this.append(id, { state: 'started', time: Date.now() });
    return { skip: false };
  }

  private tracked(a: ActionModel): boolean {
    return this.writer !== null && (a.inputs !== undefined || a.outputs !== undefined);
  }

  private append(id: string, r: ActionRecord): void {
    this.records.set(id, r);
    const err = this.writer?.append(id, r) ?? null;
    if (err !== null) {
      this.warn('journal', `cannot write the incremental journal (${err}); the next run runs everything`);
      this.usable = false;
    }
  }

  /** Every selected action, once: how it ended (skipped ones included). Records its outputs after a success. */
  afterFinish(id: string, state: FinalActionState): void {
    const e = this.entries.get(id);
    if (e === undefined || e.finalState !== undefined) return;
    e.finalState = state;
    if (state !== 'skipped') this.presumed.clear();
    const a = e.action;
    try {
      if (state === 'skipped') {
        const r = this.records.get(id);
        if (r?.state === 'succeeded') e.depValue = a.outputs !== undefined ? outputsValue(r.outputs) : r.fingerprint;
      } else if (state === 'succeeded') {
        this.fsv.invalidate();
        const outputs: FileHash[] = [];
        if (a.outputs !== undefined) {
          const ex = this.fsv.expand(a.outputs, a.cwd);
          for (const p of ex.empty) {
            this.warn(`${id}\0out\0${p.pattern}`, `action '${id}': output pattern '${p.pattern}' ${p.why !== undefined ? `can never match: ${p.why}` : 'matched no file after the run'}`);
          }
          for (const f of ex.files) {
            const h = this.fsv.hash(f);
            if (h !== 'missing') outputs.push([f, h]);
          }
          for (const u of ex.unreadable) outputs.push([u, 'unreadable']);
          outputs.sort(byPath);
        }
        if (e.parts === undefined) {
          // Ran without a check (should not happen): recompute with unknown dependencies, so it is not trusted later.
          const { parts } = this.computeParts(a, a.deps.map((d) => [d, { kind: 'known', value: `${CHANGED}:${this.o.runId}` }] as const));
          e.parts = parts;
          e.fingerprint = contentHash(canonicalParts(parts));
        }
        const fingerprint = e.fingerprint as string;
        if (this.tracked(a)) this.append(id, { state: 'succeeded', fingerprint, parts: e.parts, outputs, time: Date.now() });
        e.depValue = a.outputs !== undefined ? outputsValue(outputs) : a.inputs !== undefined ? fingerprint : `${CHANGED}:${this.o.runId}`;
      } else if (e.started) {
        this.fsv.invalidate();
        if (this.tracked(a)) this.append(id, { state, time: Date.now() });
      }
    } catch (err: unknown) {
      this.warn(`finish\0${id}`, `action '${id}': could not record its incremental state (${err instanceof Error ? err.message : String(err)}); it runs next time`);
      if (this.tracked(a)) this.append(id, { state: 'failed', time: Date.now() });
    } finally {
      e.done.resolve();
    }
  }

  /** The fingerprint computed for an action in this run (null when it was never checked). */
  fingerprintOf(id: string): string | null {
    return this.entries.get(id)?.fingerprint ?? null;
  }

  /** Why an action ran (undefined when it did not run). */
  whyOf(id: string): readonly string[] | undefined {
    return this.entries.get(id)?.why;
  }

  /** Plan mode: decides every selected action in topological order without running anything. */
  planAll(order: readonly string[]): { action: string; decision: 'run' | 'skip'; reasons: readonly string[] }[] {
    const decided = new Map<string, DecisionResult>();
    const out: { action: string; decision: 'run' | 'skip'; reasons: readonly string[] }[] = [];
    for (const id of order) {
      const e = this.entries.get(id);
      if (e === undefined) continue;
      const views: [string, DependencyView][] = [];
      for (const dep of e.action.deps) {
        const d = decided.get(dep);
        if (d === undefined) views.push([dep, this.viewFromRecord(dep)]);
        else if (d.decision === 'run') views.push([dep, { kind: 'will-run' }]);
        else views.push([dep, this.viewFromRecord(dep)]);
      }
      let r: DecisionResult;
      try {
        r = this.decideWith(e, views);
      } catch (err: unknown) {
        r = { decision: 'run', reasons: [`incremental check failed: ${err instanceof Error ? err.message : String(err)}`] };
      }
      decided.set(id, r);
      out.push({ action: id, decision: r.decision, reasons: r.reasons });
    }
    return out;
  }

  /** Ends the run: compacts the state (records + stat cache), releases the lock. */
  close(): void {
    if (this.writer !== null) {
      // A run that recorded nothing and read no file afresh leaves the state as it was.
      if (this.writer.dirty || this.fsv.hashed > 0 || this.fsv.listed > 0 || this.outdated) {
        const err = this.writer.compact(this.records, this.stat, this.dirs);
        if (err !== null) this.warn('compact', `cannot write the incremental state (${err}); the journal keeps what finished`);
      }
      this.writer.close();
      this.writer = null;
    }
    this.releaseLock?.();
    this.releaseLock = null;
  }

  /** Files hashed (read) and stat-cache hits so far. */
  get counters(): { hashed: number; statCacheHits: number } {
    return { hashed: this.fsv.hashed, statCacheHits: this.fsv.statCacheHits };
  }
}
