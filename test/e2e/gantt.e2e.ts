import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { Workbench } from './harness';

// The whole loop in the real workbench: run a graph from the command palette, watch the
// Gantt panel draw every bar finished, click a bar, see that action's output. Screenshots
// in a dark and a light theme (test-results/screenshots/).

async function waitFinished(chart: FrameLocator, rows: number, timeoutMs = 60_000): Promise<void> {
  await chart.locator(`body[data-rows="${rows}"][data-finished="${rows}"][data-result="succeeded"]`).waitFor({ state: 'attached', timeout: timeoutMs });
}

for (const theme of ['dark', 'light'] as const) {
  describe(`gantt chart (${theme} theme)`, function () {
    let wb: Workbench;

    before(async () => {
      wb = await Workbench.open({ theme, viewport: { width: 1400, height: 860 } });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`gantt-failure-${theme}-${this.currentTest.title.slice(0, 40)}`);
    });

    after(async () => {
      await wb?.close();
    });

    it('runs a graph from the palette and draws every bar finished', async () => {
      await wb.openViewContainer('actiontree');
      await wb.treeRows('Graphs').filter({ hasText: 'build' }).first().waitFor({ state: 'visible' });
      // Two graphs in the workspace: the command asks which one.
      await wb.runCommandAndPick('ActionTree: Run Graph', 'build');
      await wb.runCommand('ActionTree: Show Gantt Chart');
      const chart = await wb.webviewFrame();
      await waitFinished(chart, 3);
      for (const id of ['lint', 'compile', 'test']) {
        const bars = chart.locator(`g.hit[data-action="${id}"] rect.bar.run.st-succeeded`);
        assert.ok((await bars.count()) >= 1, `a finished bar for ${id}`);
      }
      // Dependency arrows and the critical path are drawn.
      assert.ok((await chart.locator('path.dep').count()) >= 2);
      assert.ok((await chart.locator('rect.bar.crit').count()) >= 1);
      // The tree shows the final states too.
      const rows = wb.treeRows('Graphs');
      await rows.filter({ hasText: 'compile' }).locator('.codicon-pass').waitFor({ state: 'visible' });
      const shot = await wb.screenshot(`gantt-${theme}`);
      assert.ok(fs.statSync(shot).size > 20_000);
    });

    it("clicking a bar reveals that action's output", async () => {
      const chart = await wb.webviewFrame();
      await chart.locator('g.hit[data-action="compile"] rect.bar.run').first().click();
      // The Output panel shows the channel of that action with its output.
      const panel = wb.page.locator('.part.panel');
      await panel.waitFor({ state: 'visible' });
      await panel.locator('.view-lines', { hasText: 'compile ok' }).first().waitFor({ state: 'visible', timeout: 20_000 });
      await wb.page.locator('.part.panel .monaco-select-box, .part.panel [aria-label*="ActionTree: compile"]', {}).first().waitFor({ state: 'attached' });
      await wb.screenshot(`gantt-output-${theme}`);
      assert.deepEqual(wb.pageErrors, []);
    });

    it("clicking an action in the tree reveals its output", async () => {
      await wb.treeRows('Graphs').filter({ hasText: /^\s*lint/ }).first().click();
      await wb.page.locator('.part.panel .view-lines', { hasText: 'lint ok' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    });

    it('shows a tooltip and moves the selection with the keyboard', async () => {
      const chart = await wb.webviewFrame();
      await chart.locator('g.hit[data-action="lint"] rect.bar.run').first().hover();
      const tip = chart.locator('#tooltip');
      await tip.waitFor({ state: 'visible' });
      const text = await tip.innerText();
      assert.match(text, /^lint — succeeded/);
      assert.match(text, /exit code 0/);
      await chart.locator('#chart').focus();
      await chart.locator('#chart').press('Home');
      await chart.locator('rect.row-selected').waitFor({ state: 'attached' });
      await chart.locator('#chart').press('ArrowDown');
      await chart.locator('#live', { hasText: /^compile — succeeded/ }).waitFor({ state: 'attached' });
      await wb.screenshot(`gantt-tooltip-${theme}`);
    });

    it('draws a live run: running bar, now line, estimates from the previous run', async () => {
      // The gated fixture: "gate" runs until open.flag exists (no sleeps; the test opens it).
      const dir = path.join(wb.workspace, 'live');
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(__dirname, '..', 'integration', 'fixtures', 'run', 'gated.actiontree.jsonc'), path.join(dir, 'gated.actiontree.jsonc'));
      const flag = path.join(dir, 'open.flag');
      const chartFor = async (): Promise<FrameLocator> => wb.webviewFrame();
      // First run (flag present): finishes at once and gives the estimates.
      fs.writeFileSync(flag, '');
      await wb.runCommandAndPick('ActionTree: Run Graph', 'gated');
      await wb.runCommand('ActionTree: Show Gantt Chart');
      await waitFinished(await chartFor(), 3);
      // Second run: gate waits; the chart shows it running, a now line and estimated bars.
      fs.rmSync(flag);
      await wb.runCommandAndPick('ActionTree: Run Graph', 'gated');
      await wb.runCommand('ActionTree: Show Gantt Chart');
      const chart = await chartFor();
      await chart.locator('body[data-result="running"]').waitFor({ state: 'attached' });
      await chart.locator('g.hit[data-action="gate"] rect.bar.run.st-running').waitFor({ state: 'attached' });
      await chart.locator('line.now').waitFor({ state: 'attached' });
      assert.ok((await chart.locator('rect.bar.est').count()) >= 1, 'estimated bars for actions not run yet');
      await wb.screenshot(`gantt-live-${theme}`);
      fs.writeFileSync(flag, '');
      await waitFinished(chart, 3);
      assert.equal(await chart.locator('line.now').count(), 0, 'no now line once finished');
    });

    it('creates the example graph and charts its run (parallel bars, critical path)', async () => {
      await wb.runCommand('ActionTree: Create Example Graph');
      await wb.page.locator('.tab', { hasText: 'example.actiontree.jsonc' }).first().waitFor({ state: 'visible' });
      assert.ok(fs.existsSync(path.join(wb.workspace, 'example.actiontree.jsonc')));
      await wb.runCommand('ActionTree: Run Graph');
      // The example's editor is active: Run Graph runs it without asking.
      await wb.runCommand('ActionTree: Show Gantt Chart');
      const chart = await wb.webviewFrame();
      // 8 rows: test:unit is a matrix of 2 (SPEC §10), drawn as a group; db:server is a service.
      await waitFinished(chart, 8);
      assert.equal(await chart.locator('g.matrix-group[data-group="test:unit"]').count(), 1);
      assert.equal(await chart.locator('.label.crit').count() >= 3, true, 'a critical path of at least 3 actions');
      await wb.screenshot(`gantt-example-${theme}`);
    });

    // Once is enough: in the dark-theme window only, last (it reloads the window).
    if (theme === 'dark') {
      it('restores the chart after a window reload (panel serializer)', async () => {
        await wb.page.reload();
        // The web workbench may restore a slightly older layout: bring the Gantt tab forward.
        const tab = wb.page.locator('.tabs-container .tab', { hasText: 'Gantt:' }).first();
        await tab.waitFor({ state: 'visible', timeout: 60_000 });
        await tab.click();
        const chart = await wb.webviewFrame({ timeoutMs: 60_000 });
        try {
          await chart.locator('body[data-result="succeeded"]').waitFor({ state: 'attached', timeout: 30_000 });
        } catch (e) {
          throw new Error(`restored panel: ${await chart.locator('body').innerText()}\n${String(e)}`);
        }
        const body = chart.locator('body');
        const rows = Number(await body.getAttribute('data-rows'));
        assert.ok(rows >= 3, 'a whole run is drawn');
        assert.equal(Number(await body.getAttribute('data-finished')), rows, 'every bar finished');
        await wb.screenshot(`gantt-restored-${theme}`);
        // The tree shows the states of each graph's newest recorded run (replayed from events.jsonl).
        await wb.openViewContainer('actiontree');
        // Graphs that are not running start collapsed (issue 11, item 6): expand build.
        const buildRow = wb.treeRows('Graphs').filter({ hasText: /^\s*build/ }).first();
        await buildRow.waitFor({ state: 'visible' });
        if ((await buildRow.getAttribute('aria-expanded')) === 'false') await buildRow.locator('.monaco-tl-twistie').click();
        await wb.treeRows('Graphs').filter({ hasText: 'compile' }).locator('.codicon-pass').waitFor({ state: 'visible' });
        await wb.treeRows('Graphs').filter({ hasText: 'last run succeeded' }).first().waitFor({ state: 'visible' });
        // The new extension host has no live output: clicking a bar shows the run's log file.
        await chart.locator('g.hit rect.bar.run').first().click();
        await wb.page.locator('.part.panel .view-lines', { hasText: '(log of run' }).first().waitFor({ state: 'visible', timeout: 20_000 });
      });
    }
  });
}
