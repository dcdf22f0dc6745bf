import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { runsDir } from './paths';

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

/** The graph file a run folder's report.json names, or null (missing, unreadable, corrupt). */
export async function reportGraphFile(runDir: string): Promise<string | null> {
  try {
    const data = JSON.parse(await fs.readFile(path.join(runDir, 'report.json'), 'utf8')) as unknown;
    const g = typeof data === 'object' && data !== null ? (data as { graphFile?: unknown }).graphFile : undefined;
    return typeof g === 'string' ? g : null;
  } catch {
    return null;
  }
}

/** Finished run folders of `graphFile`, newest first (run ids sort by start time). */
export async function finishedRunDirs(graphFile: string): Promise<string[]> {
  const dir = runsDir(graphFile);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names.filter((n) => RUN_ID.test(n)).sort().reverse()) {
    const runDir = path.join(dir, name);
    if ((await reportGraphFile(runDir)) === graphFile) out.push(runDir);
  }
  return out;
}

export async function pruneRuns(graphFile: string, keep: number): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 1) return { kept: 0, removed: [], errors: [`keep must be an integer >= 1, got ${keep}`] };
  const dirs = await finishedRunDirs(graphFile);
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
