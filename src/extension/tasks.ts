import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../core/run/events';
import { formatDuration } from '../core/gantt/format';
import type { RunCommandResult } from './commands';
import type { GraphEntry, GraphIndex } from './graphs';
import { samePath, type RunService, type RunSession } from './runService';

/**
 * Every action of every graph in the workspace as a VS Code task (SPEC §11): type
 * `actiontree`, definition `{ file, action }`. Running one runs the action with its
 * dependencies through the same run service as the tree and commands (so the tree, the
 * chart, the records and the Problems see it), in a pseudoterminal that streams the output.
 */
export const TASK_TYPE = 'actiontree';
const SUFFIX = '.actiontree.jsonc';

export interface ActionTreeTaskDefinition extends vscode.TaskDefinition {
  readonly type: typeof TASK_TYPE;
  /** The graph file: relative to the task's workspace folder, or absolute. */
  readonly file: string;
  readonly action: string;
}

const ESC = '\u001b[';
const bold = (s: string): string => `${ESC}1m${s}${ESC}0m`;
const red = (s: string): string => `${ESC}31m${s}${ESC}0m`;
const green = (s: string): string => `${ESC}32m${s}${ESC}0m`;
const yellow = (s: string): string => `${ESC}33m${s}${ESC}0m`;
const dim = (s: string): string => `${ESC}2m${s}${ESC}0m`;

function folderOf(uri: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(uri);
}

/** The `file` of a definition for a graph: posix path relative to its folder. */
export function definitionFile(uri: vscode.Uri): string {
  const folder = folderOf(uri);
  if (!folder) return uri.fsPath;
  return path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
}

/** Task name: the file without `.actiontree.jsonc`, then the action (`release: build`). */
export function taskName(file: string, action: string): string {
  const base = file.endsWith(SUFFIX) ? file.slice(0, -SUFFIX.length) : file;
  return `${base}: ${action}`;
}

function resolveFile(def: { file?: unknown }, scope: vscode.TaskScope | vscode.WorkspaceFolder | undefined): vscode.Uri | undefined {
  if (typeof def.file !== 'string' || def.file === '') return undefined;
  if (path.isAbsolute(def.file)) return vscode.Uri.file(def.file);
  const folder = typeof scope === 'object' ? scope : vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, def.file) : undefined;
}

export class ActionTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly graphs: GraphIndex,
    private readonly runs: RunService,
  ) {}

  async provideTasks(): Promise<vscode.Task[]> {
    // VS Code asks for tasks on a user's request (Run Task, tasks.json, preLaunchTask) and at
    // times of its own (seen during a run): list the graph files afresh, so a file the watcher
    // has not reported yet is still a task (views are told only if something changed).
    await this.graphs.ready();
    await this.graphs.rescan();
    const tasks: vscode.Task[] = [];
    for (const g of this.graphs.list()) {
      const folder = folderOf(g.uri);
      const file = definitionFile(g.uri);
      for (const a of g.analysis.graph.actions) {
        const def: ActionTreeTaskDefinition = { type: TASK_TYPE, file, action: a.id };
        const t = this.make(def, folder ?? vscode.TaskScope.Workspace);
        const cmd = a.command ? (a.command.kind === 'shell' ? a.command.line : a.command.argv.join(' ')) : undefined;
        t.detail = a.description ?? cmd;
        tasks.push(t);
      }
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition;
    if (def.type !== TASK_TYPE) return undefined;
    // An invalid definition still resolves: running it explains what is wrong.
    return this.make(def as ActionTreeTaskDefinition, task.scope ?? vscode.TaskScope.Workspace);
  }

  private make(def: ActionTreeTaskDefinition, scope: vscode.TaskScope | vscode.WorkspaceFolder): vscode.Task {
    const name = taskName(String(def.file ?? '?'), String(def.action ?? '?'));
    const execution = new vscode.CustomExecution(async (resolved) => new ActionTaskTerminal(this.graphs, this.runs, resolved as ActionTreeTaskDefinition, scope));
    const t = new vscode.Task(def, scope, name, TASK_TYPE, execution, []);
    t.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return t;
  }
}

/** The terminal of one task run: starts the run, streams its events, ends with 0 iff it succeeded. */
/** The latest task transcripts (plain text, ANSI removed), newest last: tests and diagnostics. */
export const recentTranscripts: { readonly label: string; text: string; exitCode: number | null }[] = [];

export class ActionTaskTerminal implements vscode.Pseudoterminal {
  private readonly transcript = { label: '', text: '', exitCode: null as number | null };
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidClose = this.closeEmitter.event;
  private session: RunSession | undefined;
  private ended = false;
  private multi = false;
  private readonly partial = new Map<string, string>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly graphs: GraphIndex,
    private readonly runs: RunService,
    private readonly def: ActionTreeTaskDefinition,
    private readonly scope: vscode.TaskScope | vscode.WorkspaceFolder,
  ) {}

  open(): void {
    (this.transcript as { label: string }).label = `${String(this.def.file)}: ${String(this.def.action)}`;
    recentTranscripts.push(this.transcript);
    if (recentTranscripts.length > 20) recentTranscripts.shift();
    void this.start().catch((e: unknown) => {
      this.line(red(`ActionTree: internal error: ${e instanceof Error ? e.message : String(e)}`));
      this.end(1);
    });
  }

  close(): void {
    // The user closed the terminal (or the task was terminated): cancel the run.
    if (!this.ended) this.session?.cancel();
    this.ended = true;
    for (const s of this.subs.splice(0)) s.dispose();
  }

  handleInput(data: string): void {
    if (data === '\u0003' && this.session && !this.session.finished) {
      this.line(yellow('^C: canceling the run…'));
      this.session.cancel();
    }
  }

  private write(s: string): void {
    if (this.ended) return;
    // eslint-disable-next-line no-control-regex
    if (this.transcript.text.length < 100_000) this.transcript.text += s.replace(/\u001b\[[0-9;]*m/g, '');
    this.writeEmitter.fire(s.replace(/\r?\n/g, '\r\n'));
  }

  private line(s: string): void {
    this.write(`${s}\n`);
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.transcript.exitCode = code;
    for (const s of this.subs.splice(0)) s.dispose();
    this.closeEmitter.fire(code);
  }

  private async start(): Promise<void> {
    const def = this.def;
    if (!vscode.workspace.isTrusted) {
      this.line(red('ActionTree runs the shell commands of graph files, so it runs nothing in Restricted Mode. Trust this workspace to run actions.'));
      this.end(1);
      return;
    }
    if (typeof def.action !== 'string' || def.action === '') {
      this.line(red(`ActionTree: the task definition needs "action": the id of an action (got ${JSON.stringify(def.action)}).`));
      this.end(2);
      return;
    }
    const uri = resolveFile(def, this.scope);
    if (!uri) {
      this.line(red(`ActionTree: the task definition needs "file": a *.actiontree.jsonc file relative to the workspace folder (got ${JSON.stringify(def.file)}).`));
      this.end(2);
      return;
    }
    const entry: GraphEntry | undefined = await this.graphs.fresh(uri);
    if (!entry) {
      this.line(red(`ActionTree: no graph file ${uri.fsPath} (task file "${String(def.file)}").`));
      this.end(2);
      return;
    }
    const g = entry.analysis.graph;
    if (!entry.hasErrors && !g.byId.has(def.action)) {
      const ids = g.actions.map((a) => a.id);
      this.line(red(`ActionTree: no action '${def.action}' in ${def.file}.`));
      this.line(`Its actions: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? `, … (${ids.length} in all)` : ''}`);
      this.end(2);
      return;
    }
    if (entry.hasErrors) {
      const errs = entry.analysis.diagnostics.filter((d) => d.severity === 'error');
      this.line(red(`ActionTree: ${def.file} has ${errs.length} error${errs.length === 1 ? '' : 's'}; nothing was run.`));
      for (const d of errs.slice(0, 10)) {
        const p = entry.analysis.lineIndex.positionAt(d.span.offset);
        this.line(`  ${def.file}:${p.line + 1}:${p.character + 1}: ${d.code}: ${d.message}`);
      }
      this.end(2);
      return;
    }
    // Start through the command (same checks and UX as the tree and the palette); attach to
    // the session synchronously when it starts so no event is missed.
    const startSub = this.runs.onDidStart((s) => {
      if (!this.session && samePath(s.graphFile, uri.fsPath)) this.attach(s);
    });
    let r: RunCommandResult | undefined;
    try {
      r = await vscode.commands.executeCommand<RunCommandResult>('actiontree.runAction', uri, def.action);
    } finally {
      startSub.dispose();
    }
    if (!r || !r.ok) {
      this.line(red(r ? r.message : 'ActionTree: the run did not start.'));
      this.end(1);
      return;
    }
    if (!this.session) {
      const s = this.runs.byId(r.session);
      if (s) this.attach(s);
    }
  }

  private attach(s: RunSession): void {
    this.session = s;
    this.line(bold(`ActionTree: ${this.def.action} with its dependencies — ${this.def.file}`));
    this.subs.push(s.onEvent((e) => this.onEvent(e)));
    void s.done.then((sum) => {
      for (const id of [...this.partial.keys()]) this.flushPartial(id);
      const st = s.state;
      const took = st.startedAt !== null && st.finishedAt !== null ? ` in ${formatDuration(st.finishedAt - st.startedAt)}` : '';
      const c = st.counts;
      const counts = `${c.succeeded} succeeded, ${c.failed} failed, ${c.canceled} canceled${c.skipped ? `, ${c.skipped} skipped` : ''}`;
      if (sum.error) this.line(red(`ActionTree: ${sum.error}`));
      const res = sum.result ?? 'did not run';
      this.line(`${res === 'succeeded' ? green('✔ succeeded') : red(`✘ ${res}`)}${took} (${counts})${sum.runDir ? dim(` — ${sum.runDir}`) : ''}`);
      this.end(res === 'succeeded' ? 0 : 1);
    });
  }

  private flushPartial(id: string): void {
    const rest = this.partial.get(id);
    this.partial.delete(id);
    if (rest) this.line(this.prefix(id) + rest);
  }

  private prefix(id: string): string {
    return this.multi ? dim(`[${id}] `) : '';
  }

  private onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'run-started':
        this.multi = e.actions.length > 1;
        if (this.multi) this.line(dim(`${e.actions.length} actions: ${e.actions.join(', ')}`));
        break;
      case 'action-started':
        this.line(`${bold('▶')} ${e.action}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
        break;
      case 'action-output': {
        const buf = (this.partial.get(e.action) ?? '') + e.text;
        const lines = buf.split('\n');
        const rest = lines.pop() ?? '';
        this.partial.set(e.action, rest);
        const p = this.prefix(e.action);
        if (lines.length > 0) this.write(lines.map((l) => `${p}${l.replace(/\r$/, '')}\n`).join(''));
        break;
      }
      case 'action-finished': {
        this.flushPartial(e.action);
        const a = this.session?.state.actions.get(e.action);
        const took = a?.startedAt != null ? ` ${dim(formatDuration(e.time - a.startedAt))}` : '';
        if (e.state === 'succeeded') this.line(`${green('✔')} ${e.action}${took}`);
        else if (e.state === 'failed') this.line(`${red('✘')} ${e.action}: ${e.reason ?? 'failed'}${took}`);
        else this.line(`${yellow('⊘')} ${e.action}: ${e.state}${e.reason ? ` (${e.reason})` : ''}`);
        break;
      }
      case 'service-ready':
        this.line(`${green('●')} ${e.action}: ready (serving)`);
        break;
      case 'run-paused':
        this.line(`${yellow('⏸')} paused: nothing new starts until Resume Run`);
        break;
      case 'run-resumed':
        this.line(`${green('▶')} resumed`);
        break;
      case 'hook-finished':
        // SPEC §10: a failing hook never fails the run; say so where the run is watched.
        if (e.error !== null) this.line(`${yellow('⚠')} hook ${e.hook}${e.action !== undefined ? ` (${e.action})` : ''} failed: ${e.error}${e.log !== null ? ` ${dim(`(${e.log})`)}` : ''}`);
        break;
      case 'action-ready':
      case 'action-queued':
      case 'run-finished':
        break;
      default: {
        const never: never = e;
        return never;
      }
    }
  }
}

export function registerTasks(graphs: GraphIndex, runs: RunService): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(TASK_TYPE, new ActionTaskProvider(graphs, runs));
}
