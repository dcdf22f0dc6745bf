/**
 * Matrix actions (SPEC §10): expansion ids, `${matrix.x}` substitution, selectors in
 * `dependsOn` and on the command line, and the expanded graph the runner executes.
 *
 *   source Graph (parse/analyze, cycles on what the user wrote) → expandGraph → plan → Jobs
 *
 * Pure (no node:*). The editor features (completion, hover, definition) and the runner use
 * the same functions. Decisions (docs/format.md): ids are `test[python=3.11,os=linux]` with
 * the axes in written order and `\`, `,`, `=`, `[`, `]` in a value escaped by a backslash;
 * at most MAX_COMBINATIONS combinations per action; `include` may add new values of declared
 * axes (an entry names every axis), never new axes.
 */
import type { ActionModel, ExpansionOf, Graph, MatrixModel, StringRef } from './model';
import { closest } from './suggest';
import type { Span } from './text';

/** Most combinations one matrix action may have (its axes' product, plus `include` entries). */
export const MAX_COMBINATIONS = 10_000;

/** Axis names: usable in `${matrix.NAME}`. `include` and `exclude` are reserved. */
export const AXIS_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export interface Expansion {
  /** `test[python=3.11,os=linux]`; the action's own id for an action without a matrix. */
  readonly id: string;
  /** Axis name -> value, in axis order (no prototype); empty for an action without a matrix. */
  readonly values: Readonly<Record<string, string>>;
}

const NO_VALUES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/** A value as it appears in an id or a selector: `\`, `,`, `=`, `[`, `]` get a backslash. */
export function escapeValue(v: string): string {
  return /[\\,=[\]]/.test(v) ? v.replace(/[\\,=[\]]/g, (c) => `\\${c}`) : v;
}

/** The id of one combination: `base[axis=value,…]`, axes in the order given. */
export function expansionId(base: string, axes: readonly string[], values: readonly string[]): string {
  let s = `${base}[`;
  for (let i = 0; i < axes.length; i++) s += `${i > 0 ? ',' : ''}${axes[i] as string}=${escapeValue(values[i] as string)}`;
  return `${s}]`;
}

const cache = new WeakMap<ActionModel, readonly Expansion[]>();

/**
 * Every combination of an action, in order: the axes' product (the first axis varies
 * slowest), minus the combinations an `exclude` entry matches, then the `include` entries
 * not already present, in written order. An action without a matrix has one expansion, itself;
 * a matrix with an error (`ok: false`) has none. Memoized per action.
 */
export function expansions(action: ActionModel): readonly Expansion[] {
  const m = action.matrix;
  if (m === undefined) return [{ id: action.id, values: NO_VALUES }];
  let out = cache.get(action);
  if (out === undefined) {
    out = m.ok ? compute(action.id, m) : [];
    cache.set(action, out);
  }
  return out;
}

function compute(base: string, m: MatrixModel): Expansion[] {
  const names = m.axes.map((a) => a.name);
  const lists = m.axes.map((a) => a.values.map((v) => v.value));
  const n = names.length;
  let total = n === 0 ? 0 : 1;
  for (const l of lists) total *= l.length;
  const out: Expansion[] = [];
  const seen = new Set<string>();
  const push = (vals: readonly string[]): void => {
    const id = expansionId(base, names, vals);
    if (seen.has(id)) return;
    seen.add(id);
    const values = Object.create(null) as Record<string, string>;
    for (let i = 0; i < n; i++) values[names[i] as string] = vals[i] as string;
    out.push({ id, values });
  };
  const excl = m.exclude.map((e) => e.values.map((p) => [names.indexOf(p.axis), p.value.value] as const).filter(([i]) => i >= 0));
  if (total > 0 && total <= MAX_COMBINATIONS) {
    const idx = new Array<number>(n).fill(0);
    const vals = new Array<string>(n);
    for (let k = 0; k < total; k++) {
      for (let a = 0; a < n; a++) vals[a] = (lists[a] as string[])[idx[a] as number] as string;
      if (!excl.some((e) => e.length > 0 && e.every(([a, v]) => vals[a] === v))) push(vals);
      for (let a = n - 1; a >= 0; a--) {
        idx[a] = (idx[a] as number) + 1;
        if ((idx[a] as number) < (lists[a] as string[]).length) break;
        idx[a] = 0;
      }
    }
  }
  for (const e of m.include) {
    const vals: string[] = [];
    for (const name of names) {
      const p = e.values.find((x) => x.axis === name);
      if (p === undefined) break;
      vals.push(p.value.value);
    }
    if (vals.length === n && n > 0) push(vals); // an entry missing an axis has its own diagnostic
  }
  return out;
}

/** The values each axis takes over the expansions (the declared ones and those `include` adds), in order. */
export function axisValues(action: ActionModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const m = action.matrix;
  if (m === undefined) return out;
  for (const a of m.axes) out.set(a.name, a.values.map((v) => v.value));
  for (const e of m.include) {
    for (const p of e.values) {
      const l = out.get(p.axis);
      if (l !== undefined && !l.includes(p.value.value)) l.push(p.value.value);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Substitution

/** `${matrix.NAME}` (NAME as written, up to the closing brace). */
const REF_RE = /\$\{matrix\.([^}]*)\}/g;

export interface MatrixRef {
  /** What is between `${matrix.` and `}`. */
  readonly name: string;
  /** Offset of `$` in the string value, and the reference's length. */
  readonly index: number;
  readonly length: number;
}

/** Every `${matrix.…}` in a string value. */
export function matrixRefs(text: string): MatrixRef[] {
  if (!text.includes('${matrix.')) return [];
  const out: MatrixRef[] = [];
  for (const m of text.matchAll(REF_RE)) out.push({ name: m[1] as string, index: m.index, length: m[0].length });
  return out;
}

/** `${matrix.NAME}` replaced by the value of axis NAME; a reference to no axis is left as written. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  if (!text.includes('${matrix.')) return text;
  return text.replace(REF_RE, (whole, name: string) => (Object.prototype.hasOwnProperty.call(values, name) ? (values[name] as string) : whole));
}

/**
 * The span of characters [start, start + length) of a string token's value, when its
 * source has no escapes (then the source is the value between quotes); else the whole token.
 */
export function innerSpan(ref: StringRef, start: number, length: number): Span {
  return ref.span.length === ref.value.length + 2 ? { offset: ref.span.offset + 1 + start, length } : ref.span;
}

// ---------------------------------------------------------------------------------------
// Selectors

export interface SelectorPart {
  readonly axis: string;
  readonly value: string;
  /** Offsets in the selector string: the axis name, and the value as written (escapes included). */
  readonly axisStart: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

export type Selector =
  | { readonly ok: true; readonly base: string; readonly parts: readonly SelectorPart[] }
  /** Malformed: why, and where in the string. */
  | { readonly ok: false; readonly base: string; readonly message: string; readonly start: number; readonly end: number };

/**
 * `test` (every expansion), `test[python=3.11]`, `test[python=3.11,os=linux]`. In a value,
 * a backslash takes the next character literally (`a\,b`).
 */
export function parseSelector(text: string): Selector {
  const open = text.indexOf('[');
  if (open < 0) return { ok: true, base: text, parts: [] };
  const base = text.slice(0, open);
  const bad = (message: string, start: number, end: number): Selector => ({ ok: false, base, message, start, end: Math.max(end, start) });
  if (base === '') return bad(`a selector starts with an action id, as in 'test[python=3.11]'`, 0, text.length);
  const parts: SelectorPart[] = [];
  let i = open + 1;
  for (;;) {
    const axisStart = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',' && text[i] !== ']') i++;
    const axis = text.slice(axisStart, i);
    if (text[i] !== '=') {
      if (axis === '' && text[i] === ']' && parts.length === 0) return bad(`empty brackets: write 'axis=value' pairs, as in '${base}[python=3.11]', or only '${base}' for every expansion`, open, i + 1);
      return bad(`expected 'axis=value' in the selector, got '${axis}'`, axisStart, i);
    }
    if (axis === '') return bad(`missing axis name before '='`, axisStart, i + 1);
    i++;
    const valueStart = i;
    let value = '';
    while (i < text.length && text[i] !== ',' && text[i] !== ']') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      value += text[i] as string;
      i++;
    }
    if (parts.some((p) => p.axis === axis)) return bad(`axis '${axis}' is given twice in the selector`, axisStart, i);
    parts.push({ axis, value, axisStart, valueStart, valueEnd: i });
    if (i >= text.length) return bad(`missing ']' at the end of the selector`, open, text.length);
    if (text[i] === ',') {
      i++;
      continue;
    }
    // text[i] === ']'
    if (i !== text.length - 1) return bad(`unexpected text after ']'`, i + 1, text.length);
    return { ok: true, base, parts };
  }
}

/** The graph as written, for an expanded graph or a source one. */
export function sourceGraph(graph: Graph): Graph {
  return graph.expandedFrom ?? graph;
}

/**
 * The expanded ids a selector (or a plain action id, or an expansion's exact id) stands for,
 * in expansion order; [] when it selects nothing or is not well formed.
 */
export function selectorMatches(graph: Graph, selector: string): string[] {
  const src = sourceGraph(graph);
  const plain = src.byId.get(selector);
  if (plain !== undefined) return expansions(plain).map((e) => e.id);
  const sel = parseSelector(selector);
  if (!sel.ok || sel.parts.length === 0) return [];
  const a = src.byId.get(sel.base);
  if (a?.matrix === undefined) return [];
  const out: string[] = [];
  for (const e of expansions(a)) if (sel.parts.every((p) => e.values[p.axis] === p.value)) out.push(e.id);
  return out;
}

/** JSON of the values, as the key of a projection (any character may appear in a value). */
const projectionKey = (values: readonly string[]): string => JSON.stringify(values);

const projections = new WeakMap<ActionModel, Map<string, Map<string, string[]>>>();

/** A matrix action's expansion ids indexed by their values on `axes` (memoized per action and axes). */
function projection(target: ActionModel, axes: readonly string[]): Map<string, string[]> {
  let per = projections.get(target);
  if (per === undefined) {
    per = new Map();
    projections.set(target, per);
  }
  const k = projectionKey(axes);
  let m = per.get(k);
  if (m === undefined) {
    m = new Map();
    for (const e of expansions(target)) {
      const key = projectionKey(axes.map((ax) => e.values[ax] ?? ''));
      const l = m.get(key);
      if (l === undefined) m.set(key, [e.id]);
      else l.push(e.id);
    }
    per.set(k, m);
  }
  return m;
}

/** A selector with `${matrix.x}` in a value: a per-combination dependency (SPEC §10, docs/format.md). */
export function isPerCombination(selector: string): boolean {
  return selector.includes('${matrix.') && selector.includes('[');
}

/**
 * The expanded ids a `dependsOn` selector selects for one expansion of the action that lists
 * it: `${matrix.x}` in its values replaced by that expansion's value of axis x
 * (`build[os=${matrix.os}]` → the expansions of build with the same os).
 */
export function selectFor(graph: Graph, selector: string, values: Readonly<Record<string, string>>): string[] {
  const sel = parseSelector(selector);
  if (!sel.ok || sel.parts.length === 0) return selectorMatches(graph, selector);
  const target = sourceGraph(graph).byId.get(sel.base);
  if (target?.matrix === undefined) return [];
  const got = projection(target, sel.parts.map((p) => p.axis)).get(projectionKey(sel.parts.map((p) => substitute(p.value, values))));
  return got === undefined ? [] : got.slice();
}

/**
 * Names from the command line or the editor (action ids, selectors, expansion ids) →
 * expanded ids (file order, no repeats) and the names that select nothing.
 */
export function resolveRequested(graph: Graph, names: readonly string[]): { ids: string[]; unknown: string[] } {
  const ids: string[] = [];
  const seen = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    // An expanded graph knows its expansion ids directly.
    const direct = graph.expandedFrom !== undefined && graph.byId.has(name) ? [name] : selectorMatches(graph, name);
    if (direct.length === 0) unknown.push(name);
    for (const id of direct) {
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
  }
  return { ids, unknown };
}

/** The action id a dependsOn string refers to (its selector's base). */
export function selectorBase(ref: string): string {
  const i = ref.indexOf('[');
  return i < 0 ? ref : ref.slice(0, i);
}

// ---------------------------------------------------------------------------------------
// Expansion of the whole graph

/**
 * The graph the runner executes: each matrix action replaced by its expansions (in place, in
 * file order), `${matrix.x}` substituted in command, cwd, env values, inputs, outputs and
 * description, and every action's `deps` made of expanded ids. Source spans stay those of the
 * action as written. A graph without matrices is returned as is; an expanded one too.
 */
export function expandGraph(graph: Graph): Graph {
  if (graph.expandedFrom !== undefined || !graph.actions.some((a) => a.matrix !== undefined)) return graph;
  let out = expandedCache.get(graph);
  if (out === undefined) {
    out = expandNow(graph);
    expandedCache.set(graph, out);
  }
  return out;
}

/** Graphs are read-only: each is expanded once. */
const expandedCache = new WeakMap<Graph, Graph>();

function expandNow(graph: Graph): Graph {
  const actions: ActionModel[] = [];
  const byId = new Map<string, ActionModel>();
  // Artifact name -> the (first) action that provides it (SPEC §10 requires/provides).
  const providers = new Map<string, string>();
  for (const a of graph.actions) for (const r of a.provides ?? []) if (!providers.has(r.value)) providers.set(r.value, a.id);
  for (const a of graph.actions) {
    // `build[os=${matrix.os}]`: each expansion has dependencies of its own (its other
    // selectors are resolved once, in `selected`); else they are shared by all.
    const perCombination = a.matrix !== undefined && a.dependsOn.some((r) => isPerCombination(r.value));
    const selected = new Map<string, readonly string[]>();
    const deps = perCombination ? [] : expandedDeps(graph, a, providers, undefined, selected);
    if (a.matrix === undefined) {
      const copy: ActionModel = { ...a, index: actions.length, deps };
      actions.push(copy);
      byId.set(copy.id, copy);
      continue;
    }
    const { matrix: _matrix, ...rest } = a;
    for (const e of expansions(a)) {
      const v = e.values;
      const sub = (s: string): string => substitute(s, v);
      const expansionOf: ExpansionOf = { action: a.id, values: v };
      const x: ActionModel = {
        ...rest,
        id: e.id,
        index: actions.length,
        deps: perCombination ? expandedDeps(graph, a, providers, v, selected) : deps,
        command: a.command === undefined ? undefined : a.command.kind === 'shell' ? { kind: 'shell', line: sub(a.command.line) } : { kind: 'argv', argv: a.command.argv.map(sub) },
        cwd: a.cwd === undefined ? undefined : sub(a.cwd),
        env: substituteEnv(a.env, v),
        description: a.description === undefined ? undefined : sub(a.description),
        ...(a.inputs !== undefined ? { inputs: a.inputs.map(sub) } : {}),
        ...(a.outputs !== undefined ? { outputs: a.outputs.map(sub) } : {}),
        expansionOf,
      };
      actions.push(x);
      byId.set(x.id, x);
    }
  }
  return { ...graph, actions, byId, expandedFrom: graph };
}

function substituteEnv(env: Readonly<Record<string, string>>, values: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let out: Record<string, string> | undefined;
  for (const k of Object.keys(env)) {
    const s = env[k] as string;
    const t = substitute(s, values);
    if (t !== s) {
      out ??= Object.assign(Object.create(null) as Record<string, string>, env);
      out[k] = t;
    }
  }
  return out ?? env;
}

/**
 * An action's dependencies as expanded ids: each resolved dependsOn entry's selection, and
 * every expansion of the provider of each `requires` name (an artifact a matrix action
 * provides is provided by all its expansions); no repeats, no self.
 */
function expandedDeps(
  graph: Graph,
  a: ActionModel,
  providers: ReadonlyMap<string, string>,
  values: Readonly<Record<string, string>> | undefined,
  selected: Map<string, readonly string[]>,
): string[] {
  if (a.deps.length === 0) return [];
  // Fast path: no selector, and no dependency on a matrix action.
  let plain = true;
  for (const d of a.deps) {
    if (graph.byId.get(d)?.matrix !== undefined) {
      plain = false;
      break;
    }
  }
  if (plain) for (const r of a.dependsOn) if (r.value.includes('[')) plain = false;
  if (plain) return a.deps as string[];
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (ids: readonly string[]): void => {
    for (const id of ids) {
      if (!seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
    }
  };
  const known = new Set(a.deps);
  for (const r of a.dependsOn) {
    const base = selectorBase(r.value);
    if (base === a.id || !known.has(base)) continue; // self or unresolved: reported by analyze
    if (isPerCombination(r.value)) {
      // Substituted with this expansion's values (none outside a matrix: an error analyze reports).
      if (values !== undefined) add(selectFor(graph, r.value, values));
    } else {
      let ids = selected.get(r.value);
      if (ids === undefined) selected.set(r.value, (ids = selectorMatches(graph, r.value)));
      add(ids);
    }
  }
  for (const name of a.requires ?? []) {
    const p = providers.get(name.value);
    const provider = p === undefined || p === a.id ? undefined : graph.byId.get(p);
    if (provider !== undefined && known.has(provider.id)) add(expansions(provider).map((e) => e.id));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Validation of selectors in dependsOn (analyze.ts)

type SelectorProblem = Extract<SelectorCheck, { kind: 'problem' }>;

/** Why a `${matrix.x}` in a selector value cannot be substituted from the owner's own expansions, or undefined. */
function ownerRefProblem(owner: ActionModel, ref: StringRef, p: SelectorPart): SelectorProblem | undefined {
  const m = owner.matrix;
  for (const r of matrixRefs(p.value)) {
    // The reference's place in the string: values carry no escapes here ('$', '{', '.', '}' need none).
    const at = ref.value.indexOf(`\${matrix.${r.name}}`, p.valueStart);
    const span = at < 0 ? ref.span : innerSpan(ref, at, r.length);
    if (m === undefined) {
      return {
        kind: 'problem',
        code: 'unknown-matrix-axis',
        message: `selector ${qq(ref.value)}: '\${matrix.${r.name}}' takes the value of the depending action's own expansion, and action ${qq(owner.id)} has no matrix`,
        span,
        related: [],
        data: { axis: r.name },
      };
    }
    if (!m.ok) return undefined;
    const names = m.axes.map((x) => x.name);
    if (!names.includes(r.name)) {
      const s = closest(r.name, names);
      return {
        kind: 'problem',
        code: 'unknown-matrix-axis',
        message: `selector ${qq(ref.value)}: ${qq(r.name)} is not an axis of action ${qq(owner.id)}, whose expansion gives the value (axes: ${names.map(qq).join(', ')})${s ? `; did you mean ${qq(s)}?` : ''}`,
        span,
        related: [{ span: m.keySpan, message: `the matrix of ${qq(owner.id)}` }],
        data: { axis: r.name, ...(s ? { suggestion: s } : {}) },
      };
    }
  }
  return undefined;
}

export type SelectorCheck =
  | { readonly kind: 'ok'; readonly target: ActionModel }
  /** The part before `[` is no action: an `unknown-dependency` on `base`. */
  | { readonly kind: 'unknown-action'; readonly base: string }
  | { readonly kind: 'self' }
  | {
      readonly kind: 'problem';
      readonly code: 'invalid-selector' | 'unknown-matrix-axis' | 'empty-selector';
      readonly message: string;
      readonly span: Span;
      readonly related: readonly { readonly span: Span; readonly message: string }[];
      readonly data: Readonly<Record<string, string>>;
    };

const qq = (s: string): string => `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;

/** What a `dependsOn` string with `[` refers to, or why it is wrong (with the range inside the string). */
export function checkSelector(graph: Graph, owner: ActionModel, ref: StringRef): SelectorCheck {
  const sel = parseSelector(ref.value);
  const data = { action: owner.id, dependency: ref.value };
  if (sel.base === owner.id) return { kind: 'self' };
  const target = sel.base === '' ? undefined : graph.byId.get(sel.base);
  if (!sel.ok) {
    if (sel.base !== '' && target === undefined) return { kind: 'unknown-action', base: sel.base };
    return { kind: 'problem', code: 'invalid-selector', message: `selector ${qq(ref.value)}: ${sel.message}`, span: innerSpan(ref, sel.start, sel.end - sel.start), related: [], data };
  }
  if (target === undefined) return { kind: 'unknown-action', base: sel.base };
  const m = target.matrix;
  if (m === undefined) {
    return {
      kind: 'problem',
      code: 'invalid-selector',
      message: `action ${qq(target.id)} has no matrix, so ${qq(ref.value)} selects nothing; depend on ${qq(target.id)}`,
      span: ref.span,
      related: [{ span: target.keySpan, message: `action ${qq(target.id)} is defined here` }],
      data: { ...data, suggestion: target.id },
    };
  }
  if (!m.ok) return { kind: 'ok', target }; // the matrix has its own error
  const related = [{ span: m.keySpan, message: `the matrix of ${qq(target.id)}` }];
  const values = axisValues(target);
  let perCombination = false;
  for (const p of sel.parts) {
    const vs = values.get(p.axis);
    if (vs === undefined) {
      const names = [...values.keys()];
      const s = closest(p.axis, names);
      return {
        kind: 'problem',
        code: 'unknown-matrix-axis',
        message: `selector ${qq(ref.value)}: ${qq(p.axis)} is not an axis of action ${qq(target.id)} (axes: ${names.map(qq).join(', ')})${s ? `; did you mean ${qq(s)}?` : ''}`,
        span: innerSpan(ref, p.axisStart, p.valueStart - 1 - p.axisStart),
        related,
        data: { ...data, axis: p.axis, ...(s ? { suggestion: s } : {}) },
      };
    }
    if (!vs.includes(p.value) && p.value.includes('${matrix.')) {
      // A per-combination dependency: each `${matrix.x}` names an axis of the action that lists it.
      const wrong = ownerRefProblem(owner, ref, p);
      if (wrong !== undefined) return { ...wrong, data: { ...data, ...wrong.data } };
      perCombination = true;
      continue;
    }
    if (!vs.includes(p.value)) {
      return {
        kind: 'problem',
        code: 'empty-selector',
        message: `selector ${qq(ref.value)} selects nothing: axis ${qq(p.axis)} of ${qq(target.id)} has no value ${qq(p.value)} (values: ${vs.slice(0, 10).map(qq).join(', ')}${vs.length > 10 ? `, … ${vs.length} in all` : ''})`,
        span: innerSpan(ref, p.valueStart, p.valueEnd - p.valueStart),
        related,
        data: { ...data, axis: p.axis },
      };
    }
  }
  if (perCombination) {
    if (owner.matrix === undefined || !owner.matrix.ok) return { kind: 'ok', target }; // (no matrix: reported above; a bad one has its own error)
    // Every expansion of the owner must select something: a value the target lacks would drop the edge.
    const proj = projection(target, sel.parts.map((p) => p.axis));
    const tried = new Set<string>();
    for (const e of expansions(owner)) {
      const vals = sel.parts.map((p) => substitute(p.value, e.values));
      const key = projectionKey(vals);
      if (tried.has(key)) continue;
      tried.add(key);
      if (!proj.has(key)) {
        const want = sel.parts.map((p, i) => `${p.axis}=${vals[i] as string}`).join(', ');
        return {
          kind: 'problem',
          code: 'empty-selector',
          message: `selector ${qq(ref.value)} selects nothing for ${qq(e.id)}: no expansion of ${qq(target.id)} has ${qq(want)} (exclude that combination, or give ${qq(target.id)} the value)`,
          span: ref.span,
          related,
          data: { ...data, expansion: e.id },
        };
      }
    }
    return { kind: 'ok', target };
  }
  if (selectorMatches(graph, ref.value).length === 0) {
    return {
      kind: 'problem',
      code: 'empty-selector',
      message: `selector ${qq(ref.value)} selects nothing: every combination with these values is excluded`,
      span: ref.span,
      related,
      data,
    };
  }
  return { kind: 'ok', target };
}
