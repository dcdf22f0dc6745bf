import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../../src/runner/records';
import { parseWorkerMessage } from '../../src/shared/runner-protocol';
import { bundles } from './bundles';
import { markedEnv, runGraphFile, tmpDir, writeGraph } from './helpers';

/**
 * Issue 11 item 4: recorded durations are what the action took, whoever starts the run. The
 * extension runs graphs through the forked worker (IPC); `sleep 0.2` recorded there must match
 * executeRun's within 100 ms (helper start-up is not the action's time; it added 340-690 ms).
 */

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function graph(dir: string): string {
  const actions: Record<string, unknown> = {};
  // Two waves of 4: the first wave starts 4 helpers at once, the second reuses them.
  for (let i = 0; i < 8; i++) actions[`s${i}`] = { command: 'sleep 0.2', ...(i >= 4 ? { dependsOn: [`s${i - 4}`] } : {}) };
  return writeGraph(dir, { version: 1, cpus: 4, actions });
}

async function viaWorker(file: string): Promise<Report> {
  const { worker } = await bundles();
  // As the extension forks it (src/extension/runService.ts).
  const child = fork(worker, [], { cwd: path.dirname(file), execArgv: [], env: { ...markedEnv, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
  let runDir: string | null = null;
  child.on('message', (raw) => {
    const p = parseWorkerMessage(raw);
    if (p.ok && p.value.type === 'done') runDir = p.value.runDir;
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.send({ type: 'start', graphFile: file });
  });
  assert.equal(code, 0);
  assert.ok(runDir !== null, 'the worker reported its run folder');
  return JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
}

/** Live bash or python3 processes whose parent is this process (the helper launcher's helpers). */
function childShells(kinds: string[] = []): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if ((comm === 'bash' || comm === 'python3') && Number(rest[1]) === process.pid && rest[0] !== 'Z') {
        out.push(Number(name));
        kinds.push(comm);
      }
    } catch {
      // gone
    }
  }
  return out;
}

const durations = (r: Report): number[] => Object.values(r.actions).map((a) => a.durationMs as number);

describe('recorded durations: worker (as from VS Code) vs executeRun', function () {
  this.timeout(60_000);

  // The defect this guards against added 340-690 ms (a helper's start-up inside the action's
  // time); 100 ms of slack keeps it caught without failing on a loaded machine's jitter.
  it('sleep 0.2 through the worker is recorded within 100 ms of executeRun', async () => {
    const dir = tmpDir();
    const file = graph(dir);
    const worker: number[] = [];
    const direct: number[] = [];
    for (let round = 0; round < 3; round++) {
      direct.push(...durations((await runGraphFile(file)).report));
      worker.push(...durations(await viaWorker(file)));
    }
    const mw = median(worker);
    const md = median(direct);
    console.log(`      median recorded: worker ${mw.toFixed(1)} ms, executeRun ${md.toFixed(1)} ms (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    assert.ok(Math.abs(mw - md) <= 100, `worker ${mw.toFixed(1)} ms vs executeRun ${md.toFixed(1)} ms`);
  });

  it('helpers are started and ready before run-started, so no action\'s time includes starting one', async () => {
    const dir = tmpDir();
    const file = graph(dir);
    let atStart: number[] = [];
    const kinds: string[] = [];
    const { events } = await runGraphFile(file, {
      spawn: 'helper',
      onEvent: (e) => {
        if (e.type === 'run-started') atStart = childShells(kinds);
      },
    });
    assert.equal(atStart.length, 4, 'one helper per CPU slot, already running');
    // Linux with /usr/bin/python3 (this machine and CI): the default helpers are Python ones.
    if (process.platform === 'linux') {
      assert.ok(fs.existsSync('/usr/bin/python3'), 'this suite expects /usr/bin/python3 (the default helper on Linux); install python3');
      assert.deepEqual(kinds, ['python3', 'python3', 'python3', 'python3']);
    }
    // The first wave runs in exactly those helpers (pid = the helper's).
    const pids = new Set(events.flatMap((e) => (e.type === 'action-started' ? [e.pid] : [])));
    for (const pid of pids) assert.ok(pid !== null && atStart.includes(pid), `action ran in helper ${pid}, not one of ${atStart.join(', ')}`);
  });
});
