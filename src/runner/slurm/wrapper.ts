import type { Job } from '../../core/run/plan';

/**
 * The batch script submitted for each attempt: a small bash wrapper around the action's
 * command that records, on the shared file system, the exact start time (`KEY.start`: epoch
 * microseconds) and the exact end time and exit code (`KEY.end`: `MICROS CODE`), each one
 * short write of a whole line by a bash builtin (no process is forked; a reader accepts a file
 * only once it ends with a newline, so half a line is never taken). The runner watches the
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
    // Epoch microseconds in $T, without forking (bash 5: EPOCHREALTIME; older bash: date).
    'now() { if [ -n "${EPOCHREALTIME:-}" ]; then T=${EPOCHREALTIME/[.,]/}; else T=$(date +%s%6N); fi; }',
    // One small write of a complete line: the runner accepts a file only when it ends with a newline.
    'now; printf \'%s\\n\' "$T" > "$S.start"',
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
  lines.push('now; printf \'%s %s\\n\' "$T" "$rc" > "$S.end"');
  lines.push('exit $rc');
  return `${lines.join('\n')}\n`;
}

/** `KEY.start` → epoch ms, or null when absent/partial. */
export function parseStart(text: string): number | null {
  const m = /^(\d{10,})\n$/.exec(text);
  return m === null ? null : Number(m[1]) / 1000;
}

/** `KEY.end` → {time (epoch ms), code}, or null. */
export function parseEnd(text: string): { time: number; code: number } | null {
  const m = /^(\d{10,}) (\d+)\n$/.exec(text);
  return m === null ? null : { time: Number(m[1]) / 1000, code: Number(m[2]) };
}
