import assert from 'node:assert/strict';
import { executeRun } from '../../src/runner/run';
import { markedEnv, runGraphFile, setSpawnMode, tmpDir, writeGraph } from './helpers';

/**
 * Issue 8 item 11: environments a process cannot receive. `=` in a name and NUL anywhere are
 * refused by the validator (nothing runs); a value or argument too large for exec fails the
 * action with the true reason (E2BIG, naming the culprit), not "exit code 126".
 */
for (const mode of ['python', 'bash', 'node'] as const) describe(`env a process cannot receive (${mode} launcher)`, function () {
  this.timeout(30_000);
  before(() => setSpawnMode(mode));
  after(() => setSpawnMode('helper'));

  it('a 200 KB variable, a 200 KB argument, a 200 KB command line, 4 MB in total: spawn failed with the real cause', async () => {
    const dir = tmpDir();
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, 'z'.repeat(100_000)]));
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      actions: {
        bigEnv: { command: 'echo hi', env: { BIG: 'x'.repeat(200_000) } },
        bigArg: { command: ['echo', 'y'.repeat(200_000)] },
        bigLine: { command: `echo ${'w'.repeat(200_000)} | wc -c` },
        total: { command: 'echo hi', env: many },
        fine: { command: 'echo fine', env: { OK: 'v'.repeat(100_000) } },
      },
    });
    const { report } = await runGraphFile(file, { spawn: mode });
    const reason = (id: string) => report.actions[id]!.reason ?? '';
    assert.match(reason('bigEnv'), /^spawn failed: environment variable BIG is too large \(200,005 bytes; Linux passes at most 131,072 bytes per variable or argument\) \(E2BIG\)$/);
    assert.match(reason('bigArg'), /^spawn failed: argument 1 of the command is too large \(200,001 bytes;.*\(E2BIG\)$/);
    assert.match(reason('bigLine'), /^spawn failed: the command line is too large \(\d{3},\d{3} bytes;.*\(E2BIG\)$/);
    assert.match(reason('total'), /^spawn failed: the arguments and environment together are too large \([\d,]+ bytes; the system's limit is [\d,]+\) \(E2BIG\)$/);
    assert.equal(report.actions['fine']!.state, 'succeeded', 'a 100 KB value is fine');
  });

  it("a name with '=' or a NUL in a value: nothing runs, the validator says why", async () => {
    const dir = tmpDir();
    for (const env of [{ 'A=B': 'x' }, { K: 'a\u0000b' }]) {
      const file = writeGraph(dir, { version: 1, actions: { a: { command: 'env', env } } });
      const out = await executeRun({ graphFile: file, signal: new AbortController().signal, env: markedEnv, spawn: mode });
      assert.equal(out.kind, 'invalid');
      assert.ok(out.kind === 'invalid');
      assert.equal(out.diagnostics[0]?.code, 'schema');
      assert.match(out.diagnostics[0]?.message ?? '', /contains '='|contains a NUL/);
    }
  });
});
