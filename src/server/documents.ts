import * as os from 'node:os';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText, type Analysis } from '../core/analyze';

/** The machine's cores, for the machine-aware checks (`more-cpus-than-cores`); read once. */
const availableCores = os.availableParallelism();

/** One analysis of one document version. */
export interface DocAnalysis {
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  readonly analysis: Analysis;
  /** Unique per analysis: the `resultId` of pull diagnostics. */
  readonly resultId: string;
  /** How long analyzeText took (ms); used to size the coalescing delay. */
  readonly durationMs: number;
}

let resultCounter = 0;

/** Texts at least this long count as large (about 2,000 actions). */
export const LARGE_TEXT = 256 * 1024;

/** Runs the core analysis; never throws (a core bug becomes an empty analysis plus a log line). */
export function analyze(uri: string, version: number, text: string, log: (m: string) => void): DocAnalysis {
  const t0 = performance.now();
  let analysis: Analysis;
  try {
    analysis = analyzeText(text, { availableCores });
  } catch (e) {
    log(`analysis of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    analysis = analyzeText('');
  }
  const durationMs = performance.now() - t0;
  resultCounter += 1;
  // Note: `analysis.root` (the whole syntax tree) is built lazily by the core; the server never
  // reads it (quick fixes parse only the enclosing action), so it is never built here.
  return { uri, version, text, analysis, resultId: `r${resultCounter}`, durationMs };
}

/**
 * Analysis cache for open documents, keyed by uri and valid for exactly one version.
 * Every feature asks `get(doc)`: the first caller for a new version pays for the analysis,
 * everyone else shares it. Old versions are dropped when a newer one is analyzed.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, DocAnalysis>();
  private readonly lastDuration = new Map<string, number>();

  /** `afterLarge` runs after analysing a large text (the server schedules an idle GC). */
  constructor(
    private readonly log: (m: string) => void,
    private readonly afterLarge: () => void = () => undefined,
  ) {}

  get(doc: TextDocument): DocAnalysis {
    const hit = this.entries.get(doc.uri);
    if (hit !== undefined && hit.version === doc.version) return hit;
    this.entries.delete(doc.uri); // let the old analysis go before building the new one
    const fresh = analyze(doc.uri, doc.version, doc.getText(), this.log);
    this.entries.set(doc.uri, fresh);
    this.lastDuration.set(doc.uri, fresh.durationMs);
    if (fresh.text.length >= LARGE_TEXT) this.afterLarge();
    return fresh;
  }

  /** The cached analysis if it is for this exact version. */
  peek(uri: string, version: number): DocAnalysis | undefined {
    const hit = this.entries.get(uri);
    return hit !== undefined && hit.version === version ? hit : undefined;
  }

  /** Duration of the last analysis of this uri, 0 when never analyzed. */
  durationOf(uri: string): number {
    return this.lastDuration.get(uri) ?? 0;
  }

  delete(uri: string): void {
    this.entries.delete(uri);
    this.lastDuration.delete(uri);
  }
}

/**
 * Coalesces analysis requests per uri: each new request replaces the pending one (trailing
 * debounce). The delay is not fixed: a tenth of the document's last analysis time, at least
 * 1 ms and at most 5 ms. That is enough for edits already queued behind the first one (the
 * JSON-RPC layer hands over one message per event-loop turn) to collapse into one analysis of
 * the newest version, while a single edit is answered after about one analysis time. The
 * callback reads whatever version is current when it runs, so results for older versions are
 * never produced.
 */
export class Coalescer {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly delayFor: (uri: string) => number) {}

  schedule(uri: string, run: () => void): void {
    const prev = this.timers.get(uri);
    if (prev !== undefined) clearTimeout(prev);
    const delay = Math.max(1, Math.min(5, Math.ceil(this.delayFor(uri) / 10)));
    const t = setTimeout(() => {
      this.timers.delete(uri);
      run();
    }, delay);
    this.timers.set(uri, t);
  }

  cancel(uri: string): void {
    const prev = this.timers.get(uri);
    if (prev !== undefined) clearTimeout(prev);
    this.timers.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
