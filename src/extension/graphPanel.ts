import * as path from 'node:path';
import * as vscode from 'vscode';
import { inputFromRunState } from '../core/gantt/input';
import { encodeGraphHostMessage, parseGraphWebviewMessage, type GraphHostMessage, type GraphRenderedMessage, type GraphViewGraph } from '../shared/graph-protocol';
import { nonce } from './ganttPanel';
import { graphDocument } from './graphHtml';
import { isGraphUri, relative, type GraphEntry, type GraphIndex } from './graphs';
import type { OutputManager } from './outputs';
import { samePath, type RunService, type RunSession } from './runService';

export const GRAPH_VIEW_TYPE = 'actiontree.graphView';
/** At most 5 run updates per second (each sends the whole run; the webview only recolors). */
const UPDATE_INTERVAL_MS = 200;

export function graphViewOf(entry: GraphEntry): GraphViewGraph {
  return {
    title: entry.name,
    graphFile: entry.uri.fsPath,
    nodes: entry.analysis.graph.actions.map((a) => ({
      id: a.id,
      deps: a.deps.slice(),
      command: a.command === undefined ? null : a.command.kind === 'shell' ? a.command.line : a.command.argv.join(' '),
      description: a.description ?? null,
    })),
  };
}

/**
 * The graph view panel (one per window, reused): a graph file's actions laid out, colored
 * by the state of its latest run in this window (the same reducer state as the tree and the
 * chart), updated live.
 */
export class GraphPanelManager implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private graphFile: string | null = null;
  private sentGraphJson = '';
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private readonly renderedEmitter = new vscode.EventEmitter<GraphRenderedMessage>();
  readonly onDidRender = this.renderedEmitter.event;
  lastRendered: GraphRenderedMessage | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly graphs: GraphIndex,
    private readonly runs: RunService,
    private readonly outputs: OutputManager,
  ) {
    const follows = (s: RunSession): boolean => this.panel !== undefined && this.graphFile !== null && samePath(s.graphFile, this.graphFile);
    this.disposables.push(
      this.renderedEmitter,
      runs.onDidStart((s) => {
        if (follows(s)) this.scheduleRun();
      }),
      runs.onDidChange((s) => {
        if (follows(s)) this.scheduleRun();
      }),
      graphs.onDidChange(() => {
        if (this.panel) this.sendGraph();
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  async show(arg?: vscode.Uri): Promise<boolean> {
    await this.graphs.ready();
    let uri = arg;
    if (!uri) {
      const active = vscode.window.activeTextEditor?.document.uri;
      if (active && isGraphUri(active)) uri = active;
    }
    if (!uri) {
      const list = this.graphs.list();
      if (list.length === 1) uri = list[0]!.uri;
      else if (list.length > 1) {
        const pick = await vscode.window.showQuickPick(
          list.map((g) => ({ label: g.name, description: relative(g.uri), detail: `${g.analysis.graph.actions.length} actions`, g })),
          { placeHolder: 'Graph to show' },
        );
        uri = pick?.g.uri;
      } else {
        void vscode.window.showInformationMessage('ActionTree: no *.actiontree.jsonc file in this workspace.');
      }
    }
    if (!uri) return false;
    const entry = await this.graphs.fresh(uri);
    if (!entry) {
      void vscode.window.showErrorMessage(`ActionTree: cannot read ${uri.fsPath}.`);
      return false;
    }
    this.graphFile = entry.uri.fsPath;
    this.sentGraphJson = '';
    if (!this.panel) this.createPanel();
    else this.panel.reveal(undefined, false);
    this.panel!.title = `Graph: ${entry.name}`;
    if (this.ready) {
      this.sendGraph();
      this.sendRun();
    }
    return true;
  }

  private createPanel(): void {
    const panel = vscode.window.createWebviewPanel(GRAPH_VIEW_TYPE, 'ActionTree Graph', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    this.panel = panel;
    this.ready = false;
    const w = panel.webview;
    w.html = graphDocument({
      cspSource: w.cspSource,
      nonce: nonce(),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'graph.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'graph.css')).toString(),
    });
    this.panelDisposables.push(
      w.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        for (const d of this.panelDisposables.splice(0)) d.dispose();
      }),
      panel.onDidChangeViewState(() => {
        // retainContextWhenHidden is off: a panel shown again reloads and says 'ready'.
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  private onMessage(raw: unknown): void {
    const parsed = parseGraphWebviewMessage(raw);
    if (!parsed.ok) {
      console.warn('[actiontree] ignored graph view message:', parsed.error);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sentGraphJson = '';
        this.sendGraph();
        this.sendRun();
        break;
      case 'reveal-output':
        if (this.graphFile) void this.outputs.show(this.graphFile, m.action, true);
        break;
      case 'rendered':
        this.lastRendered = m;
        this.renderedEmitter.fire(m);
        break;
    }
  }

  private post(m: GraphHostMessage): void {
    void this.panel?.webview.postMessage(encodeGraphHostMessage(m));
  }

  private sendGraph(): void {
    if (!this.panel || !this.ready || !this.graphFile) return;
    const entry = this.graphs.get(vscode.Uri.file(this.graphFile));
    if (!entry) {
      this.post({ type: 'error', message: `The graph file ${path.basename(this.graphFile)} is gone.` });
      return;
    }
    const g = graphViewOf(entry);
    const json = JSON.stringify(g);
    if (json === this.sentGraphJson) return;
    this.sentGraphJson = json;
    this.post({ type: 'graph', graph: g });
  }

  private scheduleRun(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendRun();
    }, UPDATE_INTERVAL_MS);
  }

  private sendRun(): void {
    if (!this.panel || !this.ready || !this.graphFile) return;
    const s = this.runs.latest(this.graphFile);
    this.post({ type: 'run', chart: s ? inputFromRunState(s.state, s.info, path.basename(s.graphFile)) : null, now: Date.now() });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
