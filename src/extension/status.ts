import * as path from 'node:path';
import * as vscode from 'vscode';
import { idsInState, runningActions } from '../core/run/state';
import { ZERO_COUNTS, finishedOf, formatCounts, runCounts, totalOf, type ActionCounts } from '../core/run/counts';
import type { RunService, RunSession } from './runService';

/**
 * Run progress in the status bar (all runs of the window), a cancellable progress
 * notification per run, and a message when a run ends (buttons for failures).
 */
export class RunStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly runs: RunService,
    private readonly actions: { showGantt(s: RunSession): void; showOutput(s: RunSession, action: string): void },
  ) {
    this.item = vscode.window.createStatusBarItem('actiontree.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'ActionTree Run';
    this.item.command = { command: 'actiontree.showGantt', title: 'Show Gantt Chart' };
    this.disposables.push(
      this.item,
      runs.onDidStart((s) => this.onStart(s)),
      runs.onDidChange(() => this.updateSoon()),
      runs.onDidFinish((s) => this.onFinish(s)),
    );
  }

  private updateSoon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.update();
    }, 100);
  }

  /** The status bar text (exposed for tests). */
  get text(): string {
    return this.item.text;
  }

  update(): void {
    const active = this.runs.active;
    const shown = active.length > 0 ? active : this.runs.latest() ? [this.runs.latest()!] : [];
    if (shown.length === 0) {
      this.item.hide();
      return;
    }
    const counts = sumCounts(shown.map((s) => runCounts(s.state)));
    const starting = shown.every((s) => s.state.runId === null && !s.finished);
    const running = active.length > 0;
    const last = shown[0]!;
    const failed = counts.failed > 0 || (!running && last.error !== null);
    const paused = active.some((s) => s.state.paused === true);
    const icon = paused ? '$(debug-pause)' : running ? '$(sync~spin)' : failed ? '$(error)' : last.state.result === 'canceled' ? '$(circle-slash)' : '$(pass)';
    const text = starting ? 'starting…' : !running && last.state.runId === null ? 'did not start' : `${paused ? 'paused · ' : ''}${formatCounts(counts)}`;
    this.item.text = `${icon} ActionTree: ${text}`;
    this.item.tooltip = running
      ? `${active.length} run${active.length === 1 ? '' : 's'} in progress: ${active.map((s) => path.basename(s.graphFile)).join(', ')}\n${text}\nClick to show the Gantt chart`
      : `Last run (${path.basename(last.graphFile)}): ${last.state.result ?? last.error ?? 'not started'}\n${text}\nClick to show the Gantt chart`;
    this.item.backgroundColor = !running && failed ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: `ActionTree: ${formatCounts(counts, ', ')}` };
    this.item.show();
  }

  private onStart(s: RunSession): void {
    this.update();
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ActionTree: ${path.basename(s.graphFile)}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => s.cancel());
          let reported = 0;
          const report = (): void => {
            const c = runCounts(s.state);
            const pct = (finishedOf(c) / Math.max(1, totalOf(c))) * 100;
            const running = runningActions(s.state);
            progress.report({
              increment: pct - reported,
              message: `${formatCounts(c)}${running.length ? ` — running ${running.slice(0, 3).join(', ')}${running.length > 3 ? '…' : ''}` : ''}`,
            });
            reported = pct;
          };
          let timer: NodeJS.Timeout | undefined;
          const sub = s.onEvent(() => {
            timer ??= setTimeout(() => {
              timer = undefined;
              report();
            }, 200);
          });
          const fin = s.onDidFinish(() => {
            sub.dispose();
            fin.dispose();
            if (timer) clearTimeout(timer);
            resolve();
          });
          if (s.finished) {
            sub.dispose();
            fin.dispose();
            resolve();
          }
        }),
    );
  }

  private onFinish(s: RunSession): void {
    this.update();
    const name = path.basename(s.graphFile);
    if (s.error && s.state.runId === null) {
      void vscode.window.showErrorMessage(`ActionTree: the run of ${name} did not start. ${s.error}`);
      return;
    }
    const counts = formatCounts(runCounts(s.state));
    const dur = s.state.finishedAt !== null && s.state.startedAt !== null ? ` in ${((s.state.finishedAt - s.state.startedAt) / 1000).toFixed(1)} s` : '';
    if (s.state.result === 'succeeded') {
      vscode.window.setStatusBarMessage(`$(pass) ActionTree: ${name} succeeded — ${counts}${dur}`, 5000);
      return;
    }
    const failedIds = idsInState(s.state, 'failed');
    const buttons = failedIds.length > 0 ? ['Show Gantt Chart', 'Show Output'] : ['Show Gantt Chart'];
    const show = s.state.result === 'canceled' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    // No duration (or anything else that changes between two equal outcomes) in the text:
    // VS Code replaces an open notification by a new one with the same text and buttons, so
    // re-running a graph that fails the same way does not pile up toasts.
    const message = `ActionTree: ${name} ${s.state.result === 'canceled' ? 'was canceled' : `failed (${failedIds.slice(0, 3).join(', ')}${failedIds.length > 3 ? ` and ${failedIds.length - 3} more` : ''})`} — ${counts}.`;
    this.lastMessage = message;
    void show(message, ...buttons).then((pick) => {
      if (pick === 'Show Gantt Chart') this.actions.showGantt(s);
      else if (pick === 'Show Output' && failedIds[0]) this.actions.showOutput(s, failedIds[0]);
    });
  }

  /** The text of the last completion message (tests). */
  lastMessage: string | null = null;

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function sumCounts(list: readonly ActionCounts[]): ActionCounts {
  const c = { ...ZERO_COUNTS };
  for (const x of list) for (const k of Object.keys(c) as (keyof ActionCounts)[]) c[k] += x[k];
  return c;
}
