import type { Span } from './text';

/** Stable diagnostic codes (SPEC §2). Never rename one: users and tools match on them. */
export type DiagnosticCode =
  | 'syntax'
  | 'schema'
  | 'unknown-dependency'
  | 'self-dependency'
  | 'cycle'
  | 'duplicate-action'
  | 'duplicate-dependency'
  | 'unknown-resource'
  | 'over-capacity'
  | 'unused-resource'
  /** An `inputs`/`outputs` glob that can never match (absolute, or escaping the graph file's folder). */
  | 'unmatchable-glob'
  | 'too-large'
  | 'empty-graph'
  | 'unknown-group'
  | 'unknown-problem-matcher'
  | 'invalid-problem-matcher'
  /** SPEC §10: a `service` that cannot run (no or several probes, bad regex, URL or port). */
  | 'invalid-service'
  /** SPEC §10 matrix: an axis with no values. */
  | 'empty-matrix-axis'
  /** SPEC §10 matrix: more combinations than allowed per action. */
  | 'matrix-too-large'
  /** SPEC §10 matrix: `${matrix.x}`, an include/exclude entry or a selector naming no axis. */
  | 'unknown-matrix-axis'
  /** SPEC §10 matrix: a malformed selector in dependsOn, or one on an action without a matrix. */
  | 'invalid-selector'
  /** SPEC §10 matrix: a selector in dependsOn that selects no expansion. */
  | 'empty-selector'
  /** SPEC §10 locks: a lock name an action takes that the top-level `locks` does not declare. */
  | 'unknown-lock'
  /** A lock name declared twice in the top-level `locks`. */
  | 'duplicate-lock'
  /** A declared lock no action takes. */
  | 'unused-lock'
  /** SPEC §10 artifacts: a `requires` name no action provides. */
  | 'unknown-artifact'
  /** A name two actions provide (on each `provides` string), or one action lists twice. */
  | 'duplicate-artifact'
  /** An action that requires a name it provides itself. */
  | 'self-artifact'
  /** Machine-aware (the CLI, the language server): with `cpuAffinity`, a `cpus` value larger than the machine's cores. */
  | 'more-cpus-than-cores';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related: readonly RelatedInfo[];
  /** Machine-readable extras for quick fixes, e.g. { suggestion: 'build' } or { action: 'a', dependency: 'b' }. */
  readonly data?: Readonly<Record<string, string>>;
}
