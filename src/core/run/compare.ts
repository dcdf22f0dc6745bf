import type { ParsedReport } from '../gantt/input';
import type { ActionState, RunResult } from './events';
import { countActions, formatCounts, type ActionCounts } from './counts';

/**
 * Past runs of a graph, as the run history shows and compares them (SPEC §11): a digest of
 * each `report.json`, and the comparison of two runs — which actions got slower or faster,
 * which failed, which were skipped or not run. Pure.
 */

export interface ActionDigest {
  readonly state: ActionState;
  /** It started at least once. */
  readonly ran: boolean;
  /** First start to finish, when it ran and finished. */
  readonly durationMs: number | null;
  readonly reason: string | null;
}

export interface RunDigest {
  readonly runId: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly result: RunResult | null;
  readonly counts: ActionCounts;
  readonly actions: ReadonlyMap<string, ActionDigest>;
}

export function digestReport(r: ParsedReport): RunDigest {
  const actions = new Map<string, ActionDigest>();
  for (const [id, a] of r.actions) {
    const ran = a.startedAt !== null || a.attempts > 0;
    const durationMs = a.startedAt !== null && a.finishedAt !== null && a.finishedAt >= a.startedAt ? a.finishedAt - a.startedAt : null;
    actions.set(id, { state: a.state, ran, durationMs, reason: a.reason });
  }
  return {
    runId: r.runId,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    result: r.result,
    counts: countActions([...actions.values()]),
    actions,
  };
}

export function runDuration(d: RunDigest): number | null {
  return d.finishedAt !== null && d.finishedAt >= d.startedAt ? d.finishedAt - d.startedAt : null;
}

export interface TimingChange {
  readonly id: string;
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly deltaMs: number;
}

export interface Comparison {
  readonly older: RunDigest;
  readonly newer: RunDigest;
  /** Ran (and finished) in both, newer took longer by more than the threshold; biggest change first. */
  readonly slower: readonly TimingChange[];
  readonly faster: readonly TimingChange[];
  /** Failed in the newer run (with whether it failed in the older one too). */
  readonly failed: readonly { readonly id: string; readonly before: ActionState | null; readonly reason: string | null }[];
  /** Failed in the older run, succeeded in the newer one. */
  readonly fixed: readonly string[];
  readonly skipped: readonly string[];
  /** In the newer run but never started (canceled before it could). */
  readonly notRun: readonly string[];
  readonly onlyInOlder: readonly string[];
  readonly onlyInNewer: readonly string[];
}

/**
 * Compares two runs. A duration change counts when it exceeds both `minDeltaMs` and
 * `minRatio` of the older duration (noise on a loaded machine is not "slower").
 */
export function compareRuns(older: RunDigest, newer: RunDigest, opts: { minDeltaMs?: number; minRatio?: number } = {}): Comparison {
  const minDelta = opts.minDeltaMs ?? 100;
  const minRatio = opts.minRatio ?? 0.1;
  const slower: TimingChange[] = [];
  const faster: TimingChange[] = [];
  const failed: { id: string; before: ActionState | null; reason: string | null }[] = [];
  const fixed: string[] = [];
  const skipped: string[] = [];
  const notRun: string[] = [];
  const onlyInNewer: string[] = [];
  for (const [id, b] of newer.actions) {
    const a = older.actions.get(id);
    if (a === undefined) onlyInNewer.push(id);
    if (b.state === 'failed') failed.push({ id, before: a?.state ?? null, reason: b.reason });
    else if (b.state === 'succeeded' && a?.state === 'failed') fixed.push(id);
    if (b.state === 'skipped') skipped.push(id);
    if (b.state === 'canceled' && !b.ran) notRun.push(id);
    if (a && a.durationMs !== null && b.durationMs !== null && a.state === 'succeeded' && b.state === 'succeeded') {
      const delta = b.durationMs - a.durationMs;
      if (Math.abs(delta) > minDelta && Math.abs(delta) > minRatio * a.durationMs) {
        (delta > 0 ? slower : faster).push({ id, beforeMs: a.durationMs, afterMs: b.durationMs, deltaMs: delta });
      }
    }
  }
  const onlyInOlder = [...older.actions.keys()].filter((id) => !newer.actions.has(id));
  slower.sort((x, y) => y.deltaMs - x.deltaMs || (x.id < y.id ? -1 : 1));
  faster.sort((x, y) => x.deltaMs - y.deltaMs || (x.id < y.id ? -1 : 1));
  return { older, newer, slower, faster, failed, fixed, skipped, notRun, onlyInOlder, onlyInNewer };
}

function ms(n: number): string {
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
  const s = Math.round(n / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : '−'}${ms(Math.abs(n))}`;
}

function runLine(label: string, d: RunDigest): string {
  const dur = runDuration(d);
  return `- **${label}** \`${d.runId}\`: ${d.result ?? 'unfinished'}${dur !== null ? ` in ${ms(dur)}` : ''} — ${formatCounts(d.counts)}`;
}

/** The comparison as Markdown (opened as a document by the history view). */
export function formatComparison(c: Comparison, title: string): string {
  const out: string[] = [`# ${title}`, '', runLine('older', c.older), runLine('newer', c.newer), ''];
  const da = runDuration(c.older);
  const db = runDuration(c.newer);
  if (da !== null && db !== null) out.push(`Whole run: ${ms(da)} → ${ms(db)} (${signed(db - da)})`, '');
  const section = (head: string, lines: string[]): void => {
    out.push(`## ${head}`, '');
    out.push(...(lines.length > 0 ? lines : ['none']), '');
  };
  section(`Slower (${c.slower.length})`, c.slower.map((t) => `- \`${t.id}\`: ${ms(t.beforeMs)} → ${ms(t.afterMs)} (${signed(t.deltaMs)})`));
  section(`Faster (${c.faster.length})`, c.faster.map((t) => `- \`${t.id}\`: ${ms(t.beforeMs)} → ${ms(t.afterMs)} (${signed(t.deltaMs)})`));
  section(
    `Failed in the newer run (${c.failed.length})`,
    c.failed.map((f) => `- \`${f.id}\`${f.reason ? `: ${f.reason}` : ''}${f.before === 'failed' ? ' (failed before too)' : f.before === null ? ' (new action)' : ` (was ${f.before})`}`),
  );
  section(`Fixed (${c.fixed.length})`, c.fixed.map((id) => `- \`${id}\`: failed → succeeded`));
  section(`Skipped in the newer run (${c.skipped.length})`, c.skipped.map((id) => `- \`${id}\``));
  section(`Not run in the newer run (${c.notRun.length})`, c.notRun.map((id) => `- \`${id}\``));
  if (c.onlyInOlder.length > 0 || c.onlyInNewer.length > 0) {
    section('Selection changed', [
      ...(c.onlyInOlder.length > 0 ? [`- only in the older run: ${c.onlyInOlder.map((x) => `\`${x}\``).join(', ')}`] : []),
      ...(c.onlyInNewer.length > 0 ? [`- only in the newer run: ${c.onlyInNewer.map((x) => `\`${x}\``).join(', ')}`] : []),
    ]);
  }
  out.push('Durations: first start to finish of each action; changes under 100 ms or 10 % are not listed.');
  return out.join('\n') + '\n';
}
