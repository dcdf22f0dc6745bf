import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import type { DocAnalysis } from '../documents';
import { toRange } from '../convert';
import type { Span } from '../../core/text';

/** Above this many actions, actions are listed without their children. */
export const MAX_ACTIONS_WITH_CHILDREN = 5000;

/**
 * The outline: "resources" (each declared resource) and "actions" (each action, with its
 * dependencies and the resources it holds as children). Other top-level fields are left out.
 */
export function documentSymbols(da: DocAnalysis): DocumentSymbol[] {
  const { graph, lineIndex: li } = da.analysis;
  const sym = (name: string, kind: SymbolKind, span: Span, sel: Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => {
    // VS Code rejects empty symbol names (e.g. a half-typed "" in dependsOn)
    const s: DocumentSymbol = { name: name.trim() === '' ? JSON.stringify(name) : name, kind, range: toRange(li, span), selectionRange: toRange(li, sel) };
    if (detail !== undefined) s.detail = detail;
    if (children !== undefined) s.children = children;
    return s;
  };
  const enclosing = (spans: Span[]): Span => {
    const start = Math.min(...spans.map((s) => s.offset));
    const end = Math.max(...spans.map((s) => s.offset + s.length));
    return { offset: start, length: end - start };
  };
  const spanWithin = (x: Span, outer: Span): boolean => x.offset >= outer.offset && x.offset + x.length <= outer.offset + outer.length;
  const out: DocumentSymbol[] = [];
  if (graph.resources.length > 0) {
    const children = graph.resources.map((r) =>
      sym(r.name, SymbolKind.Variable, r.span, r.keySpan, r.capacity === Infinity ? 'unlimited' : String(r.capacity)),
    );
    const all = enclosing(graph.resources.map((r) => r.span));
    out.push(sym('resources', SymbolKind.Namespace, all, all, undefined, children));
  }
  const locks = graph.locks ?? [];
  if (locks.length > 0) {
    // SPEC §10: each declared lock name
    const all = enclosing(locks.map((l) => l.span));
    out.push(sym('locks', SymbolKind.Namespace, all, all, undefined, locks.map((l) => sym(l.name, SymbolKind.Variable, l.span, l.span, 'lock'))));
  }
  if (graph.actions.length > 0) {
    // a very large graph gets a flat list of actions: the outline stays responsive
    const flat = graph.actions.length > MAX_ACTIONS_WITH_CHILDREN;
    const children = graph.actions.map((a) => {
      const kids: DocumentSymbol[] = flat ? [] : [
        ...a.dependsOn.map((d) => sym(d.value, SymbolKind.Key, d.span, d.span, 'dependency')),
        ...a.resources.map((u) => sym(u.name, SymbolKind.Variable, u.keySpan, u.keySpan, `resource × ${u.amount}`)),
        ...(a.requires ?? []).map((r) => sym(r.value, SymbolKind.Key, r.span, r.span, 'requires')),
        ...(a.provides ?? []).map((r) => sym(r.value, SymbolKind.Key, r.span, r.span, 'provides')),
        ...(a.locks ?? []).filter((l) => spanWithin(l.keySpan, a.span)).map((l) => sym(l.name, SymbolKind.Variable, l.keySpan, l.keySpan, `lock, ${l.mode}`)),
      ];
      const detail = a.description ?? (a.command === undefined ? undefined : a.command.kind === 'shell' ? a.command.line : a.command.argv.join(' '));
      return sym(a.id, SymbolKind.Function, a.span, a.keySpan, detail, kids);
    });
    const all = enclosing(graph.actions.map((a) => a.span));
    out.push(sym('actions', SymbolKind.Namespace, all, all, undefined, children));
  }
  return out;
}
