/**
 * UI end-to-end harness: the ActionTree extension in a real VS Code workbench (code-server)
 * driven by playwright-core in headless Debian Chromium. See docs/testing.md.
 *
 *   const wb = await Workbench.open();              // fixture workspace, extension from source
 *   await wb.runCommand('ActionTree: Run Graph');
 *   const chart = await wb.webviewFrame();
 *   await wb.screenshot('gantt-dark');
 *   await wb.close();
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { REPO_ROOT, launchBrowser, startCodeServer, withDeadline, type BrowserSession, type CodeServer } from '../vscode/codeServer';

export const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'integration', 'fixtures', 'workspace');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');
/**
 * The extension under test (unpackaged). ACTIONTREE_E2E_EXTENSION points at another built
 * checkout, e.g. an older commit for "before" screenshots.
 */
export const EXTENSION_PATH = process.env['ACTIONTREE_E2E_EXTENSION'] ? path.resolve(process.env['ACTIONTREE_E2E_EXTENSION']) : REPO_ROOT;
/** Prefix for screenshot names (ACTIONTREE_SHOT_PREFIX, e.g. "before-"). */
export const SHOT_PREFIX = process.env['ACTIONTREE_SHOT_PREFIX'] ?? '';

export type Theme = 'light' | 'dark';
/** `name`: the `workbench.colorTheme` setting value; `label`: how the theme picker shows it. */
export const THEMES: Record<Theme, { name: string; label: string; cssClass: string }> = {
  light: { name: 'Default Light Modern', label: 'Light Modern', cssClass: 'vs' },
  dark: { name: 'Default Dark Modern', label: 'Dark Modern', cssClass: 'vs-dark' },
};

export interface WorkbenchOptions {
  /** Folder to open; it is COPIED to a temp folder first (default: the fixture workspace). */
  workspace?: string;
  /** Open the folder in place instead of a copy (tests must then not change it). */
  inPlace?: boolean;
  /** false: workspace trust enabled and the folder not trusted (Restricted Mode). Default true. */
  trusted?: boolean;
  /** Color theme at startup (default dark). */
  theme?: Theme;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Install this packaged .vsix instead of loading the extension from the repository. */
  vsix?: string;
  /**
   * With `vsix`: start the workbench WITHOUT the smoke-test driver, as a user's VS Code, so
   * notification toasts (progress, failures) are shown and can be screenshot.
   */
  notifications?: boolean;
  viewport?: { width: number; height: number };
  /** Deadline for the workbench to load (ms, default 60 s). */
  timeoutMs?: number;
}

export class Workbench {
  /** Errors thrown in the page (the workbench or a webview); tests may assert it stays empty. */
  readonly pageErrors: string[] = [];

  private constructor(
    readonly server: CodeServer,
    private readonly browserSession: BrowserSession,
    /** The folder open in the workbench (a temp copy unless `inPlace`). */
    readonly workspace: string,
    private readonly workspaceTmp: string | undefined,
  ) {
    this.page.on('pageerror', (e) => this.pageErrors.push(e.message));
  }

  get page(): Page {
    return this.browserSession.page;
  }

  static async open(opts: WorkbenchOptions = {}): Promise<Workbench> {
    const source = opts.workspace ?? FIXTURE_WORKSPACE;
    let workspace = source;
    let workspaceTmp: string | undefined;
    if (!opts.inPlace) {
      workspaceTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-e2e-'));
      workspace = path.join(workspaceTmp, path.basename(source));
      fs.cpSync(source, workspace, { recursive: true });
    }
    const theme = THEMES[opts.theme ?? 'dark'];
    let server: CodeServer | undefined;
    let session: BrowserSession | undefined;
    try {
      server = await startCodeServer({
        workspace,
        trusted: opts.trusted ?? true,
        settings: { 'workbench.colorTheme': theme.name, ...opts.settings },
        installExtensions: opts.vsix ? [opts.vsix] : [],
        ...(opts.vsix && opts.notifications ? { smokeTestDriver: false } : {}),
      });
      session = await launchBrowser(opts.viewport ? { viewport: opts.viewport } : {});
      const wb = new Workbench(server, session, workspace, workspaceTmp);
      const url = server.workbenchUrl(opts.vsix ? {} : { extensionDevelopmentPath: EXTENSION_PATH });
      await session.page.goto(url);
      await wb.waitForWorkbench(opts.timeoutMs ?? 60_000);
      await wb.waitForTheme(opts.theme ?? 'dark');
      return wb;
    } catch (e) {
      if (session) {
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
        await session.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'workbench-open-failure.png') }).catch(() => undefined);
        await session.close();
      }
      const tail = server ? `\ncode-server log tail:\n${server.logTail()}` : '';
      await server?.stop();
      if (workspaceTmp) fs.rmSync(workspaceTmp, { recursive: true, force: true });
      throw new Error(`${e instanceof Error ? e.message : String(e)}${tail}`);
    }
  }

  /** Waits until the workbench shows the activity bar and the explorer of the opened folder. */
  private async waitForWorkbench(timeoutMs: number): Promise<void> {
    try {
      await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
      await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new Error(`the VS Code workbench did not load within ${Math.round(timeoutMs / 1000)} s (page title: "${await this.page.title()}")`);
    }
  }

  /**
   * Locator of the activity bar entry of a view container, by the container's id as declared
   * in package.json `contributes.viewsContainers.activitybar[].id` (e.g. 'actiontree'), or of a
   * built-in one by its title (e.g. { title: 'Explorer' }).
   */
  activityBarItem(container: string | { title: string }): Locator {
    if (typeof container === 'string') {
      return this.page.locator(`.part.activitybar a.action-label[class*="activity-workbench-view-extension-${container}-"]`);
    }
    return this.page.locator(`.part.activitybar a.action-label[aria-label^="${container.title}"]`);
  }

  /** The side bar viewlet of an extension's view container (visible once it is open). */
  viewContainer(id: string): Locator {
    return this.page.locator(`.part.sidebar .composite.viewlet[id="workbench.view.extension.${id}"]`);
  }

  /** Opens an extension's view container from the activity bar (no-op if already shown). */
  async openViewContainer(id: string, timeoutMs = 30_000): Promise<Locator> {
    const item = this.activityBarItem(id);
    await item.waitFor({ state: 'visible', timeout: timeoutMs }).catch(() => {
      throw new Error(`activity bar entry of view container '${id}' not visible within ${Math.round(timeoutMs / 1000)} s`);
    });
    const viewlet = this.viewContainer(id);
    if (!(await viewlet.isVisible())) await item.click();
    await viewlet.waitFor({ state: 'visible', timeout: timeoutMs });
    return viewlet;
  }

  /** Side bar title, e.g. 'ActionTree: Graphs' (one view: container and view names merge). */
  sideBarTitle(): Locator {
    return this.page.locator('.part.sidebar .composite.title h2');
  }

  /**
   * A view's pane in the side bar by the view's name (package.json `views[].name`, e.g.
   * 'Graphs'). Its `.pane-body` holds the tree (`.monaco-list-row`s) or the welcome content.
   */
  view(name: string): Locator {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator(`.pane-header[aria-label="${name} Section"]`) });
  }

  /** The rows of a tree view (visible ones; the list is virtualized). */
  treeRows(viewName: string): Locator {
    return this.view(viewName).locator('.pane-body .monaco-list-row');
  }

  /**
   * Runs a command from the command palette: F1, `>` + title, wait for the row, Enter.
   * `title` is what the palette shows, e.g. 'ActionTree: Run Graph'. An open palette does not
   * refresh when an extension registers commands late, so on a miss it presses Escape and
   * tries again until the deadline.
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    let attempt = 0;
    for (;;) {
      attempt++;
      await this.focusWorkbench();
      // A quick input that is still closing (a pick just made) is visible but inert: wait for it
      // to go before opening the palette, or F1 and the fill land on the dying widget.
      await this.page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
      try {
        await input.fill(`>${title}`, { timeout: 5000 });
      } catch (e) {
        if (Date.now() >= deadline) throw e;
        await this.page.keyboard.press('Escape').catch(() => undefined);
        continue;
      }
      const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', {
        has: this.page.locator('.label-name', { hasText: title }),
      });
      try {
        await row.first().waitFor({ state: 'visible', timeout: Math.min(5000, Math.max(500, deadline - Date.now())) });
      } catch {
        await this.page.keyboard.press('Escape');
        await input.waitFor({ state: 'hidden', timeout: 5000 });
        if (Date.now() >= deadline) {
          throw new Error(`command "${title}" not found in the command palette after ${attempt} attempt(s) (${Math.round(timeoutMs / 1000)} s)`);
        }
        continue;
      }
      // Make the exact match the focused row, then run it.
      const labels = await row.locator('.label-name').allInnerTexts();
      const exact = labels.findIndex((l) => l.replace(/\s+/g, ' ').trim() === title);
      await row.nth(exact >= 0 ? exact : 0).click();
      return;
    }
  }

  /**
   * Runs a command that asks with a quick pick, then picks the row showing `text`. When the
   * pick does not appear, or closes before the row is chosen (CI: the palette or the pick
   * closed as a webview or a notification took the focus, so nothing was chosen and the
   * command did nothing), the command is run again.
   */
  async runCommandAndPick(title: string, text: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // The pick's input, not the palette's (which stays visible, inert, while it closes).
    const input = this.page.locator('.quick-input-widget .quick-input-box input:not([placeholder^="Type the name of a command"])');
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
    for (let attempt = 1; ; attempt++) {
      await this.runCommand(title, Math.max(5_000, deadline - Date.now()));
      try {
        await input.waitFor({ state: 'visible', timeout: 15_000 });
        await input.fill(text, { timeout: 5_000 });
        await row.click({ timeout: 5_000 });
        return;
      } catch (e) {
        if (Date.now() >= deadline) throw new Error(`"${title}": could not pick '${text}' in ${attempt} attempt(s): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
  }

  /** Drags the sash right of the side bar so the side bar is `width` px wide (for readable screenshots). */
  async setSideBarWidth(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) return;
    const x = box.x + box.width + 1;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
  }

  /** Clicks an empty spot of the status bar so key presses reach the workbench. */
  async focusWorkbench(): Promise<void> {
    if (await this.page.locator('.quick-input-widget .quick-input-box input').isVisible()) {
      await this.page.keyboard.press('Escape');
    }
    await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
  }

  /**
   * The content frame of a webview (panel or view): `iframe.webview.ready` → `#active-frame`.
   * With several webviews open, `index` picks one (in DOM order). Waits until it has a body.
   */
  async webviewFrame(opts: { index?: number; timeoutMs?: number } = {}): Promise<FrameLocator> {
    const timeout = opts.timeoutMs ?? 30_000;
    const outer = this.page.locator('iframe.webview.ready').nth(opts.index ?? 0);
    await outer.waitFor({ state: 'attached', timeout }).catch(() => {
      throw new Error(`no ready webview (iframe.webview.ready #${opts.index ?? 0}) within ${Math.round(timeout / 1000)} s`);
    });
    const inner = this.page.frameLocator('iframe.webview.ready').nth(opts.index ?? 0).frameLocator('#active-frame');
    await inner.locator('body').waitFor({ state: 'attached', timeout });
    return inner;
  }

  /** Saves a full-window PNG to test-results/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${SHOT_PREFIX}${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Switches the color theme the way a user does (Preferences: Color Theme, pick it) and waits
   * until the workbench shows it. (Writing settings.json works too but the server's file watcher
   * sometimes misses the change, so the harness does not rely on it.)
   */
  async setTheme(theme: Theme): Promise<void> {
    const want = THEMES[theme];
    if (await this.page.locator(`.monaco-workbench.${want.cssClass}`).count()) return;
    await this.runCommand('Preferences: Color Theme');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(want.label);
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', {
      has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${want.label}\\s*$`) }),
    });
    await row.first().click();
    await this.waitForTheme(theme);
  }

  private async waitForTheme(theme: Theme, timeoutMs = 20_000): Promise<void> {
    const cls = THEMES[theme].cssClass;
    await withDeadline(
      this.page.waitForFunction((c) => document.querySelector('.monaco-workbench')?.classList.contains(c) === true, cls, {
        timeout: 0,
        polling: 100,
      }),
      timeoutMs,
      `the workbench did not switch to the ${THEMES[theme].name} theme`,
    );
  }

  /** Closes the browser, stops code-server (process group) and removes the temp workspace. */
  async close(): Promise<void> {
    await this.browserSession.close();
    await this.server.stop();
    if (this.workspaceTmp) fs.rmSync(this.workspaceTmp, { recursive: true, force: true });
  }
}
