import * as fs from 'node:fs';

/** Process groups: how a local attempt's whole tree is signalled and known to be gone (POSIX). */

/**
 * SIGTERM to the process group, SIGKILL after `graceMs`, then `onGone` once no process of the
 * group is alive — or 2 s after the SIGKILL, when only unreaped zombies can remain (a run must
 * not hang on them). `after` schedules the polls (timers the caller owns and clears).
 */
export function terminateGroup(pgid: number, graceMs: number, after: (ms: number, fn: () => void) => void, onGone: () => void): void {
  signalGroup(pgid, 'SIGTERM');
  const started = Date.now();
  let sentKill = false;
  const poll = (): void => {
    if (!groupAlive(pgid)) return onGone();
    const waited = Date.now() - started;
    if (!sentKill && waited >= graceMs) {
      sentKill = true;
      signalGroup(pgid, 'SIGKILL');
    }
    if (sentKill && waited >= graceMs + 2000) return onGone();
    after(20, poll);
  };
  after(10, poll);
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return; // never -1 (everything) or -0 (our own group)
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** True when the group has a process (zombies included): one kill(-pgid, 0). */
export function groupExists(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e: unknown) {
    return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * True while some process of the group is alive. Zombies do not count: a killed grandchild is
 * reparented to PID 1 and stays a zombie until PID 1 reaps it, which some inits do only every
 * second or two; it is dead and holds nothing but its pid.
 */
export function groupAlive(pgid: number): boolean {
  if (!groupExists(pgid)) return false;
  if (process.platform !== 'linux') return true;
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') return true;
  }
  return false;
}
