import { formatUsage } from '../../core/bytes';
import { MarkupKind, type Hover } from 'vscode-languageserver/node';
import { formatMs } from '../../core/run/outcome';
import type { ServiceSpec } from '../../core/service';
import { expansions, isPerCombination, parseSelector, selectorMatches } from '../../core/matrix';
import type { ActionModel, Graph, ResourceDecl } from '../../core/model';
import { artifactRefs } from '../locate';
import type { DocAnalysis } from '../documents';
import { toRange } from '../convert';
import { locate } from '../locate';
import { formatDuration, type RunRecord } from '../runRecords';

/*
 * Everything a hover shows from files — the graph file (ids, descriptions, commands,
 * resource names) and run records (state, reason, run id) — is untrusted: a repository can
 * commit both, and hovers work in untrusted workspaces. It is rendered as text only: in
 * code spans/blocks (literal in markdown) or with every markdown-significant character
 * backslash-escaped, on one line, control and bidi-override characters made visible, and
 * bounded in length. No link, image or HTML can come out of a file. (LSP MarkupContent is
 * never trusted; the client does not enable isTrusted or supportHtml either.)
 */

const MAX_TEXT = 500;
const MAX_CODE = 4000;

/** C0 (but tab/newline where kept), DEL, C1, line/paragraph separators, bidi controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const CONTROL_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

function visible(c: string): string {
  const n = c.charCodeAt(0);
  if (n < 0x20) return String.fromCharCode(0x2400 + n); // control pictures: ␛, ␀, …
  if (n === 0x7f) return '\u2421';
  return '\ufffd';
}

function bound(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** One line of untrusted text, control characters visible (tab and line breaks become spaces). */
function oneLine(s: string, max: number): string {
  return bound(s, max).replace(/[\t\r\n]+/g, ' ').replace(CONTROL, visible);
}

/** Untrusted text as escaped markdown text (every ASCII punctuation character escaped). */
export function mdText(s: string, max = MAX_TEXT): string {
  return oneLine(s, max).replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** Untrusted text as a code span (literal: no markup, links or HTML inside). */
export function codeSpan(s: string, max = MAX_TEXT): string {
  const text = oneLine(s, max);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  return text === '' ? '` `' : `${fence}${pad}${text}${pad}${fence}`;
}

/** Untrusted text as a fenced code block that no line of it can close. */
export function codeBlock(s: string, lang = 'sh'): string {
  const text = bound(s, MAX_CODE).replace(/\r\n?/g, '\n').replace(CONTROL_KEEP_LINES, visible);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** "Needs 1 CPU slot · `db` 1 of 1": what the action holds while it runs (issue 11, item 9). */
export function needsLine(a: ActionModel, resources: readonly ResourceDecl[] = []): string {
  const cap = (n: number): string => (n === Infinity ? 'unlimited' : String(n));
  const parts = [`${a.cpus} CPU slot${a.cpus === 1 ? '' : 's'}`];
  for (const u of a.resources) {
    const d = resources.find((r) => r.name === u.name);
    parts.push(`${codeSpan(u.name)} ${u.amount} of ${d === undefined ? '? (not declared)' : cap(d.capacity)}`);
  }
  for (const l of a.locks ?? []) parts.push(`lock ${codeSpan(l.name)} ${l.mode}`);
  return `Needs ${parts.join(' · ')}`;
}

/** SPEC §10: "Service — ready when a line matches `listening on` (within 30s); stopped when its dependents are done". */
export function serviceLine(s: ServiceSpec): string {
  const p = s.readyWhen;
  const when =
    p.kind === 'log'
      ? `a line of its output matches ${codeSpan(p.pattern, 200)}`
      : p.kind === 'port'
        ? `127.0.0.1:${p.port} accepts connections`
        : p.kind === 'http'
          ? `${codeSpan(p.url, 200)} answers 2xx/3xx`
          : `${codeSpan(p.path, 200)} appears`;
  return `Service — ready when ${when} (within ${formatMs(s.readyTimeoutMs)}); its dependents start then, and it is stopped once they are done`;
}

/** SPEC §10 lines of an action's hover: what it provides and requires. */
function artifactLines(a: ActionModel): string[] {
  const list = (xs: readonly { value: string }[]): string => xs.map((x) => codeSpan(x.value)).join(', ');
  const out: string[] = [];
  if (a.provides !== undefined && a.provides.length > 0) out.push(`Provides: ${list(a.provides)}`);
  if (a.requires !== undefined && a.requires.length > 0) out.push(`Requires: ${list(a.requires)}`);
  return out;
}

/** Who takes lock `name`, by mode: "exclusive: `a` · shared: `b`, `c`". */
function lockHolders(graph: Graph, name: string): string {
  const by = (mode: 'shared' | 'exclusive'): string[] => graph.actions.filter((a) => a.locks?.some((l) => l.name === name && l.mode === mode)).map((a) => codeSpan(a.id));
  const ex = by('exclusive');
  const sh = by('shared');
  if (ex.length === 0 && sh.length === 0) return 'Taken by no action.';
  return [ex.length > 0 ? `exclusive: ${ex.join(', ')}` : '', sh.length > 0 ? `shared: ${sh.join(', ')}` : ''].filter((x) => x !== '').join(' · ');
}

const LOCK_MODE_TEXT = {
  shared: 'runs together with other shared holders, never beside an exclusive one',
  exclusive: 'runs alone on it: no other holder, shared or exclusive, at the same time',
} as const;

export function actionMarkdown(a: ActionModel, run: RunRecord | undefined, resources: readonly ResourceDecl[] = [], nextRun?: string): string {
  const parts: string[] = [`**${mdText(a.id)}**` + (a.description !== undefined ? ` — ${mdText(a.description)}` : '')];
  if (a.command !== undefined) {
    parts.push(codeBlock(a.command.kind === 'shell' ? a.command.line : a.command.argv.map((x) => JSON.stringify(x)).join(' ')));
  }
  parts.push(a.dependsOn.length === 0 ? 'No dependencies.' : `Depends on: ${a.dependsOn.map((d) => codeSpan(d.value)).join(', ')}`);
  if (a.matrix !== undefined) parts.push(matrixLine(a));
  parts.push(needsLine(a, resources));
  if (a.service !== undefined) parts.push(serviceLine(a.service));
  parts.push(...artifactLines(a));
  if (a.inputs !== undefined) {
    const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.map((x) => codeSpan(x)).join(', '));
    let line = `Incremental — inputs: ${list(a.inputs)}`;
    if (a.outputs !== undefined) line += `; outputs: ${list(a.outputs)}`;
    if (a.envInputs !== undefined && a.envInputs.length > 0) line += `; envInputs: ${list(a.envInputs)}`;
    parts.push(line);
  } else if (a.outputs !== undefined) {
    parts.push(`Always runs (no \`inputs\`) — outputs: ${a.outputs.length === 0 ? 'none' : a.outputs.map((x) => codeSpan(x)).join(', ')}`);
  }
  if (run !== undefined && a.matrix !== undefined) {
    // SPEC §10: the run recorded the expansions; count their states.
    const counts = new Map<string, number>();
    let selected = 0;
    const all = expansions(a);
    for (const e of all) {
      const rec = run.actions.get(e.id);
      if (rec === undefined) continue;
      selected++;
      counts.set(rec.state, (counts.get(rec.state) ?? 0) + 1);
    }
    parts.push(
      selected === 0
        ? `Last run ${codeSpan(run.runId, 100)}: not selected`
        : `Last run: ${[...counts].map(([st, n]) => `${n} **${mdText(st, 40)}**`).join(', ')} of ${all.length} expansions — run ${codeSpan(run.runId, 100)}`,
    );
  } else if (run !== undefined) {
    const rec = run.actions.get(a.id);
    if (rec !== undefined) {
      const dur =
        rec.startedAt !== null && rec.finishedAt !== null && rec.startedAt > 0 && rec.finishedAt >= rec.startedAt
          ? ` in ${formatDuration(rec.finishedAt - rec.startedAt)}`
          : '';
      const reason = rec.reason !== null && rec.state !== 'succeeded' ? ` (${mdText(rec.reason)})` : '';
      const usage = formatUsage(rec.peakRssBytes, rec.cpuTimeMs);
      parts.push(`Last run: **${mdText(rec.state, 40)}**${dur}${reason}${usage ? ` (${usage})` : ''} — run ${codeSpan(run.runId, 100)}`);
    } else {
      parts.push(`Last run ${codeSpan(run.runId, 100)}: not selected`);
    }
  }
  if (nextRun !== undefined) parts.push(nextRun);
  return parts.join('\n\n');
}

/** Expansions listed in a hover: the first ones, then a count. */
export const HOVER_EXPANSIONS = 10;

/** "Matrix `python` × `os` → 4 expansions: `test[…]`, … and 2 more" (SPEC §10). */
export function matrixLine(a: ActionModel, selector?: string): string {
  const m = a.matrix;
  if (m === undefined) return '';
  const all = expansions(a);
  if (selector !== undefined && isPerCombination(selector)) {
    const sel = parseSelector(selector);
    const own = sel.ok ? sel.parts.filter((p) => p.value.includes('${matrix.')).map((p) => codeSpan(p.axis, 60)) : [];
    return `${codeSpan(selector)} is per combination: each expansion of the action that lists it depends on the expansions of ${codeSpan(a.id, 100)} with its own ${own.join(', ') || 'values'} (of ${plural(all.length, 'expansion')}).`;
  }
  const ids = selector === undefined ? all.map((e) => e.id) : selectorMatches(graphOfOne(a), selector);
  const axes = m.axes.map((x) => `${codeSpan(x.name, 60)} (${x.values.length})`).join(' × ');
  const head = selector === undefined ? `Matrix ${axes} → ${plural(all.length, 'expansion')}` : `${codeSpan(selector)} selects ${ids.length} of ${plural(all.length, 'expansion')}`;
  if (ids.length === 0) return `${head}.`;
  const shown = ids.slice(0, HOVER_EXPANSIONS).map((id) => codeSpan(id, 200)).join(', ');
  return `${head}: ${shown}${ids.length > HOVER_EXPANSIONS ? ` … and ${ids.length - HOVER_EXPANSIONS} more` : ''}`;
}

function plural(n: number, w: string): string {
  return `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`;
}

/** A graph holding only `a`, for selectorMatches on one action. */
function graphOfOne(a: ActionModel): Graph {
  return { version: 1, name: undefined, cpus: 1, keepGoing: false, resources: [], actions: [a], byId: new Map([[a.id, a]]) };
}

/**
 * Hover on an action key or a dependency string: the action's description, command,
 * dependencies and last run. `loadRun` is only called when the cursor is on one.
 */
export async function semanticHover(
  da: DocAnalysis,
  offset: number,
  loadRun: () => Promise<RunRecord | undefined>,
  /** What the next run would do with this action (incremental graphs), within the hover's time bound. */
  loadNextRun: (action: string, run: RunRecord | undefined) => Promise<string | undefined> = async () => undefined,
): Promise<Hover | undefined> {
  const md = async (a: ActionModel): Promise<string> => {
    const run = await loadRun();
    return actionMarkdown(a, run, da.analysis.graph.resources, await loadNextRun(a.id, run));
  };
  const t = locate(da.analysis.graph, offset);
  if (t === undefined) return undefined;
  const li = da.analysis.lineIndex;
  switch (t.kind) {
    case 'action-key':
      return { contents: { kind: MarkupKind.Markdown, value: await md(t.action) }, range: toRange(li, t.action.keySpan) };
    case 'dependency':
      if (t.target === undefined) {
        return { contents: { kind: MarkupKind.Markdown, value: `Unknown action ${codeSpan(t.ref.value)}` }, range: toRange(li, t.ref.span) };
      }
      if (t.ref.value !== t.target.id && t.target.matrix !== undefined) {
        // A selector: what it selects, then the action.
        return { contents: { kind: MarkupKind.Markdown, value: `${matrixLine(t.target, t.ref.value)}\n\n${await md(t.target)}` }, range: toRange(li, t.ref.span) };
      }
      return { contents: { kind: MarkupKind.Markdown, value: await md(t.target) }, range: toRange(li, t.ref.span) };
    case 'resource-use': {
      const cap = t.decl === undefined ? 'not declared' : t.decl.capacity === Infinity ? 'unlimited' : `capacity ${t.decl.capacity}`;
      return {
        contents: { kind: MarkupKind.Markdown, value: `Resource **${mdText(t.use.name)}** (${cap}): this action holds ${t.use.amount}` },
        range: toRange(li, t.use.keySpan),
      };
    }
    case 'resource-decl': {
      const users = da.analysis.graph.actions.filter((a) => a.resources.some((u) => u.name === t.decl.name)).map((a) => codeSpan(a.id));
      const cap = t.decl.capacity === Infinity ? 'unlimited' : `capacity ${t.decl.capacity}`;
      return {
        contents: { kind: MarkupKind.Markdown, value: `Resource **${mdText(t.decl.name)}** (${cap})\n\nUsed by: ${users.length === 0 ? 'no action' : users.join(', ')}` },
        range: toRange(li, t.decl.keySpan),
      };
    }
    case 'requires': {
      const graph = da.analysis.graph;
      const providers = artifactRefs(graph, t.ref.value).filter((x) => x.provides);
      const head = `Artifact **${mdText(t.ref.value)}**`;
      let value: string;
      if (t.provider === undefined) value = `${head}: no action provides it`;
      else if (providers.length > 1) value = `${head}: provided by ${providers.map((x) => codeSpan(x.owner.id)).join(', ')} (only one may provide it)`;
      else value = `${head}, provided by ${codeSpan(t.provider.action.id)}\n\n---\n\n${await md(t.provider.action)}`;
      return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(li, t.ref.span) };
    }
    case 'provides': {
      const users = artifactRefs(da.analysis.graph, t.ref.value).filter((x) => !x.provides).map((x) => codeSpan(x.owner.id));
      const value = `Artifact **${mdText(t.ref.value)}**, provided by ${codeSpan(t.owner.id)}\n\nRequired by: ${users.length === 0 ? 'no action' : users.join(', ')}`;
      return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(li, t.ref.span) };
    }
    case 'lock-use': {
      const value = `Lock **${mdText(t.use.name)}** (${t.use.mode}): this action ${LOCK_MODE_TEXT[t.use.mode]}\n\n${lockHolders(da.analysis.graph, t.use.name)}`;
      return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(li, t.use.keySpan) };
    }
    case 'lock-decl': {
      const value = `Lock **${mdText(t.decl.name)}**: any number of shared holders at once, or one exclusive holder alone\n\n${lockHolders(da.analysis.graph, t.decl.name)}`;
      return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(li, t.decl.span) };
    }
    default: {
      const never: never = t;
      return never;
    }
  }
}
