/**
 * The fields of an action (and of `defaults`): one parser per key in FIELD_PARSERS. A parser
 * gets the value node (present: a missing value is a syntax error already reported), checks
 * it, reports what is wrong through `cx.sink` and stores what is usable in `f`. parseFields
 * runs the one duplicate-key and the one unknown-key check, then the parsers in key order.
 *
 * Adding a field: its key in ACTION_KEYS (keys.ts), a property in Fields and newFields, an
 * entry in FIELD_PARSERS, and the line that puts it on the action in assemble.ts.
 */
import { parseDuration } from '../duration';
import { unmatchableReason } from '../incremental/globs';
import { parseArtifactList } from '../artifacts';
import { parseActionLimitField, type ActionLimitFields } from '../limits';
import { parseLockUses, type LockDecl, type LockUse } from '../locks';
import type { Command, MatrixModel, ResourceDecl, ResourceUse, StringRef } from '../model';
import { parseMatrix } from '../matrixParse';
import { parseProblemMatchers } from '../problemMatcherParse';
import type { ProblemMatcher } from '../problemMatchers';
import { parseService, type ServiceSpec } from '../service';
import { parseSlurmSettings, type SlurmSettings } from '../slurm-settings';
import { closest } from '../suggest';
import type { Span } from '../text';
import { ACTION_KEYS, ACTION_KEY_SET, type ActionKey } from './keys';
import { checkUnknownKeys, objectProps, repeatedKeys } from './props';
import { q, type DiagnosticSink } from './sink';
import { charSpan, describeNode, isInt, spanOf, type LNode } from './tree';

/** Fields an action may set itself or inherit from `defaults`. */
export interface Fields {
  command?: Command;
  commandSet: boolean;
  dependsOn?: StringRef[];
  cpus?: number;
  cpusSpan?: Span;
  resources?: Map<string, ResourceUse>;
  timeoutMs?: number;
  retries?: number;
  acceptFailedDependencies?: boolean;
  priority?: number;
  cwd?: string;
  env?: Record<string, string>;
  description?: string;
  slurm?: SlurmSettings;
  problemMatchers?: ProblemMatcher[];
  inputs?: StringRef[];
  outputs?: StringRef[];
  envInputs?: string[];
  /** SPEC §8 fields (limits.ts). */
  limits?: ActionLimitFields;
  /** SPEC §10 (service.ts). */
  service?: ServiceSpec;
  /** SPEC §10 (matrixParse.ts); matrixWritten: the key is there, even with a broken value. */
  matrix?: MatrixModel;
  matrixWritten?: boolean;
  /** SPEC §10 (artifacts.ts, locks.ts). */
  provides?: StringRef[];
  requires?: StringRef[];
  locks?: Map<string, LockUse>;
}

/** Fields with every property present (one object shape for all actions: keep in step with Fields). */
export function newFields(): Fields {
  return {
    command: undefined,
    commandSet: false,
    dependsOn: undefined,
    cpus: undefined,
    cpusSpan: undefined,
    resources: undefined,
    timeoutMs: undefined,
    retries: undefined,
    acceptFailedDependencies: undefined,
    priority: undefined,
    cwd: undefined,
    env: undefined,
    description: undefined,
    slurm: undefined,
    problemMatchers: undefined,
    inputs: undefined,
    outputs: undefined,
    envInputs: undefined,
    limits: undefined,
    service: undefined,
    matrix: undefined,
    matrixWritten: undefined,
    provides: undefined,
    requires: undefined,
    locks: undefined,
  };
}

/** What the graph declares before the actions are read (the same for every action). */
export interface Env {
  readonly sink: DiagnosticSink;
  readonly resources: ReadonlyMap<string, ResourceDecl>;
  readonly graphCpus: number | 'auto';
  readonly usedResources: Set<string>;
  /** SPEC §10 declared locks, and every lock name an action or defaults mentions. */
  readonly locks: ReadonlyMap<string, LockDecl>;
  readonly usedLocks: Set<string>;
}

/** What a field parser knows about the object it reads. */
export interface FieldContext extends Env {
  /** For messages: `action 'id'` or `defaults`. */
  readonly where: string;
  readonly isDefaults: boolean;
  /** The action's id ('' in defaults). */
  readonly ownerName: string;
}

/** Parses one field: `v` is its value, `key` its property name node. */
export type FieldParser = (v: LNode, f: Fields, cx: FieldContext, key: LNode) => void;

const NUL_MESSAGE = 'contains a NUL character (\\u0000), which cannot be passed to a program';

/** One parser per action key (the compiler checks that every key of ACTION_KEYS has one). */
export const FIELD_PARSERS: { readonly [K in ActionKey]: FieldParser } = {
  command(v, f, { sink, where, isDefaults }, key) {
    if (isDefaults) {
      sink.error(`'command' cannot be set in defaults`, spanOf(key));
      return;
    }
    f.commandSet = true;
    if (v.type === 'string') {
      if ((v.value as string).trim() === '') sink.error(`${where}: 'command' is empty`, spanOf(v));
      else if ((v.value as string).includes('\u0000')) sink.error(`${where}: 'command' ${NUL_MESSAGE}`, spanOf(v));
      else f.command = { kind: 'shell', line: v.value as string };
    } else if (v.type === 'array') {
      const items = v.items ?? [];
      const argv: string[] = [];
      let ok = true;
      for (const it of items) {
        if (it.type !== 'string') {
          sink.error(`${where}: every element of a 'command' array must be a string, got ${describeNode(it)}`, spanOf(it));
          ok = false;
        } else if ((it.value as string).includes('\u0000')) {
          sink.error(`${where}: an element of 'command' ${NUL_MESSAGE}`, spanOf(it));
          ok = false;
        } else argv.push(it.value as string);
      }
      if (items.length === 0) {
        sink.error(`${where}: 'command' array is empty; give the program and its arguments`, spanOf(v));
        ok = false;
      } else if (ok && argv[0] === '') {
        sink.error(`${where}: the program (first element of 'command') is empty`, spanOf(items[0] as LNode));
        ok = false;
      }
      if (ok) f.command = { kind: 'argv', argv };
    } else {
      sink.error(`${where}: 'command' must be a string (run by the shell) or an array of strings (argv), got ${describeNode(v)}`, spanOf(v));
    }
  },

  dependsOn(v, f, { sink, where, isDefaults }, key) {
    if (isDefaults) {
      sink.error(`'dependsOn' cannot be set in defaults`, spanOf(key));
      return;
    }
    if (v.type !== 'array') {
      sink.error(`${where}: 'dependsOn' must be an array of action ids, got ${describeNode(v)}`, spanOf(v));
      return;
    }
    const items = v.items ?? [];
    // Exact size (trimmed when an entry is not a string).
    const refs: StringRef[] = new Array<StringRef>(items.length);
    let nRefs = 0;
    for (const it of items) {
      if (it.type !== 'string') {
        sink.error(`${where}: 'dependsOn' entries must be action ids (strings), got ${describeNode(it)}`, spanOf(it));
      } else refs[nRefs++] = { value: it.value as string, span: spanOf(it) };
    }
    if (nRefs < refs.length) refs.length = nRefs;
    f.dependsOn = refs;
  },

  cpus(v, f, { sink, where, isDefaults, ownerName, graphCpus }) {
    if (!isInt(v) || (v.value as number) < 1) {
      sink.error(`${where}: 'cpus' must be an integer >= 1, got ${describeNode(v)}`, spanOf(v));
      return;
    }
    f.cpus = v.value as number;
    f.cpusSpan = spanOf(v);
    if (typeof graphCpus === 'number' && f.cpus > graphCpus) {
      sink.add(
        'over-capacity',
        'warning',
        `${where} needs ${f.cpus} CPU slots but the graph has only ${graphCpus}; it will run alone`,
        spanOf(v),
        [],
        isDefaults ? { resource: 'cpus' } : { action: ownerName, resource: 'cpus' },
      );
    }
  },

  resources(v, f, cx) {
    const { sink, where, isDefaults, ownerName } = cx;
    if (v.type !== 'object') {
      sink.error(`${where}: 'resources' must be an object mapping resource names to quantities, got ${describeNode(v)}`, spanOf(v));
      return;
    }
    const uses = new Map<string, ResourceUse>();
    for (const r of objectProps(v, sink, `the resources of ${where}`).values()) {
      cx.usedResources.add(r.name);
      const decl = cx.resources.get(r.name);
      if (!decl) {
        const s = closest(r.name, cx.resources.keys());
        const declared = cx.resources.size ? '' : ' (the graph declares no resources)';
        sink.add(
          'unknown-resource',
          'error',
          `${where} uses resource ${q(r.name)}, which is not declared in the top-level 'resources'${declared}${s ? `; did you mean ${q(s)}?` : ''}`,
          spanOf(r.key),
          [],
          { ...(isDefaults ? {} : { action: ownerName }), resource: r.name, ...(s ? { suggestion: s } : {}) },
        );
        continue;
      }
      const rv = r.value;
      if (!rv) continue;
      if (!isInt(rv) || (rv.value as number) < 0) {
        sink.error(`${where}: the quantity of resource ${q(r.name)} must be an integer >= 0, got ${describeNode(rv)}`, spanOf(rv));
        continue;
      }
      const amount = rv.value as number;
      if (amount > decl.capacity) {
        sink.add(
          'over-capacity',
          'warning',
          `${where} needs ${amount} of resource ${q(r.name)} but only ${decl.capacity} exists; it will run alone`,
          spanOf(r.key),
          [{ span: decl.keySpan, message: `resource ${q(r.name)} is declared here with ${decl.capacity}` }],
          isDefaults ? { resource: r.name } : { action: ownerName, resource: r.name },
        );
      }
      uses.set(r.name, { name: r.name, amount, keySpan: spanOf(r.key) });
    }
    f.resources = uses;
  },

  timeout(v, f, { sink, where }) {
    const d = parseDuration(v.type === 'string' || v.type === 'number' || v.type === 'boolean' ? v.value : v.type === 'null' ? null : v.type === 'array' ? [] : {});
    if (!d.ok) sink.error(`${where}: 'timeout': ${d.message}`, spanOf(v));
    else f.timeoutMs = d.ms;
  },

  retries(v, f, { sink, where }) {
    if (!isInt(v) || (v.value as number) < 0) sink.error(`${where}: 'retries' must be an integer >= 0, got ${describeNode(v)}`, spanOf(v));
    else f.retries = v.value as number;
  },

  acceptFailedDependencies(v, f, { sink, where }) {
    if (v.type !== 'boolean') sink.error(`${where}: 'acceptFailedDependencies' must be true or false, got ${describeNode(v)}`, spanOf(v));
    else f.acceptFailedDependencies = v.value as boolean;
  },

  priority(v, f, { sink, where }) {
    if (!isInt(v)) sink.error(`${where}: 'priority' must be an integer, got ${describeNode(v)}`, spanOf(v));
    else f.priority = v.value as number;
  },

  cwd(v, f, { sink, where }) {
    if (v.type !== 'string') sink.error(`${where}: 'cwd' must be a string (a folder path), got ${describeNode(v)}`, spanOf(v));
    else if ((v.value as string) === '') sink.error(`${where}: 'cwd' is empty; use "." for the graph file's folder`, spanOf(v));
    else if ((v.value as string).includes('\u0000')) sink.error(`${where}: 'cwd' contains a NUL character (\\u0000), which no path can`, spanOf(v));
    else f.cwd = v.value as string;
  },

  env(v, f, { sink, where }) {
    if (v.type !== 'object') {
      sink.error(`${where}: 'env' must be an object of strings, got ${describeNode(v)}`, spanOf(v));
      return;
    }
    // No prototype: a variable may be called "__proto__".
    const e: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const ep of objectProps(v, sink, `the env of ${where}`).values()) {
      const ev = ep.value;
      if (!ev) continue;
      if (ev.type !== 'string') {
        sink.error(`${where}: env value of ${q(ep.name)} must be a string, got ${describeNode(ev)}`, spanOf(ev));
      } else if (ep.name === '') {
        sink.error(`${where}: env variable names cannot be empty`, spanOf(ep.key));
      } else if (ep.name.includes('=')) {
        // The environment is a list of NAME=value strings: the program would see another variable.
        const at = ep.name.indexOf('=');
        sink.error(
          `${where}: env variable name ${q(ep.name)} contains '='; the program would see a variable ${q(ep.name.slice(0, at))} instead`,
          charSpan(ep.key, ep.name, at),
        );
      } else if (ep.name.includes('\u0000')) {
        sink.error(`${where}: an env variable name contains a NUL character (\\u0000), which an environment cannot carry`, charSpan(ep.key, ep.name, ep.name.indexOf('\u0000')));
      } else if ((ev.value as string).includes('\u0000')) {
        sink.error(`${where}: env value of ${q(ep.name)} contains a NUL character (\\u0000), which an environment cannot carry`, charSpan(ev, ev.value as string, (ev.value as string).indexOf('\u0000')));
      } else e[ep.name] = ev.value as string;
    }
    f.env = e;
  },

  description(v, f, { sink, where }) {
    if (v.type !== 'string') sink.error(`${where}: 'description' must be a string, got ${describeNode(v)}`, spanOf(v));
    else f.description = v.value as string;
  },

  slurm(v, f, { sink, where }) {
    const st = parseSlurmSettings(v, sink, `'slurm' of ${where}`, false);
    if (st !== undefined) f.slurm = st;
  },

  problemMatcher(v, f, { sink, where }) {
    f.problemMatchers = parseProblemMatchers(v, sink, where);
  },

  inputs(v, f, cx) {
    const refs = stringList(v, cx, 'inputs', 'globs');
    if (refs !== undefined) f.inputs = refs;
  },

  outputs(v, f, cx) {
    const refs = stringList(v, cx, 'outputs', 'globs');
    if (refs !== undefined) f.outputs = refs;
  },

  envInputs(v, f, cx) {
    const refs = stringList(v, cx, 'envInputs', 'environment variable names');
    if (refs === undefined) return;
    const names: string[] = [];
    for (const r of refs) {
      if (r.value === '' || r.value.includes('=') || r.value.includes('\0')) {
        cx.sink.error(`${cx.where}: ${q(r.value)} in 'envInputs' is not an environment variable name`, r.span);
      } else names.push(r.value);
    }
    f.envInputs = names;
  },

  // SPEC §8 (limits.ts)
  memory: limitField,
  memoryLimit: limitField,
  group: limitField,
  retryOn: limitField,
  retryDelay: limitField,

  // SPEC §10 (service.ts): per action only (a default would make every action a service).
  service(v, f, { sink, where, isDefaults }, key) {
    if (isDefaults) {
      sink.error(`'service' cannot be set in defaults: mark each service action itself`, spanOf(key));
      return;
    }
    const sv = parseService(v, sink, where);
    if (sv !== undefined) f.service = sv;
  },

  // SPEC §10 (artifacts.ts, locks.ts)
  provides: artifactField,
  requires: artifactField,
  locks(v, f, { sink, where, isDefaults, ownerName, locks, usedLocks }) {
    const uses = parseLockUses(v, sink, where, locks, usedLocks, isDefaults ? undefined : ownerName);
    if (uses !== undefined) f.locks = uses;
  },

  // SPEC §10 (matrixParse.ts)
  matrix(v, f, { sink, where, isDefaults, ownerName }, key) {
    if (isDefaults) {
      sink.error(`'matrix' cannot be set in defaults`, spanOf(key));
      return;
    }
    f.matrixWritten = true;
    f.matrix = parseMatrix(v, key, sink, where, ownerName);
  },
};

/** `provides` / `requires` (SPEC §10): lists of names; not in defaults (they name one action's own artifacts). */
function artifactField(v: LNode, f: Fields, { sink, where, isDefaults }: FieldContext, key: LNode): void {
  const name = key.value as 'provides' | 'requires';
  if (isDefaults) {
    sink.error(`'${name}' cannot be set in defaults`, spanOf(key));
    return;
  }
  const refs = parseArtifactList(v, sink, where, name);
  if (refs === undefined) return;
  if (name === 'provides') f.provides = refs;
  else f.requires = refs;
}

/** The SPEC §8 fields, parsed by limits.ts into `f.limits`. */
function limitField(v: LNode, f: Fields, { sink, where }: FieldContext, key: LNode): void {
  parseActionLimitField((f.limits ??= {}), key.value as string, v, sink, where);
}

/** FIELD_PARSERS as a map: a plain object would answer "toString" or "__proto__". */
const PARSERS: ReadonlyMap<string, FieldParser> = new Map(Object.entries(FIELD_PARSERS));

/**
 * The fields of an action (`isDefaults` false: 'command' required) or of `defaults`:
 * repeated and unknown keys reported, then each field parsed in the order written.
 */
export function parseFields(obj: LNode, env: Env, where: string, isDefaults: boolean, ownerKey: Span, ownerName = ''): Fields {
  const { sink } = env;
  const f: Fields = newFields();
  const keys = obj.keys ?? [];
  const values = obj.values ?? [];
  const skip = repeatedKeys(keys, sink, where);
  // command/dependsOn in defaults get their own error from their parser.
  checkUnknownKeys(keys, skip, ACTION_KEYS, ACTION_KEY_SET, sink, where);
  const cx: FieldContext = { sink, resources: env.resources, graphCpus: env.graphCpus, usedResources: env.usedResources, locks: env.locks, usedLocks: env.usedLocks, where, isDefaults, ownerName };
  for (let i = 0; i < keys.length; i++) {
    if (skip?.[i] === 1) continue;
    const v = values[i];
    if (!v) continue; // syntax error already reported
    const key = keys[i] as LNode;
    PARSERS.get(key.value as string)?.(v, f, cx, key);
  }
  if (!isDefaults && !f.commandSet) {
    sink.error(`${where} has no 'command'`, ownerKey);
  }
  return f;
}

/** An array of strings (`inputs`, `outputs`, `envInputs`): the strings with their spans, or undefined (reported) when not an array. */
export function stringList(v: LNode, { sink, where }: FieldContext, name: string, what: string): StringRef[] | undefined {
  if (v.type !== 'array') {
    sink.error(`${where}: '${name}' must be an array of strings (${what}), got ${describeNode(v)}`, spanOf(v));
    return undefined;
  }
  const refs: StringRef[] = [];
  for (const it of v.items ?? []) {
    if (it.type !== 'string') sink.error(`${where}: '${name}' entries must be strings (${what}), got ${describeNode(it)}`, spanOf(it));
    else refs.push({ value: it.value as string, span: spanOf(it) });
  }
  return refs;
}

/** `unmatchable-glob` warnings for the non-empty patterns of `inputs`/`outputs`, checked against `cwd`. */
export function checkGlobs(f: Fields, cwd: string | undefined, sink: DiagnosticSink, where: string, ownerName: string): void {
  for (const [field, refs] of [['inputs', f.inputs], ['outputs', f.outputs]] as const) {
    for (const r of refs ?? []) {
      const why = unmatchableReason(r.value, cwd);
      if (why !== undefined) {
        sink.add('unmatchable-glob', 'warning', `${where}: ${field} pattern ${q(r.value)} can never match: ${why}`, r.span, [], ownerName ? { action: ownerName } : undefined);
      }
    }
  }
}
