import type { ActionModel, ResourceDecl, ResourceUse, StringRef } from '../core/model';
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
  | { readonly kind: 'resource-decl'; readonly decl: ResourceDecl };

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
    return undefined;
  }
  for (const decl of graph.resources) {
    if (spanContains(decl.keySpan, offset)) return { kind: 'resource-decl', decl };
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
