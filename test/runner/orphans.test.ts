import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { markedEnv, markedProcesses } from './helpers';

/**
 * Every process the runner tests start carries ACTIONTREE_TEST_MARK=<uuid of this mocha run>
 * (helpers.markedEnv). This root-level hook runs after the whole suite and fails it if any
 * such process is still alive (zombies awaiting PID 1 count as dead).
 */
after('no process started by the runner tests survives the suite', () => {
  const left = markedProcesses();
  assert.deepEqual(left, [], `orphan processes: ${left.join(', ')}`);
});

describe('orphan check', () => {
  it('finds a marked process while it lives (the final check can fail)', async () => {
    const child = spawn('sleep', ['30'], { env: markedEnv, stdio: 'ignore' });
    const closed = new Promise((r) => child.on('close', r));
    await new Promise<void>((r) => child.on('spawn', () => r()));
    assert.ok(markedProcesses().includes(child.pid!));
    child.kill('SIGKILL');
    await closed;
    assert.ok(!markedProcesses().includes(child.pid!));
  });
});
