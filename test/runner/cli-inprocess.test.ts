import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliIO } from '../../src/cli/command';
import { runCommand } from '../../src/cli/run';
import { markedEnv, tmpDir, writeGraph } from './helpers';

function io(cwd: string, isTTY: boolean): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), cwd, isTTY, env: markedEnv };
}

describe('actiontree run in-process (terminal output)', function () {
  this.timeout(30_000);

  it('on a terminal: one progress line redrawn in place, failures above it, no line per success', async () => {
    const dir = tmpDir();
    writeGraph(dir, {
      version: 1,
      keepGoing: true,
      actions: { a: { command: 'echo A' }, b: { command: 'echo B >&2; exit 5', dependsOn: ['a'] }, c: { command: 'true', dependsOn: ['a'] } },
    });
    const t = io(dir, true);
    const code = await runCommand.run([], t);
    assert.equal(code, 1);
    const all = t.out.join('');
    assert.ok(t.out.some((s) => /^\r\x1b\[2K\[0\/3\] \d+\.\ds/.test(s)), 'a progress line at the start');
    assert.ok(t.out.some((s) => /^\r\x1b\[2K\[3\/3\]/.test(s)), 'the progress line reaches 3/3');
    assert.ok(!/✓ a/.test(all), 'no line per successful action on a terminal');
    assert.match(all, /✗ b: exit code 5\n/);
    assert.match(all, /── b: exit code 5 ──\nB\n/);
    assert.match(all, /Run FAILED: 2 succeeded, 1 failed of 3 in /);
    const lastProgress = all.lastIndexOf('\r\x1b[2K[');
    assert.ok(all.indexOf('Run FAILED') > lastProgress, 'the summary comes after the progress line was cleared');
    assert.ok(fs.existsSync(path.join(dir, '.actiontree', 'runs')));
  });
});
