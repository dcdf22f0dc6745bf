import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../slurm/cli';
import { markedEnv, tmpDir, writeGraph } from './helpers';

/** `--executor slurm` where Slurm is not installed (runs everywhere; the real cluster is test/slurm). */
describe('actiontree run --executor slurm without Slurm', function () {
  it('fails at once with a clear message and exit 2; nothing is created or run', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'touch ran' } } });
    const empty = tmpDir('at-nopath-');
    const r = await runCli(['run', file, '--executor', 'slurm'], dir, { ...markedEnv, PATH: empty });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^actiontree run: --executor slurm: Slurm is not installed here \(sbatch, squeue, scancel, scontrol not found on PATH\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
    assert.equal(fs.existsSync(path.join(dir, '.actiontree')), false);
  });

  it('rejects an unknown --executor with exit 2', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } });
    const r = await runCli(['run', file, '--executor', 'kubernetes'], dir, markedEnv);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--executor must be 'local' or 'slurm', got 'kubernetes'/);
  });
});
