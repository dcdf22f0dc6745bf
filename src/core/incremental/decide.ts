/**
 * Incremental runs (SPEC §7): what an action's fingerprint is made of, what is recorded after
 * a run, and the decision "run or skip, and why". Pure: the runner supplies file hashes and
 * the fingerprint hash function (src/runner/incremental/).
 */

/**
 * The prefix of the value a dependency contributes when it is not incremental and declares no
 * outputs: the runner appends the run id, so the value never equals an earlier one.
 */
export const CHANGED = 'changed';

/** [path, content hash]. */
export type FileHash = readonly [path: string, hash: string];

/** Everything an action's fingerprint covers, as comparable strings (hashes, never secrets). */
export interface FingerprintParts {
  /** The command, as canonical JSON. */
  readonly command: string;
  /** The resolved cwd: relative to the graph file's folder (posix), or absolute when outside it. */
  readonly cwd: string;
  /** Declared env (defaults.env merged with the action's): name -> hash of the value. */
  readonly env: Readonly<Record<string, string>>;
  /** envInputs: name -> hash of the inherited value, or null when unset. */
  readonly envInputs: Readonly<Record<string, string | null>>;
  /**
   * Input files (paths relative to the graph file's folder, posix) with their content hash,
   * sorted by path. Pairs, not an object: thousands of distinct paths as property names
   * would cost V8 a hidden class each.
   */
  readonly inputs: readonly FileHash[];
  /** Dependency id -> its outputs' hash, its fingerprint, or CHANGED. */
  readonly deps: Readonly<Record<string, string>>;
}

/** What is remembered of an action, per graph file. */
export type ActionRecord =
  | {
      readonly state: 'succeeded';
      readonly fingerprint: string;
      readonly parts: FingerprintParts;
      /** Output files after the run (same path form as inputs) with their content hash, sorted by path. */
      readonly outputs: readonly FileHash[];
      readonly time: number;
    }
  /** Started and not known to have succeeded since: a failure, a cancel, or a runner killed mid-run. */
  | { readonly state: 'failed' | 'canceled' | 'started'; readonly time: number };

export type Decision = 'run' | 'skip';

export interface DecisionResult {
  readonly decision: Decision;
  /** ['up to date'] for a skip; else at least one reason, in a stable order. */
  readonly reasons: readonly string[];
}

/** The current state of one recorded output file: its hash, 'missing', or 'unreadable'. */
export type OutputProbe = (path: string) => string | 'missing' | 'unreadable';

/** What is known about a dependency when a dependent is decided. */
export type DependencyView =
  /** Plan: it will run, so its contribution is unknown. */
  | { readonly kind: 'will-run' }
  /** It finished unsuccessfully in this run (the dependent runs only when it accepts that). */
  | { readonly kind: 'failed'; readonly state: string }
  /** Its contribution is known (CHANGED for a non-incremental dependency without outputs). */
  | { readonly kind: 'known'; readonly value: string };

export interface DecideInput {
  readonly id: string;
  /** undefined: the action declares no `inputs` (not incremental). */
  readonly parts: FingerprintParts | undefined;
  readonly record: ActionRecord | undefined;
  readonly force: boolean;
  /** Dependencies in declaration order. */
  readonly deps: readonly (readonly [string, DependencyView])[];
  /** Input files that could not be read (each makes the action run). */
  readonly unreadable: readonly string[];
  readonly probeOutput: OutputProbe;
  /**
   * The fingerprint of `parts` (the runner's hash of canonicalParts). When it equals the
   * record's, the parts are equal and are not compared one by one (nor read: a stored
   * record's parts are parsed only when needed).
   */
  readonly fingerprint?: string;
}

const q = (s: string): string => `'${s}'`;

function keysSorted(o: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(o).sort();
}

/**
 * Run or skip, with every reason found (SPEC §7's words). An action is skipped only when it
 * is incremental, its last record is a success with the same parts, every recorded output
 * still has its recorded content, and no dependency will run or changed.
 */
export function decide(inp: DecideInput): DecisionResult {
  if (inp.force) return { decision: 'run', reasons: ['forced'] };
  if (inp.parts === undefined) return { decision: 'run', reasons: ['no inputs declared'] };
  const reasons: string[] = [];
  for (const p of inp.unreadable) reasons.push(`input unreadable: ${p}`);
  const rec = inp.record;
  // A dependency's reason, in declaration order; `compared` also compares its value with the record's.
  const depReasonsOf = (compared: boolean): string[] => {
    const out: string[] = [];
    for (const [dep, view] of inp.deps) {
      if (view.kind === 'will-run') out.push(`dependency ${q(dep)} will run`);
      else if (view.kind === 'failed') out.push(`dependency ${q(dep)} ${view.state}`);
      else if (view.value.startsWith(CHANGED)) out.push(`dependency ${q(dep)} changed`);
      else if (compared && rec?.state === 'succeeded' && rec.parts.deps[dep] !== view.value) out.push(`dependency ${q(dep)} changed`);
    }
    return out;
  };
  if (rec === undefined) {
    reasons.unshift('no previous run');
    reasons.push(...depReasonsOf(false).filter((r) => !r.endsWith(' changed')));
    return { decision: 'run', reasons };
  }
  if (rec.state !== 'succeeded') {
    reasons.unshift(rec.state === 'started' ? 'previous run did not finish' : `previous run ${rec.state}`);
    reasons.push(...depReasonsOf(false).filter((r) => !r.endsWith(' changed')));
    return { decision: 'run', reasons };
  }
  if (inp.fingerprint !== undefined && inp.fingerprint === rec.fingerprint && reasons.length === 0) {
    // Same fingerprint = same parts (deps included): only the dependencies' run-time states and the outputs can differ.
    const depReasons = depReasonsOf(false);
    if (depReasons.length === 0) {
      for (const [p, h] of rec.outputs) {
        const now = inp.probeOutput(p);
        if (now === 'missing') reasons.push(`output missing: ${p}`);
        else if (now === 'unreadable') reasons.push(`output unreadable: ${p}`);
        else if (now !== h) reasons.push(`output changed: ${p}`);
      }
      return reasons.length === 0 ? { decision: 'skip', reasons: ['up to date'] } : { decision: 'run', reasons };
    }
  }
  const depReasons = depReasonsOf(true);
  const cur = inp.parts;
  const old = rec.parts;
  if (cur.command !== old.command) reasons.push('command changed');
  if (cur.cwd !== old.cwd) reasons.push('cwd changed');
  const envNames = new Set([...Object.keys(cur.env), ...Object.keys(old.env), ...Object.keys(cur.envInputs), ...Object.keys(old.envInputs)]);
  for (const name of [...envNames].sort()) {
    const a = name in cur.env ? `d:${cur.env[name]}` : name in cur.envInputs ? `i:${cur.envInputs[name] ?? ''}` : undefined;
    const b = name in old.env ? `d:${old.env[name]}` : name in old.envInputs ? `i:${old.envInputs[name] ?? ''}` : undefined;
    if (a !== b) reasons.push(`env changed: ${name}`);
  }
  // Both lists are sorted by path: one merge walk. Changed and added in path order, then removed.
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < cur.inputs.length || j < old.inputs.length) {
    const c = cur.inputs[i];
    const o = old.inputs[j];
    if (o === undefined || (c !== undefined && c[0] < o[0])) {
      reasons.push(`input added: ${(c as FileHash)[0]}`);
      i++;
    } else if (c === undefined || o[0] < c[0]) {
      removed.push(`input removed: ${o[0]}`);
      j++;
    } else {
      if (c[1] !== o[1]) reasons.push(`input changed: ${c[0]}`);
      i++;
      j++;
    }
  }
  reasons.push(...removed);
  for (const dep of keysSorted(old.deps)) if (!(dep in cur.deps)) reasons.push(`dependency ${q(dep)} removed`);
  reasons.push(...depReasons);
  for (const [p, h] of rec.outputs) {
    const now = inp.probeOutput(p);
    if (now === 'missing') reasons.push(`output missing: ${p}`);
    else if (now === 'unreadable') reasons.push(`output unreadable: ${p}`);
    else if (now !== h) reasons.push(`output changed: ${p}`);
  }
  return reasons.length === 0 ? { decision: 'skip', reasons: ['up to date'] } : { decision: 'run', reasons };
}

/**
 * Canonical text of the parts (keys sorted at every level), hashed by the runner into the
 * fingerprint. Equal parts give equal text.
 */
export function canonicalParts(p: FingerprintParts): string {
  const obj = (o: Readonly<Record<string, string | null>>): string => {
    let out = '{';
    for (const k of keysSorted(o)) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(o[k] ?? null)}`;
    return `${out}}`;
  };
  return `[${JSON.stringify(p.command)},${JSON.stringify(p.cwd)},${obj(p.env)},${obj(p.envInputs)},${JSON.stringify(p.inputs)},${obj(p.deps)}]`;
}
