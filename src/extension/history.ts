import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseReport } from '../core/gantt/input';
import { formatDuration } from '../core/gantt/format';
import { compareRuns, digestReport, formatComparison, runDuration, type RunDigest } from '../core/run/compare';
import { formatCounts } from '../core/run/counts';
import { logFileName } from '../runner/paths';
import { finishedRunDirs } from '../runner/prune';
import { readReportFile } from '../runner/history';
import { textOf } from '../runner/safeRead';
import type { GraphIndex } from './graphs';
import { relative } from './graphs';
import type { RunService } from './runService';
import { stateIcon } from './tree';

/**
 * The run history (SPEC §11): past runs per graph from the records on disk (result,
 * duration, when, counts); open a past run's chart and outputs; compare two runs.
 */

export interface HistoryEntry {
  readonly graphFile: string;
  readonly dir: string;
  readonly digest: RunDigest;
}

/** Where past runs come from (the run records on disk; small so another reader can replace it). */
export interface HistorySource {
  /** Finished runs of a graph, newest first; unreadable or corrupt records are left out. */
  list(graphFile: string): Promise<HistoryEntry[]>;
}

export const diskHistory: HistorySource = {
  async list(graphFile) {
    const out: HistoryEntry[] = [];
    for (const dir of await finishedRunDirs(graphFile)) {
      // Bounded, regular-file-only read (a hostile workspace may hold anything there).
      const r = await readReportFile(path.join(dir, 'report.json'));
      if (!r.ok) continue;
      const p = parseReport(textOf(r.bytes));
      if (p.ok) out.push({ graphFile, dir, digest: digestReport(p.report) });
    }
    return out;
  },
};

export type HistoryNode =
  | { readonly kind: 'history-graph'; readonly uri: vscode.Uri }
  | { readonly kind: 'history-run'; readonly uri: vscode.Uri; readonly entry: HistoryEntry };

export function isHistoryRun(x: unknown): x is HistoryNode & { kind: 'history-run' } {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'history-run';
}

/** "13:05:12" today, "Nov 28 13:05" before. */
export function when(t: number, now = Date.now()): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const month = d.toLocaleString('en', { month: 'short' });
  return `${month} ${d.getDate()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export class HistoryProvider implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<HistoryNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly cache = new Map<string, Promise<HistoryEntry[]>>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];

  constructor(
    private readonly graphs: GraphIndex,
    private readonly source: HistorySource = diskHistory,
  ) {
    this.disposables.push(graphs.onDidChange(() => this.changeEmitter.fire(undefined)));
  }

  /** Reads the records again (after a run, a prune, or Refresh). */
  refresh(graphFile?: string): void {
    if (graphFile) this.cache.delete(graphFile);
    else this.cache.clear();
    this.changeEmitter.fire(undefined);
  }

  runs(graphFile: string): Promise<HistoryEntry[]> {
    let p = this.cache.get(graphFile);
    if (!p) {
      p = this.source.list(graphFile).catch(() => []);
      this.cache.set(graphFile, p);
    }
    return p;
  }

  async getChildren(element?: HistoryNode): Promise<HistoryNode[]> {
    if (!element) {
      await this.graphs.ready();
      return this.graphs.list().map((g) => ({ kind: 'history-graph', uri: g.uri }));
    }
    if (element.kind === 'history-run') return [];
    return (await this.runs(element.uri.fsPath)).map((entry) => ({ kind: 'history-run', uri: element.uri, entry }));
  }

  getTreeItem(n: HistoryNode): vscode.TreeItem {
    if (n.kind === 'history-graph') {
      const g = this.graphs.get(n.uri);
      const item = new vscode.TreeItem(g?.name ?? relative(n.uri), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `history-graph:${n.uri.toString()}`;
      item.description = g && g.name !== relative(n.uri) ? relative(n.uri) : '';
      item.iconPath = new vscode.ThemeIcon('history');
      item.contextValue = 'actiontree.historyGraph';
      item.tooltip = `Past runs of ${relative(n.uri)} (newest first)`;
      return item;
    }
    const d = n.entry.digest;
    const dur = runDuration(d);
    const item = new vscode.TreeItem(when(d.startedAt), vscode.TreeItemCollapsibleState.None);
    item.id = `history-run:${n.entry.dir}`;
    item.description = [d.result ?? 'unfinished', dur !== null ? formatDuration(dur) : null, formatCounts(d.counts)].filter(Boolean).join(' · ');
    item.iconPath = d.result === 'succeeded' ? stateIcon('succeeded') : d.result === 'failed' ? stateIcon('failed') : stateIcon('canceled');
    item.contextValue = 'actiontree.historyRun';
    item.tooltip = `Run ${d.runId}\n${new Date(d.startedAt).toLocaleString()}${dur !== null ? ` · took ${formatDuration(dur)}` : ''}\n${d.result ?? 'unfinished'}: ${formatCounts(d.counts)}\n${n.entry.dir}`;
    item.command = { command: 'actiontree.history.openChart', title: 'Open Chart', arguments: [n] };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Opens one action's log of a past run (its outputs, all attempts). */
export async function showPastOutput(n: HistoryNode & { kind: 'history-run' }, action?: string): Promise<string | undefined> {
  let id = action;
  if (id === undefined) {
    const items = [...n.entry.digest.actions].map(([aid, a]) => ({
      label: aid,
      description: `${a.ran ? a.state : 'not run'}${a.durationMs !== null ? ` · ${formatDuration(a.durationMs)}` : ''}${a.reason ? ` · ${a.reason}` : ''}`,
    }));
    const pick = await vscode.window.showQuickPick(items, { placeHolder: `Output of which action of the run ${n.entry.digest.runId}?` });
    id = pick?.label;
  }
  if (id === undefined) return undefined;
  const log = path.join(n.entry.dir, 'logs', logFileName(id));
  try {
    await fs.access(log);
  } catch {
    void vscode.window.showInformationMessage(`ActionTree: '${id}' left no output in the run ${n.entry.digest.runId}${n.entry.digest.actions.get(id)?.ran === false ? ' (it did not run)' : ''}.`);
    return undefined;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  return log;
}

/** Compares two runs of a graph (older → newer) and opens the result as a Markdown document. */
export async function compareHistory(provider: HistoryProvider, n: HistoryNode & { kind: 'history-run' }, others?: readonly unknown[]): Promise<string | undefined> {
  let other: HistoryEntry | undefined;
  const selected = (others ?? []).filter(isHistoryRun).filter((x) => x.entry.dir !== n.entry.dir);
  if (selected.length === 1) other = selected[0]!.entry;
  else {
    const runs = (await provider.runs(n.entry.graphFile)).filter((e) => e.dir !== n.entry.dir);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('ActionTree: this graph has no other recorded run to compare with.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((e) => ({ label: when(e.digest.startedAt), description: `${e.digest.result ?? 'unfinished'} · ${formatCounts(e.digest.counts)}`, detail: e.digest.runId, e })),
      { placeHolder: `Compare the run of ${when(n.entry.digest.startedAt)} with…` },
    );
    other = pick?.e;
  }
  if (!other) return undefined;
  const [older, newer] = other.digest.runId < n.entry.digest.runId ? [other, n.entry] : [n.entry, other];
  const text = formatComparison(compareRuns(older.digest, newer.digest), `${path.basename(n.entry.graphFile)}: ${when(older.digest.startedAt)} → ${when(newer.digest.startedAt)}`);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
  await vscode.window.showTextDocument(doc, { preview: false });
  return text;
}

/** The history view, its commands, and pruning at the end of each run. */
export function registerHistory(graphs: GraphIndex, runs: RunService, showReport: (reportPath: string) => Promise<void>, prune: (graphFile: string, keep: number) => Promise<unknown>): vscode.Disposable[] {
  const provider = new HistoryProvider(graphs);
  const view = vscode.window.createTreeView('actiontree.history', { treeDataProvider: provider, canSelectMany: true, showCollapseAll: true });
  const keep = (): number => {
    const v = vscode.workspace.getConfiguration('actiontree').get<number>('history.keep', 20);
    return Number.isInteger(v) && v >= 1 ? v : 20;
  };
  const pruneNow = async (graphFile: string): Promise<void> => {
    try {
      await prune(graphFile, keep());
    } finally {
      provider.refresh(graphFile);
    }
  };
  return [
    provider,
    view,
    runs.onDidFinish((s) => void pruneNow(s.graphFile)),
    vscode.commands.registerCommand('actiontree.history.refresh', () => provider.refresh()),
    vscode.commands.registerCommand('actiontree.history.openChart', async (n: unknown) => {
      if (!isHistoryRun(n)) return false;
      await showReport(path.join(n.entry.dir, 'report.json'));
      return true;
    }),
    vscode.commands.registerCommand('actiontree.history.showOutput', (n: unknown, action?: unknown) =>
      isHistoryRun(n) ? showPastOutput(n, typeof action === 'string' ? action : undefined) : undefined,
    ),
    vscode.commands.registerCommand('actiontree.history.compare', (n: unknown, selection?: unknown) =>
      isHistoryRun(n) ? compareHistory(provider, n, Array.isArray(selection) ? selection : undefined) : undefined,
    ),
    // Tests and automation: the history of a graph as the view shows it, and pruning now.
    vscode.commands.registerCommand('actiontree.internal.history', async (graphFile: unknown) => {
      if (typeof graphFile !== 'string') return [];
      provider.refresh(graphFile);
      const list = await provider.runs(graphFile);
      return list.map((entry) => {
        const node: HistoryNode = { kind: 'history-run', uri: vscode.Uri.file(graphFile), entry };
        const item = provider.getTreeItem(node);
        return { node, label: item.label, description: item.description, tooltip: item.tooltip, runId: entry.digest.runId, dir: entry.dir };
      });
    }),
    vscode.commands.registerCommand('actiontree.internal.prune', (graphFile: unknown) => (typeof graphFile === 'string' ? pruneNow(graphFile) : undefined)),
  ];
}
