/**
 * Text -> light tree -> Graph model with source spans: the top-level properties, the
 * resources, `defaults` and the actions (their fields are read by fields.ts), merged into the
 * model. Never throws. References between actions (dependsOn) and cycles are checked in
 * analyze.ts / cycles.ts.
 */
import type { ParseError } from 'jsonc-parser';
import type { Diagnostic } from '../diagnostics';
import { parseHooks } from '../hooks';
import { checkActionLimits, parseTopLimits } from '../limits';
import { checkMatrixRefs } from '../matrixParse';
import { mergeLockUses, parseLockDecls, type LockDecl } from '../locks';
import type { ActionLimits, ActionModel, Graph, ResourceDecl, ResourceUse, StringRef } from '../model';
import { parseSlurmSettings, type ExecutorSettings } from '../slurm-settings';
import type { Span } from '../text';
import { checkGlobs, newFields, parseFields, type Env, type Fields } from './fields';
import { ACTION_ID_RE, TOP_LEVEL_KEYS, TOP_LEVEL_KEY_SET } from './keys';
import { checkUnknownKeys, objectProps, propList, propSpan, repeatedKeys } from './props';
import { DiagnosticSink, q, syntaxMessage } from './sink';
import { buildTree, describeNode, findExcessiveNesting, isInt, MAX_NESTING, spanOf, type LNode } from './tree';

/** An action under construction; `deps` is filled by analyze.ts. */
export type MutableAction = { -readonly [K in keyof ActionModel]: ActionModel[K] } & { deps: string[] };

export interface ParseResult {
  /** The light syntax tree (for the full jsonc-parser tree, see Analysis.root). */
  readonly tree: LNode | undefined;
  readonly graph: Graph;
  readonly actions: MutableAction[];
  readonly diagnostics: Diagnostic[];
  /** Resource names mentioned by defaults or an action (declared or not). */
  readonly usedResources: Set<string>;
}

/** Defaults' list first, then the action's; undefined when neither declares one. */
function mergeLists(d: readonly StringRef[] | undefined, a: readonly StringRef[] | undefined): string[] | undefined {
  if (d === undefined && a === undefined) return undefined;
  return [...(d ?? []), ...(a ?? [])].map((r) => r.value);
}

const NO_RESOURCES: ResourceUse[] = [];

/** An action whose value is missing or not an object: nothing set (never mutated). */
const NO_FIELDS: Fields = Object.freeze(newFields()) as Fields;

/** The graph of a file with nothing usable in it (never mutated). */
export const EMPTY_GRAPH: Graph = {
  version: undefined,
  name: undefined,
  cpus: 'auto',
  keepGoing: false,
  resources: [],
  actions: [],
  byId: new Map(),
};

export function parseGraph(text: string): ParseResult {
  const sink = new DiagnosticSink();
  const usedResources = new Set<string>();
  const empty = (tree: LNode | undefined): ParseResult => ({ tree, graph: EMPTY_GRAPH, actions: [], diagnostics: sink.list, usedResources });

  const deep = findExcessiveNesting(text, MAX_NESTING);
  if (deep >= 0) {
    sink.error(`value nested too deeply (more than ${MAX_NESTING} levels); a graph file is only a few levels deep`, { offset: deep, length: 1 });
    return empty(undefined);
  }

  const errors: ParseError[] = [];
  let root: LNode | undefined;
  try {
    root = buildTree(text, errors);
  } catch (e: unknown) {
    sink.add('syntax', 'error', `could not parse the file: ${e instanceof Error ? e.message : String(e)}`, { offset: 0, length: 0 });
    return empty(undefined);
  }
  for (const e of errors) {
    // jsonc-parser can report a range past the end (e.g. an unterminated "/*"): clamp it.
    const offset = Math.max(0, Math.min(e.offset, text.length));
    const length = Math.max(0, Math.min(e.length, text.length - offset));
    sink.add('syntax', 'error', syntaxMessage(e), { offset, length });
  }
  if (!root) return empty(undefined);
  if (root.type !== 'object') {
    sink.error(`a graph file must contain one object with "version" and "actions", got ${describeNode(root)}`, spanOf(root));
    return empty(root);
  }

  const openBrace: Span = { offset: root.offset, length: 1 };
  const rootKeys = root.keys ?? [];
  const skip = repeatedKeys(rootKeys, sink, 'the graph');
  checkUnknownKeys(rootKeys, skip, TOP_LEVEL_KEYS, TOP_LEVEL_KEY_SET, sink, 'the graph');
  const top = propList(root, skip);

  // version
  let version: number | undefined;
  const pv = top.get('version');
  if (!pv) sink.error(`missing required property "version" (use "version": 1)`, openBrace);
  else if (pv.value) {
    if (pv.value.type === 'number' && pv.value.value === 1) version = 1;
    else {
      if (pv.value.type === 'number') version = pv.value.value as number;
      sink.error(`unsupported "version" ${describeNode(pv.value)}: only version 1 exists`, spanOf(pv.value));
    }
  }

  const pschema = top.get('$schema');
  if (pschema?.value && pschema.value.type !== 'string') sink.error(`'$schema' must be a string, got ${describeNode(pschema.value)}`, spanOf(pschema.value));

  let name: string | undefined;
  const pname = top.get('name');
  if (pname?.value) {
    if (pname.value.type === 'string') name = pname.value.value as string;
    else sink.error(`'name' must be a string, got ${describeNode(pname.value)}`, spanOf(pname.value));
  }

  let cpus: number | 'auto' = 'auto';
  const pcpus = top.get('cpus');
  if (pcpus?.value) {
    const v = pcpus.value;
    if (v.type === 'string' && v.value === 'auto') cpus = 'auto';
    else if (isInt(v) && (v.value as number) >= 1) cpus = v.value as number;
    else sink.error(`'cpus' must be an integer >= 1 or "auto", got ${describeNode(v)}`, spanOf(v));
  }

  let keepGoing = false;
  const pkg = top.get('keepGoing');
  if (pkg?.value) {
    if (pkg.value.type === 'boolean') keepGoing = pkg.value.value as boolean;
    else sink.error(`'keepGoing' must be true or false, got ${describeNode(pkg.value)}`, spanOf(pkg.value));
  }

  const limits = parseTopLimits(top, sink);
  const groupNames = new Set(limits.groups.map((g) => g.name));

  // resources
  const resources: ResourceDecl[] = [];
  const resMap = new Map<string, ResourceDecl>();
  const pres = top.get('resources');
  if (pres?.value) {
    const v = pres.value;
    if (v.type !== 'object') sink.error(`'resources' must be an object mapping names to availability, got ${describeNode(v)}`, spanOf(v));
    else {
      for (const r of objectProps(v, sink, `'resources'`).values()) {
        const rv = r.value;
        if (!rv) continue;
        let capacity: number | undefined;
        if (rv.type === 'string' && rv.value === 'unlimited') capacity = Infinity;
        else if (isInt(rv) && (rv.value as number) >= 1) capacity = rv.value as number;
        if (r.name === '') {
          sink.error(`resource names cannot be empty`, spanOf(r.key));
          continue;
        }
        if (capacity === undefined) {
          sink.error(`resource ${q(r.name)}: availability must be an integer >= 1 or "unlimited", got ${describeNode(rv)}`, spanOf(rv));
          continue;
        }
        const decl: ResourceDecl = { name: r.name, capacity, keySpan: spanOf(r.key), span: propSpan(r) };
        resources.push(decl);
        resMap.set(r.name, decl);
      }
    }
  }

  // locks (SPEC §10): declared before the actions that take them are read
  const plocks = top.get('locks')?.value;
  const lockDecls = plocks !== undefined ? parseLockDecls(plocks, sink) : undefined;
  const lockMap = new Map<string, LockDecl>((lockDecls ?? []).map((l) => [l.name, l]));
  const usedLocks = new Set<string>();

  const env: Env = { sink, resources: resMap, graphCpus: cpus, usedResources, locks: lockMap, usedLocks };

  // defaults
  let defaults: Fields = { commandSet: false };
  const pdef = top.get('defaults');
  if (pdef?.value) {
    if (pdef.value.type !== 'object') sink.error(`'defaults' must be an object, got ${describeNode(pdef.value)}`, spanOf(pdef.value));
    else {
      defaults = parseFields(pdef.value, env, 'defaults', true, spanOf(pdef.key));
      checkGlobs(defaults, defaults.cwd, sink, 'defaults', '');
    }
  }
  if (defaults.limits !== undefined) {
    checkActionLimits(defaults.limits, { retries: defaults.retries ?? 0, group: defaults.limits.group, memory: defaults.limits.memory }, limits, groupNames, sink, 'defaults', undefined);
  }
  const dl = defaults.limits;

  // actions (actions without own env/resources share one object: the model is read-only)
  const defaultEnv: Readonly<Record<string, string>> = Object.freeze({ ...defaults.env });
  const hasMatrixRefs = text.includes('${matrix.');
  const actions: MutableAction[] = [];
  const byId = new Map<string, ActionModel>();
  const pact = top.get('actions');
  if (!pact) sink.error(`missing required property "actions" (an object of action id -> action)`, openBrace);
  else if (pact.value) {
    const v = pact.value;
    if (v.type !== 'object') sink.error(`'actions' must be an object mapping action ids to actions, got ${describeNode(v)}`, spanOf(v));
    else if ((v.keys ?? []).length === 0) {
      sink.add('empty-graph', 'warning', `the graph has no actions: a run has nothing to do`, spanOf(v));
    } else {
      // objectProps without the property list: byId finds repeated ids (first one wins).
      const keys = v.keys ?? [];
      const values = v.values ?? [];
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as LNode;
        const value = values[i];
        const id = key.value as string;
        const first = byId.get(id);
        if (first) {
          sink.add(
            'duplicate-action',
            'error',
            `duplicate action ${q(id)}: an action with this id is already defined (the first one is used)`,
            spanOf(key),
            [{ span: { offset: first.keySpan.offset, length: first.keySpan.length }, message: `first definition of ${q(id)}` }],
            { action: id },
          );
          continue;
        }
        const keySpan = spanOf(key);
        const where = `action ${q(id)}`;
        if (!ACTION_ID_RE.test(id)) {
          sink.error(
            id === ''
              ? `action ids cannot be empty`
              : `action id ${q(id)} may only contain letters, digits and _ . : / -`,
            keySpan,
          );
        }
        let f: Fields = NO_FIELDS;
        if (value) {
          if (value.type !== 'object') {
            sink.error(`${where} must be an object with at least a "command", got ${describeNode(value)}`, spanOf(value));
          } else {
            f = parseFields(value, env, where, false, keySpan, id);
            checkGlobs(f, f.cwd ?? defaults.cwd, sink, where, id);
          }
        }
        let resources: ResourceUse[] = NO_RESOURCES;
        if (defaults.resources?.size || f.resources?.size) {
          const res = new Map<string, ResourceUse>(defaults.resources ?? []);
          for (const [k, u] of f.resources ?? []) res.set(k, u);
          resources = [...res.values()];
        }
        const actionEnv = f.env === undefined ? defaultEnv : defaults.env === undefined ? f.env : { ...defaults.env, ...f.env };
        const a: MutableAction = {
          id,
          index: actions.length,
          keySpan,
          span: { offset: key.offset, length: (value ? value.offset + value.length : key.offset + key.length) - key.offset },
          command: f.command,
          dependsOn: f.dependsOn ?? [],
          deps: [],
          cpus: f.cpus ?? defaults.cpus ?? 1,
          resources,
          timeoutMs: f.timeoutMs ?? defaults.timeoutMs,
          retries: f.retries ?? defaults.retries ?? 0,
          acceptFailedDependencies: f.acceptFailedDependencies ?? defaults.acceptFailedDependencies ?? false,
          priority: f.priority ?? defaults.priority ?? 0,
          cwd: f.cwd ?? defaults.cwd,
          env: actionEnv,
          description: f.description ?? defaults.description,
        };
        if (f.cpusSpan) a.cpusSpan = f.cpusSpan;
        if (f.service !== undefined) a.service = f.service;
        const slurm = f.slurm ?? defaults.slurm;
        if (slurm !== undefined) a.slurm = slurm;
        const pm = f.problemMatchers ?? defaults.problemMatchers;
        if (pm && pm.length > 0) a.problemMatchers = pm;
        const inputs = mergeLists(defaults.inputs, f.inputs);
        if (inputs !== undefined) a.inputs = inputs;
        const outputs = mergeLists(defaults.outputs, f.outputs);
        if (outputs !== undefined) a.outputs = outputs;
        if (f.matrix !== undefined) a.matrix = f.matrix;
        if (hasMatrixRefs && value?.type === 'object') checkMatrixRefs(value, f.matrix, f.matrixWritten === true, sink, where, id);
        if (defaults.envInputs !== undefined || f.envInputs !== undefined) a.envInputs = [...(defaults.envInputs ?? []), ...(f.envInputs ?? [])];
        if (f.provides !== undefined) a.provides = f.provides;
        if (f.requires !== undefined) a.requires = f.requires;
        const actionLocks = mergeLockUses(defaults.locks, f.locks);
        if (actionLocks !== undefined) a.locks = actionLocks;
        if (f.limits !== undefined || dl !== undefined) {
          const fl = f.limits;
          const group = fl?.group ?? dl?.group;
          const memory = fl?.memory ?? dl?.memory;
          const memoryLimit = fl?.memoryLimit ?? dl?.memoryLimit;
          const retryOn = fl?.retryOn ?? dl?.retryOn;
          const retryDelayMs = fl?.retryDelayMs ?? dl?.retryDelayMs;
          const al: ActionLimits = {
            ...(memory !== undefined ? { memory } : {}),
            ...(memoryLimit !== undefined ? { memoryLimit } : {}),
            ...(group !== undefined && groupNames.has(group.value) ? { group: group.value } : {}),
            ...(retryOn !== undefined ? { retryOn } : {}),
            ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
          };
          a.limits = al;
          if (fl !== undefined) checkActionLimits(fl, { retries: a.retries, group, memory }, limits, groupNames, sink, where, id);
        }
        actions.push(a);
        byId.set(id, a);
      }
    }
  }

  let executor: ExecutorSettings | undefined;
  const pex = top.get('executor');
  if (pex?.value) executor = parseSlurmSettings(pex.value, sink, `'executor'`, true);
  // SPEC §10 hooks (hooks.ts)
  const hooks = parseHooks(top, defaultEnv, sink);
  for (const l of lockDecls ?? []) {
    if (!usedLocks.has(l.name)) sink.add('unused-lock', 'hint', `lock ${q(l.name)} is declared but no action takes it`, l.span, [], { lock: l.name });
  }
  const graph: Graph = {
    version,
    name,
    cpus,
    keepGoing,
    resources,
    actions,
    byId,
    limits,
    ...(executor !== undefined ? { executor } : {}),
    ...(lockDecls !== undefined ? { locks: lockDecls } : {}),
    ...(hooks !== undefined ? { hooks } : {}),
  };
  return { tree: root, graph, actions, diagnostics: sink.list, usedResources };
}
