import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

// What the integration suites share: the shapes the extension's internal test commands
// return, the workspace folder, and polling for a condition.

/** actiontree.runGraph / runAction / … */
export interface RunResult {
  ok: boolean;
  session?: number;
  reason?: string;
  message?: string;
}

/** actiontree.internal.runSummary (each suite reads the fields it needs). */
export interface RunSummary {
  id: number;
  runId: string | null;
  graphFile: string;
  runDir: string | null;
  result: string | null;
  error: string | null;
  states: Record<string, string>;
  pids: number[];
  workerPid: number | null;
}

/** actiontree.internal.tree: one row and its children. */
export interface TreeItemSnap {
  label: string;
  description: string;
  icon: string | null;
  contextValue: string | null;
  tooltip: string;
  children: TreeItemSnap[];
}

/** The (first) workspace folder of the test window. */
export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri;
}

export type Until = <T>(what: string | (() => string), probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number) => Promise<T>;

/**
 * Polls `probe` every `pollMs` until it gives something other than undefined/false; past the
 * timeout (default `defaultMs`) fails naming what it waited for and the last value seen.
 */
export function untilWithin(defaultMs: number, pollMs = 25): Until {
  return async <T>(what: string | (() => string), probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = defaultMs): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`);
      last = v;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
}

/** Polling with a 20 s default timeout. */
export const until = untilWithin(20_000);
