import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../vscode/codeServer';
import { Workbench } from './harness';

// The packaged extension (what users install): `vsce package` through scripts/check-vsix.mjs,
// installed into code-server with --install-extension, no extensionDevelopmentPath.
describe('packaged .vsix', function () {
  let wb: Workbench;
  let tmp: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-vsix-e2e-'));
    const vsix = path.join(tmp, 'actiontree.vsix');
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'check-vsix.mjs'), '--out', vsix], { encoding: 'utf8' });
    assert.ok(fs.existsSync(vsix), `vsce package produced no .vsix:\n${r.stdout}${r.stderr}`);
    wb = await Workbench.open({ vsix, theme: 'light' });
  });

  after(async () => {
    await wb?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs as an installed extension, not a development one', async () => {
    const title = await wb.page.title();
    assert.doesNotMatch(title, /Extension Development Host/);
    assert.match(title, /workspace/);
  });

  it('contributes the ActionTree view container and Graphs view', async () => {
    await wb.openViewContainer('actiontree');
    await wb.view('Graphs').locator('.pane-body').waitFor({ state: 'visible' });
    assert.match(await wb.sideBarTitle().innerText(), /ActionTree/i);
    await wb.view('Run History').waitFor({ state: 'visible' });
  });

  it('opens *.actiontree.jsonc in the ActionTree language with its bundled language server', async () => {
    await wb.runCommand('Go to File...');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('build.actiontree.jsonc');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'build.actiontree.jsonc' }).first().click();
    await wb.page.locator('.editor-instance .monaco-editor').first().waitFor({ state: 'visible' });
    // Status bar language indicator shows the language's name.
    await wb.page.locator('.statusbar-item#status\\.editor\\.mode', { hasText: 'ActionTree' }).waitFor({ state: 'visible' });
    // The bundled language server answers: a stray token at the end is a syntax error.
    const problems = wb.page.locator('.statusbar-item#status\\.problems');
    assert.match((await problems.getAttribute('aria-label')) ?? '', /No Problems|Errors: 0/i);
    await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.type('oops');
    await wb.page.locator('.statusbar-item#status\\.problems[aria-label*="Errors: 1"]').waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('packaged-light');
  });
});
