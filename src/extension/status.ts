import * as path from 'node:path';
import * as vscode from 'vscode';
import { doneCount, idsInState, runningActions } from '../core/run/state';
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
    let done = 0;
    let total = 0;
    let failed = 0;
    for (const s of shown) {
      done += doneCount(s.state);
      total += s.state.actions.size;
      failed += s.state.counts.failed;
    }
    const running = active.length > 0;
    const last = shown[0]!;
    const icon = running ? '$(sync~spin)' : failed > 0 || last.error ? '$(error)' : last.state.result === 'canceled' ? '$(circle-slash)' : '$(pass)';
    this.item.text = `${icon} ActionTree ${done}/${total}${failed > 0 ? ` $(error) ${failed} failed` : ''}`;
    this.item.tooltip = running
      ? `${active.length} run${active.length === 1 ? '' : 's'} in progress: ${active.map((s) => path.basename(s.graphFile)).join(', ')}\nClick to show the Gantt chart`
      : `Last run (${path.basename(last.graphFile)}): ${last.state.result ?? last.error ?? 'not started'}\nClick to show the Gantt chart`;
    this.item.backgroundColor = !running && failed > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: `ActionTree: ${done} of ${total} actions done${failed ? `, ${failed} failed` : ''}` };
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
            const total = Math.max(1, s.state.actions.size);
            const done = doneCount(s.state);
            const pct = (done / total) * 100;
            const running = runningActions(s.state);
            progress.report({
              increment: pct - reported,
              message: `${done}/${s.state.actions.size} done${s.state.counts.failed ? `, ${s.state.counts.failed} failed` : ''}${running.length ? ` — running ${running.slice(0, 3).join(', ')}${running.length > 3 ? '…' : ''}` : ''}`,
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
    const c = s.state.counts;
    const total = s.state.actions.size;
    const dur = s.state.finishedAt !== null && s.state.startedAt !== null ? ` in ${((s.state.finishedAt - s.state.startedAt) / 1000).toFixed(1)} s` : '';
    if (s.state.result === 'succeeded') {
      vscode.window.setStatusBarMessage(`$(pass) ActionTree: ${name} succeeded (${total} actions${dur})`, 5000);
      return;
    }
    const failedIds = idsInState(s.state, 'failed');
    const what = s.state.result === 'canceled' ? 'was canceled' : `failed: ${failedIds.slice(0, 3).join(', ')}${failedIds.length > 3 ? ` and ${failedIds.length - 3} more` : ''}`;
    const buttons = failedIds.length > 0 ? ['Show Gantt Chart', 'Show Output'] : ['Show Gantt Chart'];
    const show = s.state.result === 'canceled' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    void show(`ActionTree: ${name} ${what} (${c.succeeded}/${total} succeeded${dur}).`, ...buttons).then((pick) => {
      if (pick === 'Show Gantt Chart') this.actions.showGantt(s);
      else if (pick === 'Show Output' && failedIds[0]) this.actions.showOutput(s, failedIds[0]);
    });
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
