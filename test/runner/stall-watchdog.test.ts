import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { markedEnv, repoRoot } from './helpers';

describe('stall watchdog (test/stall-watchdog.ts): a synchronous spin cannot hang the suite', function () {
  this.timeout(60_000);

  it('a spinning test is reported with its title and the JavaScript stack, and its process is killed', async () => {
    const mocha = path.join(repoRoot, 'node_modules', 'mocha', 'lib', 'cli', 'cli.js');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', mocha, '--no-config', '--extension', 'ts', '--timeout', '600000', '--require', 'test/stall-watchdog.ts', 'test/runner/fixtures/spin.fixture.ts'],
      { cwd: repoRoot, env: { ...markedEnv, ACTIONTREE_TEST_STALL_MS: '2000' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.resume();
    // mocha's own timeout (600 s here) never fires on a spin: only the watchdog ends it.
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.equal(signal, 'SIGKILL', err);
    assert.equal(code, null);
    assert.match(err, /\[stall-watchdog\] the event loop has not run for \d+ s \(a synchronous spin\?\) during: "a test that never yields spins"/);
    assert.match(err, /main thread JavaScript stack:\n {4}at spinForever \(file:\/\/.*spin\.fixture\.ts:/);
  });
});
