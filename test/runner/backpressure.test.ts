import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../../src/runner/records';
import { bundles } from './bundles';
import { markedEnv, tmpDir, writeGraph } from './helpers';

/**
 * Issue 8 item 5: `run --json` to a slow reader. The runner pauses the actions' pipes while its
 * stdout holds more than 4 MiB, so its memory stays bounded; nothing is dropped (the reader gets
 * every output byte as events) and the log has every byte.
 */
const BYTES = 500 * 1024 * 1024;

function vmHWM(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

for (const mode of ['python', 'bash', 'node'] as const) describe(`run --json to a slow reader (${mode} launcher)`, function () {
  this.timeout(300_000);

  it('an action writing 500 MB: runner peak RSS < 200 MB, every byte reaches the reader and the log', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { flood: { command: `head -c ${BYTES} /dev/zero | tr '\\0' '~'` } } });
    const { cli } = await bundles();
    const child = spawn(process.execPath, [cli, 'run', '--json'], { cwd: dir, env: { ...markedEnv, ACTIONTREE_SPAWN: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // The slow reader: after every MiB, stop reading for 20 ms (at most ~50 MB/s).
    let received = 0;
    let sincePause = 0;
    let xs = 0;
    let tail = '';
    child.stdout.on('data', (d: Buffer) => {
      received += d.length;
      sincePause += d.length;
      // Count the action's bytes as they arrive: '~' only occurs in its output text.
      for (let i = d.indexOf(126); i >= 0; i = d.indexOf(126, i + 1)) xs++;
      tail = (tail + d.toString('latin1')).slice(-4096);
      if (sincePause >= 1024 * 1024) {
        sincePause = 0;
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 20);
      }
    });
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, vmHWM(child.pid as number))), 100);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearInterval(poll);
    assert.equal(code, 0, err);
    console.log(`      ${mode}: runner peak RSS ${(peak / 1e6).toFixed(0)} MB, ${(received / 1e6).toFixed(0)} MB of JSON read`);
    assert.ok(peak > 0 && peak < 200 * 1e6, `peak RSS ${(peak / 1e6).toFixed(0)} MB`);
    assert.equal(xs, BYTES, 'every output byte reached the reader as events');
    assert.match(tail, /"type":"run-finished"/);
    const runs = path.join(dir, '.actiontree', 'runs');
    const runDir = path.join(runs, fs.readdirSync(runs)[0] as string);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
    const log = path.join(runDir, report.actions['flood']!.log as string);
    assert.equal(fs.statSync(log).size, BYTES, 'the log has every byte');
    assert.equal(report.actions['flood']!.logError, null);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('a reader that stops reading: the run stalls without growing, and SIGTERM still cancels it', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { flood: { command: 'echo $$ > flood.pid; yes' } } });
    const { cli } = await bundles();
    const child = spawn(process.execPath, [cli, 'run', '--json'], { cwd: dir, env: { ...markedEnv, ACTIONTREE_SPAWN: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause(); // never read until the end
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await new Promise((r) => setTimeout(r, 3000));
    const peak = vmHWM(child.pid as number);
    assert.ok(peak < 200 * 1e6, `peak RSS ${(peak / 1e6).toFixed(0)} MB while nobody reads`);
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    child.stdout.resume(); // the reader comes back: the canceled run's last events can be written
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await closed;
    clearTimeout(timer);
    assert.equal(code, 143, err);
    const pid = Number(fs.readFileSync(path.join(dir, 'flood.pid'), 'utf8'));
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    assert.equal(alive, false, 'the action was killed');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
