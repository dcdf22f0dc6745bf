import assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { affinityWarnings } from '../../../src/runner/run';

/** Diagnostics as `code severity 'covered text': message`. */
function diags(text: string, availableCores?: number): string[] {
  return analyzeText(text, availableCores !== undefined ? { availableCores } : {}).diagnostics.map(
    (d) => `${d.code} ${d.severity} '${text.slice(d.span.offset, d.span.offset + d.span.length)}': ${d.message}`,
  );
}

describe('machine-aware diagnostics (issue 10: more cores pinned than exist)', () => {
  const text = `{
  "version": 1, "cpus": 8, "cpuAffinity": true,
  "defaults": { "cpus": 3 },
  "actions": {
    "big": { "command": "x", "cpus": 4 },
    "fits": { "command": "x", "cpus": 2 },
    "inherits": { "command": "x" }
  }
}`;

  it('with cpuAffinity: a warning on each cpus value above the cores (graph, defaults once, own action values)', () => {
    assert.deepEqual(diags(text, 2), [
      `more-cpus-than-cores warning '8': the graph's 'cpus' (8) with 'cpuAffinity' pins up to 8 cores at once, but this machine has 2 cores: running actions will share cores`,
      `more-cpus-than-cores warning '3': defaults: 'cpus' 3 with 'cpuAffinity' asks for 3 cores per action, but this machine has 2 cores: such an action is pinned to all 2, shared`,
      `more-cpus-than-cores warning '4': action 'big' needs 4 CPU slots pinned to distinct cores ('cpuAffinity'), but this machine has 2 cores: it is pinned to all 2, shared with other actions`,
    ]);
    const d = analyzeText(text, { availableCores: 2 }).diagnostics.find((x) => x.message.startsWith(`action 'big'`));
    assert.deepEqual(d?.data, { action: 'big', cores: '2' });
  });

  it('nothing when the machine has the cores, without cpuAffinity, or when the cores are not known (the pure core alone)', () => {
    assert.deepEqual(diags(text, 8), []);
    assert.deepEqual(diags(text.replace('"cpuAffinity": true', '"cpuAffinity": false'), 2), []);
    assert.deepEqual(diags(text), []);
    // Nonsense core counts are ignored, never a crash.
    assert.deepEqual(diags(text, 0), []);
    assert.deepEqual(diags(text, Number.NaN), []);
  });

  it('the run says the same for what only it knows (--cpus), bounded for many actions', () => {
    const plan = (cpus: number[], aff = true) => ({ limits: { cpuAffinity: aff }, jobs: cpus.map((c, i) => ({ id: `a${i}`, needs: { cpus: c } })) });
    assert.deepEqual(affinityWarnings(plan([1, 3]), 4, 2), [
      'cpuAffinity: the run has 4 CPU slots but this machine has 2 cores: running actions share cores',
      "cpuAffinity: action 'a1' needs 3 CPU slots but this machine has 2 cores: it is pinned to all 2, shared",
    ]);
    assert.deepEqual(affinityWarnings(plan([1, 3], false), 4, 2), []);
    assert.deepEqual(affinityWarnings(plan([1, 2]), 2, 2), []);
    const many = affinityWarnings(plan(Array.from({ length: 12 }, () => 9)), 1, 1);
    assert.equal(many.length, 6);
    assert.equal(many[5], 'cpuAffinity: 7 more actions need more CPU slots than this machine\'s 1 core');
  });
});
