import type { Job } from '../../core/run/plan';

/**
 * The batch script submitted for each attempt: a small bash wrapper around the action's
 * command that records, on the shared file system, the exact start time (`KEY.start`: epoch
 * microseconds) and the exact end time and exit code (`KEY.end`: `MICROS CODE`), each written
 * to a temporary name then renamed (a reader never sees half a line). The runner watches the
 * status folder (fs.watch, plus a stat on every poll where the file system sends no events).
 * Output goes to the action's log file through sbatch's -o/-e; the runner tails it.
 */

/** Bash single-quoted literal. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface WrapperInput {
  readonly job: Job;
  readonly attempt: number;
  readonly runId: string;
  /** Absolute status-file prefix (`…/slurm/KEY`). */
  readonly statusPrefix: string;
  /** Variables for every action (ACTIONTREE_RUN_ID, ACTIONTREE_RUN_DIR, …). */
  readonly runEnv: Readonly<Record<string, string>>;
}

export function wrapperScript(w: WrapperInput): string {
  const { job } = w;
  const lines: string[] = [
    '#!/bin/bash',
    `# actiontree: run ${w.runId}, action ${job.id}, attempt ${w.attempt}`,
    `S=${shq(w.statusPrefix)}`,
    // Epoch microseconds (bash 5: EPOCHREALTIME; older bash: date).
    'now() { if [ -n "${EPOCHREALTIME:-}" ]; then local t=${EPOCHREALTIME/[.,]/}; printf %s "$t"; else date +%s%6N; fi; }',
    'printf \'%s\\n\' "$(now)" > "$S.start.tmp" && mv -f "$S.start.tmp" "$S.start"',
  ];
  // env → exported here rather than with sbatch --export=K=V: values may hold commas, which --export cannot escape.
  const env: Record<string, string> = { ...w.runEnv, ...job.env, ACTIONTREE_ACTION: job.id, ACTIONTREE_ATTEMPT: String(w.attempt) };
  for (const [k, v] of Object.entries(env)) {
    if (ENV_NAME.test(k)) lines.push(`export ${k}=${shq(v)}`);
  }
  const cmd = job.command;
  if (cmd.kind === 'argv') lines.push(`${cmd.argv.map(shq).join(' ')} </dev/null`);
  else lines.push(`/bin/sh -c ${shq(cmd.line)} </dev/null`);
  lines.push('rc=$?');
  lines.push('printf \'%s %s\\n\' "$(now)" "$rc" > "$S.end.tmp" && mv -f "$S.end.tmp" "$S.end"');
  lines.push('exit $rc');
  return `${lines.join('\n')}\n`;
}

/** `KEY.start` → epoch ms, or null when absent/partial. */
export function parseStart(text: string): number | null {
  const m = /^(\d{10,})\s*$/.exec(text);
  return m === null ? null : Number(m[1]) / 1000;
}

/** `KEY.end` → {time (epoch ms), code}, or null. */
export function parseEnd(text: string): { time: number; code: number } | null {
  const m = /^(\d{10,}) (\d+)\s*$/.exec(text);
  return m === null ? null : { time: Number(m[1]) / 1000, code: Number(m[2]) };
}
