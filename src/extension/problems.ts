import { expandGraph } from '../core/matrix';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActionModel } from '../core/model';
import { ProblemCollector, type Problem } from '../core/problemMatchers';
import type { GraphIndex } from './graphs';
import type { RunService, RunSession } from './runService';

/**
 * Problems from actions' output (SPEC §11): for every run started in this window (tree,
 * commands, tasks, code lenses), the output of each action with a `problemMatcher` goes
 * through a ProblemCollector; its problems land in one DiagnosticCollection owned by
 * ActionTree, each linked to the action in the graph file. An action's problems are
 * replaced when it starts again (a new run or a retry).
 */
export class ActionProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('actiontree-output');
  /** graphFile \0 action -> its problems by file uri. */
  private readonly byAction = new Map<string, Map<string, vscode.Diagnostic[]>>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fired after the Problems entries were updated (tests wait on it). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    runs: RunService,
    private readonly graphs: GraphIndex,
  ) {
    this.disposables.push(
      this.collection,
      this.changeEmitter,
      runs.onDidStart((s) => this.attach(s)),
    );
  }

  private attach(s: RunSession): void {
    const graph = expandGraph(s.request.graph); // SPEC §10: events carry expanded ids
    const withMatchers = graph.actions.filter((a) => a.problemMatchers && a.problemMatchers.length > 0);
    if (withMatchers.length === 0) return;
    const byId = new Map(withMatchers.map((a) => [a.id, a] as const));
    const collectors = new Map<string, ProblemCollector>();
    const sub = s.onEvent((e) => {
      if (e.type === 'action-started') {
        const a = byId.get(e.action);
        if (!a) return;
        collectors.set(e.action, new ProblemCollector(a.problemMatchers ?? []));
        this.replace(s.graphFile, a, []);
      } else if (e.type === 'action-output') {
        const c = collectors.get(e.action);
        if (c && c.push(e.stream, e.text) > 0) this.replace(s.graphFile, byId.get(e.action)!, c.problems);
      } else if (e.type === 'action-finished') {
        const c = collectors.get(e.action);
        if (!c) return;
        c.flush();
        this.replace(s.graphFile, byId.get(e.action)!, c.problems);
        collectors.delete(e.action);
      }
    });
    s.onDidFinish(() => sub.dispose());
  }

  private replace(graphFile: string, action: ActionModel, problems: readonly Problem[]): void {
    const key = `${graphFile}\u0000${action.id}`;
    const old = this.byAction.get(key);
    for (const uri of old?.keys() ?? []) this.dirty.add(uri);
    const cwd = path.resolve(path.dirname(graphFile), action.cwd ?? '.');
    const graphUri = vscode.Uri.file(graphFile);
    const entry = this.graphs.get(graphUri);
    const keyRange = entry ? toRange(entry.analysis.lineIndex.rangeOf(action.keySpan)) : new vscode.Range(0, 0, 0, 0);
    const next = new Map<string, vscode.Diagnostic[]>();
    for (const p of problems) {
      const file = p.fileLocation !== 'relative' && path.isAbsolute(p.file) ? p.file : path.resolve(cwd, p.file);
      const uri = vscode.Uri.file(file).toString();
      const l = p.line - 1;
      const c = p.column - 1;
      const range = new vscode.Range(l, c, (p.endLine ?? p.line) - 1, (p.endColumn ?? p.column) - 1);
      const d = new vscode.Diagnostic(range, p.message, severity(p.severity));
      d.source = p.source;
      if (p.code !== null) d.code = p.code;
      d.relatedInformation = [
        new vscode.DiagnosticRelatedInformation(new vscode.Location(graphUri, keyRange), `reported by action '${action.id}' (${path.basename(graphFile)})`),
      ];
      let list = next.get(uri);
      if (!list) next.set(uri, (list = []));
      list.push(d);
      this.dirty.add(uri);
    }
    if (next.size === 0) this.byAction.delete(key);
    else this.byAction.set(key, next);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), 100);
  }

  /** Pushes changed files to the collection (throttled: at most every 100 ms). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0) return;
    for (const uri of this.dirty) {
      const all: vscode.Diagnostic[] = [];
      for (const m of this.byAction.values()) all.push(...(m.get(uri) ?? []));
      this.collection.set(vscode.Uri.parse(uri), all.length > 0 ? all : undefined);
    }
    this.dirty.clear();
    this.changeEmitter.fire();
  }

  /** What the collection holds (tests). */
  snapshot(): { file: string; line: number; column: number; severity: string; message: string; source: string | null; code: string | null; related: string | null }[] {
    const out: ReturnType<ActionProblems['snapshot']> = [];
    this.collection.forEach((uri, ds) => {
      for (const d of ds) {
        out.push({
          file: uri.fsPath,
          line: d.range.start.line + 1,
          column: d.range.start.character + 1,
          severity: vscode.DiagnosticSeverity[d.severity],
          message: d.message,
          source: d.source ?? null,
          code: d.code === undefined ? null : String(d.code),
          related: d.relatedInformation?.[0]?.message ?? null,
        });
      }
    });
    return out;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function severity(s: Problem['severity']): vscode.DiagnosticSeverity {
  return s === 'error' ? vscode.DiagnosticSeverity.Error : s === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}
