import assert from 'node:assert/strict';
import { parseReport } from '../../../src/core/gantt/input';
import { compareRuns, digestReport, formatComparison } from '../../../src/core/run/compare';

function report(runId: string, result: string, actions: Record<string, { state: string; s?: number | null; f?: number | null; reason?: string }>) {
  const acts: Record<string, unknown> = {};
  for (const [id, a] of Object.entries(actions)) {
    acts[id] = { state: a.state, reason: a.reason ?? null, exitCode: null, signal: null, attempts: a.s == null ? 0 : 1, readyAt: null, startedAt: a.s ?? null, finishedAt: a.f ?? null };
  }
  const p = parseReport(JSON.stringify({ version: 1, runId, graphFile: '/g.actiontree.jsonc', startedAt: 0, finishedAt: 5000, result, actions: acts }));
  assert.ok(p.ok);
  return digestReport(p.report);
}

describe('run history: compare two runs (core/run/compare)', () => {
  const older = report('r1', 'failed', {
    build: { state: 'succeeded', s: 0, f: 1000 },
    lint: { state: 'succeeded', s: 0, f: 500 },
    test: { state: 'failed', s: 1000, f: 2000, reason: 'exit code 1' },
    noise: { state: 'succeeded', s: 0, f: 1000 },
    gone: { state: 'succeeded', s: 0, f: 10 },
  });
  const newer = report('r2', 'failed', {
    build: { state: 'succeeded', s: 0, f: 3000 },
    lint: { state: 'succeeded', s: 0, f: 100 },
    test: { state: 'succeeded', s: 3000, f: 3500 },
    noise: { state: 'succeeded', s: 0, f: 1050 },
    deploy: { state: 'failed', s: 3500, f: 3600, reason: 'exit code 2' },
    docs: { state: 'skipped' },
    after: { state: 'canceled', f: 3600, reason: "dependency 'deploy' failed" },
  });

  it('finds slower, faster, failed, fixed, skipped, not run and selection changes', () => {
    const c = compareRuns(older, newer);
    assert.deepEqual(c.slower.map((t) => [t.id, t.deltaMs]), [['build', 2000]]);
    assert.deepEqual(c.faster.map((t) => [t.id, t.deltaMs]), [['lint', -400]]);
    assert.deepEqual(c.failed, [{ id: 'deploy', before: null, reason: 'exit code 2' }]);
    assert.deepEqual(c.fixed, ['test']);
    assert.deepEqual(c.skipped, ['docs']);
    assert.deepEqual(c.notRun, ['after']);
    assert.deepEqual(c.onlyInOlder, ['gone']);
    assert.deepEqual(c.onlyInNewer, ['deploy', 'docs', 'after']);
  });

  it('digests counts that add up and formats the comparison as Markdown', () => {
    assert.deepEqual(newer.counts, { succeeded: 4, failed: 1, canceled: 0, skipped: 1, running: 0, waiting: 0, notRun: 1 });
    const md = formatComparison(compareRuns(older, newer), 'g.actiontree.jsonc: r1 → r2');
    assert.match(md, /## Slower \(1\)\n\n- `build`: 1\.00 s → 3\.00 s \(\+2\.00 s\)/);
    assert.match(md, /## Failed in the newer run \(1\)\n\n- `deploy`: exit code 2 \(new action\)/);
    assert.match(md, /- \*\*newer\*\* `r2`: failed in 5\.00 s — 4 succeeded · 1 failed · 1 skipped · 1 not run/);
  });
});
