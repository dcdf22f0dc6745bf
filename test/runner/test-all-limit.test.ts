import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { runLimited as RunLimited } from '../../scripts/test-lib.mjs' with { 'resolution-mode': 'import' };
import { markedEnv, repoRoot, waitUntil } from './helpers';

// scripts/ are ES modules (this file is CommonJS): imported dynamically.
const runLimited: typeof RunLimited = async (...args) => (await import('../../scripts/test-lib.mjs')).runLimited(...args);

/** Pids of live (non-zombie) processes whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${n}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z' && f[0] !== 'X') out.push(Number(n));
    } catch {
      // gone
    }
  }
  return out;
}

(process.platform === 'linux' ? describe : describe.skip)('CI never hangs on a stage (scripts/test-all.mjs wall-clock limit)', function () {
  this.timeout(60_000);

  it('a stage spinning synchronously is killed at its limit with its whole process group, and says where it hung', async () => {
    // A synchronous spin (what mocha's --timeout cannot stop) with a grandchild in its group.
    const script = "require('child_process').spawn('sleep', ['60'], { stdio: 'ignore' }); console.log('spinning now'); for (;;) {}";
    let message = '';
    const r = await runLimited([process.execPath, '-e', script], { name: 'spin', limitMs: 1500, env: markedEnv, onHang: (m) => (message += m), killGraceMs: 1000 });
    assert.equal(r.hung, true);
    assert.equal(r.code, 124);
    assert.match(message, /stage 'spin' HUNG: still running after its wall-clock limit of 1.5 s; killing its process group \(pgid \d+\)/);
    assert.match(message, /its last output line: "spinning now"/);
    assert.match(message, /pid \d+ state R cpu [\d.]+ s: .*for \(;;\)/, 'names the spinning process');
    const pgid = Number(/pgid (\d+)/.exec(message)![1]);
    await waitUntil('the stage group is gone (the grandchild sleep too)', () => groupMembers(pgid).length === 0, 10_000);
  });

  it('a stage that ends in time is not touched: exit code and output pass through', async () => {
    const r = await runLimited([process.execPath, '-e', "console.log('out'); console.error('err'); process.exit(3)"], { name: 'quick', limitMs: 20_000, env: markedEnv });
    assert.deepEqual({ hung: r.hung, code: r.code }, { hung: false, code: 3 });
    assert.match(r.out, /out/);
    assert.match(r.out, /err/);
  });

  it('test-all.mjs reports a stage past its limit as HUNG and fails', () => {
    // typecheck takes far longer than 1 s: with the limit at 1 s it stands for a hung stage.
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'test-all.mjs'), '--only', 'typecheck'], {
      cwd: repoRoot,
      env: { ...markedEnv, ACTIONTREE_STAGE_LIMIT_S: '1' },
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /stage 'typecheck' HUNG: still running after its wall-clock limit of 1 s/);
    assert.match(r.stdout, /^typecheck +FAILED \(HUNG: killed after its 1 s limit\)/m);
    assert.match(r.stdout, /failed stages: typecheck/);
  });
});
