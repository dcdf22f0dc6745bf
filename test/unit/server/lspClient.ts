/**
 * Test harness: builds the language server bundle once (the same esbuild options as
 * esbuild.mjs, into a temp folder so concurrent `npm run build`s don't race with it), spawns
 * it with `--stdio` and speaks LSP to it with vscode-languageserver's protocol connection.
 * Waiting is always on an event with a deadline, never a sleep.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver/node';

const ROOT = path.resolve(__dirname, '..', '..', '..');
let built: Promise<string> | undefined;

/** Bundles src/server/main.ts like esbuild.mjs does; returns the path of server.js. */
export function buildServer(): Promise<string> {
  built ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-server-'));
    const outfile = path.join(dir, 'server.js');
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'src/server/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      mainFields: ['module', 'main'],
      logLevel: 'error',
    });
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return outfile;
  })();
  return built;
}

export interface StartOptions {
  readonly mode?: 'push' | 'pull';
  readonly rootDir?: string;
  readonly workspaceDiagnostics?: boolean;
  /** Announce `workspace.workspaceFolders` (change notifications). */
  readonly workspaceFolderEvents?: boolean;
  /** `stdio` (default, as other editors) or `ipc` (Node IPC, as the VS Code client). */
  readonly transport?: 'stdio' | 'ipc';
}

export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class TestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  stderr = '';
  private readonly waiters: { pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private readonly versions = new Map<string, number>();

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
    readonly init: InitializeResult,
  ) {}

  static async start(opts: StartOptions = {}): Promise<TestClient> {
    const serverJs = await buildServer();
    const ipc = opts.transport === 'ipc';
    const proc = ipc
      ? fork(serverJs, ['--node-ipc'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'], execArgv: [] })
      : spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = ipc
      ? createProtocolConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc))
      : createProtocolConnection(proc.stdout!, proc.stdin!);
    if (ipc) proc.stdout!.resume();
    let client: TestClient | undefined;
    const early: PublishDiagnosticsParams[] = [];
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      if (client) client.onPublish(p);
      else early.push(p);
    });
    const logs: string[] = [];
    conn.onNotification(LogMessageNotification.type, (p) => {
      if (client) client.logs.push(p.message);
      else logs.push(p.message);
    });
    conn.listen();
    const capabilities: ClientCapabilities = {
      textDocument: opts.mode === 'pull' ? { diagnostic: { dynamicRegistration: false } } : {},
      ...(opts.workspaceFolderEvents ? { workspace: { workspaceFolders: true } } : {}),
    };
    const init = await deadline(
      conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: null,
        capabilities,
        workspaceFolders: opts.rootDir ? [{ uri: `file://${opts.rootDir}`, name: 'ws' }] : null,
        initializationOptions: { diagnosticMode: opts.mode ?? 'push', workspaceDiagnostics: opts.workspaceDiagnostics ?? true },
      }),
      10_000,
      'initialize',
    );
    client = new TestClient(proc, conn, init);
    (client.logs as string[]).push(...logs);
    proc.stderr!.on('data', (d: Buffer) => (client!.stderr += d.toString()));
    for (const p of early) client.onPublish(p);
    await conn.sendNotification(InitializedNotification.type, {});
    return client;
  }

  private onPublish(p: PublishDiagnosticsParams): void {
    this.published.push(p);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.pred(p)) {
        this.waiters.splice(i, 1);
        w.resolve(p);
      }
    }
  }

  /** The next (or an already received, when `pastToo`) publishDiagnostics matching `pred`. */
  waitForDiagnostics(pred: (p: PublishDiagnosticsParams) => boolean, what: string, ms = 10_000, pastToo = false): Promise<PublishDiagnosticsParams> {
    if (pastToo) {
      const hit = this.published.find(pred);
      if (hit) return Promise.resolve(hit);
    }
    return deadline(new Promise((resolve) => this.waiters.push({ pred, resolve })), ms, what);
  }

  private opened = 0;

  /** Opens `text` under a URI no other document of this client has (`file:///virtual/<name>N.actiontree.jsonc`). */
  async openNew(name: string, text: string): Promise<string> {
    const uri = `file:///virtual/${name}${++this.opened}.actiontree.jsonc`;
    await this.open(uri, text);
    return uri;
  }

  async open(uri: string, text: string, languageId = 'actiontree'): Promise<void> {
    this.versions.set(uri, 1);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Sends a change; returns the new version. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (!this.alive()) resolve();
      else this.proc.once('exit', () => resolve());
    });
    try {
      await deadline(this.conn.sendRequest(ShutdownRequest.type), 5000, 'shutdown');
      await this.conn.sendNotification(ExitNotification.type);
      await deadline(exited, 5000, 'server exit');
    } catch {
      if (this.alive()) this.proc.kill('SIGKILL');
      await exited;
    } finally {
      this.conn.dispose();
    }
  }
}

/** The position of the `n`th occurrence of `needle` in `text`, plus `delta` characters. */
/**
 * A client for the tests of the calling `describe`: started in its `before`, stopped in its
 * `after`. Use it as the client itself (`c.conn`, `c.open(…)`) inside the tests.
 */
export function suiteClient(opts: StartOptions = {}): TestClient {
  let client: TestClient | undefined;
  before(async () => {
    client = await TestClient.start(opts);
  });
  after(async () => {
    await client?.stop();
  });
  return new Proxy({} as TestClient, {
    get(_target, key) {
      if (client === undefined) throw new Error('the suite client is used outside its tests (before its before hook ran)');
      const v: unknown = Reflect.get(client, key, client);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(client) : v;
    },
  });
}

export function positionOf(text: string, needle: string, n = 0, delta = 0): { line: number; character: number } {
  let idx = -1;
  for (let i = 0; i <= n; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`'${needle}' #${n} not in text`);
  }
  const offset = idx + delta;
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}
