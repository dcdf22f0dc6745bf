import type { ActionModel, ResourceDecl, ResourceUse, StringRef } from '../core/model';
import type { LockDecl, LockUse } from '../core/locks';
import type { Graph } from '../core/model';
import { dependents } from '../core/graph';
import { selectorBase } from '../core/matrix';
import { spanContains } from '../core/text';

/** What the cursor is on, in terms of the graph model. */
export type Target =
  | { readonly kind: 'action-key'; readonly action: ActionModel }
  | {
      readonly kind: 'dependency';
      readonly owner: ActionModel;
      readonly ref: StringRef;
      readonly target: ActionModel | undefined;
    }
  | {
      readonly kind: 'resource-use';
      readonly owner: ActionModel;
      readonly use: ResourceUse;
      readonly decl: ResourceDecl | undefined;
    }
  | { readonly kind: 'resource-decl'; readonly decl: ResourceDecl }
  /** SPEC §10: a `requires` string, with the action that provides it (the first, when several do). */
  | { readonly kind: 'requires'; readonly owner: ActionModel; readonly ref: StringRef; readonly provider: { readonly action: ActionModel; readonly ref: StringRef } | undefined }
  | { readonly kind: 'provides'; readonly owner: ActionModel; readonly ref: StringRef }
  | { readonly kind: 'lock-use'; readonly owner: ActionModel; readonly use: LockUse; readonly decl: LockDecl | undefined }
  | { readonly kind: 'lock-decl'; readonly decl: LockDecl };

/** The action providing `name` (the first in file order when several do), with its `provides` string. */
export function providerOf(graph: Graph, name: string): { action: ActionModel; ref: StringRef } | undefined {
  for (const a of graph.actions) {
    const ref = a.provides?.find((r) => r.value === name);
    if (ref !== undefined) return { action: a, ref };
  }
  return undefined;
}

/** Every `requires` and `provides` string naming artifact `name`, in file order. */
export function artifactRefs(graph: Graph, name: string): { owner: ActionModel; ref: StringRef; provides: boolean }[] {
  const out: { owner: ActionModel; ref: StringRef; provides: boolean }[] = [];
  for (const a of graph.actions) {
    const both = [...(a.provides ?? []).map((ref) => ({ ref, provides: true })), ...(a.requires ?? []).map((ref) => ({ ref, provides: false }))];
    both.sort((x, y) => x.ref.span.offset - y.ref.span.offset);
    for (const x of both) if (x.ref.value === name) out.push({ owner: a, ...x });
  }
  return out;
}

/** The action whose property span contains the offset (actions are in file order, spans disjoint). */
export function actionAt(graph: Graph, offset: number): ActionModel | undefined {
  const actions = graph.actions;
  let lo = 0;
  let hi = actions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const a = actions[mid] as ActionModel;
    if (offset < a.span.offset) hi = mid - 1;
    else if (offset > a.span.offset + a.span.length) lo = mid + 1;
    else return a;
  }
  return undefined;
}

export function locate(graph: Graph, offset: number): Target | undefined {
  const action = actionAt(graph, offset);
  if (action !== undefined) {
    if (spanContains(action.keySpan, offset)) return { kind: 'action-key', action };
    for (const ref of action.dependsOn) {
      if (spanContains(ref.span, offset)) {
        // SPEC §10: a selector `test[python=3.11]` refers to the matrix action `test`.
        return { kind: 'dependency', owner: action, ref, target: graph.byId.get(ref.value) ?? (ref.value.includes('[') ? graph.byId.get(selectorBase(ref.value)) : undefined) };
      }
    }
    for (const use of action.resources) {
      if (spanContains(use.keySpan, offset)) {
        return { kind: 'resource-use', owner: action, use, decl: graph.resources.find((r) => r.name === use.name) };
      }
    }
    for (const ref of action.requires ?? []) {
      if (spanContains(ref.span, offset)) return { kind: 'requires', owner: action, ref, provider: providerOf(graph, ref.value) };
    }
    for (const ref of action.provides ?? []) {
      if (spanContains(ref.span, offset)) return { kind: 'provides', owner: action, ref };
    }
    for (const use of action.locks ?? []) {
      if (spanContains(use.keySpan, offset)) return { kind: 'lock-use', owner: action, use, decl: graph.locks?.find((l) => l.name === use.name) };
    }
    return undefined;
  }
  for (const decl of graph.resources) {
    if (spanContains(decl.keySpan, offset)) return { kind: 'resource-decl', decl };
  }
  for (const decl of graph.locks ?? []) {
    if (spanContains(decl.span, offset)) return { kind: 'lock-decl', decl };
  }
  return undefined;
}

/** The action id named at the cursor (on its key or on a reference to an existing action). */
export function actionIdAt(graph: Graph, offset: number): string | undefined {
  const t = locate(graph, offset);
  if (t === undefined) return undefined;
  if (t.kind === 'action-key') return t.action.id;
  if (t.kind === 'dependency') return t.target?.id;
  return undefined;
}

/** Every `dependsOn` string naming `id` (or a selector of its expansions, `id[axis=value]`), in file order. */
export function referencesTo(graph: Graph, id: string): { owner: ActionModel; ref: StringRef }[] {
  const out: { owner: ActionModel; ref: StringRef }[] = [];
  for (const a of graph.actions) {
    for (const ref of a.dependsOn) if (ref.value === id || (ref.value.includes('[') && selectorBase(ref.value) === id)) out.push({ owner: a, ref });
  }
  return out;
}

/** Ids that depend on `id`, transitively (core's direct `dependents` map, walked). */
export function transitiveDependents(graph: Graph, id: string): Set<string> {
  const reverse = dependents(graph);
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const cur = stack.pop() as string;
    for (const d of reverse.get(cur) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}
