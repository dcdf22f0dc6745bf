import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../runner/helpers';

/**
 * The throwaway Slurm cluster of the Slurm suite (scripts/slurm-cluster.sh): installed (apt, as
 * root) and started on loopback once for the suite, stopped by its pids at the end. Where that
 * is impossible (not root, no apt), `skipReason` says why: every test of the suite is then
 * pending (reported as skipped, never as passed). With CI=true on Debian as root, failing to
 * set it up is an error.
 */
export interface Cluster {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

let cluster: Cluster | null = null;
let skipReason: string | null = null;

const script = path.join(repoRoot, 'scripts', 'slurm-cluster.sh');

export function startCluster(): void {
  const install = spawnSync('bash', [script, 'install'], { encoding: 'utf8' });
  if (install.status === 3) {
    skipReason = install.stderr.trim();
    return;
  }
  if (install.status !== 0) throw new Error(`installing Slurm failed: ${install.stderr}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-slurm-'));
  const start = spawnSync('bash', [script, 'start', dir], { encoding: 'utf8' });
  if (start.status === 3) {
    skipReason = start.stderr.trim();
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  if (start.status !== 0) {
    spawnSync('bash', [script, 'stop', dir]);
    throw new Error(`starting the Slurm test cluster failed: ${start.stderr}`);
  }
  cluster = { dir, env: { ...process.env, SLURM_CONF: path.join(dir, 'slurm.conf') } };
}

export function stopCluster(): void {
  if (cluster === null) return;
  spawnSync('bash', [script, 'stop', cluster.dir]);
  cluster = null;
}

export function getCluster(): Cluster | null {
  return cluster;
}

export function whySkipped(): string | null {
  return skipReason;
}

/** CI on Debian as root must be able to set Slurm up: there, a skip is a failure. */
export function mustRun(): boolean {
  return process.env['CI'] === 'true' && process.getuid?.() === 0 && fs.existsSync('/etc/debian_version');
}

/**
 * Jobs of a run still known to squeue in a live state. A job whose command ended is COMPLETING
 * for a moment (slurmd cleaning up): that is waited for (up to 3 s), then counted too.
 */
export function liveJobs(env: NodeJS.ProcessEnv, runId: string): string[] {
  const end = Date.now() + 3000;
  for (;;) {
    const r = spawnSync('squeue', ['-h', `--name=${runId}`, '-t', 'PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED', '-o', '%i|%T'], { env, encoding: 'utf8' });
    const live = r.stdout.split('\n').filter((l) => l.trim() !== '');
    if (live.every((l) => l.endsWith('|COMPLETING')) && live.length > 0 && Date.now() < end) {
      spawnSync('sleep', ['0.1']);
      continue;
    }
    return live;
  }
}
