import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { Workbench } from './harness';

// Issue 11 in the real workbench: why actions wait (tree rows, tooltips that survive a run,
// the chart's waiting bar), the tree following the running graph, the Gantt panel following
// a new run of another graph, counts that add up, completion that opens by itself, and the
// run history. Screenshots in both themes (test-results/screenshots/editor-*.png).

const FIXTURE = path.join(__dirname, 'fixtures', 'editor');

async function runGraph(wb: Workbench, name: string): Promise<void> {
  // A hover left open by the previous step (a tab's title, a tree row) made the command
  // palette's input "inert" once in CI: move away, dismiss it, and wait until it is gone.
  await wb.page.mouse.move(700, 820);
  await wb.page.keyboard.press('Escape');
  await wb.page.locator('.monaco-hover:visible, .workbench-hover:visible').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  await wb.runCommandAndPick('ActionTree: Run Graph', name);
}

/** The visible hover widget (tree tooltips are shown by the workbench's hover service). */
function hoverWidget(wb: Workbench): Locator {
  return wb.page.locator('.monaco-hover:visible, .workbench-hover:visible').first();
}

function statusItem(wb: Workbench): Locator {
  return wb.page.locator('.statusbar-item', { hasText: 'ActionTree:' }).first();
}

for (const theme of ['dark', 'light'] as const) {
  describe(`issue 11 editor experience (${theme} theme)`, function () {
    let wb: Workbench;
    let cpuDir: string;

    before(async () => {
      wb = await Workbench.open({ workspace: FIXTURE, theme, viewport: { width: 1400, height: 860 } });
      cpuDir = path.join(wb.workspace, 'cpu');
      fs.rmSync(path.join(cpuDir, 'go.flag'), { force: true });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`editor-failure-${theme}-${this.currentTest.title.slice(0, 40)}`);
    });

    after(async () => {
      if (cpuDir) fs.writeFileSync(path.join(cpuDir, 'go.flag'), '');
      await wb?.close();
    });

    it('item 1 + 6: the running graph is expanded, the others collapsed; rows say why they wait; a tooltip survives the run', async () => {
      await wb.openViewContainer('actiontree');
      await wb.setSideBarWidth(520);
      const rows = wb.treeRows('Graphs');
      await rows.filter({ hasText: 'big' }).first().waitFor({ state: 'visible' });
      await runGraph(wb, 'cpu');
      // Screenshot first (also for "before" runs against an older build), then assert.
      await rows.filter({ hasText: /^\s*hog/ }).locator('.codicon-sync').first().waitFor({ state: 'visible', timeout: 30_000 });
      await wb.page.waitForTimeout(2000);
      await wb.screenshot(`editor-tree-waiting-${theme}`);
      const next = rows.filter({ hasText: /^\s*next/ }).first();
      await next.locator('.label-description', { hasText: /waiting for a CPU slot \(2 of 2 in use\) · \d+ s/ }).waitFor({ state: 'visible', timeout: 30_000 });
      await rows.filter({ hasText: /^\s*seed/ }).locator('.label-description', { hasText: /waiting for db \(held by migrate\)/ }).waitFor({ state: 'visible' });
      await rows.filter({ hasText: /^\s*report/ }).locator('.label-description', { hasText: /waiting for 'seed'/ }).waitFor({ state: 'visible' });
      // Item 6: the big graph's 30 rows are collapsed (its actions are not listed).
      assert.equal(await rows.filter({ hasText: /^\s*step0\d/ }).count(), 0, 'the big graph is collapsed');
      // A tooltip stays open while the run goes on: rows that did not change are not redrawn
      // (before: every row was redrawn every second, closing any tooltip). The waiting rows'
      // tooltips carry the same reason as their text (checked in the integration tests).
      // A full redraw while the hover waits to open (VS Code asks the task provider for tasks
      // during the run; its rescan used to redraw the whole tree) also lost the hover.
      const tip = hoverWidget(wb);
      await rows.filter({ hasText: /^\s*cpu/ }).first().locator('.label-name').hover();
      await tip.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await tip.innerText(), /cpu\.actiontree\.jsonc/);
      await wb.page.waitForTimeout(3500);
      assert.ok(await tip.isVisible(), 'the tooltip survived 3.5 s of a live run');
      await wb.screenshot(`editor-tree-tooltip-${theme}`);
    });

    it("item 1: the chart's waiting bar tells the same reason", async () => {
      try {
        await wb.runCommand('ActionTree: Show Gantt Chart');
        const chart = await wb.webviewFrame();
        const bar = chart.locator('g.hit[data-action="next"] rect.bar.wait').first();
        await bar.waitFor({ state: 'attached', timeout: 30_000 });
        // The live chart redraws 4 times a second: move the mouse to the bar's place rather
        // than waiting for the element to be "stable".
        const tip = chart.locator('#tooltip');
        for (let i = 0; i < 20 && !(await tip.isVisible()); i++) {
          const box = await bar.boundingBox();
          if (box) await wb.page.mouse.move(box.x + Math.min(40, box.width / 2), box.y + box.height / 2, { steps: 2 });
          await wb.page.waitForTimeout(250);
        }
        await tip.waitFor({ state: 'visible' });
        await wb.screenshot(`editor-chart-waiting-${theme}`);
        assert.match(await tip.innerText(), /waiting for a CPU slot \(2 of 2 in use\)/);
      } finally {
        fs.writeFileSync(path.join(cpuDir, 'go.flag'), '');
      }
      const chart = await wb.webviewFrame();
      await chart.locator('body[data-result="succeeded"]').waitFor({ state: 'attached', timeout: 30_000 });
    });

    it('item 5 + 7: the open chart follows a run of another graph; counts add up in the header and the status bar', async () => {
      await runGraph(wb, 'fail');
      await wb.page.locator('.statusbar-item', { hasText: /failed|not run/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await wb.page.mouse.move(700, 600);
      await wb.page.waitForTimeout(1500);
      await wb.screenshot(`editor-follow-counts-${theme}`);
      await wb.page.locator('.tabs-container .tab', { hasText: 'Gantt: fail.actiontree.jsonc' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      const chart = await wb.webviewFrame();
      await chart.locator('body[data-result="failed"]').waitFor({ state: 'attached', timeout: 30_000 });
      assert.match(await chart.locator('#summary').innerText(), /failed · 2 succeeded · 1 failed · 2 not run/);
      await statusItem(wb).filter({ hasText: '2 succeeded · 1 failed · 2 not run' }).waitFor({ state: 'visible', timeout: 20_000 });
    });

    it('run history: past runs per graph with result, duration and counts', async () => {
      await runGraph(wb, 'fail');
      await wb.page.waitForTimeout(3000);
      const history = wb.view('Run History');
      if (!(await history.count())) await wb.screenshot(`editor-history-${theme}`);
      if (!(await history.locator('.pane-body').isVisible())) await history.locator('.pane-header').click();
      const graphRow = history.locator('.monaco-list-row', { hasText: 'fail' }).first();
      await graphRow.waitFor({ state: 'visible', timeout: 20_000 });
      await graphRow.click();
      const runRows = history.locator('.monaco-list-row', { hasText: /failed · .* · 2 succeeded · 1 failed · 2 not run/ });
      await runRows.nth(1).waitFor({ state: 'visible', timeout: 20_000 });
      assert.ok((await runRows.count()) >= 2, 'both runs of the graph are listed');
      await wb.page.mouse.move(700, 600);
      await wb.screenshot(`editor-history-${theme}`);
      // Clicking a past run opens its chart.
      await runRows.nth(1).click();
      const chart = await wb.webviewFrame();
      await chart.locator('body[data-result="failed"]').waitFor({ state: 'attached', timeout: 20_000 });
    });

    if (theme === 'dark') {
      it('item 9: completion opens by itself after typing " in a fresh dependsOn: [', async () => {
        await wb.runCommand('Go to File...');
        const input = wb.page.locator('.quick-input-widget .quick-input-box input');
        await input.fill('build.actiontree.jsonc');
        await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'build.actiontree.jsonc' }).first().click();
        const editor = wb.page.locator('.editor-instance .monaco-editor').first();
        await editor.waitFor({ state: 'visible' });
        // The language server has the document (its code lenses are drawn) before typing.
        await wb.page.locator('.editor-instance .codelens-decoration', { hasText: 'Run with dependencies' }).first().waitFor({ state: 'visible', timeout: 60_000 });
        // Put the cursor after `"description": "Check the sources"` of lint and add a dependsOn.
        await wb.page.locator('.editor-instance .view-lines').first().click();
        await wb.page.keyboard.press('Control+f');
        await wb.page.keyboard.type('"Check the sources"');
        await wb.page.keyboard.press('Escape');
        await wb.page.keyboard.press('End');
        await wb.page.keyboard.press('ArrowLeft'); // before the closing brace: `... }`
        await wb.page.keyboard.press('ArrowLeft');
        // Typed as a person types (60 ms a key). With VS Code's default `quickSuggestions`
        // (strings: off) no list opens here; the extension's configurationDefaults turn it on
        // for graph files (checked against both settings while fixing issue 11, item 9).
        await wb.page.keyboard.type(', "dependsOn": [', { delay: 60 });
        // Under load the keys above land late, and the `"` and `:` in them are trigger
        // characters too: the property-name completion they open may still be on screen (or
        // its request in flight) when the `"` under test is typed, and then no list opened for
        // that `"` (4 of 16 tries with two e2e runs in parallel; 0 of 16 after this). So: wait
        // until the editor shows every key typed so far, close that earlier list, and only
        // then type the `"` whose completion must open by itself.
        await wb.page.locator('.editor-instance .view-line', { hasText: /"dependsOn":\s\[\]/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
        await wb.page.keyboard.press('Escape');
        await wb.page.locator('.suggest-widget.visible').waitFor({ state: 'hidden', timeout: 30_000 });
        await wb.page.keyboard.type('"', { delay: 60 });
        const suggest = wb.page.locator('.suggest-widget.visible .monaco-list-row', { hasText: 'compile' }).first();
        await suggest.waitFor({ state: 'visible', timeout: 60_000 });
        // "compile" depends on lint: it would close a cycle, and says so on its line.
        await wb.page.locator('.suggest-widget.visible .monaco-list-row', { hasText: 'would close a cycle' }).first().waitFor({ state: 'visible' });
        await wb.screenshot(`editor-completion-${theme}`);
        await wb.page.keyboard.press('Escape');
        await wb.runCommand('File: Revert File');
      });
    }
  });
}
