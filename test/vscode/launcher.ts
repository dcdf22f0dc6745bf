/**
 * The fake "VS Code executable" for @vscode/test-electron's runTests() (started through the
 * executable wrapper test/vscode/code-server-test). It reads the flags runTests passes
 * (`--extensionDevelopmentPath=`, `--extensionTestsPath=`, the workspace folder from
 * launchArgs) and runs the extension tests in code-server + headless Chromium:
 *   start code-server → open the workbench with the test payload → print the extension
 *   host's output (codeAutomationLog) → exit with the code the workbench reports
 *   (codeAutomationExit: 0 iff the suite's run() resolved).
 *
 * Environment:
 *   ACTIONTREE_WORKSPACE_TRUST=untrusted  workspace trust on, folder NOT trusted (Restricted Mode)
 *   ACTIONTREE_STARTUP_TIMEOUT_MS         deadline for the test run to start (default 90000)
 *   ACTIONTREE_TEST_TIMEOUT_MS            deadline for the whole suite (default 600000)
 *   ACTIONTREE_HARNESS_DEBUG=1            also print browser console and code-server output
 *   ACTIONTREE_KEEP_TMP=1                 keep the temp folder (user data, server log)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { REPO_ROOT, launchBrowser, startCodeServer, withDeadline, type BrowserSession, type CodeServer } from './codeServer';

interface LaunchArgs {
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
  folder?: string;
  ignored: string[];
}

export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const out: LaunchArgs = { ignored: [] };
  for (const a of argv) {
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (m && m[1] === 'extensionDevelopmentPath') {
      if (out.extensionDevelopmentPath) throw new Error('only one --extensionDevelopmentPath is supported');
      out.extensionDevelopmentPath = m[2];
    } else if (m && m[1] === 'extensionTestsPath') out.extensionTestsPath = m[2];
    else if (m && m[1] === 'folder-uri') out.folder = new URL(m[2]!).pathname;
    else if (!a.startsWith('-')) {
      if (out.folder) throw new Error(`more than one folder given: ${out.folder}, ${a}`);
      out.folder = a;
    } else out.ignored.push(a);
  }
  return out;
}

/** Workbench chatter forwarded with the test output; shown only with ACTIONTREE_HARNESS_DEBUG. */
const NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[reconnection-grace-time\]/,
  /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^\[AgentHost/,
  /^\[AccountPolicyGate\]/,
];

function log(msg: string): void {
  process.stderr.write(`[vscode-harness] ${msg}\n`);
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const args = parseLaunchArgs(process.argv.slice(2));
  if (!args.extensionTestsPath) throw new Error('missing --extensionTestsPath=<path to the compiled test index>');
  if (!args.extensionDevelopmentPath) throw new Error('missing --extensionDevelopmentPath=<extension folder>');
  const testsPath = path.resolve(args.extensionTestsPath);
  // VS Code accepts the index's folder or the file; the web workbench needs the module path.
  const testsModule = fs.existsSync(testsPath) && fs.statSync(testsPath).isDirectory() ? path.join(testsPath, 'index.js') : testsPath;
  if (!fs.existsSync(testsModule) && !fs.existsSync(`${testsModule}.js`)) {
    throw new Error(`extension tests module not found: ${testsModule}`);
  }
  const trust = process.env.ACTIONTREE_WORKSPACE_TRUST ?? 'trusted';
  if (trust !== 'trusted' && trust !== 'untrusted') throw new Error(`ACTIONTREE_WORKSPACE_TRUST must be trusted|untrusted, not ${trust}`);
  const debug = !!process.env.ACTIONTREE_HARNESS_DEBUG;
  const startupMs = Number(process.env.ACTIONTREE_STARTUP_TIMEOUT_MS ?? 90_000);
  const totalMs = Number(process.env.ACTIONTREE_TEST_TIMEOUT_MS ?? 600_000);

  let cs: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await browser?.close();
      await cs?.stop();
    })());
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping code-server`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    cs = await startCodeServer({
      workspace: args.folder,
      trusted: trust === 'trusted',
      onServerOutput: debug ? (s) => process.stderr.write(`[code-server] ${s}`) : undefined,
    });
    log(`code-server on ${cs.origin} (${Date.now() - t0} ms), workspace ${args.folder ?? '(none)'}, ${trust}`);
    browser = await launchBrowser();
    const page = browser.page;

    let started = false;
    let finished = false;
    let markStarted!: () => void;
    const startedP = new Promise<void>((r) => (markStarted = r));
    let exitWith!: (code: number) => void;
    const exitP = new Promise<number>((r) => (exitWith = r));

    await page.exposeFunction('codeAutomationLog', (type: unknown, logArgs: unknown) => {
      // After the run has ended, the workbench only logs its own shutdown noise.
      if (finished) return;
      const parts = Array.isArray(logArgs) ? logArgs : [logArgs];
      const line = format(...(parts as unknown[]));
      if (NOISE.some((re) => re.test(line))) {
        if (debug) process.stderr.write(`${line}\n`);
        return;
      }
      if (!started) {
        started = true;
        markStarted();
      }
      (type === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      finished = true;
      exitWith(typeof code === 'number' ? code : 1);
    });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    if (debug) page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));

    const url = cs.workbenchUrl({
      folder: args.folder,
      extensionDevelopmentPath: args.extensionDevelopmentPath,
      extensionTestsPath: testsModule.replace(/\.js$/, ''),
    });
    if (debug) log(`open ${url}`);
    await page.goto(url);
    // The run has started when the window says so or the extension host prints something.
    const titled = page
      .waitForFunction(() => document.title.includes('[Extension Development Host]'), null, { timeout: 0, polling: 250 })
      .then(markStarted, () => undefined);
    try {
      await withDeadline(Promise.race([startedP, exitP]), startupMs, 'start');
    } catch {
      const title = await page.title().catch(() => '?');
      throw new Error(
        `the extension tests did not start within ${Math.round(startupMs / 1000)} s: no "[Extension Development Host]" ` +
          `window title and no test output (page title: "${title}"). code-server log tail:\n${cs.logTail()}\n`,
      );
    }
    void titled;
    log(`extension tests started (${Date.now() - t0} ms)`);
    const code = await withDeadline(exitP, totalMs, 'the extension test run did not finish (codeAutomationExit was never called)');
    log(`extension tests finished with code ${code} (${Date.now() - t0} ms)`);
    return code;
  } catch (e) {
    if (browser) {
      const shot = path.join(REPO_ROOT, 'test-results', 'screenshots', `harness-failure-${Date.now()}.png`);
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await browser.page.screenshot({ path: shot }).then(
        () => log(`screenshot of the failing workbench: ${shot}`),
        () => undefined,
      );
    }
    throw e;
  } finally {
    await cleanup();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      log(`ERROR: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    },
  );
}
