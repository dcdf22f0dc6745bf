import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allowedCores, tasksetAvailable } from '../../src/runner/affinity';
import { isAlive, readPid, runGraphFile, setSpawnMode, tmpDir, writeGraph } from './helpers';

/** A process tree: the action's shell writes its pid, a background child writes its own, both wait. */
const tree = (n: string, s = 30) => `echo $$ > ${n}.pid; sleep ${s} & echo $! > ${n}-child.pid; wait`;

function assertDead(dir: string, names: string[]): void {
  for (const n of names) {
    for (const f of [`${n}.pid`, `${n}-child.pid`]) {
      const file = path.join(dir, f);
      if (!fs.existsSync(file)) continue;
      assert.equal(isAlive(readPid(file)), false, `${f} survived`);
    }
  }
}

for (const mode of ['python', 'bash', 'node'] as const) describe(`SPEC §8 time limits with real processes (${mode} launcher)`, function () {
  this.timeout(60_000);
  before(() => setSpawnMode(mode));
  after(() => setSpawnMode('helper'));

  it('run timeout: every running tree is killed, the rest canceled, "run timed out after 1s", no process left', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      timeout: '1s',
      actions: {
        a: { command: tree('a') },
        b: { command: tree('b') },
        c: { command: 'true', dependsOn: ['a'] },
      },
    });
    const t0 = Date.now();
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'canceled');
    for (const id of ['a', 'b', 'c']) assert.equal(report.actions[id]!.reason, 'run timed out after 1s', id);
    assert.equal(report.actions['c']!.startedAt, null);
    assert.ok(Date.now() - t0 < 10_000);
    assertDead(dir, ['a', 'b']);
  });

  it("group timeout: from the group's first start; running members killed (failed), pending ones canceled, others unharmed", async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 3,
      keepGoing: true,
      groups: { tests: { timeout: '1s' } },
      actions: {
        build: { command: 'sleep 0.3' },
        t1: { command: tree('t1'), dependsOn: ['build'], group: 'tests' },
        t2: { command: 'true', dependsOn: ['t1'], group: 'tests' },
        other: { command: 'sleep 1.6; echo done > other.txt', dependsOn: ['build'] },
      },
    });
    const { report } = await runGraphFile(file);
    const t1 = report.actions['t1']!;
    assert.equal(t1.state, 'failed');
    assert.equal(t1.reason, "group 'tests' timed out after 1s");
    const ranFor = t1.finishedAt! - t1.startedAt!;
    assert.ok(ranFor >= 1000, `killed after ${ranFor} ms, before the group's timeout`);
    assert.equal(report.actions['t2']!.state, 'canceled');
    assert.equal(report.actions['t2']!.reason, "group 'tests' timed out after 1s");
    assert.equal(report.actions['other']!.state, 'succeeded', 'an action outside the group is unharmed');
    assert.equal(fs.readFileSync(path.join(dir, 'other.txt'), 'utf8'), 'done\n');
    assertDead(dir, ['t1']);
  });

  it('retryDelay doubles: measured gaps between attempts are at least 300 ms then 600 ms', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        flaky: { command: 'test "$ACTIONTREE_ATTEMPT" -ge 3', retries: 2, retryDelay: '300ms' },
      },
    });
    const { report } = await runGraphFile(file);
    const a = report.actions['flaky']!;
    assert.equal(a.state, 'succeeded');
    assert.equal(a.attempts, 3);
    const d = a.attemptDetails;
    const gap1 = d[1]!.startedAt - d[0]!.finishedAt!;
    const gap2 = d[2]!.startedAt - d[1]!.finishedAt!;
    assert.ok(gap1 >= 299 && gap1 < 5000, `gap 1: ${gap1} ms`);
    assert.ok(gap2 >= 599 && gap2 < 5000, `gap 2: ${gap2} ms`);
  });

  it('retryOn ["failure"]: a timeout is not retried; an exit code is', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      actions: {
        hangs: { command: tree('hangs'), timeout: '300ms', retries: 2, retryOn: ['failure'] },
        exits: { command: 'test "$ACTIONTREE_ATTEMPT" -ge 2', retries: 2, retryOn: ['failure'] },
      },
    });
    const { report } = await runGraphFile(file);
    assert.equal(report.actions['hangs']!.attempts, 1);
    assert.equal(report.actions['hangs']!.reason, 'timed out after 300ms');
    assert.equal(report.actions['exits']!.state, 'succeeded');
    assert.equal(report.actions['exits']!.attempts, 2);
    assertDead(dir, ['hangs']);
  });

  for (const [field, value] of [['minFreeMemory', '100T'], ['maxLoad', 0.0001]] as const) {
    it(`${field} that never clears holds back new starts while something runs (never the first one, never a kill)`, async () => {
      const dir = tmpDir();
      const file = writeGraph(dir, { version: 1, cpus: 3, [field]: value, actions: { a: { command: 'sleep 0.3' }, b: { command: 'sleep 0.3' }, c: { command: 'sleep 0.3' } } });
      const { report } = await runGraphFile(file);
      assert.equal(report.result, 'succeeded');
      const iv = Object.values(report.actions).map((a) => [a.startedAt!, a.finishedAt!] as const).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < iv.length; i++) assert.ok(iv[i]![0] >= iv[i - 1]![1], `overlap: ${JSON.stringify(iv)}`);
    });
  }

  it('cpuAffinity: each running action is pinned to its own cores (read back from inside the actions)', async function () {
    if (process.platform !== 'linux') this.skip();
    if (!tasksetAvailable()) this.skip();
    const cores = allowedCores();
    const dir = tmpDir();
    const n = Math.min(cores.length, 4);
    const actions: Record<string, unknown> = {};
    // Each holds its core until all have started (a barrier of files), so they overlap.
    for (let i = 0; i < n; i++) {
      actions[`p${i}`] = { command: `grep Cpus_allowed_list /proc/self/status | cut -f2 > aff-${i}.txt; touch up-${i}; for t in $(seq 1 100); do [ $(ls up-* | wc -l) -ge ${n} ] && break; sleep 0.05; done` };
    }
    const file = writeGraph(dir, { version: 1, cpus: n, cpuAffinity: true, actions });
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    const seen = Array.from({ length: n }, (_, i) => fs.readFileSync(path.join(dir, `aff-${i}.txt`), 'utf8').trim());
    for (const s of seen) assert.match(s, /^\d+$/, `pinned to one core: ${s}`);
    assert.equal(new Set(seen).size, n, `distinct cores: ${seen.join(' ')}`);
    for (const s of seen) assert.ok(cores.includes(Number(s)));
  });
});

