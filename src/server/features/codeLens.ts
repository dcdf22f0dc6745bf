import type { CodeLens } from 'vscode-languageserver/node';
import type { DocAnalysis } from '../documents';
import { toRange } from '../convert';

/** Command ids registered by the extension (SPEC §6). */
export const RUN_ONLY_COMMAND = 'actiontree.runActionOnly';
export const RUN_WITH_DEPS_COMMAND = 'actiontree.runAction';

/** The run lens of an action the next run would skip. */
export const UP_TO_DATE_TITLE = '▶ Run (up to date)';

/** What an unresolved lens carries: [document number, action id, 0 = run only | 1 = with dependencies]. */
type LensData = [number, string, 0 | 1];

/**
 * "▶ Run" (this action only) and "Run with dependencies" above each action; command arguments:
 * the document URI string and the action id. Lenses are sent without their command and
 * resolved when shown (a 10,000-action file has 20,000 lenses; the client resolves the few in
 * view), so each list stays small. Document URIs are numbered to keep `data` short.
 */
export class CodeLenses {
  /**
   * `upToDate(uri, id)`: true when the last plan computed for the file (never computed here:
   * a cache lookup) says the next run skips the action; the lens then reads "▶ Run (up to
   * date)" — the words of `actiontree plan` and of the tree.
   */
  constructor(private readonly upToDate?: (uri: string, action: string) => boolean) {}

  private readonly numbers = new Map<string, number>();
  private readonly uris: string[] = [];

  list(da: DocAnalysis): CodeLens[] {
    const { graph, lineIndex: li } = da.analysis;
    let n = this.numbers.get(da.uri);
    if (n === undefined) {
      n = this.uris.push(da.uri) - 1;
      this.numbers.set(da.uri, n);
    }
    const out: CodeLens[] = [];
    for (const a of graph.actions) {
      const range = toRange(li, a.keySpan);
      out.push({ range, data: [n, a.id, 0] satisfies LensData });
      out.push({ range, data: [n, a.id, 1] satisfies LensData });
    }
    return out;
  }

  resolve(lens: CodeLens): CodeLens {
    const data = lens.data as unknown;
    if (!Array.isArray(data) || data.length !== 3) return lens;
    const [n, id, kind] = data as unknown[];
    const uri = typeof n === 'number' ? this.uris[n] : undefined;
    if (uri === undefined || typeof id !== 'string') return lens;
    return {
      range: lens.range,
      command:
        kind === 0
          ? { title: this.upToDate?.(uri, id) === true ? UP_TO_DATE_TITLE : '▶ Run', command: RUN_ONLY_COMMAND, arguments: [uri, id] }
          : { title: 'Run with dependencies', command: RUN_WITH_DEPS_COMMAND, arguments: [uri, id] },
    };
  }
}
