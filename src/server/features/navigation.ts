import { ResponseError, ErrorCodes, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { DocAnalysis } from '../documents';
import { innerSpan, toRange } from '../convert';
import { artifactRefs, locate, referencesTo } from '../locate';

/** Action ids (SPEC §1). */
export const ACTION_ID = /^[A-Za-z0-9_.:/-]+$/;

export function definition(da: DocAnalysis, offset: number): Location[] {
  const t = locate(da.analysis.graph, offset);
  const li = da.analysis.lineIndex;
  if (t === undefined) return [];
  switch (t.kind) {
    case 'action-key':
      return [{ uri: da.uri, range: toRange(li, t.action.keySpan) }];
    case 'dependency':
      return t.target === undefined ? [] : [{ uri: da.uri, range: toRange(li, t.target.keySpan) }];
    case 'resource-use':
      return t.decl === undefined ? [] : [{ uri: da.uri, range: toRange(li, t.decl.keySpan) }];
    case 'resource-decl':
      return [{ uri: da.uri, range: toRange(li, t.decl.keySpan) }];
    case 'requires':
      // Every provider (one, unless the file has a duplicate-artifact error).
      return artifactRefs(da.analysis.graph, t.ref.value)
        .filter((x) => x.provides)
        .map((x) => ({ uri: da.uri, range: toRange(li, x.ref.span) }));
    case 'provides':
      return [{ uri: da.uri, range: toRange(li, t.ref.span) }];
    case 'lock-use':
      return t.decl === undefined ? [] : [{ uri: da.uri, range: toRange(li, t.decl.span) }];
    case 'lock-decl':
      return [{ uri: da.uri, range: toRange(li, t.decl.span) }];
    default: {
      const never: never = t;
      return never;
    }
  }
}

export function references(da: DocAnalysis, offset: number, includeDeclaration: boolean): Location[] {
  const graph = da.analysis.graph;
  const li = da.analysis.lineIndex;
  const t = locate(graph, offset);
  if (t === undefined) return [];
  if (t.kind === 'resource-use' || t.kind === 'resource-decl') {
    const name = t.kind === 'resource-use' ? t.use.name : t.decl.name;
    const decl = graph.resources.find((r) => r.name === name);
    const out: Location[] = [];
    if (includeDeclaration && decl !== undefined) out.push({ uri: da.uri, range: toRange(li, decl.keySpan) });
    for (const a of graph.actions) {
      for (const u of a.resources) if (u.name === name) out.push({ uri: da.uri, range: toRange(li, u.keySpan) });
    }
    return out;
  }
  if (t.kind === 'requires' || t.kind === 'provides') {
    // The providers' strings are the declaration; every `requires` string a reference.
    return artifactRefs(graph, t.ref.value)
      .filter((x) => includeDeclaration || !x.provides)
      .map((x) => ({ uri: da.uri, range: toRange(li, x.ref.span) }));
  }
  if (t.kind === 'lock-use' || t.kind === 'lock-decl') {
    const name = t.kind === 'lock-use' ? t.use.name : t.decl.name;
    const out: Location[] = [];
    const decl = graph.locks?.find((l) => l.name === name);
    if (includeDeclaration && decl !== undefined) out.push({ uri: da.uri, range: toRange(li, decl.span) });
    for (const a of graph.actions) {
      for (const u of a.locks ?? []) if (u.name === name) out.push({ uri: da.uri, range: toRange(li, u.keySpan) });
    }
    return out;
  }
  const id = t.kind === 'action-key' ? t.action.id : t.ref.value;
  const target = graph.byId.get(id);
  const out: Location[] = [];
  if (includeDeclaration && target !== undefined) out.push({ uri: da.uri, range: toRange(li, target.keySpan) });
  for (const { ref } of referencesTo(graph, id)) out.push({ uri: da.uri, range: toRange(li, ref.span) });
  return out;
}

export function prepareRename(da: DocAnalysis, offset: number): { range: Range; placeholder: string } | null {
  const t = locate(da.analysis.graph, offset);
  const li = da.analysis.lineIndex;
  if (t?.kind === 'action-key') return { range: toRange(li, innerSpan(t.action.keySpan)), placeholder: t.action.id };
  if (t?.kind === 'dependency') {
    if (t.target === undefined) throw new ResponseError(ErrorCodes.InvalidRequest, `'${t.ref.value}' is not an action of this graph.`);
    if (t.ref.value !== t.target.id) return { range: toRange(li, { offset: t.ref.span.offset + 1, length: t.target.id.length }), placeholder: t.target.id };
    return { range: toRange(li, innerSpan(t.ref.span)), placeholder: t.ref.value };
  }
  throw new ResponseError(ErrorCodes.InvalidRequest, 'Only action ids can be renamed.');
}

export function rename(da: DocAnalysis, offset: number, newName: string): WorkspaceEdit {
  const graph = da.analysis.graph;
  const li = da.analysis.lineIndex;
  const t = locate(graph, offset);
  const id = t?.kind === 'action-key' ? t.action.id : t?.kind === 'dependency' ? t.target?.id : undefined;
  if (id === undefined) throw new ResponseError(ErrorCodes.InvalidRequest, 'Only action ids can be renamed.');
  if (newName === id) return { changes: { [da.uri]: [] } };
  if (!ACTION_ID.test(newName)) {
    throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' is not a valid action id: use letters, digits and _ . : / -`);
  }
  if (graph.byId.has(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `An action '${newName}' already exists.`);
  const target = graph.byId.get(id);
  const edits: TextEdit[] = [];
  if (target !== undefined) edits.push({ range: toRange(li, innerSpan(target.keySpan)), newText: newName });
  for (const { ref } of referencesTo(graph, id)) {
    // A selector `id[axis=value]`: only its action id changes (ids never need escapes in JSON).
    const span = ref.value === id ? innerSpan(ref.span) : { offset: ref.span.offset + 1, length: id.length };
    edits.push({ range: toRange(li, span), newText: newName });
  }
  return { changes: { [da.uri]: edits } };
}
