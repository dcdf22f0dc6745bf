import * as vscode from 'vscode';
import type { ActionState } from '../core/run/events';
import type { ActionRunState, RunState } from '../core/run/state';
import { formatCounts, plural, runCounts } from '../core/run/counts';
import { waitingSince, waitingText } from '../core/run/waiting';
import { stateFromEvents } from '../core/gantt/input';
import { topologicalOrder } from '../core/graph';
import { expandGraph, expansions } from '../core/matrix';
import type { ActionModel } from '../core/model';
import { formatDuration } from '../core/gantt/format';
import { formatUsage } from '../core/bytes';
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
  /** `parent`: for an expansion of a matrix action (SPEC §10), the action as written. */
  | { readonly kind: 'action'; readonly uri: vscode.Uri; readonly action: string; readonly parent?: string };

export function isTreeNode(x: unknown): x is TreeNode {
  if (typeof x !== 'object' || x === null) return false;
  const n = x as { kind?: unknown; uri?: unknown; action?: unknown };
  return (n.kind === 'graph' || (n.kind === 'action' && typeof n.action === 'string')) && n.uri instanceof vscode.Uri;
}

const ICONS: Readonly<Record<ActionState, [string, string | undefined]>> = {
  pending: ['circle-outline', 'descriptionForeground'],
  ready: ['clock', 'charts.yellow'],
  running: ['sync~spin', 'charts.blue'],
  // SPEC §10: a ready service, still running (its dependents may run). Distinct from running (spinning).
  serving: ['broadcast', 'charts.green'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  canceled: ['circle-slash', 'actiontree.canceledForeground'],
  // Not run: up to date (SPEC §7). Distinct from succeeded (green `pass`).
  skipped: ['debug-step-over', 'testing.iconSkipped'],
};

export function stateIcon(state: ActionState): vscode.ThemeIcon {
  const [id, color] = ICONS[state];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/**
 * Elapsed time on a row, in coarse steps (seconds under 10 s, then 5 s, then 30 s, then
 * minutes) so that a waiting or running row changes rarely: a row that changes is redrawn,
 * and a redraw closes its tooltip.
 */
export function elapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0 s';
  const s = Math.floor(ms / 1000);
  if (s < 10) return `${s} s`;
  if (s < 60) return `${s - (s % 5)} s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m} m ${String(s % 60 < 30 ? 0 : 30).padStart(2, '0')} s`;
  if (m < 60) return `${m} m`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

function clock(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
}

/** What a row shows for one action: its result in the newest run of the graph that included it. */
interface ActionResult {
  readonly a: ActionRunState;
  readonly view: RunView;
  /** From a run older than the graph's newest one (e.g. "▶ Run" on another action since). */
  readonly earlier: boolean;
}

function nodeKey(n: TreeNode): string {
  return n.kind === 'graph' ? n.uri.toString() : `${n.uri.toString()}#${n.action}`;
}

function signature(item: vscode.TreeItem): string {
  const icon = item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id}/${item.iconPath.color?.id ?? ''}` : '';
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  return JSON.stringify([label, item.description ?? '', icon, typeof item.tooltip === 'string' ? item.tooltip : '', item.contextValue ?? '']);
}

/**
 * Graph files → actions in topological order with live state. While runs are active, only
 * rows whose text, icon or tooltip changed are redrawn (`onDidChangeTreeData` with those
 * nodes), so an open tooltip survives a run.
 */
export class GraphTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  /** Stable node objects so VS Code can keep expansion and selection. */
  private readonly nodes = new Map<string, TreeNode>();
  /** What each row showed when VS Code last asked (signature of its TreeItem). */
  private readonly shown = new Map<string, string>();
  private view: vscode.TreeView<TreeNode> | undefined;
  /** Graph rows currently expanded (from the view's expand/collapse events). */
  readonly expanded = new Set<string>();
  /** The latest redraws: 'all' or the rows' keys (tests check that runs redraw only changed rows). */
  readonly redraws: ('all' | string[])[] = [];

  constructor(
    private readonly graphs: GraphIndex,
    private readonly runs: RunService,
    private readonly plans?: PlanCache,
  ) {
    this.disposables.push(
      graphs.onDidChange(() => this.refresh()),
      runs.onDidChange(() => this.refreshSoon()),
      runs.onDidStart((s) => {
        this.updateTicker();
        void this.follow(s.graphFile);
      }),
      runs.onDidFinish((s) => {
        this.updateTicker();
        // The finished run is now on disk: earlier results come from it next time.
        this.past.delete(s.graphFile);
      }),
      this.changeEmitter,
    );
  }

  /** Connects the view (for reveal and expansion tracking). */
  attach(view: vscode.TreeView<TreeNode>): void {
    this.view = view;
    this.disposables.push(
      view.onDidExpandElement((e) => {
        if (e.element.kind === 'graph') this.expanded.add(e.element.uri.toString());
      }),
      view.onDidCollapseElement((e) => {
        if (e.element.kind !== 'graph') return;
        this.expanded.delete(e.element.uri.toString());
        // Its action rows are no longer drawn: VS Code asks for them again on expand.
        const prefix = `${e.element.uri.toString()}#`;
        for (const k of this.shown.keys()) if (k.startsWith(prefix)) this.shown.delete(k);
      }),
    );
  }

  /**
   * A run started: collapse the graphs that are not running, reveal and expand the running
   * ones (only when the view is visible: a run never pulls the side bar open by itself).
   */
  follow(graphFile: string): Promise<void> {
    // One at a time: a reveal still in progress must not land after the next collapse.
    this.following = this.following.then(() => this.followNow(graphFile));
    return this.following;
  }

  private following: Promise<void> = Promise.resolve();

  private async followNow(graphFile: string): Promise<void> {
    const view = this.view;
    if (!view?.visible) return;
    await this.graphs.ready();
    const running = this.graphs.list().filter((g) => g.uri.fsPath === graphFile || this.runs.activeFor(g.uri.fsPath));
    try {
      await vscode.commands.executeCommand('workbench.actions.treeView.actiontree.graphs.collapseAll');
      this.expanded.clear();
      for (const g of running) {
        const n = this.node({ kind: 'graph', uri: g.uri });
        await view.reveal(n, { expand: true, select: false, focus: false });
        this.expanded.add(g.uri.toString());
      }
    } catch (e) {
      console.warn('[actiontree] could not reveal the running graph:', e);
    }
  }

  /** Redraws everything now (graph files changed, Refresh). */
  refresh(): void {
    if (this.pending) {
      clearTimeout(this.pending);
      this.pending = undefined;
    }
    this.note('all');
    // VS Code asks for every row it draws again. Until it does, nothing is "shown": rows of
    // a graph file that was deleted, or of actions renamed away, are never asked for again
    // and must not be compared forever (they were "redrawn" on every tick: issue 11, item 1).
    this.shown.clear();
    for (const [k, n] of this.nodes) if (!this.exists(n)) this.nodes.delete(k);
    this.changeEmitter.fire(undefined);
  }

  /** The node's graph file is still listed (and, for an action row, still has that action). */
  private exists(n: TreeNode): boolean {
    const g = this.graphs.get(n.uri);
    return g !== undefined && (n.kind === 'graph' || g.analysis.graph.byId.has(n.action));
  }

  private note(r: 'all' | string[]): void {
    this.redraws.push(r);
    if (this.redraws.length > 500) this.redraws.splice(0, this.redraws.length - 500);
  }

  /** Coalesces bursts of run events into at most ~10 checks per second. */
  private refreshSoon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.refreshChanged();
    }, 100);
  }

  /** Fires a change for exactly the rows whose item differs from what VS Code shows. */
  private refreshChanged(): void {
    const changed: TreeNode[] = [];
    for (const [k, n] of this.nodes) {
      const before = this.shown.get(k);
      if (before === undefined) continue; // not drawn (collapsed graph, or not asked for since a full redraw)
      if (!this.exists(n)) continue; // gone from the index: VS Code no longer shows it
      if (signature(this.item(n)) !== before) changed.push(n);
    }
    if (changed.length === 0) return;
    this.note(changed.map(nodeKey));
    this.changeEmitter.fire(changed);
  }

  /** While a run is active, check every second so elapsed times advance. */
  private updateTicker(): void {
    const active = this.runs.active.length > 0;
    if (active && !this.ticker) this.ticker = setInterval(() => this.refreshSoon(), 1000);
    else if (!active && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private node(n: TreeNode): TreeNode {
    const k = nodeKey(n);
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
    const g = this.graphs.get(element.uri);
    if (!g) return [];
    if (element.kind === 'action') {
      // SPEC §10: a matrix action's expansions are its children.
      const a = element.parent === undefined ? g.analysis.graph.byId.get(element.action) : undefined;
      if (a?.matrix === undefined) return [];
      return expansions(a).map((e) => this.node({ kind: 'action', uri: element.uri, action: e.id, parent: a.id }));
    }
    return topologicalOrder(g.analysis.graph).map((id) => this.node({ kind: 'action', uri: element.uri, action: id }));
  }

  getParent(element: TreeNode): TreeNode | undefined {
    if (element.kind !== 'action') return undefined;
    if (element.parent !== undefined) return this.node({ kind: 'action', uri: element.uri, action: element.parent });
    return this.node({ kind: 'graph', uri: element.uri });
  }

  private readonly past = new Map<string, RunView | null | 'loading'>();

  /** The newest recorded run of a graph on disk (loaded once, in the background). */
  private pastRun(uri: vscode.Uri): RunView | undefined {
    const k = uri.fsPath;
    const v = this.past.get(k);
    if (v === undefined) {
      this.past.set(k, 'loading');
      void loadPastRun(k).then((r) => {
        if (this.past.get(k) !== 'loading') return;
        this.past.set(k, r);
        if (r) this.refreshSoon();
      });
      return undefined;
    }
    return v === 'loading' || v === null ? undefined : v;
  }

  /** The run the tree shows for a graph: this window's newest, else the newest on disk. */
  session(uri: vscode.Uri): RunView | undefined {
    return this.runs.latest(uri.fsPath) ?? this.pastRun(uri);
  }

  /** An action's result in the newest run of its graph that included it (this window's runs, then disk). */
  result(uri: vscode.Uri, action: string): ActionResult | undefined {
    const newest = this.session(uri);
    let first = true;
    for (const s of this.runs.sessionsOf(uri.fsPath)) {
      const a = s.state.actions.get(action);
      if (a) return { a, view: s, earlier: !first };
      if (s.state.runId !== null) first = false;
    }
    const p = this.pastRun(uri);
    const a = p?.state.actions.get(action);
    if (p && a) return { a, view: p, earlier: newest !== p };
    return undefined;
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
    const item = this.item(element);
    this.shown.set(nodeKey(element), signature(item));
    return item;
  }

  private item(element: TreeNode): vscode.TreeItem {
    const g = this.graphs.get(element.uri);
    if (element.kind === 'graph') {
      const s = this.session(element.uri);
      const running = this.runs.activeFor(element.uri.fsPath) !== undefined;
      const single = this.graphs.list().length <= 1;
      const gi = graphItem(element, g, s, running || single || this.expanded.has(element.uri.toString()));
      if (this.plans && g && !g.hasErrors && isIncrementalGraph(g) && !running && typeof gi.tooltip === 'string') {
        this.baseTooltips.set(gi, gi.tooltip);
        gi.tooltip = undefined;
      }
      return gi;
    }
    const active = this.runs.activeFor(element.uri.fsPath);
    const source = element.parent === undefined ? g?.analysis.graph.byId.get(element.action) : undefined;
    if (source?.matrix !== undefined) {
      const results = expansions(source).map((e) => this.result(element.uri, e.id));
      return matrixItem(element, source, results, active);
    }
    const item = actionItem(element, g, this.result(element.uri, element.action), active);
    // Incremental graph, not running: the tooltip also says what the next run would do. It is
    // left undefined here so that VS Code asks resolveTreeItem when the user hovers (the plan
    // is computed in a worker process, not while drawing the tree).
    if (this.plans && g && !g.hasErrors && isIncrementalGraph(g) && active === undefined && typeof item.tooltip === 'string') {
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

function graphItem(node: TreeNode, g: GraphEntry | undefined, s: RunView | undefined, expand: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(g?.name ?? relative(node.uri), expand ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `graph:${node.uri.toString()}`;
  item.resourceUri = node.uri;
  const running = s !== undefined && !s.finished;
  item.contextValue = running ? 'actiontree.graph.running' : 'actiontree.graph';
  const rel = relative(node.uri);
  const parts: string[] = [];
  if (g && g.name !== rel) parts.push(rel);
  if (g?.hasErrors) parts.push('has errors');
  if (s) {
    const counts = formatCounts(runCounts(s.state));
    if (running) parts.push(s.state.runId === null ? 'starting…' : `${s.state.paused === true ? 'paused' : 'running'}: ${counts}`);
    else if (s.state.result) parts.push(`${s.past ? 'last run ' : ''}${s.state.result}: ${counts}`);
    else if (s.error) parts.push('run failed to start');
  }
  item.description = parts.join(' · ');
  item.iconPath = g?.hasErrors
    ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : running
      ? s.state.paused === true
        ? new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.yellow'))
        : new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'))
      : s?.state.result === 'failed'
        ? stateIcon('failed')
        : s?.state.result === 'succeeded'
          ? stateIcon('succeeded')
          : s?.state.result === 'canceled'
            ? stateIcon('canceled')
            : new vscode.ThemeIcon('type-hierarchy');
  item.tooltip = `${rel}${g ? `\n${plural(g.analysis.graph.actions.length, 'action')}` : ''}${s?.error ? `\n${s.error}` : ''}`;
  item.command = { command: 'vscode.open', title: 'Open Graph File', arguments: [node.uri] };
  return item;
}

function actionItem(node: TreeNode & { kind: 'action' }, g: GraphEntry | undefined, r: ActionResult | undefined, active: RunView | undefined): vscode.TreeItem {
  // An expansion under its matrix action shows only its values: `python=3.11,os=linux`.
  const label = node.parent !== undefined && node.action.startsWith(`${node.parent}[`) ? node.action.slice(node.parent.length + 1, -1) : node.action;
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `action:${node.uri.toString()}#${node.action}`;
  // Expanded (SPEC §10): an expansion's command and description have `${matrix.x}` substituted.
  const expanded = g === undefined ? undefined : expandGraph(g.analysis.graph);
  const model = expanded?.byId.get(node.action);
  const a = r?.a;
  const state: ActionState | undefined = a?.state;
  const live = r !== undefined && !r.view.finished;
  // A Slurm job waiting in the cluster's queue: `ready` (or a retry's `running`) with queuedAt, shown apart from running.
  const queued = a !== undefined && live && a.queuedAt !== null && (a.state === 'ready' || a.state === 'running');
  item.iconPath = queued ? new vscode.ThemeIcon('watch', new vscode.ThemeColor('charts.purple')) : state ? stateIcon(state) : new vscode.ThemeIcon('circle-large-outline');
  item.contextValue = state === 'running' || state === 'serving' || live ? 'actiontree.action.running' : 'actiontree.action';
  const why = queued ? 'queued: submitted to Slurm, waiting for the cluster to start it' : a && r && live && expanded ? waitingText(r.view.state, expanded, node.action) : null;
  item.description = r ? describe(r, why) : '';
  const upToDate = state === 'skipped' && a?.reason === 'up to date';
  const lines: string[] = [`${node.action}${queued ? ' — queued on the cluster' : upToDate ? ' — up to date (skipped: not run)' : state ? ` — ${state}` : ''}`];
  if (model?.description) lines.push(model.description);
  const group = model?.limits?.group;
  if (group !== undefined) {
    const gt = g?.analysis.graph.limits?.groups.find((x) => x.name === group)?.timeoutMs;
    lines.push(`group ${group}${gt !== undefined ? ` (timeout ${formatDuration(gt)})` : ''}`);
  }
  if (model?.command) lines.push(`$ ${model.command.kind === 'shell' ? model.command.line : model.command.argv.join(' ')}`);
  if (a && r) {
    if (why) lines.push(why);
    lines.push(...timeLines(a));
    if (a.reason && !upToDate) lines.push(a.reason);
    if (a.exitCode !== null && !(a.reason ?? '').includes(`exit code ${a.exitCode}`)) lines.push(`exit code ${a.exitCode}`);
    if (a.attempts.length > 1) lines.push(`${a.attempts.length} attempts`);
    const lastAt = a.attempts[a.attempts.length - 1];
    const usage = formatUsage(lastAt?.peakRssBytes, lastAt?.cpuTimeMs);
    if (usage) lines.push(usage);
    if (r.earlier) lines.push(active ? 'not part of the current run (result of an earlier run)' : 'result of an earlier run (the newest run did not include it)');
  } else if (active) {
    lines.push('not part of the current run');
  }
  item.tooltip = lines.join('\n');
  item.command = { command: 'actiontree.showOutput', title: 'Show Action Output', arguments: [node] };
  item.accessibilityInformation = { label: `${node.action}, ${state ?? 'not run'}${item.description ? `, ${String(item.description)}` : ''}` };
  return item;
}

/**
 * A matrix action (SPEC §10): a parent row over its expansions, with the states of their
 * newest results counted ("2 running · 1 succeeded of 4") and the most telling state's icon.
 */
function matrixItem(node: TreeNode & { kind: 'action' }, a: ActionModel, results: readonly (ActionResult | undefined)[], active: RunView | undefined): vscode.TreeItem {
  const total = results.length;
  const item = new vscode.TreeItem(node.action, active !== undefined ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `action:${node.uri.toString()}#${node.action}`;
  const counts = new Map<ActionState, number>();
  let live = false;
  for (const r of results) {
    if (r === undefined) continue;
    counts.set(r.a.state, (counts.get(r.a.state) ?? 0) + 1);
    if (!r.view.finished) live = true;
  }
  const order: ActionState[] = ['failed', 'running', 'ready', 'pending', 'canceled', 'succeeded', 'skipped'];
  const shown = order.filter((st) => (counts.get(st) ?? 0) > 0);
  const top = shown[0];
  item.iconPath = top === undefined ? new vscode.ThemeIcon('layers') : stateIcon(top);
  item.contextValue = live ? 'actiontree.action.running' : 'actiontree.action';
  const summary = shown.map((st) => `${counts.get(st)} ${st}`).join(' · ');
  item.description = `${plural(total, 'expansion')}${summary ? ` · ${summary}` : ''}`;
  const m = a.matrix;
  const axes = m === undefined ? '' : m.axes.map((x) => `${x.name} (${x.values.length})`).join(' × ');
  const lines = [`${node.action} — matrix ${axes}: ${plural(total, 'expansion')}`];
  if (a.description) lines.push(a.description);
  if (summary) lines.push(summary);
  item.tooltip = lines.join('\n');
  item.accessibilityInformation = { label: `${node.action}, matrix of ${plural(total, 'expansion')}${summary ? `, ${summary}` : ''}` };
  return item;
}

/** "started 11:35:01 · ran 1.2 s" / "not started" lines; never "finished" for an action that did not start. */
function timeLines(a: ActionRunState): string[] {
  if (a.startedAt === null) {
    if (a.state === 'canceled' || a.state === 'skipped' || a.state === 'failed') return [`not started (${a.state}${a.finishedAt !== null ? ` at ${clock(a.finishedAt)}` : ''})`];
    return [];
  }
  if (a.finishedAt === null) return [`started ${clock(a.startedAt)}`];
  return [`started ${clock(a.startedAt)} · finished ${clock(a.finishedAt)} · took ${formatDuration(a.finishedAt - a.startedAt)}`];
}

function describe(r: ActionResult, why: string | null): string {
  const { a, view: s } = r;
  const now = s.finished ? (s.state.finishedAt ?? s.state.lastEventTime ?? Date.now()) : Date.now();
  if (a.queuedAt !== null && (a.state === 'ready' || a.state === 'running')) return `queued ${formatDuration(Math.max(0, now - a.queuedAt))}`;
  switch (a.state) {
    case 'pending':
    case 'ready': {
      const since = waitingSince(a);
      const text = why ?? (a.state === 'ready' ? 'ready' : 'waiting');
      return since !== null && !s.finished ? `${text} · ${elapsed(now - since)}` : text;
    }
    case 'running':
      return a.startedAt !== null ? `running ${elapsed(now - a.startedAt)}` : 'running';
    case 'serving':
      return a.servingAt !== undefined ? `serving ${elapsed(now - a.servingAt)}` : 'serving';
    case 'succeeded':
    case 'failed': {
      const d = a.startedAt !== null && a.finishedAt !== null ? formatDuration(a.finishedAt - a.startedAt) : '';
      return a.state === 'failed' ? [d, a.reason ?? 'failed'].filter(Boolean).join(' · ') : d;
    }
    case 'canceled':
      return a.startedAt === null ? `not run: ${a.reason ?? 'canceled'}` : (a.reason ?? 'canceled');
    case 'skipped':
      return a.reason ?? 'skipped';
    default: {
      const never: never = a.state;
      return never;
    }
  }
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
