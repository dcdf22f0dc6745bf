import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { nextSamplingRound, sampleTree } from '../../../src/runner/sampler';

// Real processes, Linux /proc (the sampler measures nothing elsewhere).
const linux = process.platform === 'linux';

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** RSS pages and utime+stime+cutime+cstime of one pid, parsed the slow obvious way. */
function statOf(pid: number): { rssPages: number; ticks: number } {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { rssPages: Number(f[21]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
}

describe('sampleTree (SPEC §8 sampling, /proc)', function () {
  this.timeout(20_000);
  before(function () {
    if (!linux) throw new Error('these tests need Linux /proc (the sampler measures nothing elsewhere)');
  });

  it('sums the resident memory of every process of the tree, as /proc/<pid>/stat says (a name with spaces and parentheses too)', async () => {
    // The root's command name is "a) b (c": the parser must take the last ')'.
    const root = spawn('sh', ['-c', 'cp /bin/sleep "/tmp/a) b (c-$$"; "/tmp/a) b (c-$$" 30 & sleep 30 & sleep 0.2; rm -f "/tmp/a) b (c-$$"; wait'], { detached: true, stdio: 'ignore' });
    try {
      await sleepMs(400);
      nextSamplingRound();
      const s = sampleTree(root.pid as number, true);
      assert.equal(s.processes, 3, 'sh and its two children');
      const kids = fs.readFileSync(`/proc/${root.pid}/task/${root.pid}/children`, 'utf8').trim().split(' ').map(Number);
      const expected = [root.pid as number, ...kids].map(statOf).reduce((a, b) => a + b.rssPages * 4096, 0);
      // The tree's pages can move by a few between the two reads: within 5 %.
      assert.ok(Math.abs(s.rssBytes - expected) <= expected * 0.05, `sampled ${s.rssBytes}, /proc says ${expected}`);
      assert.ok(s.rssBytes > 3 * 100 * 1024, 'three processes are more than 300 KiB');
    } finally {
      process.kill(-(root.pid as number), 'SIGKILL');
    }
  });

  it('a process that had no children and then starts one: its child is counted within 3 sampling rounds', async () => {
    // The child of the root waits for a file, then starts a grandchild.
    const flag = `/tmp/actiontree-sampler-${process.pid}-${Date.now()}`;
    const root = spawn('sh', ['-c', `sh -c 'while [ ! -e ${flag} ]; do sleep 0.05; done; sleep 30 & wait' & wait`], { detached: true, stdio: 'ignore' });
    try {
      await sleepMs(300);
      let seen = 0;
      for (let i = 0; i < 3; i++) {
        nextSamplingRound();
        seen = sampleTree(root.pid as number, true).processes;
      }
      // sh, sh (its polling loop's `sleep 0.05` comes and goes)
      assert.ok(seen >= 2 && seen <= 3, `before: ${seen} processes`);
      fs.writeFileSync(flag, '');
      await sleepMs(300);
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        nextSamplingRound();
        counts.push(sampleTree(root.pid as number, true).processes);
      }
      assert.ok(counts.includes(3), `the grandchild 'sleep 30' is counted within 3 rounds: ${counts.join(', ')}`);
    } finally {
      process.kill(-(root.pid as number), 'SIGKILL');
      fs.rmSync(flag, { force: true });
    }
  });

  it('a tree that is gone samples as 0 processes', () => {
    nextSamplingRound();
    assert.deepEqual(sampleTree(2 ** 22 + 12345, true), { rssBytes: 0, cpuTimeMs: 0, processes: 0 });
  });
});
