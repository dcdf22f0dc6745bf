import * as vscode from 'vscode';
import type { ActionState } from '../core/run/events';
import type { ActionRunState, RunState } from '../core/run/state';
import { stateFromEvents } from '../core/gantt/input';
import { topologicalOrder } from '../core/graph';
import { formatDuration } from '../core/gantt/format';
import type { GraphEntry, GraphIndex } from './graphs';
import { relative } from './graphs';
import type { RunService } from './runService';
import { samePath } from './runService';
import { newestRunDir, readEvents } from '../runner/history';
import { eventsProblem } from '../core/run/history';
import { describeDecision, type PlanCache } from '../runner/planClient';

/** What the tree shows for a graph: a run of this window, or the newest run record on disk. */
export interface RunView {
  readonly state: RunState;
  readonly finished: boolean;
  readonly error: string | null;
  /** From the run records of an earlier session (or the CLI). */
  readonly past?: boolean;
}

/** The newest recorded run of a graph, replayed from its events.jsonl through the shared reducer. */
export async function loadPastRun(graphFile: string): Promise<RunView | null> {
  const dir = await newestRunDir(graphFile);
  if (!dir) return null;
  const ev = await readEvents(dir);
  if (!ev.ok || eventsProblem(ev.events) !== null) return null;
  const events = ev.events;
  try {
    const state = stateFromEvents(events);
    return state.runId === null ? null : { state, finished: true, error: null, past: true };
  } catch {
    return null;
  }
}

export type TreeNode =
  | { readonly kind: 'graph'; readonly uri: vscode.Uri }
  | { readonly kind: 'action'; readonly uri: vscode.Uri; readonly action: string };

export function isTreeNode(x: unknown): x is TreeNode {
  if (typeof x !== 'object' || x === null) return false;
  const n = x as { kind?: unknown; uri?: unknown; action?: unknown };
  return (n.kind === 'graph' || (n.kind === 'action' && typeof n.action === 'string')) && n.uri instanceof vscode.Uri;
}

const ICONS: Readonly<Record<ActionState, [string, string | undefined]>> = {
  pending: ['circle-outline', 'descriptionForeground'],
  ready: ['clock', 'charts.yellow'],
  running: ['sync~spin', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  canceled: ['circle-slash', 'charts.orange'],
  // Not run: up to date (SPEC §7). Distinct from succeeded (green `pass`).
  skipped: ['debug-step-over', 'testing.iconSkipped'],
};

export function stateIcon(state: ActionState): vscode.ThemeIcon {
  const [id, color] = ICONS[state];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** Graph files → actions in topological order with live state from the newest run. */
export class GraphTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  /** Stable node objects so VS Code can keep expansion and selection. */
  private readonly nodes = new Map<string, TreeNode>();

  constructor(
    private readonly graphs: GraphIndex,
    private readonly runs: RunService,
    private readonly plans?: PlanCache,
  ) {
    this.disposables.push(
      graphs.onDidChange(() => this.refresh()),
      runs.onDidChange(() => this.refreshSoon()),
      runs.onDidStart(() => this.updateTicker()),
      runs.onDidFinish(() => this.updateTicker()),
      this.changeEmitter,
    );
  }

  /** Redraws now. */
  refresh(): void {
    if (this.pending) {
      clearTimeout(this.pending);
      this.pending = undefined;
    }
    this.changeEmitter.fire(undefined);
  }

  /** Coalesces bursts of run events into at most ~10 redraws per second. */
  private refreshSoon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.changeEmitter.fire(undefined);
    }, 100);
  }

  /** While a run is active, redraw every second so running durations advance. */
  private updateTicker(): void {
    const active = this.runs.active.length > 0;
    if (active && !this.ticker) this.ticker = setInterval(() => this.refreshSoon(), 1000);
    else if (!active && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private node(n: TreeNode): TreeNode {
    const k = n.kind === 'graph' ? n.uri.toString() : `${n.uri.toString()}#${n.action}`;
    let x = this.nodes.get(k);
    if (!x) {
      x = n;
      this.nodes.set(k, x);
    }
    return x;
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (!element) {
      await this.graphs.ready();
      return this.graphs.list().map((g) => this.node({ kind: 'graph', uri: g.uri }));
    }
    if (element.kind === 'action') return [];
    const g = this.graphs.get(element.uri);
    if (!g) return [];
    return topologicalOrder(g.analysis.graph).map((id) => this.node({ kind: 'action', uri: element.uri, action: id }));
  }

  getParent(element: TreeNode): TreeNode | undefined {
    return element.kind === 'action' ? this.node({ kind: 'graph', uri: element.uri }) : undefined;
  }

  private readonly past = new Map<string, RunView | null | 'loading'>();

  /** The run the tree shows for a graph: this window's newest, else the newest on disk. */
  session(uri: vscode.Uri): RunView | undefined {
    const live = this.runs.latest(uri.fsPath);
    if (live) return live;
    const k = uri.fsPath;
    const v = this.past.get(k);
    if (v === undefined) {
      this.past.set(k, 'loading');
      void loadPastRun(k).then((r) => {
        this.past.set(k, r);
        if (r) this.refreshSoon();
      });
      return undefined;
    }
    return v === 'loading' || v === null ? undefined : v;
  }

  /** Forgets the cached run records (Refresh). */
  forgetPastRuns(): void {
    this.past.clear();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    if (this.ticker) clearInterval(this.ticker);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  getTreeItem(element: TreeNode): vscode.TreeItem {
    const g = this.graphs.get(element.uri);
    const s = this.session(element.uri);
    const item = element.kind === 'graph' ? graphItem(element, g, s) : actionItem(element, g, s);
    // Incremental graph, not running: the tooltip also says what the next run would do. It is
    // left undefined here so that VS Code asks resolveTreeItem when the user hovers (the plan
    // is computed in a worker process, not while drawing the tree).
    if (this.plans && g && !g.hasErrors && isIncrementalGraph(g) && (s === undefined || s.finished) && typeof item.tooltip === 'string') {
      this.baseTooltips.set(item, item.tooltip);
      item.tooltip = undefined;
    }
    return item;
  }

  private readonly baseTooltips = new WeakMap<vscode.TreeItem, string>();

  /** How long a tooltip waits for a plan being computed before showing what is known. */
  static readonly PLAN_WAIT_MS = 1500;

  async resolveTreeItem(item: vscode.TreeItem, element: TreeNode, token?: vscode.CancellationToken): Promise<vscode.TreeItem> {
    const base = this.baseTooltips.get(item);
    if (base === undefined || !this.plans) return item;
    const reply = await this.plans.get(element.uri.fsPath, GraphTreeProvider.PLAN_WAIT_MS);
    if (token?.isCancellationRequested) return item;
    item.tooltip = `${base}\n${nextRunLine(element, reply)}`;
    return item;
  }
}

function graphItem(node: TreeNode, g: GraphEntry | undefined, s: RunView | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(g?.name ?? relative(node.uri), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `graph:${node.uri.toString()}`;
  item.resourceUri = node.uri;
  const running = s !== undefined && !s.finished;
  item.contextValue = running ? 'actiontree.graph.running' : 'actiontree.graph';
  const rel = relative(node.uri);
  const parts: string[] = [];
  if (g && g.name !== rel) parts.push(rel);
  if (g?.hasErrors) parts.push('has errors');
  if (s) {
    const c = s.state.counts;
    const done = c.succeeded + c.failed + c.canceled + c.skipped;
    if (running) parts.push(`running ${done}/${s.state.actions.size}`);
    else if (s.state.result) {
      const notes = [c.failed ? `${c.failed} failed` : '', c.skipped ? `${c.skipped} skipped` : ''].filter(Boolean).join(', ');
      parts.push(`${s.past ? 'last run ' : ''}${s.state.result}${notes ? ` (${notes})` : ''}`);
    }
    else if (s.error) parts.push('run failed to start');
  }
  item.description = parts.join(' · ');
  item.iconPath = g?.hasErrors
    ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : running
      ? new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'))
      : s?.state.result === 'failed'
        ? stateIcon('failed')
        : s?.state.result === 'succeeded'
          ? stateIcon('succeeded')
          : new vscode.ThemeIcon('type-hierarchy');
  item.tooltip = `${rel}${g ? `\n${g.analysis.graph.actions.length} actions` : ''}${s?.error ? `\n${s.error}` : ''}`;
  item.command = { command: 'vscode.open', title: 'Open Graph File', arguments: [node.uri] };
  return item;
}

function actionItem(node: TreeNode & { kind: 'action' }, g: GraphEntry | undefined, s: RunView | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(node.action, vscode.TreeItemCollapsibleState.None);
  item.id = `action:${node.uri.toString()}#${node.action}`;
  const model = g?.analysis.graph.byId.get(node.action);
  const a: ActionRunState | undefined = s?.state.actions.get(node.action);
  const inRun = a !== undefined;
  const state: ActionState | undefined = a?.state;
  item.iconPath = state ? stateIcon(state) : new vscode.ThemeIcon('circle-large-outline');
  item.contextValue = state === 'running' || (inRun && s && !s.finished) ? 'actiontree.action.running' : 'actiontree.action';
  item.description = describe(a, s);
  const upToDate = state === 'skipped' && a?.reason === 'up to date';
  const lines: string[] = [`${node.action}${upToDate ? ' — up to date (skipped: not run)' : state ? ` — ${state}` : ''}`];
  if (model?.description) lines.push(model.description);
  if (model?.command) lines.push(`$ ${model.command.kind === 'shell' ? model.command.line : model.command.argv.join(' ')}`);
  if (a) {
    const why = waitReason(a, s!, g);
    if (why) lines.push(why);
    if (a.reason && !upToDate) lines.push(a.reason);
    if (a.exitCode !== null) lines.push(`exit code ${a.exitCode}`);
    if (a.attempts.length > 1) lines.push(`${a.attempts.length} attempts`);
  } else if (s && !s.finished) {
    lines.push('not part of the current run');
  }
  item.tooltip = lines.join('\n');
  item.command = { command: 'actiontree.showOutput', title: 'Show Action Output', arguments: [node] };
  item.accessibilityInformation = { label: `${node.action}, ${state ?? 'not run'}${item.description ? `, ${String(item.description)}` : ''}` };
  return item;
}

function describe(a: ActionRunState | undefined, s: RunView | undefined): string {
  if (!a || !s) return '';
  const now = s.finished ? (s.state.finishedAt ?? s.state.lastEventTime ?? Date.now()) : Date.now();
  switch (a.state) {
    case 'pending':
      return 'waiting';
    case 'ready':
      return a.readyAt !== null ? `ready ${formatDuration(now - a.readyAt)}` : 'ready';
    case 'running':
      return a.startedAt !== null ? `${formatDuration(now - a.startedAt)}…` : 'running';
    case 'succeeded':
    case 'failed': {
      const d = a.startedAt !== null && a.finishedAt !== null ? formatDuration(a.finishedAt - a.startedAt) : '';
      return a.state === 'failed' ? [d, a.reason ?? 'failed'].filter(Boolean).join(' · ') : d;
    }
    case 'canceled':
      return a.reason ?? 'canceled';
    case 'skipped':
      return a.reason ?? 'skipped';
    default: {
      const never: never = a.state;
      return never;
    }
  }
}

/** Why an action that has not started is waiting. */
export function waitReason(a: ActionRunState, s: RunView, g: GraphEntry | undefined): string | null {
  if (a.state === 'pending') {
    const model = g?.analysis.graph.byId.get(a.id);
    const waiting = (model?.deps ?? []).filter((d) => {
      const ds = s.state.actions.get(d)?.state;
      return ds !== undefined && ds !== 'succeeded' && ds !== 'failed' && ds !== 'canceled' && ds !== 'skipped';
    });
    return waiting.length > 0 ? `waiting for dependencies: ${waiting.join(', ')}` : 'waiting for dependencies';
  }
  if (a.state === 'ready') {
    const model = g?.analysis.graph.byId.get(a.id);
    const needs: string[] = [`${model?.cpus ?? 1} CPU slot${(model?.cpus ?? 1) === 1 ? '' : 's'}`];
    for (const r of model?.resources ?? []) needs.push(`${r.amount} ${r.name}`);
    return `ready: waiting for a free CPU slot or resource (needs ${needs.join(', ')})`;
  }
  return null;
}

/** A graph where some action declares `inputs`: its runs may skip actions. */
export function isIncrementalGraph(g: GraphEntry): boolean {
  return g.analysis.graph.actions.some((a) => a.inputs !== undefined);
}

/** The tooltip's line about the next run, from `actiontree plan` (docs/ui.md). */
export function nextRunLine(node: TreeNode, reply: Awaited<ReturnType<PlanCache['get']>>): string {
  if (reply === undefined) return 'Next run: (still working out what would run)';
  if (reply.kind === 'error') return `Next run: unknown (${reply.message.split('\n')[0]})`;
  if (node.kind === 'graph') {
    const all = [...reply.decisions.values()];
    const skip = all.filter((d) => d.decision === 'skip').length;
    return `Next run: ${all.length - skip} of ${all.length} action${all.length === 1 ? '' : 's'} would run, ${skip} up to date`;
  }
  const d = reply.decisions.get(node.action);
  return d === undefined ? 'Next run: not planned' : `Next run: ${describeDecision(d)}`;
}

export function nodeFile(n: TreeNode): string {
  return n.uri.fsPath;
}

export function sameGraph(a: vscode.Uri, file: string): boolean {
  return samePath(a.fsPath, file);
}
