import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workbench } from './harness';

// SPEC §10 in the real workbench: a graph with a matrix action and a service. While the
// service serves (its dependent `itest` still runs), the tree shows its row as "serving";
// after the run the Gantt chart draws the service's serve bar and the matrix band.
// Screenshots (test-results/screenshots/): service-tree-<theme>.png, service-chart-<theme>.png.

const GRAPH = `{
  "version": 1,
  "name": "service-demo",
  "cpus": 4,
  "actions": {
    "build": { "command": "sleep 0.3; echo built" },
    "test": {
      "command": "sleep 0.4; echo \\"shard \${matrix.shard}\\"",
      "dependsOn": ["build"],
      "matrix": { "shard": ["1", "2"] }
    },
    "db": {
      "command": "echo 'starting the database'; sleep 0.3; echo 'listening on port 5432'; while :; do sleep 1; done",
      "service": { "readyWhen": { "logMatches": "listening on port" }, "readyTimeout": "20s" },
      "description": "A throwaway database server"
    },
    "itest": {
      "command": "echo 'integration tests'; sleep 4; echo '37 passing'",
      "dependsOn": ["build", "db"]
    },
    "package": { "command": "echo packed", "dependsOn": ["test", "itest"] }
  }
}
`;

interface Finished {
  readonly type: string;
  readonly action?: string;
  readonly time: number;
  readonly state?: string;
}

for (const theme of ['dark', 'light'] as const) {
  describe(`service and matrix in the tree and the chart (${theme} theme)`, function () {
    let wb: Workbench;
    let dir: string;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-e2e-service-'));
      fs.writeFileSync(path.join(dir, 'service.actiontree.jsonc'), GRAPH);
      wb = await Workbench.open({ workspace: dir, theme, viewport: { width: 1400, height: 860 } });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`service-failure-${theme}-${this.currentTest.title.slice(0, 40)}`);
    });

    after(async () => {
      await wb?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('shows the service serving in the tree, then its serve bar and the matrix band in the chart', async () => {
      await wb.openViewContainer('actiontree');
      const rows = wb.treeRows('Graphs');
      await rows.filter({ hasText: 'service-demo' }).first().waitFor({ state: 'visible' });
      await wb.runCommand('ActionTree: Run Graph');

      // While `itest` runs, the service's row says "serving …" (its description) with the broadcast icon.
      const dbRow = rows.filter({ hasText: /^\s*db/ }).first();
      await dbRow.filter({ hasText: /serving/ }).waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await dbRow.innerText()).replace(/\s+/g, ' '), /db.*serving/);
      assert.equal(await dbRow.locator('.codicon-broadcast').count(), 1, 'the serving icon on the service row');
      // The matrix action's expansions below it.
      const parent = rows.filter({ hasText: /^\s*test/ }).first();
      if ((await parent.getAttribute('aria-expanded')) === 'false') await parent.click();
      await rows.filter({ hasText: 'shard=1' }).first().waitFor({ state: 'visible', timeout: 20_000 });
      // Serving for a second or more (itest runs 4 s): the row's clock ticks.
      await dbRow.filter({ hasText: /serving [1-9]/ }).waitFor({ state: 'visible', timeout: 20_000 });
      const treeShot = await wb.screenshot(`service-tree-${theme}`);
      assert.ok(fs.statSync(treeShot).size > 20_000);

      await wb.runCommand('ActionTree: Show Gantt Chart');
      const chart = await wb.webviewFrame();
      // build + 2 expansions + db + itest + package, all finished.
      await chart.locator('body[data-rows="6"][data-finished="6"][data-result="succeeded"]').waitFor({ state: 'attached', timeout: 60_000 });
      const serve = chart.locator('g.hit[data-action="db"] rect.bar.serve.st-succeeded');
      assert.equal(await serve.count(), 1, 'the serve bar of the service');
      assert.equal(await chart.locator('g.hit[data-action="db"] rect.bar.run').count(), 1, 'its start-up bar');
      assert.equal(await chart.locator('g.matrix-group[data-group="test"] rect.group-band').count(), 1, 'the matrix band');
      for (const id of ['test[shard=1]', 'test[shard=2]']) {
        assert.equal(await chart.locator(`g.hit[data-action="${id}"] rect.bar.run.st-succeeded`).count(), 1, id);
      }
      // The critical path goes through the service's start-up and itest, not the service's stop.
      assert.equal(await chart.locator('g.hit.crit[data-action="itest"]').count(), 1, 'itest on the critical path');
      assert.equal(await chart.locator('g.hit.crit[data-action="db"]').count(), 1, 'db (up to its readiness) on the critical path');
      // The serve bar covers itest's run: from readiness to the service's stop.
      const sb = await serve.boundingBox();
      const ib = await chart.locator('g.hit[data-action="itest"] rect.bar.run').first().boundingBox();
      assert.ok(sb !== null && ib !== null);
      assert.ok(sb.x <= ib.x + 1 && sb.x + sb.width >= ib.x + ib.width - 1, `serve bar ${JSON.stringify(sb)} spans itest ${JSON.stringify(ib)}`);
      // The tree's final state of the service: succeeded (it was ready), no longer serving.
      await dbRow.locator('.codicon-pass').waitFor({ state: 'visible', timeout: 20_000 });
      const chartShot = await wb.screenshot(`service-chart-${theme}`);
      assert.ok(fs.statSync(chartShot).size > 20_000);

      // The service is stopped promptly once itest (its last dependent) is done (no grace-period wait).
      const runs = path.join(wb.workspace, '.actiontree', 'runs');
      const runDir = path.join(runs, fs.readdirSync(runs).sort().at(-1) as string);
      const events = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Finished);
      const end = (id: string): number => (events.find((e) => e.type === 'action-finished' && e.action === id) as Finished).time;
      console.log(`      db stopped ${(end('db') - end('itest')).toFixed(0)} ms after itest finished`);
      assert.deepEqual(wb.pageErrors, []);
    });
  });
}
