/**
 * Parsing an action's `matrix` (SPEC §10) from the light syntax tree, and the check of the
 * `${matrix.x}` references in its strings. Diagnostics point at the matrix entry (or the
 * part of a string) that causes them. Only types are imported from parse/ (no import cycle).
 */
import type { MatrixAxis, MatrixEntry, MatrixModel, StringRef } from './model';
import { q, type DiagnosticSink } from './parse/sink';
import { describeNode as describe, spanOf, type LNode } from './parse/tree';
import { AXIS_NAME_RE, innerSpan, MAX_COMBINATIONS, matrixRefs } from './matrix';
import { closest } from './suggest';
import type { Span } from './text';

/** A matrix value: a string, or a number as JavaScript prints it; undefined (reported) otherwise. */
function valueOf(n: LNode, sink: DiagnosticSink, where: string): StringRef | undefined {
  if (n.type === 'string') {
    const s = n.value as string;
    if (s.includes('\u0000')) {
      sink.error(`${where}: a matrix value contains a NUL character (\\u0000), which cannot reach a command`, spanOf(n));
      return undefined;
    }
    return { value: s, span: spanOf(n) };
  }
  if (n.type === 'number') {
    const s = String(n.value);
    if (s.length !== n.length) {
      // `3.10` is the number 3.1: say so (GitHub Actions users meet this one).
      sink.warning(`${where}: this number is used as ${q(s)}; write it as a string to keep it exactly as written`, spanOf(n));
    }
    return { value: s, span: spanOf(n) };
  }
  sink.error(`${where}: matrix values must be strings or numbers, got ${describe(n)}`, spanOf(n));
  return undefined;
}

/** The `matrix` of an action (`key` is its `"matrix"` key). undefined when it is not an object (reported). */
export function parseMatrix(v: LNode, key: LNode, sink: DiagnosticSink, where: string, ownerName: string): MatrixModel | undefined {
  const mwhere = `the matrix of ${where}`;
  if (v.type !== 'object') {
    sink.error(`${where}: 'matrix' must be an object mapping axis names to arrays of values (plus optional 'include'/'exclude' lists), got ${describe(v)}`, spanOf(v));
    return undefined;
  }
  const keys = v.keys ?? [];
  const values = v.values ?? [];
  const axes: MatrixAxis[] = [];
  let ok = true;
  let includeNode: LNode | undefined;
  let excludeNode: LNode | undefined;
  const firstKey = new Map<string, LNode>();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as LNode;
    const name = k.value as string;
    const first = firstKey.get(name);
    if (first !== undefined) {
      const what = name === 'include' || name === 'exclude' ? `'${name}'` : `axis ${q(name)}`;
      sink.error(`${mwhere}: ${what} is written twice (the first one is used)`, spanOf(k), { action: ownerName, axis: name });
      continue;
    }
    firstKey.set(name, k);
    const val = values[i];
    if (val === undefined) continue; // syntax error already reported
    if (name === 'include') {
      includeNode = val;
      continue;
    }
    if (name === 'exclude') {
      excludeNode = val;
      continue;
    }
    if (!AXIS_NAME_RE.test(name)) {
      sink.error(`${mwhere}: axis name ${q(name)} may only contain letters, digits, _ and - (and not start with a digit or -): it is used as \${matrix.NAME}`, spanOf(k));
      ok = false;
      continue;
    }
    if (val.type !== 'array') {
      sink.error(`${mwhere}: axis ${q(name)} must be an array of values (strings or numbers), got ${describe(val)}`, spanOf(val));
      ok = false;
      continue;
    }
    const list: StringRef[] = [];
    for (const it of val.items ?? []) {
      const r = valueOf(it, sink, `${mwhere}, axis ${q(name)}`);
      if (r === undefined) continue;
      const dup = list.find((x) => x.value === r.value);
      if (dup !== undefined) {
        sink.warning(`${mwhere}: value ${q(r.value)} is listed twice in axis ${q(name)} (the repeat is ignored)`, r.span);
        continue;
      }
      list.push(r);
    }
    if (list.length === 0) {
      sink.add('empty-matrix-axis', 'error', `${mwhere}: axis ${q(name)} has no values, so the action would expand to nothing`, spanOf(val), [], { action: ownerName, axis: name });
      ok = false;
    }
    axes.push({ name, keySpan: spanOf(k), values: list });
  }
  if (axes.length === 0 && ok) {
    sink.error(`${mwhere} has no axes: give at least one, as in "python": ["3.11", "3.12"]`, spanOf(key));
    ok = false;
  }
  const names = axes.map((a) => a.name);
  const exclude = excludeNode === undefined ? [] : entries(excludeNode, 'exclude', names, axes, sink, mwhere, ownerName);
  const include = includeNode === undefined ? [] : entries(includeNode, 'include', names, axes, sink, mwhere, ownerName);
  if (ok) {
    let product = 1;
    for (const a of axes) product *= a.values.length;
    const total = product + include.length;
    if (total > MAX_COMBINATIONS) {
      const sizes = axes.map((a) => a.values.length).join(' × ');
      sink.add(
        'matrix-too-large',
        'error',
        `${mwhere} has ${sizes}${include.length > 0 ? ` + ${include.length} included` : ''} = ${total.toLocaleString('en-US')} combinations; at most ${MAX_COMBINATIONS.toLocaleString('en-US')} are allowed per action`,
        spanOf(key),
        [],
        { action: ownerName },
      );
      ok = false;
    }
  }
  return { keySpan: spanOf(key), span: spanOf(v), axes, include, exclude, ok };
}

/** The entries of `include` or `exclude`: objects of axis -> value. */
function entries(
  node: LNode,
  field: 'include' | 'exclude',
  names: readonly string[],
  axes: readonly MatrixAxis[],
  sink: DiagnosticSink,
  mwhere: string,
  ownerName: string,
): MatrixEntry[] {
  if (node.type !== 'array') {
    sink.error(`${mwhere}: '${field}' must be an array of objects (axis -> value), got ${describe(node)}`, spanOf(node));
    return [];
  }
  const out: MatrixEntry[] = [];
  for (const it of node.items ?? []) {
    if (it.type !== 'object') {
      sink.error(`${mwhere}: '${field}' entries must be objects (axis -> value), got ${describe(it)}`, spanOf(it));
      continue;
    }
    const pairs: MatrixEntry['values'][number][] = [];
    let good = true;
    const ks = it.keys ?? [];
    const vs = it.values ?? [];
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i] as LNode;
      const axis = k.value as string;
      const val = vs[i];
      if (val === undefined) continue;
      if (pairs.some((p) => p.axis === axis)) {
        sink.error(`${mwhere}: axis ${q(axis)} is written twice in this '${field}' entry (the first one is used)`, spanOf(k));
        continue;
      }
      if (!names.includes(axis)) {
        const s = closest(axis, names);
        sink.add(
          'unknown-matrix-axis',
          'error',
          `${mwhere}: '${field}' names ${q(axis)}, which is not an axis (axes: ${names.map(q).join(', ') || 'none'})${s ? `; did you mean ${q(s)}?` : ''}`,
          spanOf(k),
          [],
          { action: ownerName, axis, ...(s ? { suggestion: s } : {}) },
        );
        good = false;
        continue;
      }
      const r = valueOf(val, sink, `${mwhere}, '${field}'`);
      if (r === undefined) {
        good = false;
        continue;
      }
      if (field === 'exclude') {
        const declared = axes.find((a) => a.name === axis)?.values ?? [];
        if (!declared.some((d) => d.value === r.value)) {
          sink.warning(`${mwhere}: this 'exclude' entry excludes nothing: ${q(r.value)} is not a value of axis ${q(axis)} (values: ${declared.map((d) => q(d.value)).join(', ')})`, r.span);
        }
      }
      pairs.push({ axis, keySpan: spanOf(k), value: r });
    }
    if (field === 'include' && good) {
      const missing = names.filter((n) => !pairs.some((p) => p.axis === n));
      if (missing.length > 0) {
        sink.error(
          `${mwhere}: an 'include' entry adds one combination and must give a value for every axis; missing ${missing.map(q).join(', ')}`,
          spanOf(it),
          { action: ownerName },
        );
        continue;
      }
    }
    if (field === 'exclude' && pairs.length === 0 && good) {
      sink.warning(`${mwhere}: an empty 'exclude' entry excludes nothing`, spanOf(it));
      continue;
    }
    if (good) out.push({ span: spanOf(it), values: pairs });
  }
  return out;
}

/** The fields whose strings get `${matrix.x}` substituted. */
const TEMPLATED = ['command', 'cwd', 'env', 'inputs', 'outputs', 'description'] as const;

/**
 * `unknown-matrix-axis` for every `${matrix.x}` in an action's templated strings that names
 * no axis of its matrix (or is in an action without one). `matrixWritten`: the action has a
 * `matrix` key (even a broken one: then only names that are certainly wrong are reported).
 */
export function checkMatrixRefs(actionNode: LNode, matrix: MatrixModel | undefined, matrixWritten: boolean, sink: DiagnosticSink, where: string, ownerName: string): void {
  const keys = actionNode.keys ?? [];
  const values = actionNode.values ?? [];
  const names = matrix?.axes.map((a) => a.name) ?? [];
  const check = (n: LNode): void => {
    if (n.type !== 'string') return;
    const ref: StringRef = { value: n.value as string, span: spanOf(n) };
    for (const r of matrixRefs(ref.value)) {
      if (names.includes(r.name)) continue;
      if (matrixWritten && matrix === undefined) continue; // the matrix itself is broken: reported there
      const span = innerSpan(ref, r.index, r.length);
      if (matrix === undefined) {
        sink.add('unknown-matrix-axis', 'error', `${where} has no matrix: '\${matrix.${r.name}}' would be passed as written`, span, [], { action: ownerName, axis: r.name });
        continue;
      }
      const s = closest(r.name, names);
      sink.add(
        'unknown-matrix-axis',
        'error',
        `'\${matrix.${r.name}}' in ${where}: ${q(r.name)} is not an axis of its matrix (axes: ${names.map(q).join(', ') || 'none'})${s ? `; did you mean ${q(s)}?` : ''}`,
        span,
        [{ span: matrix.keySpan, message: `the matrix of ${where}` }],
        { action: ownerName, axis: r.name, ...(s ? { suggestion: s } : {}) },
      );
    }
  };
  for (let i = 0; i < keys.length; i++) {
    const name = (keys[i] as LNode).value as string;
    if (!(TEMPLATED as readonly string[]).includes(name)) continue;
    const v = values[i];
    if (v === undefined) continue;
    if (v.type === 'string') check(v);
    else if (v.type === 'array') for (const it of v.items ?? []) check(it);
    else if (v.type === 'object' && name === 'env') for (const ev of v.values ?? []) if (ev) check(ev);
  }
}
