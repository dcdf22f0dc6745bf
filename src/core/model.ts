import type { GraphHooks } from './hooks';
import type { GraphLimits, RetryKind } from './limits';
import type { ExecutorSettings, SlurmSettings } from './slurm-settings';
import type { ProblemMatcher } from './problemMatchers';
import type { ServiceSpec } from './service';
import type { Span } from './text';
import type { LockDecl, LockUse } from './locks';

/**
 * The graph as written in a `*.actiontree.jsonc` file, with the source spans the editor
 * features need. Produced by `parse/` (src/core/parse) (never throws); effective values already have the
 * file's `defaults` applied. Fields may be added; never rename one.
 */

/** A string token in the source: its value and the span of the token including its quotes. */
export interface StringRef {
  readonly value: string;
  readonly span: Span;
}

export interface ResourceDecl {
  readonly name: string;
  /** Integer >= 1, or Infinity for "unlimited". */
  readonly capacity: number;
  readonly keySpan: Span;
  /** Span of the whole `"name": value` property. */
  readonly span: Span;
}

export interface ResourceUse {
  readonly name: string;
  readonly amount: number;
  readonly keySpan: Span;
}

export type Command =
  | { readonly kind: 'shell'; readonly line: string }
  | { readonly kind: 'argv'; readonly argv: readonly string[] };

export interface ActionModel {
  readonly id: string;
  /** 0-based position in file order among the (non-duplicate) actions. */
  readonly index: number;
  /** The key token (with quotes). */
  readonly keySpan: Span;
  /** The whole `"id": { ... }` property. */
  readonly span: Span;
  /** undefined when missing or of the wrong type (a `schema` diagnostic says so). */
  readonly command: Command | undefined;
  /** Every string of `dependsOn` as written (may include unknown ids, duplicates, self). */
  readonly dependsOn: readonly StringRef[];
  /** The resolved dependencies the runner follows: known ids, no self, no repeats, in written order. */
  readonly deps: readonly string[];
  /** CPU slots held while running (default 1). */
  readonly cpus: number;
  readonly resources: readonly ResourceUse[];
  /** Milliseconds, or undefined for no timeout. */
  readonly timeoutMs: number | undefined;
  readonly retries: number;
  readonly acceptFailedDependencies: boolean;
  readonly priority: number;
  /** As written (relative to the graph file's folder unless absolute), undefined = the file's folder. */
  readonly cwd: string | undefined;
  /** defaults.env merged with the action's env (the action wins). */
  readonly env: Readonly<Record<string, string>>;
  readonly description: string | undefined;
  /** Span of the action's own `cpus` value, when written. */
  readonly cpusSpan?: Span;
  /** Slurm overrides (partition, account, sbatchArgs) for this action (SPEC §9); defaults.slurm when it has none. */
  readonly slurm?: SlurmSettings;
  /** Problem matchers for the action's output (SPEC §11), when `problemMatcher` is set. */
  readonly problemMatchers?: readonly ProblemMatcher[];
  /**
   * Input globs (SPEC §7): defaults' first, then the action's, relative to the action's cwd;
   * `!` negates. undefined when neither declares `inputs`: the action is not incremental
   * (it always runs). `[]` is incremental with no files.
   */
  readonly inputs?: readonly string[];
  /** Output globs, defaults' first, then the action's (relative to the action's cwd). */
  readonly outputs?: readonly string[];
  /** Names of inherited environment variables whose values count as inputs. */
  readonly envInputs?: readonly string[];
  /** SPEC §8 fields (defaults applied); undefined when none is set. */
  readonly limits?: ActionLimits;
  /** SPEC §10: a long-running service; its dependents start once it is ready (service.ts). */
  readonly service?: ServiceSpec;
  /** SPEC §10 named artifacts this action makes (`provides`), as written; undefined when not written. */
  readonly provides?: readonly StringRef[];
  /** SPEC §10 named artifacts this action needs (`requires`): each adds a dependency on its provider (in `deps`). */
  readonly requires?: readonly StringRef[];
  /** SPEC §10 locks held while running (defaults' merged, the action's mode wins per name); declared names only. */
  readonly locks?: readonly LockUse[];
  /** SPEC §10: the action's `matrix` as written (source graph only; see matrix.ts). */
  readonly matrix?: MatrixModel;
  /** SPEC §10: set on the actions of an expanded graph that come from a matrix action. */
  readonly expansionOf?: ExpansionOf;
}

/** One axis of a matrix: its name (the key) and its values, in written order, without repeats. */
export interface MatrixAxis {
  readonly name: string;
  readonly keySpan: Span;
  /** Values as strings (a number is written as JavaScript prints it), each with its token's span. */
  readonly values: readonly StringRef[];
}

/** One `include` or `exclude` entry: axis -> value pairs (known axes only). */
export interface MatrixEntry {
  readonly span: Span;
  readonly values: readonly { readonly axis: string; readonly keySpan: Span; readonly value: StringRef }[];
}

/** An action's `matrix` (SPEC §10), as written. */
export interface MatrixModel {
  /** The `"matrix"` key. */
  readonly keySpan: Span;
  /** The matrix object. */
  readonly span: Span;
  /** In written order. */
  readonly axes: readonly MatrixAxis[];
  readonly include: readonly MatrixEntry[];
  readonly exclude: readonly MatrixEntry[];
  /** False when an error makes the expansions meaningless (no axes, an empty axis, too many combinations). */
  readonly ok: boolean;
}

/** Where an expanded action comes from. */
export interface ExpansionOf {
  /** The matrix action's id as written. */
  readonly action: string;
  /** Axis name -> value, in axis order (no prototype). */
  readonly values: Readonly<Record<string, string>>;
}

/** An action's SPEC §8 limits, resolved. */
export interface ActionLimits {
  /** Admission: bytes held against the graph's `memory` capacity while running. */
  readonly memory?: number;
  /** Enforced: the tree is killed past this many bytes of resident memory. */
  readonly memoryLimit?: number;
  /** A declared group's name. */
  readonly group?: string;
  /** Which failures are retried; undefined = all. */
  readonly retryOn?: readonly RetryKind[];
  /** Wait before the 2nd attempt, doubling for each further one. */
  readonly retryDelayMs?: number;
}

export interface Graph {
  readonly version: number | undefined;
  readonly name: string | undefined;
  /** Integer >= 1 or 'auto' (= available parallelism at run time). */
  readonly cpus: number | 'auto';
  readonly keepGoing: boolean;
  readonly resources: readonly ResourceDecl[];
  /** File order; for duplicate ids, only the first occurrence. */
  readonly actions: readonly ActionModel[];
  readonly byId: ReadonlyMap<string, ActionModel>;
  /** SPEC §8 graph-level limits (memory capacity, run timeout, load, affinity, groups); undefined = none written. */
  readonly limits?: GraphLimits;
  /** The file's `executor` (SPEC §9), when written. */
  readonly executor?: ExecutorSettings;
  /** SPEC §10: on an expanded graph (matrix.ts `expandGraph`), the graph as written. */
  readonly expandedFrom?: Graph;
  /** SPEC §10 declared lock names (top-level `locks`), first occurrence of each; undefined when not written. */
  readonly locks?: readonly LockDecl[];
  /** SPEC §10 hooks (src/core/hooks.ts); undefined when the file declares none that can run. */
  readonly hooks?: GraphHooks;
}
