import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';

/** The file's `executor` and per-action `slurm` settings (SPEC §9): parsed and validated with diagnostics. */
function analyze(obj: unknown): ReturnType<typeof analyzeText> {
  return analyzeText(JSON.stringify(obj, null, 2));
}
const messages = (a: ReturnType<typeof analyzeText>): string[] => a.diagnostics.map((d) => `${d.severity}: ${d.message}`);

describe('executor and slurm settings', () => {
  it('reads executor (object or shorthand), per-action slurm and defaults.slurm', () => {
    const a = analyze({
      version: 1,
      executor: { type: 'slurm', partition: 'short', account: 'proj', sbatchArgs: ['--qos=fast'] },
      defaults: { slurm: { partition: 'dflt' } },
      actions: { x: { command: 'true', slurm: { partition: 'gpu', sbatchArgs: ['--gres=gpu:1'] } }, y: { command: 'true' } },
    });
    assert.deepEqual(messages(a), []);
    assert.deepEqual(a.graph.executor, { type: 'slurm', partition: 'short', account: 'proj', sbatchArgs: ['--qos=fast'] });
    assert.deepEqual(a.graph.byId.get('x')?.slurm, { partition: 'gpu', sbatchArgs: ['--gres=gpu:1'] });
    assert.deepEqual(a.graph.byId.get('y')?.slurm, { partition: 'dflt' });
    assert.deepEqual(analyze({ version: 1, executor: 'slurm', actions: { x: { command: 'true' } } }).graph.executor, { type: 'slurm' });
  });

  it('reports bad values at the value, with a message that says what is expected', () => {
    const a = analyze({
      version: 1,
      executor: { type: 'kube', partition: 'a b' },
      actions: { x: { command: 'true', slurm: { sbatchArgs: ['--job-name=x', 'plain', 3, '-o', '--qos=ok'], acount: 'p' } } },
    });
    const m = messages(a);
    assert.ok(m.includes(`error: 'executor': 'type' must be "local" or "slurm", got the string "kube"`), m.join('\n'));
    assert.ok(m.some((x) => /^error: 'executor': 'partition' must be a non-empty name without spaces or commas/.test(x)), m.join('\n'));
    assert.ok(m.some((x) => /^error: 'slurm' of .*: sbatchArgs cannot set '--job-name': the job name is the run id \(set by the runner\)$/.test(x)), m.join('\n'));
    assert.ok(m.some((x) => /sbatchArgs cannot set '-o'/.test(x)), m.join('\n'));
    assert.ok(m.some((x) => /sbatchArgs item 'plain' is not an option/.test(x)), m.join('\n'));
    assert.ok(m.some((x) => /every item of 'sbatchArgs' must be a string, got the number 3/.test(x)), m.join('\n'));
    assert.ok(m.some((x) => /^warning: unknown property 'acount' in 'slurm' of /.test(x)), m.join('\n'));
    assert.equal(m.filter((x) => x.includes('needs "type"')).length, 0, 'a bad type is reported once');
    const text = JSON.stringify({ version: 1, executor: { type: 'kube', partition: 'a b' }, actions: { x: { command: 'true', slurm: { sbatchArgs: ['--job-name=x', 'plain', 3, '-o', '--qos=ok'], acount: 'p' } } } }, null, 2);
    const e = a.diagnostics.find((d) => d.message.includes('--job-name'));
    assert.ok(e);
    assert.equal(text.slice(e.span.offset, e.span.offset + e.span.length), '"--job-name=x"', 'the diagnostic points at the item');
  });

  it('an executor object needs a type; a wrong shape is an error', () => {
    assert.ok(messages(analyze({ version: 1, executor: { partition: 'p' }, actions: { x: { command: 'true' } } })).includes(`error: 'executor' needs "type": "slurm" or "local"`));
    assert.ok(messages(analyze({ version: 1, executor: 3, actions: { x: { command: 'true' } } })).some((m) => m.startsWith(`error: 'executor' must be an object such as { "type": "slurm" }`)));
    assert.ok(messages(analyze({ version: 1, actions: { x: { command: 'true', slurm: 'gpu' } } })).some((m) => /^error: 'slurm' of .* must be an object such as \{ "partition": "short" \}/.test(m)));
  });
});
