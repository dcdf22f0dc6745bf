import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finishedRunDirs, pruneRuns } from '../../src/runner/prune';
import { runGraphFile, tmpDir } from './helpers';

describe('run history pruning (runner/prune.ts)', function () {
  this.timeout(60_000);

  it('keeps the newest N runs of the graph, never another graph\'s, a run in progress or a foreign folder', async () => {
    const dir = tmpDir();
    const graph = path.join(dir, 'a.actiontree.jsonc');
    const other = path.join(dir, 'b.actiontree.jsonc');
    fs.writeFileSync(graph, '{ "version": 1, "actions": { "x": { "command": "true" } } }');
    fs.writeFileSync(other, '{ "version": 1, "actions": { "y": { "command": "true" } } }');
    const mine: string[] = [];
    for (let i = 0; i < 4; i++) mine.push((await runGraphFile(graph)).runDir);
    const theirs = (await runGraphFile(other)).runDir;
    const runs = path.dirname(theirs);
    const inProgress = path.join(runs, '29991231T235959.999Z-abcd');
    fs.mkdirSync(inProgress);
    fs.writeFileSync(path.join(inProgress, 'events.jsonl'), '');
    const foreign = path.join(runs, 'notes');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'report.json'), JSON.stringify({ graphFile: graph }));

    assert.deepEqual(await finishedRunDirs(graph), mine.slice().reverse());
    const r = await pruneRuns(graph, 2);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.removed.slice().sort(), mine.slice(0, 2).sort());
    for (const d of mine.slice(0, 2)) assert.equal(fs.existsSync(d), false);
    for (const d of [...mine.slice(2), theirs, inProgress, foreign]) assert.equal(fs.existsSync(d), true, d);
    assert.equal((await pruneRuns(graph, 0)).errors.length, 1, 'a bad keep value is refused, nothing removed');
    assert.equal(fs.existsSync(mine[2]!), true);
  });
});
