import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The part of a run's report.json (SPEC §4) the hover shows. */
export interface ActionRecord {
  readonly state: string;
  readonly reason: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly attempts: number | undefined;
  /** SPEC §8, of the last attempt, when measured. */
  readonly peakRssBytes?: number | null;
  readonly cpuTimeMs?: number | null;
}

export interface RunRecord {
  readonly runId: string;
  readonly reportPath: string;
  readonly result: string;
  readonly finishedAt: number | undefined;
  readonly actions: ReadonlyMap<string, ActionRecord>;
}

/** How many run folders (newest first) are inspected for one belonging to the graph file. */
const MAX_SCAN = 20;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function parseReport(text: string, reportPath: string): { graphFile: string | undefined; record: RunRecord } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const actions = new Map<string, ActionRecord>();
  if (typeof r.actions === 'object' && r.actions !== null) {
    for (const [id, v] of Object.entries(r.actions as Record<string, unknown>)) {
      if (typeof v !== 'object' || v === null) continue;
      const a = v as Record<string, unknown>;
      actions.set(id, {
        state: typeof a.state === 'string' ? a.state : 'unknown',
        reason: typeof a.reason === 'string' ? a.reason : null,
        startedAt: num(a.startedAt),
        finishedAt: num(a.finishedAt),
        attempts: typeof a.attempts === 'number' ? a.attempts : undefined,
        peakRssBytes: num(a.peakRssBytes),
        cpuTimeMs: num(a.cpuTimeMs),
      });
    }
  }
  return {
    graphFile: typeof r.graphFile === 'string' ? r.graphFile : undefined,
    record: {
      runId: typeof r.runId === 'string' ? r.runId : path.basename(path.dirname(reportPath)),
      reportPath,
      result: typeof r.result === 'string' ? r.result : 'unknown',
      finishedAt: num(r.finishedAt) ?? undefined,
      actions,
    },
  };
}

/**
 * Finds the newest run record of a graph file: `.actiontree/runs/<run-id>/report.json` beside
 * the file, newest run id first (run ids start with a UTC timestamp), skipping reports of other
 * graph files in the same folder. Parsed reports are cached by path, mtime and size.
 */
export class RunRecords {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; parsed: ReturnType<typeof parseReport> }>();

  async latest(graphFile: string): Promise<RunRecord | undefined> {
    const runsDir = path.join(path.dirname(graphFile), '.actiontree', 'runs');
    let names: string[];
    try {
      names = (await fs.readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return undefined;
    }
    names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    for (const name of names.slice(0, MAX_SCAN)) {
      const reportPath = path.join(runsDir, name, 'report.json');
      const parsed = await this.read(reportPath);
      if (parsed === undefined) continue;
      // Runs of every graph file in this folder share the folder: keep this file's. Compare the
      // base names only, so a symlinked or differently spelled folder path still matches.
      if (parsed.graphFile !== undefined && path.basename(parsed.graphFile) !== path.basename(graphFile)) continue;
      return parsed.record;
    }
    return undefined;
  }

  private async read(reportPath: string): Promise<ReturnType<typeof parseReport>> {
    let st;
    try {
      st = await fs.stat(reportPath);
    } catch {
      return undefined;
    }
    const hit = this.cache.get(reportPath);
    if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.parsed;
    let text: string;
    try {
      text = await fs.readFile(reportPath, 'utf8');
    } catch {
      return undefined;
    }
    const parsed = parseReport(text, reportPath);
    this.cache.set(reportPath, { mtimeMs: st.mtimeMs, size: st.size, parsed });
    return parsed;
  }
}

/** "850 ms", "12.3 s", "4 min 5 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}
