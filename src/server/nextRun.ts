import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Graph } from '../core/model';
import { describeDecision, PlanCache, type PlanReply } from '../runner/planClient';
import { mdText } from './features/hover';

/** How long a hover waits for a plan being computed (then it answers with what is known). */
export const PLAN_HOVER_WAIT_MS = 200;

/** A graph whose runs may skip actions: some action declares `inputs`. */
export function isIncremental(graph: Graph): boolean {
  return graph.actions.some((a) => a.inputs !== undefined);
}

/** The runner worker beside the server bundle (dist/runner.js), or ACTIONTREE_RUNNER_SCRIPT. */
export function defaultRunnerScript(): string | null {
  const p = process.env['ACTIONTREE_RUNNER_SCRIPT'] ?? path.join(__dirname, 'runner.js');
  try {
    return fs.statSync(p).isFile() ? p : null;
  } catch {
    return null;
  }
}

/**
 * "Why would this action run?" for the hover and the code lens, from `actiontree plan`
 * (src/runner/planClient.ts: computed in a forked runner worker, one at a time, cached per
 * graph file). The server never waits for it longer than PLAN_HOVER_WAIT_MS: the first
 * hover of a file usually finds it already computed, because opening the file (its code
 * lenses) starts the computation. A cached plan is dropped when the graph file is saved or
 * changed on disk, when a newer run record of the file appears, and after 15 s (input files
 * change outside the editor). Planning reads files only (never runs anything, writes
 * nothing), so it also works in an untrusted workspace.
 */
export class NextRun {
  private readonly cache: PlanCache | null;
  /** The run id of the newest record seen when the plan was asked for, per graph file. */
  private readonly seenRun = new Map<string, string | null>();
  /** Skip sets last used by code lenses, per file (to refresh lenses only on a change). */
  private readonly lensSig = new Map<string, string>();

  constructor(
    runnerScript: string | null,
    private readonly waitMs = PLAN_HOVER_WAIT_MS,
    onLensesChanged?: () => void,
  ) {
    this.cache = runnerScript === null ? null : new PlanCache(runnerScript, { ttlMs: 15_000, timeoutMs: 20_000 });
    if (this.cache !== null && onLensesChanged !== undefined) {
      this.cache.onDidCompute((file, reply) => {
        const sig = skipSignature(reply);
        const old = this.lensSig.get(file);
        this.lensSig.set(file, sig);
        if (old !== undefined && old !== sig) onLensesChanged();
        else if (old === undefined && sig !== '') onLensesChanged();
      });
    }
  }

  get enabled(): boolean {
    return this.cache !== null;
  }

  /** Starts computing the plan of an incremental graph file (document opened, lenses listed). */
  prefetch(file: string, graph: Graph): void {
    if (this.cache === null || !isIncremental(graph)) return;
    void this.cache.refresh(file);
  }

  invalidate(file?: string): void {
    this.cache?.invalidate(file);
  }

  /** The hover's paragraph; undefined for graphs without `inputs`. At most `waitMs`. */
  async hoverText(file: string, graph: Graph, action: string, newestRunId: string | null): Promise<string | undefined> {
    if (this.cache === null || !isIncremental(graph)) return undefined;
    const seen = this.seenRun.get(file);
    if (seen !== undefined && seen !== newestRunId) this.cache.invalidate(file);
    this.seenRun.set(file, newestRunId);
    const reply = await this.cache.get(file, this.waitMs);
    return hoverParagraph(reply, action);
  }

  /** From the cache only (code lens resolve): is the action up to date? */
  upToDate(file: string, action: string): boolean {
    const hit = this.cache?.peek(file);
    return hit !== undefined && hit.reply.kind === 'plan' && hit.reply.decisions.get(action)?.decision === 'skip';
  }
}

function skipSignature(reply: PlanReply): string {
  if (reply.kind !== 'plan') return '';
  return [...reply.decisions.values()]
    .filter((d) => d.decision === 'skip')
    .map((d) => d.action)
    .join('\u0000');
}

/** "Next run: …" as the hover shows it (markdown). */
export function hoverParagraph(reply: PlanReply | undefined, action: string): string {
  if (reply === undefined) return 'Next run: _still working out what would run (hover again)_';
  // Reasons name workspace files (untrusted): escaped text, as the rest of the hover.
  if (reply.kind === 'error') return `Next run: unknown — ${mdText(reply.message.split('\n')[0] ?? '')}`;
  const d = reply.decisions.get(action);
  if (d === undefined) return 'Next run: not planned (save the file)';
  return `Next run: ${mdText(describeDecision(d), 1000)}`;
}
