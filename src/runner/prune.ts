import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { sharedHistory, type RunHistory } from './history';

/**
 * Keeps the newest `keep` finished runs of one graph file in `.actiontree/runs` and removes
 * the older ones (the run history's `actiontree.history.keep`). Graph files in one folder
 * share that folder: a run belongs to the graph its `report.json` names. Only folders whose
 * name is a run id and whose report names this graph are ever removed; a run still in
 * progress (no report yet), another graph's runs and anything unreadable are left alone.
 */

const RUN_ID = /^\d{8}T\d{6}(\.\d+)?Z-[0-9a-f]{4}$/;

export interface PruneResult {
  readonly kept: number;
  readonly removed: readonly string[];
  readonly errors: readonly string[];
}

/**
 * Finished run folders of `graphFile` (with a report), newest first, through the run
 * records reader (`runner/history.ts`: bounded, symlink-safe reads; it looks at the newest
 * MAX_RUNS_SCANNED folders of `.actiontree/runs`).
 */
export async function finishedRunDirs(graphFile: string, history: RunHistory = sharedHistory()): Promise<string[]> {
  const out: string[] = [];
  for await (const ref of history.runsOf(graphFile, { withReport: true })) {
    if (ref.hasReport && RUN_ID.test(path.basename(ref.dir))) out.push(ref.dir);
  }
  return out;
}

export async function pruneRuns(graphFile: string, keep: number, history?: RunHistory): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 1) return { kept: 0, removed: [], errors: [`keep must be an integer >= 1, got ${keep}`] };
  const dirs = await finishedRunDirs(graphFile, history);
  const removed: string[] = [];
  const errors: string[] = [];
  for (const d of dirs.slice(keep)) {
    try {
      await fs.rm(d, { recursive: true, force: true });
      removed.push(d);
    } catch (e) {
      errors.push(`${d}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { kept: Math.min(keep, dirs.length), removed, errors };
}
