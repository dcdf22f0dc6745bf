import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The Slurm command-line tools (sbatch, squeue, scontrol, scancel): the stable interface
 * across Slurm releases (slurmrestd's API changes with each one). Every call has a timeout and
 * comes back as a value, never an exception.
 */

export interface CmdResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** ENOENT etc. when the tool could not be run at all. */
  readonly error?: string;
}

export interface SlurmEnv {
  /** Environment for the Slurm tools (SLURM_CONF comes from here). */
  readonly env: NodeJS.ProcessEnv;
  /** Per-call timeout, ms (default 30 s). */
  readonly timeoutMs?: number;
}

export function slurmCmd(se: SlurmEnv, file: string, args: readonly string[]): Promise<CmdResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: se.env, timeout: se.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) return resolve({ ok: true, code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
      if (typeof e.code === 'string') return resolve({ ok: false, code: null, stdout, stderr, error: e.code === 'ENOENT' ? `${file} is not installed (not on PATH)` : `${file}: ${e.message}` });
      if (e.killed === true) return resolve({ ok: false, code: null, stdout, stderr, error: `${file} did not answer within ${Math.round((se.timeoutMs ?? 30_000) / 1000)}s` });
      resolve({ ok: false, code: typeof e.code === 'number' ? e.code : 1, stdout, stderr });
    });
  });
}

export function slurmCmdSync(se: SlurmEnv, file: string, args: readonly string[], timeoutMs = 5000): CmdResult {
  const r = spawnSync(file, args, { env: se.env, timeout: timeoutMs, encoding: 'utf8' });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { ok: false, code: null, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: code === 'ENOENT' ? `${file} is not installed (not on PATH)` : r.error.message };
  }
  return { ok: r.status === 0, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** First meaningful line of a tool's error output ("sbatch: error: " prefixes removed). */
export function errorText(r: CmdResult): string {
  if (r.error !== undefined) return r.error;
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const msg = lines.map((l) => l.replace(/^(sbatch|squeue|scontrol|scancel): error: /, '')).join('; ');
  return msg.length > 0 ? msg : `exit code ${r.code ?? '?'}`;
}

/** `PATH` lookup without running anything. */
export function onPath(file: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    try {
      fs.accessSync(path.join(dir, file), fs.constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

export interface ClusterInfo {
  /** License names the cluster declares (`scontrol show lic`) with their totals. */
  readonly licenses: ReadonlyMap<string, number>;
}

/**
 * Checks, before anything is submitted, that Slurm is usable: the tools are installed, SLURM_CONF
 * (when set) exists, the controller answers. Reads the cluster's licenses once. Returns a message
 * for the user on failure (the CLI exits 2 with it).
 */
export async function probeCluster(se: SlurmEnv): Promise<{ ok: true; info: ClusterInfo } | { ok: false; message: string }> {
  const missing = ['sbatch', 'squeue', 'scancel', 'scontrol'].filter((t) => !onPath(t, se.env));
  if (missing.length > 0) {
    return { ok: false, message: `--executor slurm: Slurm is not installed here (${missing.join(', ')} not found on PATH); install the Slurm client tools or run without --executor slurm` };
  }
  const conf = se.env['SLURM_CONF'];
  if (conf !== undefined && conf !== '' && !fs.existsSync(conf)) {
    return { ok: false, message: `--executor slurm: SLURM_CONF points to '${conf}', which does not exist` };
  }
  const lic = await slurmCmd({ ...se, timeoutMs: se.timeoutMs ?? 15_000 }, 'scontrol', ['-o', 'show', 'lic']);
  if (!lic.ok) return { ok: false, message: `--executor slurm: the Slurm controller does not answer (scontrol show lic: ${errorText(lic)})` };
  return { ok: true, info: { licenses: parseLicenses(lic.stdout) } };
}

/** `LicenseName=db Total=1 Used=0 …` lines (one per license with -o). */
export function parseLicenses(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const name = /(?:^|\s)LicenseName=(\S+)/.exec(line)?.[1];
    const total = /(?:^|\s)Total=(\d+)/.exec(line)?.[1];
    if (name !== undefined) out.set(name, total === undefined ? 0 : Number(total));
  }
  return out;
}

/** Slurm job states after which the job will not run (again). */
const TERMINAL = new Set([
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
  'TIMEOUT',
]);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

export interface QueueRow {
  readonly id: string;
  readonly state: string;
  readonly reason: string;
}

/** `squeue -h -t all --name=RUN -o '%i|%T|%r'` output. */
export function parseQueue(text: string): Map<string, QueueRow> {
  const out = new Map<string, QueueRow>();
  for (const line of text.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (id === undefined || id === '' || state === undefined) continue;
    out.set(id, { id, state, reason: reason ?? '' });
  }
  return out;
}

/** Minutes for `--time`, rounded up (Slurm's limit is whole minutes; the runner enforces the exact timeout). */
export function timeLimitMinutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

/** A path for sbatch's -o/-e: `%` starts a filename pattern there (%j …), so it is doubled. */
export function sbatchPath(p: string): string {
  return p.replace(/%/g, '%%');
}
