// Helpers shared by the test runners (scripts/test-all.mjs, test/integration/run.mjs,
// test/e2e/run.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

/** Test files under `dir` whose names end in `suffix`, sorted; `fixtures` and `node_modules` are skipped. */
export function listTests(dir, suffix) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && e.name !== 'node_modules') out.push(...listTests(p, suffix));
    } else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

/** Counts from mocha's spec reporter summary ("N passing", "N failing", "N pending"). */
export function mochaCounts(text) {
  const last = (re) => {
    const all = [...text.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  return { passed: last(/^\s*(\d+) passing/gm), failed: last(/^\s*(\d+) failing/gm), pending: last(/^\s*(\d+) pending/gm) };
}

/**
 * Runs one CI stage as the leader of its own process group and waits for it, but never
 * longer than `limitMs` of wall-clock time: a stage that hangs (a synchronous spin, which
 * mocha's own --timeout cannot interrupt, or a child that never exits) has its whole process
 * group killed (SIGTERM, SIGKILL 5 s later) and the result says so. Output is passed through
 * (`onOut(bytes, 'stdout' | 'stderr')`) and collected.
 *
 * Resolves `{ code, out, hung, secs }`; `hung` is true when the limit killed the stage (its
 * `code` is then 124, as timeout(1)). `onHang(message)` is told first, with what the group's
 * processes were doing (pid, state, CPU seconds, command) so that a CI log shows where it hung.
 */
export function runLimited(cmd, { name, limitMs, cwd, env, onOut = () => {}, onHang = () => {}, killGraceMs = 5000 }) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let out = '';
    let hung = false;
    let done = false;
    const p = spawn(cmd[0], cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const take = (stream) => (b) => {
      out += b;
      onOut(b, stream);
    };
    p.stdout.on('data', take('stdout'));
    p.stderr.on('data', take('stderr'));
    // Ctrl-C / a CI cancel reach test-all only (the stage has its own group): pass them on.
    const forward = (sig) => () => signalGroup(p.pid, sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    let killTimer;
    const limit = setTimeout(() => {
      if (done) return;
      hung = true;
      const lastLine = out.trimEnd().split('\n').pop() ?? '';
      onHang(
        `\ntest-all: stage '${name}' HUNG: still running after its wall-clock limit of ${limitMs / 1000} s; ` +
          `killing its process group (pgid ${p.pid}).\n` +
          `test-all: its last output line: ${JSON.stringify(lastLine.slice(0, 300))}\n` +
          describeGroup(p.pid),
      );
      signalGroup(p.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(p.pid, 'SIGKILL'), killGraceMs);
    }, limitMs);
    const finish = (code) => {
      if (done) return;
      done = true;
      clearTimeout(limit);
      clearTimeout(killTimer);
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      // Whatever the stage left in its group (a hung stage's children) goes too.
      if (hung) signalGroup(p.pid, 'SIGKILL');
      resolve({ code: hung ? 124 : code, out, hung, secs: (Date.now() - t0) / 1000 });
    };
    p.on('error', (e) => {
      out += `\n${e.message}`;
      finish(127);
    });
    // The output up to 'close' (the summary line is counted), but a grandchild holding the
    // pipes after the stage's exit holds it up at most 2 s.
    let exitCode = null;
    p.on('exit', (code, sig) => {
      exitCode = code ?? (sig ? 1 : 0);
      setTimeout(() => finish(exitCode), 2000).unref();
    });
    p.on('close', (code, sig) => finish(exitCode ?? code ?? (sig ? 1 : 0)));
  });
}

function signalGroup(pid, sig) {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, sig);
  } catch {
    // already gone
  }
}

/** Linux: `pid state cpu-s command` of each process of the group (for the hang message). */
export function describeGroup(pgid) {
  if (process.platform !== 'linux') return '';
  const rows = [];
  let names = [];
  try {
    names = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return '';
  }
  for (const n of names) {
    try {
      const stat = fs.readFileSync(`/proc/${n}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) continue;
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      const cmdline = fs.readFileSync(`/proc/${n}/cmdline`, 'latin1').split('\0').join(' ').trim().slice(0, 160);
      rows.push(`  pid ${n} state ${f[0]} cpu ${cpu.toFixed(1)} s: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return rows.length ? `test-all: processes of the stage (a high cpu on a mocha process = a synchronous spin):\n${rows.join('\n')}\n` : '';
}
