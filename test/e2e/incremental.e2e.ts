import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workbench } from './harness';

// Issue 9 "Must show": the tree and the Gantt chart after a partly skipped run (up-to-date
// actions), in a dark and a light theme (test-results/screenshots/incremental-*.png).

const sleep = (ms: number): string[] => ['node', '-e', `setTimeout(() => require('fs').writeFileSync(process.argv[1], String(Date.now())), ${ms})`];

function graph(): string {
  const act = (ms: number, out: string, extra: Record<string, unknown>): Record<string, unknown> => ({ command: [...sleep(ms), out], outputs: [out], ...extra });
  return JSON.stringify(
    {
      version: 1,
      name: 'incremental',
      cpus: 2,
      actions: {
        fetch: act(700, 'fetch.out', { inputs: ['data.txt'], description: 'Download the data set' }),
        docs: act(500, 'docs.out', { inputs: ['docs.md'] }),
        compile: act(900, 'compile.out', { dependsOn: ['fetch'], inputs: ['src.txt'] }),
        lint: act(400, 'lint.out', { inputs: ['src.txt'] }),
        test: act(800, 'test.out', { dependsOn: ['compile'], inputs: [] }),
        package: { command: sleep(500).concat('package.out'), dependsOn: ['test', 'docs'] },
      },
    },
    null,
    2,
  );
}

for (const theme of ['dark', 'light'] as const) {
  describe(`incremental run in the tree and chart (${theme} theme)`, function () {
    let wb: Workbench;

    before(async () => {
      wb = await Workbench.open({ theme, viewport: { width: 1400, height: 860 } });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`incremental-failure-${theme}`);
    });

    after(async () => {
      await wb?.close();
    });

    it('marks up-to-date actions as skipped in the tree and the chart (distinct from succeeded)', async () => {
      const dir = path.join(wb.workspace, 'inc');
      fs.mkdirSync(dir, { recursive: true });
      for (const [f, t] of [['data.txt', 'rows\n'], ['docs.md', '# docs\n'], ['src.txt', 'v1\n']] as const) fs.writeFileSync(path.join(dir, f), t);
      fs.writeFileSync(path.join(dir, 'incremental.actiontree.jsonc'), graph());
      await wb.openViewContainer('actiontree');
      await wb.treeRows('Graphs').filter({ hasText: 'incremental' }).first().waitFor({ state: 'visible', timeout: 30_000 });

      const runAndChart = async (): Promise<void> => {
        await wb.runCommandAndPick('ActionTree: Run Graph', 'incremental');
        await wb.runCommand('ActionTree: Show Gantt Chart');
        const chart = await wb.webviewFrame();
        await chart.locator('body[data-rows="6"][data-finished="6"][data-result="succeeded"]').waitFor({ state: 'attached', timeout: 60_000 });
      };
      await runAndChart();
      // Change the sources: compile, lint, test run again; fetch and docs are up to date;
      // package declares no inputs and always runs.
      fs.writeFileSync(path.join(dir, 'src.txt'), 'v2\n');
      await runAndChart();

      const chart = await wb.webviewFrame();
      for (const id of ['fetch', 'docs']) {
        await chart.locator(`g.hit[data-action="${id}"] rect.bar.skip`).waitFor({ state: 'attached' });
        assert.equal(await chart.locator(`g.hit[data-action="${id}"] rect.bar.run`).count(), 0, `${id} has no run bar`);
      }
      for (const id of ['compile', 'lint', 'test', 'package']) {
        assert.ok((await chart.locator(`g.hit[data-action="${id}"] rect.bar.run.st-succeeded`).count()) >= 1, `${id} ran`);
      }
      // The legend names the mark; the tooltip says why it did not run.
      await chart.locator('.legend-item', { hasText: 'skipped (up to date)' }).waitFor({ state: 'attached' });
      await chart.locator('g.hit[data-action="fetch"] rect.bar.skip').hover();
      const tip = chart.locator('#tooltip');
      await tip.waitFor({ state: 'visible' });
      assert.match(await tip.innerText(), /^fetch — skipped: up to date[\s\S]*not run: up to date/);

      // The tree: its own icon and "up to date" for the skipped ones.
      const rows = wb.treeRows('Graphs');
      for (const id of ['fetch', 'docs']) {
        const row = rows.filter({ hasText: new RegExp(`^\\s*${id}`) }).first();
        await row.locator('.codicon-debug-step-over').waitFor({ state: 'visible' });
        assert.match(await row.innerText(), /up to date/);
      }
      // (The workspace has another graph with a "compile" action: match the one with a duration.)
      await rows.filter({ hasText: /^\s*compile\s*[\d.]+ m?s/ }).first().locator('.codicon-pass').waitFor({ state: 'visible' });
      // Move the pointer off the chart so the screenshot shows the whole chart.
      await wb.page.mouse.move(5, 5);
      await chart.locator('#tooltip').waitFor({ state: 'hidden' }).catch(() => undefined);
      const shot = await wb.screenshot(`incremental-${theme}`);
      assert.ok(fs.statSync(shot).size > 20_000);
      assert.deepEqual(wb.pageErrors, []);
    });
  });
}
