import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FinalActionState } from '../../src/core/run/events';
import type { Job } from '../../src/core/run/plan';
import { runGraphFile, tmpDir, writeGraph } from './helpers';

/** executeRun with a scheduler gate, real processes: a skipped action never runs, is recorded, and lets dependents run. */
describe('runner: a gate skips ready jobs (real processes)', function () {
  this.timeout(30_000);

  it('skipped jobs spawn nothing, are recorded as skipped with the reason, and their dependents run', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        gen: { command: 'echo gen > gen.txt' },
        build: { command: ['sh', '-c', 'echo built > built.txt'], dependsOn: ['gen'], cwd: 'sub', env: { K: 'v' } },
        test: { command: 'echo test > test.txt', dependsOn: ['build'] },
      },
    });
    const seen: Job[] = [];
    const told: [string, FinalActionState][] = [];
    const { report, fileEvents, outcome } = await runGraphFile(file, {
      gate: {
        beforeStart: async (job) => {
          seen.push(job);
          return job.id === 'test' ? { skip: false } : { skip: true, reason: 'up to date' };
        },
        afterFinish: (job, state) => told.push([job.id, state]),
      },
    });
    assert.equal(report.result, 'succeeded');
    assert.equal(report.actions['gen']?.state, 'skipped');
    assert.equal(report.actions['gen']?.reason, 'up to date');
    assert.equal(report.actions['gen']?.startedAt, null);
    assert.equal(report.actions['gen']?.attempts, 0);
    assert.equal(report.actions['build']?.state, 'skipped');
    assert.equal(report.actions['test']?.state, 'succeeded');
    assert.ok(!fs.existsSync(path.join(dir, 'gen.txt')), 'a skipped job spawns nothing');
    assert.ok(!fs.existsSync(path.join(dir, 'sub', 'built.txt')));
    assert.equal(fs.readFileSync(path.join(dir, 'test.txt'), 'utf8'), 'test\n');
    assert.ok(fileEvents.some((e) => e.type === 'action-finished' && e.action === 'gen' && e.state === 'skipped' && e.reason === 'up to date'));
    assert.ok(!fileEvents.some((e) => e.type === 'action-started' && e.action !== 'test'));
    // The gate sees resolved jobs: absolute cwd, merged env, the command as written.
    const build = seen.find((j) => j.id === 'build');
    assert.equal(build?.cwd, path.join(dir, 'sub'));
    assert.deepEqual({ ...build?.env }, { K: 'v' });
    assert.deepEqual(build?.command, { kind: 'argv', argv: ['sh', '-c', 'echo built > built.txt'] });
    assert.deepEqual(build?.deps, ['gen']);
    assert.deepEqual(told, [['gen', 'skipped'], ['build', 'skipped'], ['test', 'succeeded']]);
    assert.equal(outcome.kind, 'finished');
  });
});
