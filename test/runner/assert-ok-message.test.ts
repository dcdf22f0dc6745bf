import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markedEnv, repoRoot } from './helpers';

/**
 * The hang seen in CI at run.test.ts's "estimates" test: a failing assert.ok without a message in
 * a TypeScript test file made Node 20 re-parse the file with acorn for minutes (spinning).
 * test/stall-watchdog.ts gives such a failure a plain message; here the very file and line
 * are made to fail (a copy of run.test.ts whose assertion cannot hold): the failure must be
 * reported at once, not spin until the watchdog kills the process.
 */
describe('a failing assert.ok without a message fails at once (no source parsing spin)', function () {
  this.timeout(90_000);
  // Beside run.test.ts (same imports, same text but the assertion); not a *.test.ts: never in the suite.
  const copy = path.join(repoRoot, 'test', 'runner', 'gen-assert-ok.fixture.ts');
  after(() => fs.rmSync(copy, { force: true }));

  it("run.test.ts's estimates test with its assertion made false: reported as a failure within seconds", async () => {
    const text = fs.readFileSync(path.join(repoRoot, 'test', 'runner', 'run.test.ts'), 'utf8');
    // The estimates test as it was when it hung, its assertion made false (the spin depends on
    // the file's text around the failing call, so the rest of the file is kept as it is).
    const now = [
      "    assert.equal(est['b'], first.report.actions['b']!.durationMs);",
      '    // Not ">= 50 ms": the start is taken once spawn() has returned, so on a loaded machine a',
      "    // 50 ms sleep can be recorded shorter (this failed under load, and its message-less",
      '    // assert.ok then spun the mocha process: see test/stall-watchdog.ts).',
      "    assert.ok(Number.isFinite(est['a']) && est['a']! >= 0, `estimate of a: ${est['a']}`);",
    ].join('\n');
    assert.ok(text.includes(now), 'run.test.ts still has the estimates assertions');
    fs.writeFileSync(copy, text.replace(now, "    assert.ok(est['a']! >= 5_000_000);"));
    const mocha = path.join(repoRoot, 'node_modules', 'mocha', 'lib', 'cli', 'cli.js');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', mocha, '--no-config', '--extension', 'ts', '--timeout', '60000', '--require', 'test/stall-watchdog.ts', '--grep', 'node launcher\\) estimates', copy],
      { cwd: repoRoot, env: { ...markedEnv, ACTIONTREE_TEST_STALL_MS: '20000' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.equal(signal, null, `killed by the stall watchdog: the failing assert.ok spun\n${out.slice(0, 3000)}`);
    assert.equal(code, 1, out);
    assert.match(out, /1 failing/);
    assert.match(out, /assert\.ok: the value is false \(no message given\)/);
  });
});
