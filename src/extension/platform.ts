import * as vscode from 'vscode';
import type { Services } from './commands';
import type { ActionTreeContext } from './context';
import { GraphPanelManager } from './graphPanel';
import { ActionProblems } from './problems';
import { recentTranscripts, registerTasks } from './tasks';

/**
 * VS Code platform integration (SPEC §11): actions as tasks, problem matchers on actions'
 * output, the graph view. Called once from registerRuns with the shared services.
 */
export function registerPlatform(ctx: ActionTreeContext, svc: Services): void {
  ctx.own(registerTasks(svc.graphs, svc.runs));
  const problems = ctx.own(new ActionProblems(svc.runs, svc.graphs));
  // Internal (not contributed): tests and automation.
  ctx.own(
    vscode.commands.registerCommand('actiontree.internal.problems', () => {
      problems.flush();
      return problems.snapshot();
    }),
  );
  const graphView = ctx.own(new GraphPanelManager(svc.extensionUri, svc.graphs, svc.runs, svc.outputs));
  ctx.own(
    vscode.commands.registerCommand('actiontree.showGraph', (arg?: unknown) => {
      const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : isUriNode(arg) ? arg.uri : undefined;
      return graphView.show(uri);
    }),
  );
  ctx.own(vscode.commands.registerCommand('actiontree.internal.graphView', () => ({ open: graphView.isOpen, rendered: graphView.lastRendered })));
  ctx.own(
    vscode.commands.registerCommand('actiontree.internal.taskTranscripts', () => recentTranscripts.map((t) => ({ ...t }))),
  );
}

function isUriNode(x: unknown): x is { uri: vscode.Uri } {
  return typeof x === 'object' && x !== null && (x as { uri?: unknown }).uri instanceof vscode.Uri;
}
