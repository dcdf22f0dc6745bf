import * as vscode from 'vscode';
import type { ActionTreeContext } from './context';
import { registerCommands, type Services } from './commands';
import { GanttPanelManager } from './ganttPanel';
import { GraphIndex } from './graphs';
import { OutputManager } from './outputs';
import { registerPlatform } from './platform';
import { RunService } from './runService';
import { RunStatus } from './status';
import { GraphTreeProvider } from './tree';
import { PlanCache } from '../runner/planClient';
import { registerHistory } from './history';
import { pruneRuns } from '../runner/prune';

/**
 * Running graphs from VS Code: the run service (one forked runner worker per run), the
 * Graphs tree, output channels, status bar and the Gantt panel, and their commands.
 */
export function registerRuns(ctx: ActionTreeContext): void {
  const extensionUri = ctx.extension.extensionUri;
  const runner = vscode.Uri.joinPath(extensionUri, 'dist', 'runner.js').fsPath;
  const runs = new RunService(runner);
  const graphs = ctx.own(new GraphIndex());
  const outputs = ctx.own(new OutputManager(runs));
  // What the next run would do (tree tooltip): `actiontree plan` in a forked worker, cached
  // per graph file, stale after any save, a run's end or a change of the graph files.
  const plans = new PlanCache(runner);
  ctx.own(vscode.workspace.onDidSaveTextDocument(() => plans.invalidate()));
  ctx.own(runs.onDidFinish(() => plans.invalidate()));
  ctx.own(graphs.onDidChange(() => plans.invalidate()));
  const tree = ctx.own(new GraphTreeProvider(graphs, runs, plans));
  const gantt = ctx.own(new GanttPanelManager(extensionUri, runs, outputs));
  tree.attach(ctx.own(vscode.window.createTreeView('actiontree.graphs', { treeDataProvider: tree, showCollapseAll: true })));
  let status: RunStatus | undefined;
  const svc: Services = { extensionUri, graphs, runs, outputs, tree, gantt, plans, status: () => status! };
  status = ctx.own(
    new RunStatus(runs, {
      showGantt: (s) => gantt.showSession(s),
      showOutput: (s, action) => outputs.show(s.graphFile, action, false),
    }),
  );
  for (const d of registerCommands(svc)) ctx.own(d);
  for (const d of registerHistory(graphs, runs, (report) => gantt.showReport(report), pruneRuns)) ctx.own(d);
  registerPlatform(ctx, svc);

  // Context keys for `when` clauses (menus, palette).
  const setContext = (): void => {
    void vscode.commands.executeCommand('setContext', 'actiontree.running', runs.active.length > 0);
    void vscode.commands.executeCommand('setContext', 'actiontree.hasRun', runs.all.length > 0);
  };
  ctx.own(runs.onDidStart(setContext));
  ctx.own(runs.onDidFinish(setContext));
  setContext();

  // Deactivation cancels every run and waits for the workers (and their actions) to exit.
  ctx.onDispose(() => runs.disposeAsync());
  void graphs.ready();
}
