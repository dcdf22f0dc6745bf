import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/run/events';
import type { Report } from '../../src/runner/records';
import { executeRun, type RunOutcome, type RunRequest } from '../../src/runner/run';
import type { SpawnMode } from '../../src/runner/executor';

/**
 * Every process the runner tests start carries this mark in its environment; the last
 * hook of the suite (orphans.test.ts) scans /proc for it.
 */
export const TEST_MARK: string = process.env['ACTIONTREE_TEST_MARK_PARENT'] ?? randomUUID();
export const MARK_VAR = 'ACTIONTREE_TEST_MARK';
export const markedEnv: NodeJS.ProcessEnv = { ...process.env, [MARK_VAR]: TEST_MARK };

export const repoRoot = path.resolve(__dirname, '..', '..');

export function tmpDir(prefix = 'at-run-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `<dir>/<name>.actiontree.jsonc` and returns its absolute path. */
export function writeGraph(dir: string, graph: unknown, name = 'test'): string {
  const file = path.join(dir, `${name}.actiontree.jsonc`);
  fs.writeFileSync(file, typeof graph === 'string' ? graph : JSON.stringify(graph, null, 2));
  return file;
}

/** Which launcher runGraphFile uses (run.test.ts runs its suite with both). */
let spawnMode: SpawnMode = 'helper';
export function setSpawnMode(mode: SpawnMode): void {
  spawnMode = mode;
}

export interface Ran {
  outcome: RunOutcome;
  events: RunEvent[];
  report: Report;
  fileEvents: RunEvent[];
  runDir: string;
}

/** Runs a graph in-process with real child processes; asserts that it finished and reads its records. */
export async function runGraphFile(
  file: string,
  opts: Partial<Omit<RunRequest, 'graphFile' | 'onEvent'>> & { onEvent?: (e: RunEvent, ac: AbortController) => void } = {},
): Promise<Ran> {
  const events: RunEvent[] = [];
  const ac = new AbortController();
  const { onEvent, ...rest } = opts;
  const outcome = await executeRun({
    graphFile: file,
    env: markedEnv,
    graceMs: 1000,
    spawn: spawnMode,
    ...rest,
    signal: opts.signal ?? ac.signal,
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e, ac);
    },
  });
  if (outcome.kind !== 'finished') throw new Error(`run did not finish: ${JSON.stringify(outcome).slice(0, 500)}`);
  const report = JSON.parse(fs.readFileSync(outcome.reportFile, 'utf8')) as Report;
  const fileEvents = readEvents(path.join(outcome.runDir, 'events.jsonl'));
  return { outcome, events, report, fileEvents, runDir: outcome.runDir };
}

export function readEvents(file: string): RunEvent[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as RunEvent);
}

/** Alive = signalable and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Reads pids written by test commands (`echo $$ > file`). */
export function readPid(file: string): number {
  const n = Number(fs.readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(n) || n <= 0) throw new Error(`no pid in ${file}`);
  return n;
}

/**
 * Waits for a condition that has no event to await (e.g. a process that is not our child
 * exiting), checking every 20 ms, failing after `timeoutMs`.
 */
export async function waitUntil(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Processes whose environment carries the test mark (other than this one). */
export function markedProcesses(): number[] {
  const needle = `${MARK_VAR}=${TEST_MARK}`;
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let env: string;
    try {
      env = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (env.split('\0').includes(needle) && isAlive(pid)) out.push(pid);
  }
  return out;
}

/** Time intervals [start, end) of every attempt from a report. */
export function intervals(report: Report): { id: string; start: number; end: number }[] {
  const out: { id: string; start: number; end: number }[] = [];
  for (const [id, a] of Object.entries(report.actions)) {
    for (const at of a.attemptDetails) out.push({ id, start: at.startedAt, end: at.finishedAt ?? Infinity });
  }
  return out;
}

/** Max total of `weight` over attempts running at the same time (checked at every start). */
export function peakUsage(report: Report, weight: (id: string) => number): number {
  const iv = intervals(report);
  let peak = 0;
  for (const x of iv) {
    const sum = iv.filter((y) => y.start <= x.start && x.start < y.end).reduce((s, y) => s + weight(y.id), 0);
    peak = Math.max(peak, sum);
  }
  return peak;
}
