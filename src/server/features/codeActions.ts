import { findNodeAtLocation, findNodeAtOffset, parseTree, type Node as JsonNode } from 'jsonc-parser';
import { CodeActionKind, type CodeAction, type Range, type TextEdit } from 'vscode-languageserver/node';
import type { Diagnostic } from '../../core/diagnostics';
import type { Span } from '../../core/text';
import type { DocAnalysis } from '../documents';
import { toLspDiagnostic, toRange } from '../convert';
import { actionAt } from '../locate';

/** Codes whose fix is to delete the offending `dependsOn` (or `requires`) string. */
const REMOVABLE = new Set<string>(['unknown-dependency', 'self-dependency', 'cycle', 'duplicate-dependency', 'unknown-artifact', 'self-artifact']);

/**
 * SPEC §10: the edit declaring lock `name` in the top-level `locks` — appended to the array,
 * or a new `"locks": [name]` property before `"actions"` (else first in the object).
 */
export function declareLockEdit(da: DocAnalysis, name: string): TextEdit | undefined {
  const root = parseTree(da.text);
  if (root === undefined || root.type !== 'object') return undefined;
  const li = da.analysis.lineIndex;
  const insert = (offset: number, newText: string): TextEdit => ({ range: toRange(li, { offset, length: 0 }), newText });
  const locks = findNodeAtLocation(root, ['locks']);
  if (locks !== undefined) {
    if (locks.type !== 'array') return undefined;
    const items = locks.children ?? [];
    const last = items[items.length - 1];
    return last === undefined ? insert(locks.offset + 1, JSON.stringify(name)) : insert(last.offset + last.length, `, ${JSON.stringify(name)}`);
  }
  const props = root.children ?? [];
  const actions = props.find((p) => p.children?.[0]?.value === 'actions');
  const before = actions ?? props[0];
  if (before === undefined) return insert(root.offset + 1, `"locks": [${JSON.stringify(name)}]`);
  const lineStart = da.text.lastIndexOf('\n', before.offset - 1) + 1;
  const indent = /^[ \t]*/.exec(da.text.slice(lineStart, before.offset))?.[0] ?? '';
  const onOwnLine = da.text.slice(lineStart, before.offset).trim() === '';
  return insert(before.offset, `"locks": [${JSON.stringify(name)}],${onOwnLine ? `\n${indent}` : ' '}`);
}

/**
 * The edit deleting one array element together with its separating comma, so the result
 * stays valid: `[a, x, c]` -> `[a, c]`, `[a, x]` -> `[a]`, `[x]` -> `[]`.
 */
export function removeElementEdit(da: DocAnalysis, elementSpan: Span): TextEdit | undefined {
  const li = da.analysis.lineIndex;
  // Parse only the enclosing action (`"id": {…}` wrapped in braces): the server does not keep
  // the whole document's syntax tree around.
  const owner = actionAt(da.analysis.graph, elementSpan.offset);
  const base = owner === undefined ? 0 : owner.span.offset - 1;
  const root = owner === undefined ? parseTree(da.text) : parseTree(`{${da.text.slice(owner.span.offset, owner.span.offset + owner.span.length)}}`);
  if (root === undefined) return undefined;
  let node: JsonNode | undefined = findNodeAtOffset(root, elementSpan.offset - base + 1, true);
  while (node !== undefined && node.parent?.type !== 'array') node = node.parent;
  const array = node?.parent;
  if (node === undefined || array === undefined || array.children === undefined) return undefined;
  const items = array.children;
  const i = items.indexOf(node);
  const next = items[i + 1];
  const prev = items[i - 1];
  let start: number;
  let end: number;
  if (next !== undefined) {
    start = node.offset;
    end = next.offset;
  } else if (prev !== undefined) {
    start = prev.offset + prev.length;
    end = node.offset + node.length;
  } else {
    start = node.offset;
    end = node.offset + node.length;
    // a lone element with a trailing comma: take the comma too
    const m = /^\s*,/.exec(da.text.slice(end + base, array.offset + array.length + base));
    if (m !== null) end += m[0].length;
  }
  return { range: toRange(li, { offset: start + base, length: end - start }), newText: '' };
}

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** Quick fixes for the analysis' diagnostics that touch `range`. */
export function codeActions(da: DocAnalysis, range: Range): CodeAction[] {
  const { diagnostics, lineIndex: li } = da.analysis;
  const out: CodeAction[] = [];
  const fix = (title: string, d: Diagnostic, edit: TextEdit, preferred: boolean): void => {
    out.push({
      title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [toLspDiagnostic(da.uri, li, d)],
      isPreferred: preferred,
      edit: { changes: { [da.uri]: [edit] } },
    });
  };
  for (const d of diagnostics) {
    if (!overlaps(toRange(li, d.span), range)) continue;
    const suggestion = d.data?.suggestion;
    const value = da.text.slice(d.span.offset + 1, d.span.offset + d.span.length - 1);
    // did-you-mean: an unknown dependency or resource, or an unknown property name (schema)
    if (suggestion !== undefined && (d.code === 'unknown-dependency' || d.code === 'unknown-resource' || d.code === 'schema' || d.code === 'unknown-lock' || d.code === 'unknown-artifact' || d.code === 'invalid-selector')) {
      fix(`Change to '${suggestion}'`, d, { range: toRange(li, d.span), newText: JSON.stringify(suggestion) }, true);
    }
    const lock = d.code === 'unknown-lock' ? d.data?.lock : undefined;
    if (lock !== undefined) {
      const edit = declareLockEdit(da, lock);
      if (edit !== undefined) fix(`Declare lock '${lock}' in the top-level "locks"`, d, edit, suggestion === undefined);
    }
    // SPEC §10: a misspelled axis in `${matrix.x}`, an include/exclude key or a selector.
    if (suggestion !== undefined && d.code === 'unknown-matrix-axis') {
      const text = da.text.slice(d.span.offset, d.span.offset + d.span.length);
      const axis = d.data?.axis;
      let newText: string | undefined;
      if (text === `\${matrix.${axis}}`) newText = `\${matrix.${suggestion}}`;
      else if (text === JSON.stringify(axis)) newText = JSON.stringify(suggestion);
      else if (text === axis) newText = suggestion;
      if (newText !== undefined) fix(`Change to '${suggestion}'`, d, { range: toRange(li, d.span), newText }, true);
    }
    if (REMOVABLE.has(d.code)) {
      const edit = removeElementEdit(da, d.span);
      if (edit === undefined) continue;
      const dep = d.data?.dependency ?? value;
      const artifact = d.data?.artifact;
      const title =
        artifact !== undefined
          ? d.code === 'cycle'
            ? `Remove requirement '${artifact}'${d.data?.action !== undefined ? ` of '${d.data.action}'` : ''} (breaks the cycle)`
            : d.code === 'duplicate-dependency'
              ? `Remove duplicate requirement '${artifact}'`
              : `Remove requirement '${artifact}'`
          : d.code === 'cycle'
          ? `Remove dependency '${dep}'${d.data?.action !== undefined ? ` of '${d.data.action}'` : ''} (breaks the cycle)`
          : d.code === 'duplicate-dependency'
            ? `Remove duplicate dependency '${dep}'`
            : `Remove dependency '${dep}'`;
      fix(title, d, edit, suggestion === undefined && d.code !== 'cycle');
    }
  }
  return out;
}
