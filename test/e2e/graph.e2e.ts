import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { Workbench } from './harness';

// The graph view in the real workbench: the example graph laid out and colored live while
// it runs, hover tooltip, click -> closure highlight + output; a 500-action graph laid out
// and run. Screenshots in a dark and a light theme (test-results/screenshots/graph-*.png).

const ROOT = path.resolve(__dirname, '..', '..');

/** A seeded layered graph: `n` actions in layers of `width`, each depending on 1-2 of the layer before. */
function bigGraph(n: number, width: number): string {
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const actions: Record<string, { command: string; dependsOn?: string[] }> = {};
  const id = (i: number): string => `pkg${String(Math.floor(i / width)).padStart(2, '0')}/step:${i % width}`;
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const deps = new Set<string>();
    if (layer > 0) {
      const k = 1 + Math.floor(rand() * 2);
      for (let j = 0; j < k; j++) deps.add(id((layer - 1) * width + Math.floor(rand() * width)));
    }
    actions[id(i)] = deps.size ? { command: 'true', dependsOn: [...deps] } : { command: 'true' };
  }
  return JSON.stringify({ version: 1, name: 'big', cpus: 8, actions }, null, 1);
}

async function showGraph(wb: Workbench, name: string): Promise<FrameLocator> {
  await wb.runCommandAndPick('ActionTree: Show Graph View', name);
  // The machine this runs on is loaded: laying out 500 actions may keep the webview busy.
  return wb.webviewFrame({ timeoutMs: 180_000 });
}

for (const theme of ['dark', 'light'] as const) {
  describe(`graph view (${theme} theme)`, function () {
    this.timeout(300_000);
    let wb: Workbench;
    let wsDir: string;

    before(async () => {
      wsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-graph-ws-'));
      const ws = path.join(wsDir, 'graphs');
      fs.mkdirSync(ws);
      fs.copyFileSync(path.join(ROOT, 'examples', 'release.actiontree.jsonc'), path.join(ws, 'release.actiontree.jsonc'));
      fs.writeFileSync(path.join(ws, 'big.actiontree.jsonc'), bigGraph(500, 25));
      fs.mkdirSync(path.join(ws, 'live'));
      fs.copyFileSync(path.join(ROOT, 'test', 'integration', 'fixtures', 'run', 'gated.actiontree.jsonc'), path.join(ws, 'live', 'gated.actiontree.jsonc'));
      wb = await Workbench.open({ theme, workspace: ws, viewport: { width: 1400, height: 860 } });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`graph-failure-${theme}-${this.currentTest.title.slice(0, 40)}`);
    });

    after(async () => {
      await wb?.close();
      fs.rmSync(wsDir, { recursive: true, force: true });
    });

    it('lays out the example graph and colors it live from the run', async () => {
      await wb.openViewContainer('actiontree');
      await wb.treeRows('Graphs').filter({ hasText: 'big' }).first().waitFor({ state: 'visible' });
      const view = await showGraph(wb, 'release');
      await view.locator('body[data-drawn="11"]').waitFor({ state: 'attached', timeout: 60_000 });
      assert.equal(await view.locator('g.node').count(), 11);
      assert.equal(await view.locator('path.edge').count(), 14);
      await wb.screenshot(`graph-example-idle-${theme}`);
      await wb.runCommandAndPick('ActionTree: Run Graph', 'release');
      // Live: something runs, then everything is done (colors from the run state).
      await view.locator('g.node.st-running, g.node.st-succeeded').first().waitFor({ state: 'attached', timeout: 60_000 });
      await wb.screenshot(`graph-example-live-${theme}`);
      // 12 finished: the chart counts the 2 expansions of test:unit; the view keeps 11 nodes.
      await view.locator('body[data-result="succeeded"][data-finished="12"]').waitFor({ state: 'attached', timeout: 90_000 });
      assert.equal(await view.locator('g.node.st-succeeded').count(), 11);
      await wb.screenshot(`graph-example-done-${theme}`);
    });

    it('hover shows the chart tooltip; click highlights the dependency closure and reveals the output', async () => {
      const view = await wb.webviewFrame();
      await view.locator('g.node[data-action="package"]').hover({ timeout: 90_000 });
      const tip = view.locator('#tooltip');
      await tip.waitFor({ state: 'visible' });
      const text = await tip.innerText();
      assert.match(text, /^package — succeeded/);
      assert.match(text, /exit code 0/);
      await view.locator('g.node[data-action="package"]').click({ timeout: 90_000 });
      await view.locator('svg.graph.has-selection g.node.selected[data-action="package"]').waitFor({ state: 'attached' });
      const inClosure = await view.locator('g.node.in-closure').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')).sort());
      assert.deepEqual(inClosure, ['build:app', 'build:docs', 'db:migrate', 'install', 'lint', 'package', 'test:integration', 'test:unit', 'typecheck']);
      const panel = wb.page.locator('.part.panel');
      await panel.waitFor({ state: 'visible' });
      await wb.screenshot(`graph-example-selected-${theme}`);
      assert.deepEqual(wb.pageErrors, []);
    });

    it('shows a run in progress: running and pending colors, then done', async () => {
      // The gated fixture: "gate" runs until live/open.flag exists (no sleeps; the test opens it).
      const view = await showGraph(wb, 'gated');
      await view.locator('body[data-drawn="3"]').waitFor({ state: 'attached', timeout: 60_000 });
      await wb.runCommandAndPick('ActionTree: Run Graph', 'gated');
      await view.locator('g.node.st-running[data-action="gate"]').waitFor({ state: 'attached', timeout: 60_000 });
      await view.locator('g.node.st-pending[data-action="after"]').waitFor({ state: 'attached' });
      assert.match(await view.locator('#summary').innerText(), /run: .*1 running/);
      await wb.screenshot(`graph-live-running-${theme}`);
      fs.writeFileSync(path.join(wb.workspace, 'live', 'open.flag'), '');
      await view.locator('body[data-result="succeeded"][data-finished="3"]').waitFor({ state: 'attached', timeout: 60_000 });
      fs.rmSync(path.join(wb.workspace, 'live', 'open.flag'));
    });

    it('lays out and runs a 500-action graph', async function () {
      this.timeout(900_000);
      const view = await showGraph(wb, 'big');
      await view.locator('body[data-drawn="500"]').waitFor({ state: 'attached', timeout: 180_000 });
      await wb.screenshot(`graph-500-${theme}`);
      await wb.runCommandAndPick('ActionTree: Run Graph', 'big');
      await view.locator('body[data-result="succeeded"][data-finished="500"]').waitFor({ state: 'attached', timeout: 180_000 });
      assert.equal(await view.locator('g.node.st-succeeded').count(), 500);
      // Zoom in on the start of the graph so the colors are visible in the screenshot.
      await view.locator('#canvas').focus();
      for (let i = 0; i < 10; i++) await view.locator('#canvas').press('+');
      await wb.screenshot(`graph-500-done-${theme}`);
      assert.deepEqual(wb.pageErrors, []);
    });
  });
}
