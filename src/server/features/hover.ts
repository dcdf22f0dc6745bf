import { MarkupKind, type Hover } from 'vscode-languageserver/node';
import type { ActionModel } from '../../core/model';
import type { DocAnalysis } from '../documents';
import { toRange } from '../convert';
import { locate } from '../locate';
import { formatDuration, type RunRecord } from '../runRecords';

function codeBlock(s: string): string {
  const fence = s.includes('```') ? '~~~~' : '```';
  return `${fence}sh\n${s}\n${fence}`;
}

function inline(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

export function actionMarkdown(a: ActionModel, run: RunRecord | undefined, nextRun?: string): string {
  const parts: string[] = [`**${a.id}**` + (a.description !== undefined ? ` — ${a.description}` : '')];
  if (a.command !== undefined) {
    parts.push(codeBlock(a.command.kind === 'shell' ? a.command.line : a.command.argv.map((x) => JSON.stringify(x)).join(' ')));
  }
  parts.push(a.dependsOn.length === 0 ? 'No dependencies.' : `Depends on: ${a.dependsOn.map((d) => inline(d.value)).join(', ')}`);
  if (a.inputs !== undefined) {
    const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.map(inline).join(', '));
    let line = `Incremental — inputs: ${list(a.inputs)}`;
    if (a.outputs !== undefined) line += `; outputs: ${list(a.outputs)}`;
    if (a.envInputs !== undefined && a.envInputs.length > 0) line += `; envInputs: ${list(a.envInputs)}`;
    parts.push(line);
  } else if (a.outputs !== undefined) {
    parts.push(`Always runs (no \`inputs\`) — outputs: ${a.outputs.length === 0 ? 'none' : a.outputs.map(inline).join(', ')}`);
  }
  if (run !== undefined) {
    const rec = run.actions.get(a.id);
    if (rec !== undefined) {
      const dur =
        rec.startedAt !== null && rec.finishedAt !== null && rec.startedAt > 0 && rec.finishedAt >= rec.startedAt
          ? ` in ${formatDuration(rec.finishedAt - rec.startedAt)}`
          : '';
      const reason = rec.reason !== null && rec.state !== 'succeeded' ? ` (${rec.reason})` : '';
      parts.push(`Last run: **${rec.state}**${dur}${reason} — run ${inline(run.runId)}`);
    } else {
      parts.push(`Last run ${inline(run.runId)}: not selected`);
    }
  }
  if (nextRun !== undefined) parts.push(nextRun);
  return parts.join('\n\n');
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
    return actionMarkdown(a, run, await loadNextRun(a.id, run));
  };
  const t = locate(da.analysis.graph, offset);
  if (t === undefined) return undefined;
  const li = da.analysis.lineIndex;
  switch (t.kind) {
    case 'action-key':
      return { contents: { kind: MarkupKind.Markdown, value: await md(t.action) }, range: toRange(li, t.action.keySpan) };
    case 'dependency':
      if (t.target === undefined) {
        return { contents: { kind: MarkupKind.Markdown, value: `Unknown action ${inline(t.ref.value)}` }, range: toRange(li, t.ref.span) };
      }
      return { contents: { kind: MarkupKind.Markdown, value: await md(t.target) }, range: toRange(li, t.ref.span) };
    case 'resource-use': {
      const cap = t.decl === undefined ? 'not declared' : t.decl.capacity === Infinity ? 'unlimited' : `capacity ${t.decl.capacity}`;
      return {
        contents: { kind: MarkupKind.Markdown, value: `Resource **${t.use.name}** (${cap}): this action holds ${t.use.amount}` },
        range: toRange(li, t.use.keySpan),
      };
    }
    case 'resource-decl': {
      const users = da.analysis.graph.actions.filter((a) => a.resources.some((u) => u.name === t.decl.name)).map((a) => inline(a.id));
      const cap = t.decl.capacity === Infinity ? 'unlimited' : `capacity ${t.decl.capacity}`;
      return {
        contents: { kind: MarkupKind.Markdown, value: `Resource **${t.decl.name}** (${cap})\n\nUsed by: ${users.length === 0 ? 'no action' : users.join(', ')}` },
        range: toRange(li, t.decl.keySpan),
      };
    }
    default: {
      const never: never = t;
      return never;
    }
  }
}
