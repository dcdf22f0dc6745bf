import * as crypto from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { inputFromReport, inputFromRunState, parseReport } from '../core/gantt/input';
import { eventsProblem } from '../core/run/history';
import { newestRunDir, readEvents, readGraphInfo, readReportFile } from '../runner/history';
import { textOf } from '../runner/safeRead';
import type { GanttAction, GanttInput } from '../core/gantt/model';
import {
  encodeHostMessage,
  parseSavedState,
  parseWebviewMessage,
  type ChartSource,
  type HostToWebview,
  type RenderedMessage,
} from '../shared/webview-protocol';
import { ganttDocument } from './ganttHtml';
import type { OutputManager } from './outputs';
import type { RunService, RunSession } from './runService';
import { waitingText } from '../core/run/waiting';

export const GANTT_VIEW_TYPE = 'actiontree.gantt';
/** At most 20 updates per second to the webview. */
const UPDATE_INTERVAL_MS = 50;

export function nonce(): string {
  return crypto.randomBytes(18).toString('base64');
}

/** The panel's HTML: strict CSP, one nonce'd script from the extension, no inline data. */
export function ganttHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return ganttDocument({
    cspSource: webview.cspSource,
    nonce: nonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'gantt.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'gantt.css')).toString(),
  });
}

/**
 * The Gantt chart panel (one per window, reused). Shows a live run (updates batched to
 * at most 20 per second, sending only changed actions) or a past run's report.
 */
export class GanttPanelManager implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private session: RunSession | undefined;
  private chartSource: ChartSource | null = null;
  /** What the webview has been sent, per action (identity of the reducer's objects). */
  private sent = new Map<string, GanttAction>();
  private sentRunId: string | null = null;
  private sentFinished = false;
  private sentPauses = '[]';
  private timer: NodeJS.Timeout | undefined;
  private staticChart: GanttInput | null = null;
  private errorMessage: string | null = null;
  private readonly renderedEmitter = new vscode.EventEmitter<RenderedMessage>();
  /** The webview reports what it has drawn (tests wait on it). */
  readonly onDidRender = this.renderedEmitter.event;
  lastRendered: RenderedMessage | null = null;
  private webviewReady = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunService,
    private readonly outputs: OutputManager,
  ) {
    this.disposables.push(
      runs.onDidChange((s) => {
        if (s === this.session) this.scheduleUpdate();
      }),
      // The run folder is known only when the worker is done: tell the webview, so that a
      // window reload restores the chart from that run's report.
      runs.onDidFinish((s) => {
        if (s === this.session) this.flush(true);
      }),
      runs.onDidStart((s) => {
        // An open panel follows the run just started, whatever its graph: one panel per
        // window, its title names the graph shown ("Gantt: other.actiontree.jsonc").
        if (this.panel) this.showSession(s, false);
      }),
      vscode.window.registerWebviewPanelSerializer(GANTT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
      }),
      this.renderedEmitter,
    );
  }

  /** For tests and diagnostics. */
  debugState(): Record<string, unknown> {
    return { ready: this.webviewReady, visible: this.panel?.visible ?? null, title: this.panel?.title ?? null, session: this.session?.id ?? null, source: this.chartSource, error: this.errorMessage, posted: this.posted };
  }
  private posted = 0;

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  get currentSession(): RunSession | undefined {
    return this.session;
  }

  private ensurePanel(reveal: boolean): vscode.WebviewPanel {
    if (this.panel) {
      if (reveal) this.panel.reveal(undefined, true);
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(GANTT_VIEW_TYPE, 'ActionTree Gantt', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, this.webviewOptions());
    this.adopt(panel);
    return panel;
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.webviewReady = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'actiontree.svg');
    panel.webview.options = this.webviewOptions();
    panel.webview.html = ganttHtml(panel.webview, this.extensionUri);
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.resend();
      }),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables.splice(0)) d.dispose();
        this.panel = undefined;
        this.webviewReady = false;
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
      }),
    );
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      console.warn('[actiontree] ignored webview message:', parsed.error);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ready':
        this.webviewReady = true;
        this.resend();
        break;
      case 'reveal-output': {
        const file = this.session?.graphFile ?? (this.chartSource?.kind === 'run' ? this.chartSource.graphFile : null) ?? this.reportGraphFile;
        const runDir = !this.session && this.chartSource?.kind === 'report' ? path.dirname(this.chartSource.path) : undefined;
        if (file) this.outputs.show(file, m.action, false, runDir);
        else void vscode.window.showInformationMessage(`No output for '${m.action}': the graph file of this report is unknown.`);
        break;
      }
      case 'rendered':
        this.lastRendered = m;
        this.renderedEmitter.fire(m);
        break;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private reportGraphFile: string | null = null;

  /** Shows a live (or finished) run of this window. */
  showSession(s: RunSession, reveal = true): void {
    this.session = s;
    this.staticChart = null;
    this.errorMessage = null;
    this.chartSource = { kind: 'run', graphFile: s.graphFile, runDir: s.runDir };
    this.ensurePanel(reveal);
    this.panel!.title = `Gantt: ${path.basename(s.graphFile)}`;
    this.resend();
  }

  /** Shows a past run from its `report.json` (or a run folder). */
  async showReport(file: string, reveal = true): Promise<void> {
    const reportPath = (await isDirectory(file)) ? path.join(file, 'report.json') : file;
    this.session = undefined;
    this.chartSource = { kind: 'report', path: reportPath };
    this.ensurePanel(reveal);
    this.panel!.title = `Gantt: ${path.basename(path.dirname(reportPath))}`;
    const loaded = await loadReportChart(reportPath);
    if (loaded.ok && this.panel) this.panel.title = `Gantt: ${loaded.chart.title}`;
    if (loaded.ok) {
      this.staticChart = loaded.chart;
      this.reportGraphFile = loaded.graphFile;
      this.errorMessage = null;
    } else {
      this.staticChart = null;
      this.errorMessage = loaded.error;
    }
    this.resend();
  }

  private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    this.panel?.dispose();
    this.adopt(panel);
    const src = parseSavedState(state);
    if (!src) {
      // The webview's state may be lost when a browser window reloads before VS Code flushed
      // it: fall back to the newest run of the workspace's graphs.
      const dir = await newestWorkspaceRun();
      if (dir) return this.showReport(dir, false);
      this.errorMessage = (await hasGraphFiles())
        ? 'Nothing to show yet: run a graph (ActionTree: Run Graph).'
        : 'Nothing to show: this folder has no *.actiontree.jsonc graph file. Create one with "ActionTree: Create Example Graph".';
      this.resend();
      return;
    }
    if (src.kind === 'report') return this.showReport(src.path, false);
    const live = this.runs.latest(src.graphFile);
    if (live) return this.showSession(live, false);
    const dir = src.runDir ?? (await newestRunDir(src.graphFile));
    if (dir) return this.showReport(dir, false);
    this.chartSource = src;
    this.errorMessage = `The run of ${path.basename(src.graphFile)} shown before the reload left no report.`;
    this.resend();
  }

  private post(m: HostToWebview): void {
    this.posted++;
    void this.panel?.webview.postMessage(encodeHostMessage(m));
  }

  /** Sends everything again (the webview was (re)created or became visible). */
  private resend(): void {
    this.lastRendered = null;
    this.sent = new Map();
    this.sentRunId = null;
    this.sentFinished = false;
    if (!this.panel || !this.webviewReady) return;
    if (this.errorMessage !== null) {
      this.post({ type: 'error', message: this.errorMessage, source: this.chartSource });
      return;
    }
    if (this.staticChart) {
      this.post({ type: 'snapshot', chart: this.staticChart, now: Date.now(), source: this.chartSource });
      return;
    }
    this.flush();
  }

  private scheduleUpdate(): void {
    if (this.timer || !this.panel) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, UPDATE_INTERVAL_MS);
  }

  private flush(force = false): void {
    const s = this.session;
    if (!s || !this.panel || !this.webviewReady || !this.panel.visible) return;
    if (s.state.runId === null) {
      if (s.finished && s.error) this.post({ type: 'error', message: `The run did not start:\n${s.error}`, source: this.chartSource });
      return;
    }
    if (s.runDir && this.chartSource?.kind === 'run') this.chartSource = { ...this.chartSource, runDir: s.runDir };
    const graph = s.request.graph;
    const input = inputFromRunState(s.state, s.info, path.basename(s.graphFile), (id) => waitingText(s.state, graph, id));
    if (this.sentRunId !== input.runId) {
      this.post({ type: 'snapshot', chart: input, now: Date.now(), source: this.chartSource });
      this.sentRunId = input.runId;
      this.sent = new Map(input.actions.map((a) => [a.id, a]));
      this.sentFinished = input.finishedAt !== null;
      this.sentPauses = JSON.stringify(input.pauses ?? []);
      return;
    }
    const changed: GanttAction[] = [];
    for (const a of input.actions) {
      const prev = this.sent.get(a.id);
      if (!prev || !sameAction(prev, a)) {
        changed.push(a);
        this.sent.set(a.id, a);
      }
    }
    const fin = input.finishedAt !== null;
    // The webview advances the "now" line itself; only changes are sent.
    const pauses = JSON.stringify(input.pauses ?? []);
    if (changed.length === 0 && fin === this.sentFinished && pauses === this.sentPauses && !force) return;
    this.sentFinished = fin;
    this.sentPauses = pauses;
    this.post({ type: 'patch', runId: input.runId, actions: changed, finishedAt: input.finishedAt, result: input.result, now: Date.now(), source: this.chartSource, pauses: input.pauses ?? [] });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function sameAction(a: GanttAction, b: GanttAction): boolean {
  if (a.state !== b.state || a.readyAt !== b.readyAt || a.finishedAt !== b.finishedAt || a.attempts.length !== b.attempts.length) return false;
  for (let i = 0; i < a.attempts.length; i++) {
    if (a.attempts[i]!.startedAt !== b.attempts[i]!.startedAt || a.attempts[i]!.finishedAt !== b.attempts[i]!.finishedAt) return false;
  }
  return a.reason === b.reason && a.exitCode === b.exitCode && a.estimateMs === b.estimateMs && (a.waiting ?? null) === (b.waiting ?? null);
}

async function hasGraphFiles(): Promise<boolean> {
  return (await vscode.workspace.findFiles('**/*.actiontree.jsonc', '{**/node_modules/**,**/.actiontree/**}', 1)).length > 0;
}

/** The newest run (by run id, which sorts by time) of any graph file in the workspace. */
async function newestWorkspaceRun(): Promise<string | null> {
  const graphs = await vscode.workspace.findFiles('**/*.actiontree.jsonc', '{**/node_modules/**,**/.actiontree/**}', 1000);
  let best: string | null = null;
  for (const g of graphs) {
    const dir = await newestRunDir(g.fsPath);
    if (dir && (best === null || path.basename(dir) > path.basename(best))) best = dir;
  }
  return best;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export type LoadedChart = { ok: true; chart: GanttInput; graphFile: string | null } | { ok: false; error: string };

/**
 * Reads a report (+ events.jsonl and the graph file when present) into chart input, under the
 * reading rules of src/runner/history.ts (regular files only, bounded).
 */
export async function loadReportChart(reportPath: string): Promise<LoadedChart> {
  const r = await readReportFile(reportPath);
  if (!r.ok) {
    return { ok: false, error: `Cannot read ${reportPath}: ${r.kind === 'missing' ? 'no such file (the run may not have finished writing it)' : r.reason}` };
  }
  const parsed = parseReport(textOf(r.bytes));
  if (!parsed.ok) return { ok: false, error: `Cannot show ${reportPath}:\n${parsed.error}` };
  const graphFile = parsed.report.graphFile;
  const info = await readGraphInfo(graphFile);
  let events;
  const ev = await readEvents(path.dirname(reportPath));
  if (ev.ok && eventsProblem(ev.events) === null) events = ev.events;
  return { ok: true, chart: inputFromReport(parsed.report, info, events), graphFile };
}
