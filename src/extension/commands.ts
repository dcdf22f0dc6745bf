import { resolveRequested } from '../core/matrix';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { topologicalOrder } from '../core/graph';
import type { GraphEntry, GraphIndex } from './graphs';
import { isGraphUri, relative } from './graphs';
import type { GanttPanelManager } from './ganttPanel';
import { newestRunDir } from '../runner/history';
import type { OutputManager } from './outputs';
import type { PlanCache } from '../runner/planClient';
import type { RunService, RunSession, RunSummary } from './runService';
import type { RunStatus } from './status';
import { isTreeNode, loadPastRun, type GraphTreeProvider, type RunView, type TreeNode } from './tree';
import { formatCounts, plural, runCounts } from '../core/run/counts';
import { EXAMPLE_FILE_NAME, EXAMPLE_GRAPH } from './example';
import { envOverrides, terminalEnvironment, terminalEnvSettingKey } from '../shared/terminal-env';

/** What a run command did (returned to callers such as code lenses and tests). */
export type RunCommandResult =
  | { readonly ok: true; readonly session: number; readonly graphFile: string }
  | { readonly ok: false; readonly reason: 'untrusted' | 'invalid' | 'no-graph' | 'unknown-action' | 'busy' | 'canceled' | 'nothing-to-rerun'; readonly message: string };

export interface Services {
  readonly extensionUri: vscode.Uri;
  readonly graphs: GraphIndex;
  readonly runs: RunService;
  readonly outputs: OutputManager;
  readonly tree: GraphTreeProvider;
  readonly gantt: GanttPanelManager;
  readonly plans: PlanCache;
  readonly status: () => RunStatus;
}

type Handler = (svc: Services, ...args: unknown[]) => unknown;

// ---- argument resolution ------------------------------------------------------------

function toUri(x: unknown): vscode.Uri | undefined {
  if (x instanceof vscode.Uri) return x;
  if (isTreeNode(x)) return x.uri;
  if (typeof x === 'string' && x !== '') {
    if (/^[a-z][a-z0-9+.-]+:/i.test(x) && !/^[a-z]:[\\/]/i.test(x)) {
      try {
        return vscode.Uri.parse(x, true);
      } catch {
        return undefined;
      }
    }
    return vscode.Uri.file(x);
  }
  return undefined;
}

async function pickGraph(svc: Services, arg: unknown, placeHolder: string): Promise<GraphEntry | undefined> {
  await svc.graphs.ready();
  let uri = toUri(arg);
  if (!uri) {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && isGraphUri(active)) uri = active;
  }
  if (!uri) {
    // Look again: a file created a moment ago may not have reached the watcher yet.
    await svc.graphs.rescan();
    const list = svc.graphs.list();
    if (list.length === 1) uri = list[0]!.uri;
    else if (list.length === 0) {
      void vscode.window.showInformationMessage('ActionTree: no *.actiontree.jsonc file in this workspace.', 'Create Example Graph').then((p) => {
        if (p) void vscode.commands.executeCommand('actiontree.createExample');
      });
      return undefined;
    } else {
      const pick = await vscode.window.showQuickPick(
        list.map((g) => ({ label: g.name, description: relative(g.uri), detail: `${g.analysis.graph.actions.length} actions${g.hasErrors ? ' · has errors' : ''}`, g })),
        { placeHolder, matchOnDescription: true },
      );
      return pick?.g;
    }
  }
  return (await svc.graphs.fresh(uri)) ?? undefined;
}

// ---- running --------------------------------------------------------------------------

const TRUST_MESSAGE =
  'ActionTree runs the shell commands of graph files, so it runs nothing in Restricted Mode. Trust this workspace to run actions.';

function refuseUntrusted(): RunCommandResult {
  void vscode.window.showWarningMessage(TRUST_MESSAGE, 'Manage Workspace Trust').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return { ok: false, reason: 'untrusted', message: TRUST_MESSAGE };
}

/** `actiontree.executor`: "local" | "slurm" | "file" (default: the graph file's `executor`, else local). */
function executorSetting(uri: vscode.Uri): 'local' | 'slurm' | undefined {
  const v = vscode.workspace.getConfiguration('actiontree', uri).get<string>('executor');
  return v === 'local' || v === 'slurm' ? v : undefined;
}

async function startRun(
  svc: Services,
  graphArg: unknown,
  actions: readonly string[] | undefined,
  only: boolean,
  executor?: 'local' | 'slurm',
  force = false,
): Promise<RunCommandResult> {
  if (!vscode.workspace.isTrusted) return refuseUntrusted();
  let entry = await pickGraph(svc, graphArg, 'Graph to run');
  if (!entry) return { ok: false, reason: 'no-graph', message: 'No graph file selected.' };
  // The runner reads the file from disk: save unsaved edits first.
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === entry!.uri.toString());
  if (doc?.isDirty) {
    await doc.save();
    entry = (await svc.graphs.fresh(entry.uri)) ?? entry;
  }
  if (entry.hasErrors) {
    const n = entry.analysis.diagnostics.filter((d) => d.severity === 'error').length;
    const message = `ActionTree: ${relative(entry.uri)} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} before running (see the Problems panel).`;
    await vscode.window.showTextDocument(entry.uri, { preview: true, preserveFocus: true });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showErrorMessage(message);
    return { ok: false, reason: 'invalid', message };
  }
  // SPEC §10: names may be matrix selectors or expansion ids.
  const unknown = resolveRequested(entry.analysis.graph, actions ?? []).unknown;
  if (unknown.length > 0) {
    const message = `ActionTree: no action ${unknown.map((a) => `'${a}'`).join(', ')} in ${relative(entry.uri)}.`;
    void vscode.window.showErrorMessage(message);
    return { ok: false, reason: 'unknown-action', message };
  }
  const busy = svc.runs.activeFor(entry.uri.fsPath);
  if (busy) {
    const message = `ActionTree: ${relative(entry.uri)} is already running.`;
    void vscode.window.showWarningMessage(message, 'Cancel Run', 'Show Gantt Chart').then((p) => {
      if (p === 'Cancel Run') busy.cancel();
      else if (p) svc.gantt.showSession(busy);
    });
    return { ok: false, reason: 'busy', message };
  }
  const label = `${actions && actions.length > 0 ? `${actions.join(', ')}${only ? '' : ' (with dependencies)'}` : 'all actions'}${force ? ' (force)' : ''}`;
  const s = svc.runs.start({
    graphFile: entry.uri.fsPath,
    graph: entry.analysis.graph,
    label,
    ...(actions && actions.length > 0 ? { actions } : {}),
    only,
    ...((executor ?? executorSetting(entry.uri)) !== undefined ? { executor: executor ?? executorSetting(entry.uri) } : {}),
    ...(force ? { force: true } : {}),
    env: actionEnvironment(entry.uri),
  });
  return { ok: true, session: s.id, graphFile: s.graphFile };
}

/** What a new integrated terminal of the graph's workspace would have (issue 11, item 3). */
export function actionEnvironment(uri: vscode.Uri): Record<string, string> {
  const cfg = vscode.workspace.getConfiguration('terminal.integrated', uri);
  return terminalEnvironment(process.env, envOverrides(cfg.get(`env.${terminalEnvSettingKey(process.platform)}`)));
}

async function pickAction(svc: Services, args: unknown[], title: string): Promise<{ graph: unknown; action: string } | undefined> {
  const [a0, a1] = args;
  if (isTreeNode(a0) && a0.kind === 'action') return { graph: a0.uri, action: a0.action };
  if (a0 !== undefined && typeof a1 === 'string') return { graph: a0, action: a1 };
  const entry = await pickGraph(svc, a0, 'Graph of the action');
  if (!entry) return undefined;
  const g = entry.analysis.graph;
  const pick = await vscode.window.showQuickPick(
    topologicalOrder(g).map((id) => {
      const m = g.byId.get(id)!;
      return {
        label: id,
        description: m.deps.length > 0 ? `after ${m.deps.join(', ')}` : '',
        detail: m.description ?? (m.command ? (m.command.kind === 'shell' ? m.command.line : m.command.argv.join(' ')) : undefined),
      };
    }),
    { placeHolder: title, matchOnDetail: true },
  );
  return pick ? { graph: entry.uri, action: pick.label } : undefined;
}

/** The session a cancel / show command is about. */
async function pickSession(svc: Services, arg: unknown, which: 'active' | 'any', placeHolder = 'Run to cancel'): Promise<RunSession | undefined> {
  const uri = toUri(arg);
  if (uri) return which === 'active' ? svc.runs.activeFor(uri.fsPath) : svc.runs.latest(uri.fsPath);
  const list = which === 'active' ? svc.runs.active : [...svc.runs.all].reverse();
  if (list.length <= 1 || which === 'any') return list[0];
  const pick = await vscode.window.showQuickPick(
    list.map((s) => ({ label: path.basename(s.graphFile), description: `${s.request.label} · ${s.state.actions.size} actions`, s })),
    { placeHolder },
  );
  return pick?.s;
}

async function newestReport(graphFile: string): Promise<string | undefined> {
  const dir = await newestRunDir(graphFile);
  return dir ? path.join(dir, 'report.json') : undefined;
}

// ---- the table ------------------------------------------------------------------------

export const commandTable: Readonly<Record<string, Handler>> = {
  'actiontree.runGraph': (svc, arg) => startRun(svc, arg, undefined, false),
  'actiontree.runGraphOnSlurm': (svc, arg) => startRun(svc, arg, undefined, false, 'slurm'),

  // Every action, up to date or not (`actiontree run --force`).
  'actiontree.runGraphForce': (svc, arg) => startRun(svc, arg, undefined, false, undefined, true),

  'actiontree.runAction': async (svc, ...args) => {
    if (!vscode.workspace.isTrusted) return refuseUntrusted();
    const t = await pickAction(svc, args, 'Action to run (with its dependencies)');
    return t ? startRun(svc, t.graph, [t.action], false) : { ok: false, reason: 'canceled', message: 'No action selected.' };
  },

  'actiontree.runActionOnly': async (svc, ...args) => {
    if (!vscode.workspace.isTrusted) return refuseUntrusted();
    const t = await pickAction(svc, args, 'Action to run (without its dependencies)');
    return t ? startRun(svc, t.graph, [t.action], true) : { ok: false, reason: 'canceled', message: 'No action selected.' };
  },

  'actiontree.cancelRun': async (svc, arg) => {
    const s = await pickSession(svc, arg, 'active');
    if (!s) {
      if (svc.runs.active.length === 0) vscode.window.setStatusBarMessage('ActionTree: no run in progress.', 3000);
      return false;
    }
    s.cancel();
    return true;
  },

  'actiontree.pauseRun': async (svc, arg) => {
    const s = await pickSession(svc, arg, 'active', 'Run to pause');
    if (!s) {
      vscode.window.setStatusBarMessage('ActionTree: no run in progress.', 3000);
      return false;
    }
    s.setPaused(true);
    return true;
  },

  'actiontree.resumeRun': async (svc, arg) => {
    const s = await pickSession(svc, arg, 'active', 'Run to resume');
    if (!s) {
      vscode.window.setStatusBarMessage('ActionTree: no run in progress.', 3000);
      return false;
    }
    s.setPaused(false);
    return true;
  },

  'actiontree.rerunFailed': async (svc, arg) => {
    if (!vscode.workspace.isTrusted) return refuseUntrusted();
    const uri = toUri(arg);
    await svc.graphs.ready();
    const candidates = uri ? [uri] : svc.graphs.list().map((g) => g.uri);
    const qualifying: { uri: vscode.Uri; name: string; bad: string[]; view: RunView }[] = [];
    let running: string | undefined;
    for (const u of candidates) {
      const name = svc.graphs.get(u)?.name ?? relative(u);
      if (svc.runs.activeFor(u.fsPath)) {
        running ??= name;
        continue;
      }
      // This window's newest run of the graph, else its newest run recorded on disk (after a
      // reload, or a run from the CLI): the same run the tree shows.
      const view: RunView | null = svc.runs.latest(u.fsPath) ?? (await loadPastRun(u.fsPath));
      if (!view || view.state.runId === null) continue;
      const bad = view.state.order.filter((id) => {
        const st = view.state.actions.get(id)?.state;
        return st === 'failed' || st === 'canceled';
      });
      if (bad.length > 0) qualifying.push({ uri: u, name, bad, view });
    }
    if (qualifying.length === 0) {
      const message = uri
        ? running
          ? `ActionTree: ${running} is still running.`
          : `ActionTree: the last run of ${svc.graphs.get(uri)?.name ?? relative(uri)} has no failed or canceled action.`
        : running && candidates.length === 1
          ? `ActionTree: ${running} is still running.`
          : 'ActionTree: no graph in this workspace has failed or canceled actions in its last run.';
      void vscode.window.showInformationMessage(message);
      return { ok: false, reason: 'nothing-to-rerun', message } satisfies RunCommandResult;
    }
    let chosen = qualifying[0]!;
    if (qualifying.length > 1) {
      const pick = await vscode.window.showQuickPick(
        qualifying.map((q) => ({
          label: q.name,
          description: relative(q.uri),
          detail: `last run ${q.view.state.result ?? ''}: ${formatCounts(runCounts(q.view.state))} — re-runs ${q.bad.slice(0, 4).join(', ')}${q.bad.length > 4 ? ` and ${q.bad.length - 4} more` : ''}`,
          q,
        })),
        { placeHolder: 'Re-run the failed and canceled actions of which graph?', matchOnDescription: true },
      );
      if (!pick) return { ok: false, reason: 'canceled', message: 'No graph selected.' } satisfies RunCommandResult;
      chosen = pick.q;
    }
    const entry = await svc.graphs.fresh(chosen.uri);
    const ids = entry ? chosen.bad.filter((id) => resolveRequested(entry.analysis.graph, [id]).unknown.length === 0) : [];
    if (!entry || ids.length === 0) {
      const message = `ActionTree: the failed actions of ${chosen.name}'s last run are no longer in the graph.`;
      void vscode.window.showInformationMessage(message);
      return { ok: false, reason: 'nothing-to-rerun', message } satisfies RunCommandResult;
    }
    vscode.window.setStatusBarMessage(`ActionTree: re-running ${plural(ids.length, 'failed or canceled action')} of ${chosen.name} (with their dependencies)`, 5000);
    // The failed and canceled actions WITH their dependencies: with up-to-date checks
    // (incremental runs) the dependencies that succeeded are skipped; until then they run again.
    return startRun(svc, entry.uri, topologicalOrder(entry.analysis.graph, new Set(ids)), false);
  },

  'actiontree.showGantt': async (svc, arg) => {
    const uri = toUri(arg);
    const s = uri ? svc.runs.latest(uri.fsPath) : (svc.runs.active[svc.runs.active.length - 1] ?? svc.runs.latest());
    if (s) {
      svc.gantt.showSession(s);
      return true;
    }
    const entry = uri ? await svc.graphs.fresh(uri) : await pickGraph(svc, undefined, 'Graph whose last run to show');
    // No graph at all: pickGraph already offered to create the example; nothing to run.
    if (!entry) return false;
    const report = await newestReport(entry.uri.fsPath);
    if (report) {
      await svc.gantt.showReport(report);
      return true;
    }
    void vscode.window.showInformationMessage('ActionTree: no run to show yet. Run the graph first.', 'Run Graph').then((p) => {
      if (p) void vscode.commands.executeCommand('actiontree.runGraph', entry.uri);
    });
    return false;
  },

  'actiontree.openRunReport': async (svc, arg) => {
    let uri = toUri(arg);
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Run report': ['json'] }, openLabel: 'Show Gantt Chart' });
      uri = picked?.[0];
    }
    if (!uri) return false;
    await svc.gantt.showReport(uri.fsPath);
    return true;
  },

  'actiontree.showOutput': async (svc, ...args) => {
    const [a0, a1] = args;
    let graphFile: string | undefined;
    let action: string | undefined;
    if (isTreeNode(a0) && a0.kind === 'action') {
      graphFile = a0.uri.fsPath;
      action = a0.action;
    } else if (a0 !== undefined && typeof a1 === 'string') {
      graphFile = toUri(a0)?.fsPath;
      action = a1;
    } else {
      const s = svc.runs.latest();
      const entry = s ? await svc.graphs.fresh(vscode.Uri.file(s.graphFile)) : await pickGraph(svc, a0, 'Graph of the action');
      if (!entry) return undefined;
      const order = s ? s.state.order : topologicalOrder(entry.analysis.graph);
      const pick = await vscode.window.showQuickPick(
        order.map((id) => ({ label: id, description: s?.state.actions.get(id)?.state ?? '' })),
        { placeHolder: 'Action whose output to show' },
      );
      if (!pick) return undefined;
      graphFile = entry.uri.fsPath;
      action = pick.label;
    }
    if (!graphFile || !action) return undefined;
    return svc.outputs.show(graphFile, action, true);
  },

  'actiontree.createExample': async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showErrorMessage('ActionTree: open a folder first; the example graph is written into it.');
      return undefined;
    }
    let uri = vscode.Uri.joinPath(folder.uri, EXAMPLE_FILE_NAME);
    for (let i = 2; await exists(uri); i++) {
      uri = vscode.Uri.joinPath(folder.uri, EXAMPLE_FILE_NAME.replace('.actiontree.jsonc', `-${i}.actiontree.jsonc`));
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(EXAMPLE_GRAPH));
    // A normal tab (not a preview that the next file opened replaces).
    await vscode.window.showTextDocument(uri, { preview: false });
    return uri.toString();
  },

  'actiontree.refreshTree': async (svc) => {
    svc.tree.forgetPastRuns();
    await svc.graphs.rescan();
    svc.tree.refresh();
  },

  // Internal commands (not contributed): tests and automation.
  'actiontree.internal.waitRun': (svc, id, timeoutMs) => waitRun(svc, Number(id), typeof timeoutMs === 'number' ? timeoutMs : 60_000),
  'actiontree.internal.sessions': (svc) => svc.runs.all.map((s) => s.summary()),
  'actiontree.internal.tree': (svc) => treeSnapshot(svc.tree),
  'actiontree.internal.output': (svc, file, action) => ({
    tail: svc.outputs.tail(String(file), String(action)),
    hasChannel: svc.outputs.hasChannel(String(file), String(action)),
  }),
  'actiontree.internal.gantt': (svc) => ({ open: svc.gantt.isOpen, rendered: svc.gantt.lastRendered, ...svc.gantt.debugState() }),
  'actiontree.internal.waitGantt': (svc, runId, finished, timeoutMs, expectMessage) =>
    waitGantt(svc, String(runId), Number(finished), typeof timeoutMs === 'number' ? timeoutMs : 30_000, expectMessage === true),
  'actiontree.internal.status': (svc) => svc.status().text,
  'actiontree.internal.plan': async (svc, file) => {
    const reply = await svc.plans.get(String(file), 60_000);
    return reply === undefined ? null : reply.kind === 'plan' ? { kind: 'plan', decisions: [...reply.decisions.values()], warnings: reply.warnings, computed: svc.plans.computed } : reply;
  },
  'actiontree.internal.lastMessage': (svc) => svc.status().lastMessage,
  'actiontree.internal.treeRedraws': (svc) => svc.tree.redraws.splice(0),
  'actiontree.internal.treeExpanded': (svc) => [...svc.tree.expanded],
};

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function waitRun(svc: Services, id: number, timeoutMs: number): Promise<RunSummary | { timeout: true; summary: RunSummary | null }> {
  const s = svc.runs.byId(id);
  if (!s) return { timeout: true, summary: null };
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const r = await Promise.race([s.done, t]);
  if (timer) clearTimeout(timer);
  return r === 'timeout' ? { timeout: true, summary: s.summary() } : r;
}

/** Resolves when the Gantt webview reports it has drawn `finished` done actions of `runId`. */
function waitGantt(svc: Services, runId: string, finished: number, timeoutMs: number, expectMessage: boolean): Promise<{ ok: boolean; state: Record<string, unknown> }> {
  const matches = (): boolean => {
    const r = svc.gantt.lastRendered;
    if (!r) return false;
    return expectMessage ? r.message !== null : r.message === null && r.runId === runId && r.finished >= finished;
  };
  const state = (): Record<string, unknown> => ({ rendered: svc.gantt.lastRendered, ...svc.gantt.debugState() });
  if (matches()) return Promise.resolve({ ok: true, state: state() });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve({ ok: false, state: state() });
    }, timeoutMs);
    const sub = svc.gantt.onDidRender(() => {
      if (!matches()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve({ ok: true, state: state() });
    });
  });
}

export interface TreeSnapshotItem {
  readonly label: string;
  readonly description: string;
  readonly icon: string | null;
  readonly contextValue: string | null;
  readonly tooltip: string;
  readonly children: TreeSnapshotItem[];
}

async function treeSnapshot(tree: GraphTreeProvider): Promise<TreeSnapshotItem[]> {
  const walk = async (n: TreeNode | undefined): Promise<TreeSnapshotItem[]> => {
    const out: TreeSnapshotItem[] = [];
    for (const c of await tree.getChildren(n)) {
      let item = tree.getTreeItem(c);
      // As when the user hovers: the incremental tooltip is resolved lazily.
      if (item.tooltip === undefined) item = await tree.resolveTreeItem(item, c);
      out.push({
        label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        description: typeof item.description === 'string' ? item.description : '',
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : null,
        contextValue: item.contextValue ?? null,
        tooltip: typeof item.tooltip === 'string' ? item.tooltip : '',
        children: await walk(c), // a matrix action's expansions too (SPEC §10)
      });
    }
    return out;
  };
  return walk(undefined);
}

export function registerCommands(svc: Services): vscode.Disposable[] {
  return Object.entries(commandTable).map(([id, handler]) => vscode.commands.registerCommand(id, (...args: unknown[]) => handler(svc, ...args)));
}
