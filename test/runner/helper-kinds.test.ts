import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Job } from '../../src/core/run/plan';
import { HelperLauncher } from '../../src/runner/helper-launcher';
import { tmpDir } from './helpers';

/** A minimal job: a shell line in `dir`. */
function job(dir: string, id: string, line: string): Job {
  return {
    id,
    actionId: id,
    index: 0,
    command: { kind: 'shell', line },
    cwd: dir,
    env: {},
    needs: { cpus: 1, resources: {}, memory: 0, locks: [] } as unknown as Job['needs'],
    deps: [],
    timeoutMs: undefined,
    retries: 0,
    priority: 0,
    acceptFailedDependencies: false,
    description: undefined,
    remaining: 0,
  };
}

describe('helper kinds (Python on Linux, bash elsewhere or as the fallback)', function () {
  this.timeout(30_000);

  it('a Python that cannot run the helper (exit 3 before "R") makes the run use bash helpers, and actions run', async () => {
    const dir = tmpDir();
    const fake = path.join(dir, 'old-python');
    fs.writeFileSync(fake, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const launcher = new HelperLauncher({ baseDir: dir, logDir: null }, 'python', fake);
    try {
      await launcher.prepare(2);
      assert.equal(launcher.helperKind, 'bash');
      const out: string[] = [];
      const h = launcher.start(job(dir, 'a', 'echo hi; exit 4'), 1, (_stream, text) => void out.push(text));
      const exit = await h.exited;
      assert.deepEqual(exit, { kind: 'exit', code: 4 });
      assert.equal(out.join(''), 'hi\n');
    } finally {
      await launcher.close();
    }
  });

  it('the default on Linux is Python when /usr/bin/python3 exists (bash elsewhere); it runs actions in their own process group', async function () {
    if (process.platform === 'linux') {
      assert.ok(fs.existsSync('/usr/bin/python3'), 'this suite expects /usr/bin/python3 on Linux (install python3)');
      assert.equal(HelperLauncher.defaultKind(), 'python');
    } else assert.equal(HelperLauncher.defaultKind(), 'bash');
    const dir = tmpDir();
    const launcher = new HelperLauncher({ baseDir: dir, logDir: null });
    try {
      await launcher.prepare(1);
      assert.equal(launcher.helperKind, HelperLauncher.defaultKind());
      const out: string[] = [];
      // ps prints the action's own pid and process group: equal (a group of its own).
      const h = launcher.start(job(dir, 'a', 'ps -o pid=,pgid= -p $$'), 1, (_stream, text) => void out.push(text));
      assert.deepEqual(await h.exited, { kind: 'exit', code: 0 });
      const [pid, pgid] = out.join('').trim().split(/\s+/).map(Number);
      assert.ok(pid !== undefined && pid > 1 && pid === pgid, `pid ${pid} pgid ${pgid}`);
    } finally {
      await launcher.close();
    }
  });
});
