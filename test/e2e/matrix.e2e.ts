import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workbench } from './harness';

// SPEC §10 in the real workbench: a matrix graph runs; the tree shows the matrix action as a
// parent row with its expansions, the Gantt chart groups them in a band. Screenshots:
// test-results/screenshots/matrix-tree-dark.png, matrix-chart-dark.png.

const GRAPH = `{
  "version": 1,
  "name": "matrix-demo",
  "cpus": 4,
  "actions": {
    "build": { "command": "sleep 0.3; echo built" },
    "test": {
      "command": "sleep 0.4; echo \\"python \${matrix.python} on \${matrix.os}\\"",
      "dependsOn": ["build"],
      "matrix": { "python": ["3.11", "3.12"], "os": ["linux", "mac"] },
      "description": "tests on \${matrix.os}"
    },
    "report": { "command": "echo report", "dependsOn": ["test[os=linux]"] }
  }
}
`;

describe('matrix graph in the tree and the chart (dark theme)', function () {
  let wb: Workbench;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-e2e-matrix-'));
    fs.writeFileSync(path.join(dir, 'matrix.actiontree.jsonc'), GRAPH);
    wb = await Workbench.open({ workspace: dir, theme: 'dark', viewport: { width: 1400, height: 860 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`matrix-failure-${this.currentTest.title.slice(0, 40)}`);
  });

  after(async () => {
    await wb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the matrix; the tree groups the expansions under their action; the chart draws them in a band', async () => {
    await wb.openViewContainer('actiontree');
    const rows = wb.treeRows('Graphs');
    await rows.filter({ hasText: 'matrix-demo' }).first().waitFor({ state: 'visible' });
    await wb.runCommand('ActionTree: Run Graph');
    await wb.runCommand('ActionTree: Show Gantt Chart');
    const chart = await wb.webviewFrame();
    // 1 + 4 expansions + 1 rows, all finished.
    await chart.locator('body[data-rows="6"][data-finished="6"][data-result="succeeded"]').waitFor({ state: 'attached', timeout: 60_000 });
    const band = chart.locator('g.matrix-group[data-group="test"] rect.group-band');
    assert.equal(await band.count(), 1);
    for (const id of ['test[python=3.11,os=linux]', 'test[python=3.12,os=mac]']) {
      assert.equal(await chart.locator(`g.hit[data-action="${id}"] rect.bar.run.st-succeeded`).count(), 1, id);
    }
    // The tree: the matrix action's row with its expansions below it (expanded during the run).
    const parent = rows.filter({ hasText: /^\s*test/ }).first();
    await parent.waitFor({ state: 'visible' });
    if ((await parent.getAttribute('aria-expanded')) === 'false') await parent.click();
    for (const label of ['python=3.11,os=linux', 'python=3.11,os=mac', 'python=3.12,os=linux', 'python=3.12,os=mac']) {
      await rows.filter({ hasText: label }).locator('.codicon-pass').first().waitFor({ state: 'visible', timeout: 20_000 });
    }
    await rows.filter({ hasText: '4 expansions · 4 succeeded' }).first().waitFor({ state: 'visible' });
    const treeShot = await wb.screenshot('matrix-tree-dark');
    assert.ok(fs.statSync(treeShot).size > 20_000);
    assert.deepEqual(wb.pageErrors, []);
  });
});
