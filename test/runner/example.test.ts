import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_GRAPH } from '../../src/extension/example';
import { markedEnv, peakUsage, repoRoot, runGraphFile, tmpDir } from './helpers';

describe('examples/release.actiontree.jsonc (the quick-start demo)', function () {
  this.timeout(60_000);

  it('runs green with one retried flake, the db used by one action at a time, within the CPU slots', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'release.actiontree.jsonc');
    fs.copyFileSync(path.join(repoRoot, 'examples', 'release.actiontree.jsonc'), file);
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    assert.equal(Object.keys(report.actions).length, 12);
    const flaky = report.actions['test:integration']!;
    assert.equal(flaky.attempts, 2);
    assert.equal(flaky.attemptDetails[0]!.reason, 'exit code 1');
    assert.equal(peakUsage(report, (id) => report.actions[id]!.resources['db'] ?? 0), 1);
    assert.ok(peakUsage(report, (id) => report.actions[id]!.cpus) <= 3);
    assert.ok(peakUsage(report, () => 1) >= 2, 'branches run in parallel');
    const wall = report.finishedAt - report.startedAt;
    assert.ok(wall < 15_000, `the demo takes a few seconds (${wall} ms)`);
  });
});

describe('the "Create Example Graph" graph (src/extension/example.ts)', function () {
  this.timeout(60_000);

  it('uses POSIX shell commands and runs green without node on PATH', async () => {
    assert.doesNotMatch(EXAMPLE_GRAPH, /"node"|node -e/);
    const dir = tmpDir();
    const file = path.join(dir, 'example.actiontree.jsonc');
    fs.writeFileSync(file, EXAMPLE_GRAPH);
    // PATH holds only `sleep` (echo is a shell builtin): no node anywhere on it.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const sleep = ['/usr/bin/sleep', '/bin/sleep'].find((p) => fs.existsSync(p))!;
    fs.symlinkSync(sleep, path.join(bin, 'sleep'));
    const { report } = await runGraphFile(file, { env: { ...markedEnv, PATH: bin } });
    assert.equal(report.result, 'succeeded', JSON.stringify(report.actions, null, 1).slice(0, 2000));
    // 8: test:unit is a matrix of 2 expansions (SPEC §10).
    assert.equal(Object.keys(report.actions).length, 8);
    // The service (SPEC §10) served test:db, then was stopped.
    const db = report.actions['db:server']!;
    assert.equal(db.state, 'succeeded');
    assert.equal(db.reason, 'stopped after its dependents finished');
    const t = report.actions['test:db']!;
    assert.ok(db.servingAt != null && t.startedAt! >= db.servingAt && t.finishedAt! <= db.finishedAt!);
  });
});
