/**
 * The validator used by the CLI, the language server and before every run:
 * text -> Graph + sorted diagnostics. Never throws, whatever the input.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { resolveArtifacts } from './artifacts';
import { cycleEdges, cycleMembers, formatCycle } from './cycles';
import type { Diagnostic } from './diagnostics';
import type { Graph, StringRef } from './model';
import { DiagnosticSink, EMPTY_GRAPH, parseGraph, spanOf, type LNode } from './parse';
import { checkSelector, selectorBase } from './matrix';
import { parseDuration } from './duration';
import { closest } from './suggest';
import { LineIndex, type Span } from './text';

export interface Analysis {
  readonly graph: Graph;
  readonly diagnostics: Diagnostic[];
  readonly lineIndex: LineIndex;
  readonly root: Node | undefined;
}

/** Files longer than this (in UTF-16 code units, ~bytes) get a single `too-large` diagnostic. */
export const MAX_ANALYZE_SIZE = 20 * 1024 * 1024;

/** Candidate comparisons allowed for "did you mean" suggestions in one file. */
const SUGGESTION_BUDGET = 5_000_000;


/** The single diagnostic for a file over MAX_ANALYZE_SIZE (`size` in bytes or code units). */
export function tooLargeDiagnostic(size: number): Diagnostic {
  const mb = (n: number) => (Math.round((n / (1024 * 1024)) * 10) / 10).toString();
  return {
    code: 'too-large',
    severity: 'error',
    message: `file too large to analyze (${mb(size)} MB, limit ${mb(MAX_ANALYZE_SIZE)} MB)`,
    span: { offset: 0, length: 0 },
    related: [],
  };
}

/** What the analysis may know about the machine (the core cannot ask: it is pure). */
export interface AnalyzeOptions {
  /**
   * Cores this process may use (`os.availableParallelism()`), passed by the CLI, the language
   * server and the extension: enables the `more-cpus-than-cores` check of `cpuAffinity` graphs.
   */
  readonly availableCores?: number;
}

export function analyzeText(text: string, options: AnalyzeOptions = {}): Analysis {
  if (typeof text !== 'string') text = String(text);
  if (text.length > MAX_ANALYZE_SIZE) {
    return { graph: EMPTY_GRAPH, diagnostics: [tooLargeDiagnostic(text.length)], lineIndex: new LineIndex(''), root: undefined };
  }
  try {
    const { graph, diagnostics, hasTree } = analyzeUnchecked(text, options);
    return lazyAnalysis(graph, diagnostics, text, hasTree);
  } catch (e: unknown) {
    // A bug, not an expected failure: still never throw at the caller.
    const msg = e instanceof Error ? e.message : String(e);
    return {
      graph: EMPTY_GRAPH,
      diagnostics: [{ code: 'syntax', severity: 'error', message: `internal error while analyzing this file: ${msg}`, span: { offset: 0, length: 0 }, related: [] }],
      lineIndex: new LineIndex(text),
      root: undefined,
    };
  }
}

/**
 * The line index and jsonc-parser's full syntax tree are built on first use: validation
 * needs neither, and the full tree of a 10,000-action file is tens of megabytes.
 */
function lazyAnalysis(graph: Graph, diagnostics: Diagnostic[], text: string, hasTree: boolean): Analysis {
  let index: LineIndex | undefined;
  let root: Node | undefined;
  let rootDone = !hasTree; // nesting too deep or no value: no tree (and parseTree could recurse too deep)
  return {
    graph,
    diagnostics,
    get lineIndex(): LineIndex {
      index ??= new LineIndex(text);
      return index;
    },
    get root(): Node | undefined {
      if (!rootDone) {
        rootDone = true;
        try {
          root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
        } catch {
          root = undefined;
        }
      }
      return root;
    },
  };
}

const NO_REFS: readonly StringRef[] = [];

const q = (s: string): string => `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;

function analyzeUnchecked(text: string, options: AnalyzeOptions): { graph: Graph; diagnostics: Diagnostic[]; hasTree: boolean } {
  const parsed = parseGraph(text);
  const { graph, actions, usedResources } = parsed;
  // Only whether there is a tree: the light tree itself can be collected from here on.
  const hasTree = parsed.tree !== undefined;
  const sink = new DiagnosticSink();
  sink.list.push(...parsed.diagnostics);

  // References: unknown, self, duplicate; resolved deps (and their indices) for the runner.
  const ids = actions.map((a) => a.id);
  const adj: number[][] = [];
  const suggestionCache = new Map<string, string | undefined>();
  for (const a of actions) {
    const refs = a.dependsOn;
    // Exact-size arrays (trimmed below when a reference does not resolve).
    const out: number[] = new Array<number>(refs.length);
    const deps: string[] = new Array<string>(refs.length);
    let resolved = 0;
    adj.push(out);
    // Short lists (the usual case) find repeats by scanning; long ones use a map.
    const firstOf = refs.length > 8 ? new Map<string, Span>() : undefined;
    let sawSelector = false;
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k] as (typeof refs)[number];
      let first: Span | undefined;
      if (firstOf) first = firstOf.get(ref.value);
      else {
        for (let j = 0; j < k; j++) {
          const r = refs[j] as (typeof refs)[number];
          if (r.value === ref.value) {
            first = r.span;
            break;
          }
        }
      }
      if (first) {
        sink.add(
          'duplicate-dependency',
          'warning',
          `action ${q(a.id)} lists dependency ${q(ref.value)} more than once`,
          ref.span,
          [{ span: first, message: `first listed here` }],
          { action: a.id, dependency: ref.value },
        );
        continue;
      }
      firstOf?.set(ref.value, ref.span);
      if (ref.value === a.id) {
        sink.add('self-dependency', 'error', `action ${q(a.id)} depends on itself`, ref.span, [], { action: a.id, dependency: ref.value });
        continue;
      }
      let target = graph.byId.get(ref.value);
      // SPEC §10: a selector `test[python=3.11]` is an edge to `test` here (cycles are found on the graph as written).
      let lookup = ref.value;
      let suffix = '';
      if (!target && ref.value.includes('[')) {
        sawSelector = true;
        const c = checkSelector(graph, a, ref);
        if (c.kind === 'self') {
          sink.add('self-dependency', 'error', `action ${q(a.id)} depends on itself (${q(ref.value)} selects its own expansions)`, ref.span, [], { action: a.id, dependency: ref.value });
          continue;
        }
        if (c.kind === 'problem') {
          sink.add(c.code, 'error', c.message, c.span, c.related, c.data);
          continue;
        }
        if (c.kind === 'ok') target = c.target;
        else {
          lookup = c.base;
          suffix = ref.value.slice(c.base.length);
        }
      }
      if (target && sawSelector && deps.slice(0, resolved).includes(target.id)) continue; // `test` and `test[os=linux]`: one edge
      if (!target) {
        let s = suggestionCache.get(lookup);
        if (!suggestionCache.has(lookup)) {
          // Bounded work: thousands of distinct unknown ids in a huge graph get no suggestions.
          s = suggestionCache.size * ids.length < SUGGESTION_BUDGET ? closest(lookup, ids) : undefined;
          suggestionCache.set(lookup, s);
        }
        const related = s ? [{ span: (graph.byId.get(s) as { keySpan: Span }).keySpan, message: `action ${q(s)} is defined here` }] : [];
        const what = suffix === '' ? `${q(ref.value)}, which is not an action in this file` : `${q(ref.value)}, but ${q(lookup)} is not an action in this file`;
        sink.add(
          'unknown-dependency',
          'error',
          `action ${q(a.id)} depends on ${what}${s ? `; did you mean ${q(s + suffix)}?` : ''}`,
          ref.span,
          related,
          s ? { action: a.id, dependency: ref.value, suggestion: s + suffix } : { action: a.id, dependency: ref.value },
        );
        continue;
      }
      deps[resolved] = target.id;
      out[resolved++] = target.index;
    }
    if (resolved < refs.length) {
      out.length = resolved;
      deps.length = resolved;
    }
    a.deps = deps;
  }

  // Named artifacts (SPEC §10): each `requires` adds an edge to its provider, like dependsOn.
  const viaArtifacts = resolveArtifacts(actions, adj, sink);

  // Cycles: every edge on a cycle, with a (shortest when affordable) cycle through it.
  const { edges } = cycleEdges(adj, ids);
  /** The span of the first reference from action `from` to id `to`. */
  const refSpan = (from: number, to: string): Span | undefined => actions[from]?.dependsOn.find((r) => r.value === to || selectorBase(r.value) === to)?.span;
  /** The `requires` strings that make the edge from -> to (an edge may also be a dependsOn). */
  const viaSpans = (from: number, to: number): readonly StringRef[] => viaArtifacts?.(from, to) ?? NO_REFS;
  const name = (i: number) => ids[i] as string;
  // One diagnostic per edge of a cycle (SPEC §2), with a short message: a shortest cycle
  // through that edge, starting at the edge (`cycle: a → b → c → a`). Related information
  // (the members, at most 20) goes on ONE edge per cycle — the first in the file — so a cycle
  // of n edges fills about 2n rows of the Problems panel instead of n × (n + 1).
  // A cycle is known by its members; an elided one (only its ends are kept) by its length.
  const keyOf = (e: (typeof edges)[number]): string =>
    e.cycle.tail.length === 0 ? [...e.cycle.head].map(name).sort().join('\u0000') : `long:${e.cycle.total}`;
  const firstOfCycle = new Map<string, number>();
  for (const e of edges) {
    const k = keyOf(e);
    for (const span of [refSpan(e.from, name(e.to)), ...viaSpans(e.from, e.to).map((r) => r.span)]) {
      if (!span) continue;
      const seen = firstOfCycle.get(k);
      if (seen === undefined || span.offset < seen) firstOfCycle.set(k, span.offset);
    }
  }
  for (const e of edges) {
    const from = name(e.from);
    const to = name(e.to);
    const span = refSpan(e.from, to);
    const via = viaSpans(e.from, e.to);
    /** The members (with who depends on whom) on the cycle's first edge in the file, else nothing. */
    const relatedAt = (at: Span) => {
      if (firstOfCycle.get(keyOf(e)) !== at.offset) return [];
      const members = cycleMembers(e.cycle);
      const all = e.cycle.tail.length === 0 ? (e.cycle.head as number[]) : undefined;
      return members.map((m, k) => {
        const nextId = all ? name(all[(k + 1) % all.length] as number) : undefined;
        const a = actions[m];
        return {
          span: a ? a.keySpan : at,
          message: nextId !== undefined ? `${q(name(m))} depends on ${q(nextId)}` : `${q(name(m))} is in the cycle`,
        };
      });
    };
    // A `requires` edge (SPEC §10) is reported on the required name, like a dependsOn string.
    for (const r of via) {
      sink.add('cycle', 'error', `cycle through artifact ${q(r.value)} (provided by ${q(to)}): ${formatCycle(e.cycle, name)}`, r.span, relatedAt(r.span), {
        action: from,
        dependency: to,
        artifact: r.value,
      });
    }
    if (!span) continue;
    sink.add('cycle', 'error', `cycle: ${formatCycle(e.cycle, name)}`, span, relatedAt(span), { action: from, dependency: to });
  }

  // Resources nobody uses.
  for (const r of graph.resources) {
    if (!usedResources.has(r.name)) {
      sink.add('unused-resource', 'hint', `resource ${q(r.name)} is declared but no action uses it`, r.keySpan, [], { resource: r.name });
    }
  }

  // `retryDelay` in defaults when no action retries (issue 10 "bad input"; an action's own
  // retryDelay without retries is flagged by the parser).
  const defaultDelay = propValue(propValue(parsed.tree, 'defaults'), 'retryDelay');
  const delayOk = defaultDelay !== undefined && (defaultDelay.type === 'string' || defaultDelay.type === 'number') && parseDuration(defaultDelay.value).ok;
  if (defaultDelay !== undefined && delayOk && actions.length > 0 && actions.every((a) => a.retries === 0)) {
    sink.warning(`defaults: 'retryDelay' has no effect: no action has 'retries' (each action is attempted once)`, spanOf(defaultDelay));
  }

  // Machine-aware (issue 10): with cpuAffinity, more cores pinned than the machine has.
  if (options.availableCores !== undefined && graph.limits?.cpuAffinity === true) {
    checkCoresForAffinity(graph, actions, parsed.tree, options.availableCores, sink);
  }

  // jsonc-parser's node and error ranges can reach past the end of an unterminated comment.
  const clamp = (sp: Span): Span => {
    const offset = Math.max(0, Math.min(sp.offset, text.length));
    return sp.offset === offset && sp.offset + sp.length <= text.length && sp.length >= 0
      ? sp
      : { offset, length: Math.max(0, Math.min(sp.length, text.length - offset)) };
  };
  const clamped = sink.list.map((d) => {
    const span = clamp(d.span);
    const related = d.related.some((r) => clamp(r.span) !== r.span) ? d.related.map((r) => ({ ...r, span: clamp(r.span) })) : d.related;
    return span === d.span && related === d.related ? d : { ...d, span, related };
  });
  const diagnostics = sortDiagnostics(clamped);
  return { graph, diagnostics, hasTree };
}

/** The value of the first `name` property of an object node of the light tree. */
function propValue(obj: LNode | undefined, name: string): LNode | undefined {
  if (obj === undefined || obj.type !== 'object') return undefined;
  const keys = obj.keys ?? [];
  for (let i = 0; i < keys.length; i++) if ((keys[i] as LNode).value === name) return obj.values?.[i];
  return undefined;
}

/**
 * `cpuAffinity: true` pins each running action to `cpus` cores no other running action holds;
 * on a machine with fewer cores than that, actions share cores (src/runner/affinity.ts takes
 * the least-shared ones). A warning on each `cpus` value that asks for more than `cores`: an
 * action's own, `defaults`' (once, there), and the graph's (CPU slots of the run) — the graph
 * still runs, and may run as meant on a bigger machine.
 */
function checkCoresForAffinity(graph: Graph, actions: readonly { id: string; cpus: number; cpusSpan?: Span }[], tree: LNode | undefined, cores: number, sink: DiagnosticSink): void {
  if (!(Number.isInteger(cores) && cores >= 1)) return;
  const n = (k: number): string => `${k} core${k === 1 ? '' : 's'}`;
  const data = (extra: Record<string, string>): Record<string, string> => ({ ...extra, cores: String(cores) });
  if (typeof graph.cpus === 'number' && graph.cpus > cores) {
    const v = propValue(tree, 'cpus');
    if (v !== undefined) {
      sink.add(
        'more-cpus-than-cores',
        'warning',
        `the graph's 'cpus' (${graph.cpus}) with 'cpuAffinity' pins up to ${n(graph.cpus)} at once, but this machine has ${n(cores)}: running actions will share cores`,
        spanOf(v),
        [],
        data({ resource: 'cpus' }),
      );
    }
  }
  const dv = propValue(propValue(tree, 'defaults'), 'cpus');
  if (dv !== undefined && dv.type === 'number' && Number.isSafeInteger(dv.value) && (dv.value as number) > cores) {
    sink.add(
      'more-cpus-than-cores',
      'warning',
      `defaults: 'cpus' ${dv.value as number} with 'cpuAffinity' asks for ${n(dv.value as number)} per action, but this machine has ${n(cores)}: such an action is pinned to all ${cores}, shared`,
      spanOf(dv),
      [],
      data({}),
    );
  }
  for (const a of actions) {
    if (a.cpusSpan === undefined || a.cpus <= cores) continue;
    sink.add(
      'more-cpus-than-cores',
      'warning',
      `action ${q(a.id)} needs ${a.cpus} CPU slots pinned to distinct cores ('cpuAffinity'), but this machine has ${n(cores)}: it is pinned to all ${cores}, shared with other actions`,
      a.cpusSpan,
      [],
      data({ action: a.id }),
    );
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.span.offset - b.span.offset ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
    a.span.length - b.span.length ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort(compareDiagnostics);
}

/** True when any diagnostic is an error (the graph must not run). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
