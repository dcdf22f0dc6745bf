/**
 * Named artifacts (SPEC §10, pexen's requires/provides): `"provides": ["schema"]` on one action
 * and `"requires": ["schema"]` on another add a dependency of the second on the first, exactly
 * like a `dependsOn` edge (resolved into `deps`, so plan, run, report, graph view and critical
 * path all follow, and cycle analysis sees it). parse.ts reads the lists (`parseArtifactList`);
 * analyze.ts resolves them (`resolveArtifacts`) after `dependsOn`. Pure: no node:*.
 *
 * Diagnostics, all on the name's string:
 * - `unknown-artifact` (error): a required name no action provides ("did you mean").
 * - `duplicate-artifact` (error): a name two actions provide, on each `provides` string, with
 *   related information pointing at the others; (warning) a name one action lists twice.
 * - `self-artifact` (error): an action that requires a name it provides itself.
 * - `duplicate-dependency` (warning): a name one action requires twice.
 * - a cycle through artifacts is a `cycle` diagnostic on the `requires` string (analyze.ts).
 */
import type { RelatedInfo } from './diagnostics';
import type { StringRef } from './model';
import { describeNode, spanOf, type DiagnosticSink, type LNode } from './parse';
import { closest } from './suggest';

function q(s: string): string {
  return `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;
}

/** `requires` / `provides`: an array of non-empty names (strings with their spans), or undefined (reported). */
export function parseArtifactList(v: LNode, sink: DiagnosticSink, where: string, name: 'requires' | 'provides'): StringRef[] | undefined {
  if (v.type !== 'array') {
    sink.error(`${where}: '${name}' must be an array of artifact names, e.g. ["schema"], got ${describeNode(v)}`, spanOf(v));
    return undefined;
  }
  const refs: StringRef[] = [];
  for (const it of v.items ?? []) {
    if (it.type !== 'string') sink.error(`${where}: '${name}' entries must be artifact names (strings), got ${describeNode(it)}`, spanOf(it));
    else if (it.value === '') sink.error(`${where}: artifact names cannot be empty`, spanOf(it));
    else refs.push({ value: it.value as string, span: spanOf(it) });
  }
  return refs;
}

/** What resolution needs of an action (parse.ts's MutableAction). */
export interface ArtifactAction {
  readonly id: string;
  readonly index: number;
  readonly provides?: readonly StringRef[] | undefined;
  readonly requires?: readonly StringRef[] | undefined;
  deps: string[];
}

/** The `requires` strings of action `from` that make its edge to action `to` (for cycle diagnostics). */
export type ArtifactEdges = (from: number, to: number) => readonly StringRef[];

/** The first earlier string in `refs[0..k)` with the same value (short lists scan; long ones use `index`). */
function repeatOf(refs: readonly StringRef[], k: number, index: Map<string, StringRef> | undefined): StringRef | undefined {
  const ref = refs[k] as StringRef;
  if (index !== undefined) {
    const first = index.get(ref.value);
    if (first === undefined) index.set(ref.value, ref);
    return first;
  }
  for (let j = 0; j < k; j++) if ((refs[j] as StringRef).value === ref.value) return refs[j];
  return undefined;
}

/**
 * Adds each `requires` name's provider(s) to `deps` and `adj` (no self, no repeats) and reports
 * the diagnostics above. Returns the edges made by `requires` strings, or undefined when no
 * action requires or provides anything (the usual graph: nothing done).
 */
export function resolveArtifacts(actions: readonly ArtifactAction[], adj: number[][], sink: DiagnosticSink): ArtifactEdges | undefined {
  if (!actions.some((a) => a.provides !== undefined || a.requires !== undefined)) return undefined;
  // name -> its providers' strings, in file order (one per action: its first listing).
  const providers = new Map<string, { action: ArtifactAction; ref: StringRef }[]>();
  for (const a of actions) {
    const provides = a.provides ?? [];
    const index = provides.length > 8 ? new Map<string, StringRef>() : undefined;
    for (let k = 0; k < provides.length; k++) {
      const ref = provides[k] as StringRef;
      const first = repeatOf(provides, k, index);
      if (first !== undefined) {
        sink.add('duplicate-artifact', 'warning', `action ${q(a.id)} lists provided artifact ${q(ref.value)} more than once`, ref.span, [{ span: first.span, message: 'first listed here' }], {
          action: a.id,
          artifact: ref.value,
        });
        continue;
      }
      let list = providers.get(ref.value);
      if (list === undefined) providers.set(ref.value, (list = []));
      list.push({ action: a, ref });
    }
  }
  for (const [name, list] of providers) {
    if (list.length < 2) continue;
    const ids = list.map((p) => q(p.action.id));
    for (const p of list) {
      const related: RelatedInfo[] = list.filter((o) => o !== p).map((o) => ({ span: o.ref.span, message: `also provided by ${q(o.action.id)}` }));
      sink.add(
        'duplicate-artifact',
        'error',
        `artifact ${q(name)} is provided by ${list.length} actions (${ids.join(', ')}); exactly one action may provide it`,
        p.ref.span,
        related,
        { action: p.action.id, artifact: name },
      );
    }
  }
  const names = [...providers.keys()];
  for (const a of actions) {
    const reqs = a.requires;
    if (reqs === undefined || reqs.length === 0) continue;
    const out = adj[a.index];
    if (out === undefined) continue;
    const index = reqs.length > 8 ? new Map<string, StringRef>() : undefined;
    for (let k = 0; k < reqs.length; k++) {
      const ref = reqs[k] as StringRef;
      const first = repeatOf(reqs, k, index);
      if (first !== undefined) {
        sink.add('duplicate-dependency', 'warning', `action ${q(a.id)} requires ${q(ref.value)} more than once`, ref.span, [{ span: first.span, message: 'first listed here' }], {
          action: a.id,
          artifact: ref.value,
        });
        continue;
      }
      const list = providers.get(ref.value);
      if (list === undefined) {
        const s = closest(ref.value, names);
        const related = s !== undefined ? [{ span: (providers.get(s)?.[0]?.ref ?? ref).span, message: `${q(s)} is provided here` }] : [];
        sink.add(
          'unknown-artifact',
          'error',
          `action ${q(a.id)} requires ${q(ref.value)}, which no action provides${names.length === 0 ? " (no action has 'provides')" : ''}${s !== undefined ? `; did you mean ${q(s)}?` : ''}`,
          ref.span,
          related,
          { action: a.id, artifact: ref.value, ...(s !== undefined ? { suggestion: s } : {}) },
        );
        continue;
      }
      for (const p of list) {
        if (p.action === a) {
          sink.add('self-artifact', 'error', `action ${q(a.id)} requires ${q(ref.value)}, which it provides itself`, ref.span, [{ span: p.ref.span, message: `${q(a.id)} provides ${q(ref.value)} here` }], {
            action: a.id,
            artifact: ref.value,
          });
          continue;
        }
        const to = p.action.index;
        if (!out.includes(to)) {
          out.push(to);
          a.deps.push(p.action.id);
        }
      }
    }
  }
  // Asked only for the edges of a cycle (rare): no per-edge bookkeeping for the usual graph.
  return (from, to) => {
    const a = actions[from];
    const target = actions[to];
    if (a === undefined || target === undefined || a === target) return NO_REFS;
    const out: StringRef[] = [];
    const seen = new Set<string>();
    for (const ref of a.requires ?? []) {
      if (seen.has(ref.value)) continue; // a repeat (duplicate-dependency) makes no edge of its own
      seen.add(ref.value);
      if (providers.get(ref.value)?.some((p) => p.action === target) === true) out.push(ref);
    }
    return out;
  };
}

const NO_REFS: readonly StringRef[] = [];
