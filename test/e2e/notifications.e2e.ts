import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { REPO_ROOT } from '../vscode/codeServer';
import { Workbench } from './harness';

// The packaged .vsix installed as a user installs it, in a workbench started WITHOUT the
// smoke-test driver (which hides every notification), so the progress and failure toasts
// show and are screenshot (issue 11, item 11). Also: failure toasts of a graph replace each
// other (item 10) and the canceled color is clearly visible in the light theme (item 10).

const FIXTURE = path.join(__dirname, 'fixtures', 'editor');

function toasts(wb: Workbench, text: string | RegExp): Locator {
  return wb.page.locator('.notifications-toasts .notification-toast-container', { hasText: text });
}

/** WCAG contrast ratio of two `rgb(r, g, b)` colors. */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

describe('packaged .vsix with notifications shown (no smoke-test driver)', function () {
  let wb: Workbench;
  let tmp: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-vsix-notif-'));
    const vsix = path.join(tmp, 'actiontree.vsix');
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'check-vsix.mjs'), '--out', vsix], { encoding: 'utf8' });
    assert.ok(fs.existsSync(vsix), `vsce package produced no .vsix:\n${r.stdout}${r.stderr}`);
    wb = await Workbench.open({ vsix, notifications: true, workspace: FIXTURE, theme: 'light', viewport: { width: 1400, height: 860 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`notifications-failure-${this.currentTest.title.slice(0, 40)}`);
  });

  after(async () => {
    if (wb) fs.writeFileSync(path.join(wb.workspace, 'cpu', 'go.flag'), '');
    await wb?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is a plain workbench: the installed extension, not a development host', async () => {
    assert.doesNotMatch(await wb.page.title(), /Extension Development Host/);
    await wb.openViewContainer('actiontree');
    await wb.treeRows('Graphs').filter({ hasText: 'cpu' }).first().waitFor({ state: 'visible', timeout: 60_000 });
  });

  it('shows the progress notification of a run (cancellable, with counts)', async () => {
    fs.rmSync(path.join(wb.workspace, 'cpu', 'go.flag'), { force: true });
    await wb.runCommandAndPick('ActionTree: Run Graph', 'cpu');
    const progress = toasts(wb, 'ActionTree: cpu.actiontree.jsonc');
    await progress.first().waitFor({ state: 'visible', timeout: 30_000 });
    await progress.filter({ hasText: /running/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('notifications-progress-light');
  });

  it('the canceled color is clearly visible in the light theme (contrast ≥ 4.5 against the background)', async () => {
    await wb.runCommand('ActionTree: Show Gantt Chart');
    const chart = await wb.webviewFrame();
    await chart.locator('g.hit[data-action="hog"] rect.bar.run').first().waitFor({ state: 'attached', timeout: 30_000 });
    await wb.runCommand('ActionTree: Cancel Run');
    const bar = chart.locator('rect.bar.run.st-canceled').first();
    await bar.waitFor({ state: 'attached', timeout: 30_000 });
    const fill = await bar.evaluate((el) => getComputedStyle(el).fill);
    const bg = await chart.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
    const ratio = contrast(fill, bg);
    assert.ok(ratio >= 4.5, `canceled ${fill} on ${bg}: contrast ${ratio.toFixed(2)}`);
    await toasts(wb, 'was canceled').first().waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('notifications-canceled-light');
  });

  it('shows a failure toast with the counts, and a second failure of the graph replaces it', async () => {
    for (let i = 0; i < 2; i++) {
      await wb.runCommandAndPick('ActionTree: Run Graph', 'fail');
      await wb.page.locator('.statusbar-item', { hasText: '2 succeeded · 1 failed · 2 not run' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    }
    const failure = toasts(wb, 'ActionTree: fail.actiontree.jsonc failed (bad) — 2 succeeded · 1 failed · 2 not run.');
    await failure.first().waitFor({ state: 'visible', timeout: 30_000 });
    await wb.page.waitForTimeout(1000);
    assert.equal(await failure.count(), 1, 'one toast for two equal failures');
    assert.ok((await failure.first().locator('.monaco-button', { hasText: 'Show Output' }).count()) >= 1);
    await wb.screenshot('notifications-failure-light');
  });
});
