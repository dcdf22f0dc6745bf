import * as fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../core/run/events';
import { formatDuration } from '../core/gantt/format';
import { AnsiStripper, TailBuffer, stripAnsi } from './ansi';
import { logFileName } from '../runner/paths';
import { newestRunDir } from '../runner/history';
import type { RunService, RunSession } from './runService';

/** Characters of output kept in memory per action (the run's log file keeps all). */
export const OUTPUT_TAIL_CHARS = 256 * 1024;

interface ActionOutput {
  readonly graphFile: string;
  readonly action: string;
  readonly tail: TailBuffer;
  readonly strippers: { stdout: AnsiStripper; stderr: AnsiStripper };
  channel: vscode.OutputChannel | undefined;
  /** The session whose output the tail holds. */
  sessionId: number;
  logFile: string | null;
}

/**
 * One output channel per action ("ActionTree: <id>"), created when first needed (shown from
 * the tree, the chart, a command or a failure message) and fed live from then on. Until then
 * only a bounded tail is kept, replayed into the channel when it is created.
 */
export class OutputManager implements vscode.Disposable {
  private readonly outputs = new Map<string, ActionOutput>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(runs: RunService) {
    this.disposables.push(
      runs.onDidStart((s) => {
        const sub = s.onEvent((e) => this.onEvent(s, e));
        const fin = s.onDidFinish(() => {
          sub.dispose();
          fin.dispose();
          this.onFinish(s);
        });
      }),
    );
  }

  private key(graphFile: string, action: string): string {
    return `${graphFile}\u0000${action}`;
  }

  private entry(graphFile: string, action: string): ActionOutput {
    const k = this.key(graphFile, action);
    let o = this.outputs.get(k);
    if (!o) {
      o = {
        graphFile,
        action,
        tail: new TailBuffer(OUTPUT_TAIL_CHARS),
        strippers: { stdout: new AnsiStripper(), stderr: new AnsiStripper() },
        channel: undefined,
        sessionId: 0,
        logFile: null,
      };
      this.outputs.set(k, o);
    }
    return o;
  }

  private write(o: ActionOutput, text: string): void {
    if (!text) return;
    o.tail.append(text);
    o.channel?.append(text);
  }

  private onEvent(s: RunSession, e: RunEvent): void {
    switch (e.type) {
      case 'action-started': {
        const o = this.entry(s.graphFile, e.action);
        if (o.sessionId !== s.id) {
          o.sessionId = s.id;
          o.tail.clear();
          o.channel?.clear();
        }
        this.write(o, `▶ ${e.action}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''} — started ${new Date(e.time).toLocaleTimeString()}\n`);
        break;
      }
      case 'action-output': {
        const o = this.entry(s.graphFile, e.action);
        if (o.sessionId !== s.id) {
          o.sessionId = s.id;
          o.tail.clear();
          o.channel?.clear();
        }
        this.write(o, o.strippers[e.stream].push(e.text));
        break;
      }
      case 'action-finished': {
        const o = this.outputs.get(this.key(s.graphFile, e.action));
        const a = s.state.actions.get(e.action);
        if (!o || o.sessionId !== s.id) {
          // An action that never started (canceled, skipped): nothing to show yet.
          if (!o) return;
          if (o.sessionId !== s.id) return;
        }
        const rest = o.strippers.stdout.flush() + o.strippers.stderr.flush();
        const dur = a?.startedAt != null ? ` after ${formatDuration(e.time - a.startedAt)}` : '';
        const tailNl = o.tail.length > 0 && !o.tail.text().endsWith('\n') ? '\n' : '';
        this.write(o, `${rest}${tailNl}■ ${e.action} ${e.state}${e.reason ? `: ${e.reason}` : ''}${dur}\n`);
        break;
      }
      default:
        break;
    }
  }

  private onFinish(s: RunSession): void {
    if (!s.runDir) return;
    for (const o of this.outputs.values()) {
      if (o.sessionId === s.id) o.logFile = path.join(s.runDir, 'logs', logFileName(o.action));
    }
  }

  /**
   * Creates (if needed) and reveals the channel of an action. Returns its name. With no
   * output from this window, the channel shows the action's log from `runDir` (a past run
   * opened in the chart) or from the graph's newest recorded run.
   */
  show(graphFile: string, action: string, preserveFocus = true, runDir?: string): string {
    const o = this.entry(graphFile, action);
    const fresh = !o.channel;
    if (!o.channel) {
      o.channel = vscode.window.createOutputChannel(this.channelName(graphFile, action));
      const text = o.tail.text();
      if (o.tail.dropped > 0) o.channel.append(`… ${o.tail.dropped} earlier characters are in the run's log file${o.logFile ? ` (${o.logFile})` : ''}\n`);
      if (text) o.channel.append(text);
    }
    if ((fresh || runDir !== undefined) && o.sessionId === 0) void this.showLog(o, runDir);
    o.channel.show(preserveFocus);
    return o.channel.name;
  }

  /** Fills a channel that has no live output with the tail of the action's log file. */
  private async showLog(o: ActionOutput, runDir: string | undefined): Promise<void> {
    const dir = runDir ?? (await newestRunDir(o.graphFile, { withReport: false }));
    const ch = o.channel;
    if (!ch || o.sessionId !== 0) return;
    if (!dir) {
      ch.replace(`No output from '${o.action}' yet: it has not run.\n`);
      return;
    }
    const file = path.join(dir, 'logs', logFileName(o.action));
    try {
      // Regular files only, never blocking on a FIFO, never following a link (run records may
      // come from a repository: docs/records.md "Reading records").
      const h = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOFOLLOW ?? 0));
      try {
        const st = await h.stat();
        if (!st.isFile()) throw new Error('not a regular file');
        const { size } = st;
        const start = Math.max(0, size - OUTPUT_TAIL_CHARS);
        const buf = Buffer.alloc(size - start);
        await h.read(buf, 0, buf.length, start);
        if (o.sessionId !== 0) return; // a live run started meanwhile
        const head = `${start > 0 ? `… the first ${start} bytes are in ${file}\n` : ''}(log of run ${path.basename(dir)})\n`;
        ch.replace(head + stripAnsi(buf.toString('utf8')));
      } finally {
        await h.close();
      }
    } catch {
      if (o.sessionId === 0) ch.replace(`No output from '${o.action}' in run ${path.basename(dir)} (no log file: it did not start).\n`);
    }
  }

  /** In-memory tail of an action's output (tests, tooltips). */
  tail(graphFile: string, action: string): string {
    return this.outputs.get(this.key(graphFile, action))?.tail.text() ?? '';
  }

  hasChannel(graphFile: string, action: string): boolean {
    return this.outputs.get(this.key(graphFile, action))?.channel !== undefined;
  }

  private channelName(graphFile: string, action: string): string {
    const clash = [...this.outputs.values()].some((o) => o.action === action && o.graphFile !== graphFile && o.channel);
    return clash ? `ActionTree: ${action} (${path.basename(graphFile)})` : `ActionTree: ${action}`;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const o of this.outputs.values()) o.channel?.dispose();
    this.outputs.clear();
  }
}
