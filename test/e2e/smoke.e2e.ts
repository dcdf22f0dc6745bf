import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Workbench } from './harness';

describe('workbench smoke', function () {
  let wb: Workbench;

  before(async () => {
    wb = await Workbench.open({ theme: 'dark' });
  });

  after(async () => {
    await wb?.close();
  });

  it('opens the fixture workspace in the Extension Development Host', async () => {
    assert.match(await wb.page.title(), /\[Extension Development Host\] workspace/);
    await wb.page.locator('.part.sidebar .monaco-list-row', { hasText: 'build.actiontree.jsonc' }).waitFor({ state: 'visible' });
  });

  it('shows the ActionTree view container and its Graphs view', async () => {
    const item = wb.activityBarItem('actiontree');
    await item.waitFor({ state: 'visible' });
    assert.equal(await item.getAttribute('aria-label'), 'ActionTree');
    await wb.openViewContainer('actiontree');
    await wb.view('Graphs').locator('.pane-body').waitFor({ state: 'visible' });
    assert.match(await wb.sideBarTitle().innerText(), /ActionTree/i);
    // Two views in the container (Graphs and Run History): each has its own header.
    await wb.view('Run History').waitFor({ state: 'visible' });
    const shot = await wb.screenshot('smoke-actiontree-dark');
    assert.ok(fs.statSync(shot).size > 10_000, 'the screenshot has content');
  });

  it('switches to the light theme', async () => {
    await wb.setTheme('light');
    const bg = await wb.page.locator('.part.sidebar').evaluate((e) => getComputedStyle(e).backgroundColor);
    // Default Light Modern's side bar is near white; the dark one near black.
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    assert.ok(r! > 200 && g! > 200 && b! > 200, `light side bar background, got ${bg}`);
    await wb.screenshot('smoke-actiontree-light');
  });

  it('runs a built-in command from the palette', async () => {
    await wb.runCommand('View: Toggle Panel Visibility');
    await wb.page.locator('.part.panel').waitFor({ state: 'visible' });
    assert.deepEqual(wb.pageErrors, []);
  });
});

describe('workbench smoke, untrusted workspace', function () {
  let wb: Workbench;

  before(async () => {
    wb = await Workbench.open({ trusted: false });
  });

  after(async () => {
    await wb?.close();
  });

  it('opens the folder in Restricted Mode with no trust prompt, extension loaded', async () => {
    await wb.page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).waitFor({ state: 'visible' });
    assert.equal(await wb.page.locator('.monaco-dialog-box').count(), 0, 'no modal trust dialog');
    await wb.openViewContainer('actiontree');
    await wb.view('Graphs').locator('.pane-body').waitFor({ state: 'visible' });
    await wb.screenshot('smoke-untrusted');
  });
});
