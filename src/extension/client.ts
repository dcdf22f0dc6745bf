import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { DOCUMENT_HIDDEN_METHOD, type DocumentHiddenParams } from '../shared/lsp-protocol';
import type { ActionTreeContext } from './context';

function isShown(uri: string): boolean {
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri));
}

/** The running client, for tests and other features (undefined before activation). */
let current: LanguageClient | undefined;

export function languageClient(): LanguageClient | undefined {
  return current;
}

/**
 * Starts the ActionTree language server (dist/server.js) over Node IPC. Language features
 * need no workspace trust: the server only reads files, it never runs anything.
 */
export function register(ctx: ActionTreeContext): void {
  const module = ctx.extension.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const outputChannel = ctx.own(vscode.window.createOutputChannel('ActionTree Language Server', { log: true }));
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'actiontree' },
      { scheme: 'untitled', language: 'actiontree' },
    ],
    synchronize: {
      // didChangeWatchedFiles: the server re-validates graph files changed on disk
      fileEvents: ctx.own(vscode.workspace.createFileSystemWatcher('**/*.actiontree.jsonc')),
    },
    outputChannel,
    initializationOptions: {},
    // Hovers show text from files a repository can commit (graph files, run records): never
    // trusted (no command: links) and no HTML. The server escapes them too (hover.ts).
    markdown: { isTrusted: false, supportHtml: false },
  };
  const client = new LanguageClient('actiontree', 'ActionTree Language Server', serverOptions, clientOptions);
  current = client;
  ctx.onDispose(async () => {
    current = undefined;
    await client.stop();
  });
  // Pull diagnostics end with a document's last tab; tell the server so it pushes them instead.
  ctx.own(
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const tab of e.closed) {
        const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
        if (uri === undefined || !client.isRunning()) continue;
        const key = uri.toString();
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
        if (doc === undefined || doc.languageId !== 'actiontree' || isShown(key)) continue;
        const params: DocumentHiddenParams = { uri: client.code2ProtocolConverter.asUri(uri) };
        client.sendNotification(DOCUMENT_HIDDEN_METHOD, params).catch((err: unknown) => outputChannel.error(String(err)));
      }
    }),
  );
  // not awaited: activation of the other features does not wait for the server
  client.start().catch((e: unknown) => outputChannel.appendLine(`failed to start the language server: ${String(e)}`));
}
