import { getLocation, type Node as JsonNode } from 'jsonc-parser';
import {
  CompletionItemKind,
  CompletionItemTag,
  InsertTextFormat,
  type CompletionItem,
  type CompletionList,
  type Range,
} from 'vscode-languageserver/node';
import type { DocAnalysis } from '../documents';
import { toRange } from '../convert';
import { transitiveDependents } from '../locate';
import { axisValues, escapeValue, expansions, selectorMatches } from '../../core/matrix';

/** Where in the graph the cursor is, for the completions the schema cannot know. */
type SemanticContext =
  | { readonly kind: 'dependency'; readonly actionId: string; readonly index: number; readonly node: JsonNode | undefined }
  | { readonly kind: 'resource-key'; readonly actionId: string | undefined; readonly node: JsonNode | undefined }
  /** SPEC §10: an entry of an action's `requires`. */
  | { readonly kind: 'artifact'; readonly actionId: string; readonly node: JsonNode | undefined }
  /** A key of an action's (or defaults') `locks`. */
  | { readonly kind: 'lock-key'; readonly actionId: string | undefined; readonly node: JsonNode | undefined }
  /** The mode of a lock in an action's (or defaults') `locks`. */
  | { readonly kind: 'lock-mode'; readonly node: JsonNode | undefined }
  /** An entry of the top-level `locks` declaration. */
  | { readonly kind: 'lock-decl'; readonly node: JsonNode | undefined };

export function semanticContext(text: string, offset: number): SemanticContext | undefined {
  const loc = getLocation(text, offset);
  const p = loc.path;
  const prev = loc.previousNode;
  const node = prev !== undefined && prev.type === 'string' && offset > prev.offset && offset <= prev.offset + prev.length ? prev : undefined;
  if (p.length === 4 && p[0] === 'actions' && typeof p[1] === 'string' && p[2] === 'dependsOn' && typeof p[3] === 'number') {
    return { kind: 'dependency', actionId: p[1], index: p[3], node };
  }
  if (p.length === 4 && p[0] === 'actions' && typeof p[1] === 'string' && p[2] === 'requires' && typeof p[3] === 'number') {
    return { kind: 'artifact', actionId: p[1], node };
  }
  if (p.length === 2 && p[0] === 'locks' && typeof p[1] === 'number') return { kind: 'lock-decl', node };
  const inActionLocks = p.length === 4 && p[0] === 'actions' && typeof p[1] === 'string' && p[2] === 'locks';
  const inDefaultLocks = p.length === 3 && p[0] === 'defaults' && p[1] === 'locks';
  if (inActionLocks || inDefaultLocks) {
    if (loc.isAtPropertyKey) return { kind: 'lock-key', actionId: inActionLocks ? (p[1] as string) : undefined, node };
    return { kind: 'lock-mode', node };
  }
  if (loc.isAtPropertyKey) {
    if (p.length === 4 && p[0] === 'actions' && typeof p[1] === 'string' && p[2] === 'resources') {
      return { kind: 'resource-key', actionId: p[1], node };
    }
    if (p.length === 3 && p[0] === 'defaults' && p[1] === 'resources') {
      return { kind: 'resource-key', actionId: undefined, node };
    }
  }
  return undefined;
}

/** Replace the string token being typed (up to the cursor's line end), or insert at the cursor. */
function replaceRange(da: DocAnalysis, offset: number, node: JsonNode | undefined): Range {
  const li = da.analysis.lineIndex;
  if (node === undefined) return toRange(li, { offset, length: 0 });
  const start = li.positionAt(node.offset);
  const end = li.positionAt(node.offset + node.length);
  const cursor = li.positionAt(offset);
  if (end.line !== cursor.line || start.line !== cursor.line) {
    return { start: { ...start }, end: { ...cursor } };
  }
  return { start: { ...start }, end: { ...end } };
}

/** At most this many `id[axis=value]` selectors offered per matrix action. */
export const MAX_SELECTORS_PER_ACTION = 100;

/** At most this many action ids in one completion list. */
export const MAX_ITEMS = 1000;

function snippetEscape(s: string): string {
  return s.replace(/[$}\\]/g, '\\$&');
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

export function semanticCompletion(da: DocAnalysis, offset: number): CompletionList | undefined {
  const ctx = semanticContext(da.text, offset);
  if (ctx === undefined) return undefined;
  const graph = da.analysis.graph;
  const range = replaceRange(da, offset, ctx.node);
  const items: CompletionItem[] = [];
  let incomplete = false;
  if (ctx.kind === 'dependency') {
    const self = graph.byId.get(ctx.actionId);
    const listed = new Set<string>();
    self?.dependsOn.forEach((r) => {
      if (ctx.node === undefined || r.span.offset !== ctx.node.offset) listed.add(r.value);
    });
    const closing = transitiveDependents(graph, ctx.actionId);
    // Huge graphs: filter by what is typed so far and send at most MAX_ITEMS; the list is
    // then incomplete and the client asks again as the user types.
    const typed = ctx.node === undefined ? '' : da.text.slice(ctx.node.offset + 1, offset).toLowerCase();
    const huge = graph.actions.length > MAX_ITEMS;
    for (const a of graph.actions) {
      if (a.id === ctx.actionId || listed.has(a.id)) continue;
      if (huge && !a.id.toLowerCase().includes(typed)) continue;
      if (huge && items.length >= MAX_ITEMS) {
        incomplete = true;
        break;
      }
      const text = JSON.stringify(a.id);
      const cycle = closing.has(a.id);
      const item: CompletionItem = {
        label: a.id,
        kind: CompletionItemKind.Reference,
        detail: cycle
          ? `would close a cycle: '${a.id}' depends on '${ctx.actionId}'`
          : a.description ?? (a.command?.kind === 'shell' ? a.command.line : a.command?.argv.join(' ')),
        filterText: text,
        sortText: `${cycle ? '1' : '0'}${pad(a.index)}`,
        textEdit: { range, newText: text },
      };
      if (cycle) {
        item.tags = [CompletionItemTag.Deprecated];
        // Why it is struck out, on the item's own line (not only in the expanded details).
        item.labelDetails = { description: 'would close a cycle' };
      }
      items.push(item);
      if (a.matrix !== undefined) {
        // SPEC §10: `test` is every expansion; offer `test[axis=value]` for each value of each axis.
        item.labelDetails = { ...item.labelDetails, detail: ` (${expansions(a).length} expansions)` };
        // A matrix action depending on another through an axis both have: the per-combination
        // selector `build[os=${matrix.os}]` (each expansion waits for the one with its own os), first.
        const own = self?.matrix !== undefined ? new Set(self.matrix.axes.map((x) => x.name)) : undefined;
        if (own !== undefined) {
          for (const axis of axisValues(a).keys()) {
            if (!own.has(axis)) continue;
            const sel = `${a.id}[${axis}=\${matrix.${axis}}]`;
            if (listed.has(sel)) continue;
            const selText = JSON.stringify(sel);
            items.push({
              label: sel,
              kind: CompletionItemKind.Reference,
              detail: `per combination: each expansion of '${ctx.actionId}' waits for the expansions of '${a.id}' with its own ${axis}${cycle ? ' (would close a cycle)' : ''}`,
              filterText: selText,
              sortText: `${cycle ? '1' : '0'}${pad(a.index)}.`,
              textEdit: { range, newText: selText },
              ...(cycle ? { tags: [CompletionItemTag.Deprecated] } : {}),
            });
          }
        }
        let k = 0;
        for (const [axis, values] of axisValues(a)) {
          for (const v of values) {
            if (k >= MAX_SELECTORS_PER_ACTION) break;
            const sel = `${a.id}[${axis}=${escapeValue(v)}]`;
            if (listed.has(sel) || (huge && !sel.toLowerCase().includes(typed))) continue;
            const selText = JSON.stringify(sel);
            items.push({
              label: sel,
              kind: CompletionItemKind.Reference,
              detail: `${selectorMatches(graph, sel).length} of ${expansions(a).length} expansions of '${a.id}'${cycle ? ' (would close a cycle)' : ''}`,
              filterText: selText,
              sortText: `${cycle ? '1' : '0'}${pad(a.index)}.${pad(k++)}`,
              textEdit: { range, newText: selText },
              ...(cycle ? { tags: [CompletionItemTag.Deprecated] } : {}),
            });
          }
        }
      }
    }
  } else if (ctx.kind === 'artifact') {
    // Names other actions provide, not yet required here; never the action's own (self-artifact).
    const self = graph.byId.get(ctx.actionId);
    const listed = new Set<string>();
    self?.requires?.forEach((r) => {
      if (ctx.node === undefined || r.span.offset !== ctx.node.offset) listed.add(r.value);
    });
    self?.provides?.forEach((r) => listed.add(r.value));
    const closing = transitiveDependents(graph, ctx.actionId);
    const seen = new Set<string>();
    for (const a of graph.actions) {
      for (const ref of a.provides ?? []) {
        if (a.id === ctx.actionId || listed.has(ref.value) || seen.has(ref.value)) continue;
        seen.add(ref.value);
        if (items.length >= MAX_ITEMS) {
          incomplete = true;
          break;
        }
        const text = JSON.stringify(ref.value);
        const cycle = closing.has(a.id);
        const item: CompletionItem = {
          label: ref.value,
          kind: CompletionItemKind.Reference,
          detail: cycle ? `would close a cycle: '${a.id}' depends on '${ctx.actionId}'` : `provided by '${a.id}'`,
          filterText: text,
          sortText: `${cycle ? '1' : '0'}${pad(a.index)}`,
          textEdit: { range, newText: text },
        };
        if (cycle) {
          item.tags = [CompletionItemTag.Deprecated];
          item.labelDetails = { description: 'would close a cycle' };
        }
        items.push(item);
      }
    }
  } else if (ctx.kind === 'lock-key') {
    const owner = ctx.actionId === undefined ? undefined : graph.byId.get(ctx.actionId);
    const used = new Set<string>();
    owner?.locks?.forEach((u) => {
      if (ctx.node === undefined || u.keySpan.offset !== ctx.node.offset) used.add(u.name);
    });
    (graph.locks ?? []).forEach((l, i) => {
      if (used.has(l.name)) return;
      const text = JSON.stringify(l.name);
      items.push({
        label: l.name,
        kind: CompletionItemKind.Variable,
        detail: 'lock: shared or exclusive',
        filterText: text,
        sortText: pad(i),
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range, newText: ctx.node === undefined ? `${snippetEscape(text)}: "\${1|exclusive,shared|}"` : snippetEscape(text) },
      });
    });
  } else if (ctx.kind === 'lock-mode') {
    const modes = [
      ['exclusive', 'alone: no other holder of this lock at the same time'],
      ['shared', 'together with other shared holders, never beside an exclusive one'],
    ] as const;
    modes.forEach(([mode, detail], i) => {
      const text = JSON.stringify(mode);
      items.push({ label: text, kind: CompletionItemKind.EnumMember, detail, filterText: text, sortText: pad(i), textEdit: { range, newText: text } });
    });
  } else if (ctx.kind === 'lock-decl') {
    // Names actions take but the declaration lacks (what an unknown-lock error asks for).
    const declared = new Set((graph.locks ?? []).map((l) => l.name));
    const wanted = new Set<string>();
    for (const d of da.analysis.diagnostics) {
      const name = d.code === 'unknown-lock' ? d.data?.lock : undefined;
      if (name !== undefined && !declared.has(name)) wanted.add(name);
    }
    [...wanted].forEach((name, i) => {
      const text = JSON.stringify(name);
      items.push({ label: name, kind: CompletionItemKind.Variable, detail: 'taken by an action, not declared yet', filterText: text, sortText: pad(i), textEdit: { range, newText: text } });
    });
  } else {
    const owner = ctx.actionId === undefined ? undefined : graph.byId.get(ctx.actionId);
    const used = new Set<string>();
    owner?.resources.forEach((u) => {
      if (ctx.node === undefined || u.keySpan.offset !== ctx.node.offset) used.add(u.name);
    });
    graph.resources.forEach((r, i) => {
      if (used.has(r.name)) return;
      const text = JSON.stringify(r.name);
      items.push({
        label: r.name,
        kind: CompletionItemKind.Variable,
        detail: `resource, capacity ${r.capacity === Infinity ? 'unlimited' : r.capacity}`,
        filterText: text,
        sortText: pad(i),
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range, newText: ctx.node === undefined ? `${snippetEscape(text)}: \${1:1}` : snippetEscape(text) },
      });
    });
  }
  return { isIncomplete: incomplete, items };
}
