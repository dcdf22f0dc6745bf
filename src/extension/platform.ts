import * as vscode from 'vscode';
import type { Services } from './commands';
import type { ActionTreeContext } from './context';
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
  ctx.own(
    vscode.commands.registerCommand('actiontree.internal.taskTranscripts', () => recentTranscripts.map((t) => ({ ...t }))),
  );
}
