import type { CodeLens } from 'vscode-languageserver/node';
import type { DocAnalysis } from '../documents';
import { toRange } from '../convert';

/** Command ids registered by the extension (SPEC §6). */
export const RUN_ONLY_COMMAND = 'actiontree.runActionOnly';
export const RUN_WITH_DEPS_COMMAND = 'actiontree.runAction';

/** "▶ Run" (this action only) and "Run with dependencies" above each action; args: uri, id. */
export function codeLenses(da: DocAnalysis): CodeLens[] {
  const { graph, lineIndex: li } = da.analysis;
  const out: CodeLens[] = [];
  for (const a of graph.actions) {
    const range = toRange(li, a.keySpan);
    out.push({ range, command: { title: '▶ Run', command: RUN_ONLY_COMMAND, arguments: [da.uri, a.id] } });
    out.push({ range, command: { title: 'Run with dependencies', command: RUN_WITH_DEPS_COMMAND, arguments: [da.uri, a.id] } });
  }
  return out;
}
