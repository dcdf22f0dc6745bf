import * as assert from 'node:assert/strict';
import { parseArgs, parseIntOption } from '../../../src/cli/command';
import { main } from '../../../src/cli/main';
import { tempDir } from './helpers';

describe('CLI integer options (--cpus)', () => {
  it('a negative number is the option\'s value, not an unknown option', () => {
    assert.deepEqual(parseArgs('run', ['--cpus', '-1'], { cpus: { type: 'string' } }), { ok: true, values: { cpus: '-1' }, positionals: [] });
    assert.deepEqual(parseArgs('run', ['--cpus', '-x'], { cpus: { type: 'string' } }), { ok: false, message: "option '--cpus' needs a value (see 'actiontree help run')" });
  });

  it('parseIntOption: digits only, 1 to 1000000, one message for every bad value', () => {
    assert.deepEqual(parseIntOption('--cpus', '4'), { ok: true, value: 4 });
    assert.deepEqual(parseIntOption('--cpus', '1000000'), { ok: true, value: 1_000_000 });
    assert.deepEqual(parseIntOption('--cpus', '007'), { ok: true, value: 7 });
    for (const bad of ['-1', '0', '1e9', '99999999999999999999', '1000001', '2.5', '0x10', ' 3', '', '+3', 'Infinity']) {
      assert.deepEqual(parseIntOption('--cpus', bad), { ok: false, message: `--cpus needs a whole number from 1 to 1000000, got '${bad}'` }, bad);
    }
  });

  for (const bad of ['-1', '1e9', '99999999999999999999']) {
    it(`run --cpus ${bad}: exit 2 with the same clear message`, async () => {
      const t = tempDir();
      try {
        let err = '';
        const io = { stdout: () => {}, stderr: (s: string) => (err += s), cwd: t.dir, isTTY: false, env: {} };
        assert.equal(await main(['run', '--cpus', bad], io), 2);
        assert.equal(err, `actiontree run: --cpus needs a whole number from 1 to 1000000, got '${bad}'\n`);
      } finally {
        t.dispose();
      }
    });
  }
});
