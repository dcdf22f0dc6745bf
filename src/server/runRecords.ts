import * as path from 'node:path';
import { RunHistory } from '../runner/history';
import { sameSig, type FileSig } from '../runner/safeRead';

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

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The hover's part of a report: small, whatever the report's size (ids in a Map). */
function parseReport(text: string, reportPath: string, runId: string): { graphFile: string | null; record: RunRecord } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const actions = new Map<string, ActionRecord>();
  const acts = r['actions'];
  if (typeof acts === 'object' && acts !== null && !Array.isArray(acts)) {
    const obj = acts as Record<string, unknown>;
    for (const id of Object.keys(obj)) {
      const v = obj[id];
      if (typeof v !== 'object' || v === null) continue;
      const a = v as Record<string, unknown>;
      actions.set(id, {
        state: typeof a['state'] === 'string' ? a['state'] : 'unknown',
        reason: typeof a['reason'] === 'string' ? a['reason'] : null,
        startedAt: num(a['startedAt']),
        finishedAt: num(a['finishedAt']),
        attempts: typeof a['attempts'] === 'number' ? a['attempts'] : undefined,
        peakRssBytes: num(a['peakRssBytes']),
        cpuTimeMs: num(a['cpuTimeMs']),
      });
    }
  }
  return {
    graphFile: typeof r['graphFile'] === 'string' ? r['graphFile'] : null,
    record: {
      runId: typeof r['runId'] === 'string' ? r['runId'] : runId,
      reportPath,
      result: typeof r['result'] === 'string' ? r['result'] : 'unknown',
      finishedAt: num(r['finishedAt']) ?? undefined,
      actions,
    },
  };
}

/** How long a hover waits for a fresh read before answering with what is cached. */
export const HOVER_WAIT_MS = 200;
/** Parsed reports kept (the newest of each graph file hovered, and a few before). */
const MAX_CACHED_REPORTS = 32;
/** ... and at most this many bytes of report text behind them (by file size). */
const MAX_CACHED_BYTES = 64 * 1024 * 1024;
/** Graph files whose last known run is remembered. */
const MAX_GRAPHS = 256;

interface Cached {
  readonly sig: FileSig;
  readonly parsed: ReturnType<typeof parseReport>;
}

/**
 * The newest run record of each graph file, for the hover (docs/records.md "Reading records"). Reads
 * happen off the request path: a hover starts a refresh (at most one at a time per graph
 * file, and one record read at a time for the whole server, so a slow or hostile file can
 * hold at most one of libuv's threads), waits for it at most HOVER_WAIT_MS, and answers with
 * what is known. Reading rules and bounds: src/runner/history.ts. Parsed reports are cached
 * by path, device, inode, size and mtime, bounded by count and bytes.
 */
export class RunRecords {
  private readonly history = new RunHistory();
  private readonly reports = new Map<string, Cached>();
  private cachedBytes = 0;
  private readonly graphs = new Map<string, { value: RunRecord | undefined; refreshing: Promise<void> | null }>();
  /** Serializes record reads server-wide. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly waitMs = HOVER_WAIT_MS) {}

  /** The newest run of `graphFile` known within `waitMs`; never waits longer. */
  async latest(graphFile: string): Promise<RunRecord | undefined> {
    let g = this.graphs.get(graphFile);
    if (g === undefined) {
      g = { value: undefined, refreshing: null };
      this.graphs.set(graphFile, g);
      if (this.graphs.size > MAX_GRAPHS) this.graphs.delete(this.graphs.keys().next().value as string);
    }
    const entry = g;
    if (entry.refreshing === null) {
      const run = this.queue.then(() => this.refresh(graphFile, entry));
      this.queue = run.catch(() => undefined);
      entry.refreshing = run.finally(() => {
        entry.refreshing = null;
      });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.refreshing.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)))]);
    clearTimeout(timer);
    return entry.value;
  }

  private async refresh(graphFile: string, entry: { value: RunRecord | undefined }): Promise<void> {
    const found = await this.history.latestReport<RunRecord>(
      graphFile,
      (text, ref, sig) => {
        const reportPath = path.join(ref.dir, 'report.json');
        const parsed = parseReport(text, reportPath, ref.runId);
        this.remember(reportPath, sig, parsed);
        return parsed === undefined ? undefined : { graphFile: parsed.graphFile, value: parsed.record };
      },
      5,
      (reportPath, sig) => {
        const hit = this.reports.get(reportPath);
        if (hit === undefined || !sameSig(hit.sig, sig)) return undefined;
        return { hit: hit.parsed === undefined ? undefined : { graphFile: hit.parsed.graphFile, value: hit.parsed.record } };
      },
    );
    entry.value = found?.value;
  }

  private remember(reportPath: string, sig: FileSig, parsed: ReturnType<typeof parseReport>): void {
    const old = this.reports.get(reportPath);
    if (old !== undefined) {
      this.reports.delete(reportPath);
      this.cachedBytes -= old.sig.size;
    }
    if (sig.size > MAX_CACHED_BYTES) return;
    this.reports.set(reportPath, { sig, parsed });
    this.cachedBytes += sig.size;
    while (this.reports.size > MAX_CACHED_REPORTS || this.cachedBytes > MAX_CACHED_BYTES) {
      const [k, v] = this.reports.entries().next().value as [string, Cached];
      this.reports.delete(k);
      this.cachedBytes -= v.sig.size;
    }
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
