import * as path from 'node:path';
import {
  CodeActionKind,
  FileChangeType,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeLens,
  type Connection,
  type DocumentDiagnosticReport,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCache, Coalescer, LARGE_TEXT, analyze, type DocAnalysis } from './documents';
import { idleCollector } from './idleGc';
import { MAX_ANALYZE_SIZE, tooLargeDiagnostic } from '../core/analyze';
import { LineIndex } from '../core/text';
import { toLspDiagnostic } from './convert';
import { JsonService } from './jsonService';
import { DOCUMENT_HIDDEN_METHOD, type DocumentHiddenParams } from '../shared/lsp-protocol';
import { RunRecords } from './runRecords';
import { readRegularFile } from '../runner/safeRead';
import { GRAPH_SUFFIX, findGraphFiles, pathToUri, uriToPath } from './workspace';
import { semanticCompletion } from './features/completion';
import { semanticHover } from './features/hover';
import { definition, prepareRename, references, rename } from './features/navigation';
import { documentSymbols } from './features/symbols';
import { codeActions } from './features/codeActions';
import { CodeLenses } from './features/codeLens';
import { NextRun, defaultRunnerScript } from './nextRun';

/** Options the client may pass in `initializationOptions`. */
export interface ServerOptions {
  /** Force a diagnostics model; default: pull when the client supports it, else push. */
  readonly diagnosticMode?: 'pull' | 'push';
  /** Scan the workspace folders for graph files that are not open (default true). */
  readonly workspaceDiagnostics?: boolean;
}

/** Beyond this size the schema-level features (json-languageservice) are not offered. */
const JSON_FEATURE_LIMIT = 8 * 1024 * 1024;

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/**
 * The ActionTree language server on a connection (IPC from the VS Code client, or stdio).
 * A thin adapter: the core analysis does the work; this file routes requests, caches per
 * document version, chooses pull or push diagnostics and publishes closed files' problems.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const logError = (m: string): void => connection.console.error(m);
  const gc = idleCollector();
  const cache = new AnalysisCache(logError, () => gc.schedule());
  const json = new JsonService();
  const runs = new RunRecords();
  let lensRefresh = false;
  const nextRun = new NextRun(defaultRunnerScript(), undefined, () => {
    if (lensRefresh) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  });
  const lenses = new CodeLenses((uri, action) => {
    const file = uriToPath(uri);
    return file !== undefined && nextRun.upToDate(file, action);
  });
  const coalescer = new Coalescer((uri) => cache.durationOf(uri));
  let pullMode = false;
  let scanWorkspace = true;
  let workspaceFolderEvents = false;
  let foldingRangeLimit: number | undefined;
  let folders: string[] = [];
  /** Bumped whenever a disk analysis of a uri is started or invalidated (open, delete). */
  const diskGeneration = new Map<string, number>();
  /** Uris whose diagnostics were pushed (closed files; hidden open documents in pull mode). */
  const pushed = new Set<string>();
  /** Pull mode: open documents shown in no editor (the client stopped pulling them). */
  const hiddenOpen = new Set<string>();

  /** Wraps a handler: an exception is logged and answered with `fallback`; ResponseErrors pass. */
  function guard<P, R>(name: string, fallback: R, fn: (p: P, token: CancellationToken) => R | Promise<R>) {
    return async (p: P, token: CancellationToken): Promise<R> => {
      try {
        return await fn(p, token);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        logError(`[${name}] ${errorText(e)}`);
        return fallback;
      }
    };
  }

  function safely(name: string, fn: () => void | Promise<void>): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e: unknown) => logError(`[${name}] ${errorText(e)}`));
    } catch (e) {
      logError(`[${name}] ${errorText(e)}`);
    }
  }

  function analysisOf(uri: string): DocAnalysis | undefined {
    const doc = documents.get(uri);
    return doc === undefined ? undefined : cache.get(doc);
  }

  function lspDiagnostics(da: DocAnalysis) {
    return da.analysis.diagnostics.map((d) => toLspDiagnostic(da.uri, da.analysis.lineIndex, d));
  }

  function inWorkspace(p: string): boolean {
    return folders.some((f) => p === f || p.startsWith(f.endsWith(path.sep) ? f : f + path.sep));
  }

  function tooLarge(da: DocAnalysis): boolean {
    return da.text.length > JSON_FEATURE_LIMIT || da.analysis.diagnostics.some((d) => d.code === 'too-large');
  }

  // ---- diagnostics of open documents ---------------------------------------------------

  function publishOpen(uri: string): void {
    const doc = documents.get(uri);
    if (doc === undefined) return;
    const da = cache.get(doc);
    connection.sendDiagnostics({ uri, version: doc.version, diagnostics: lspDiagnostics(da) });
    if (pullMode) pushed.add(uri);
  }

  // ---- diagnostics of closed files (always pushed) -------------------------------------

  function invalidateDisk(uri: string): number {
    const gen = (diskGeneration.get(uri) ?? 0) + 1;
    diskGeneration.set(uri, gen);
    return gen;
  }

  function clearPushed(uri: string): void {
    if (pushed.delete(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  async function analyzeDisk(uri: string): Promise<void> {
    const p = uriToPath(uri);
    if (p === undefined) return;
    const gen = invalidateDisk(uri);
    let text: string | undefined;
    let tooBig: number | undefined;
    // more than 3 bytes per UTF-16 unit is impossible: a larger file is over the limit for sure,
    // so it is not read at all (a 1 GB file would not even fit in a string). Regular files only,
    // opened without blocking: a FIFO or a link to /dev/zero is not a graph file (no problems).
    const r = await readRegularFile(p, { maxBytes: 3 * MAX_ANALYZE_SIZE, followSymlinks: true });
    if (r.ok) text = r.bytes.toString('utf8');
    else if (r.kind === 'too-large') tooBig = r.size;
    if (tooBig !== undefined) {
      if (diskGeneration.get(uri) !== gen || documents.get(uri) !== undefined) return;
      const diagnostic = toLspDiagnostic(uri, new LineIndex(''), tooLargeDiagnostic(tooBig));
      connection.sendDiagnostics({ uri, diagnostics: [diagnostic] });
      pushed.add(uri);
      return;
    }
    // stale: a newer disk read started, or the file was opened meanwhile
    if (diskGeneration.get(uri) !== gen || documents.get(uri) !== undefined) return;
    if (text === undefined) {
      clearPushed(uri);
      return;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const da = analyze(uri, 0, text, logError);
    if (text.length >= LARGE_TEXT) gc.schedule();
    connection.sendDiagnostics({ uri, diagnostics: lspDiagnostics(da) });
    pushed.add(uri);
  }

  async function scanFolders(roots: readonly string[]): Promise<void> {
    const files = await findGraphFiles(roots);
    for (const f of files) {
      const uri = pathToUri(f);
      if (documents.get(uri) !== undefined) continue;
      await analyzeDisk(uri);
      await new Promise((r) => setImmediate(r));
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------

  connection.onInitialize((params): InitializeResult => {
    const opts = (params.initializationOptions ?? {}) as ServerOptions;
    pullMode =
      opts.diagnosticMode === 'push' ? false : opts.diagnosticMode === 'pull' ? true : params.capabilities.textDocument?.diagnostic !== undefined;
    scanWorkspace = opts.workspaceDiagnostics !== false;
    workspaceFolderEvents = params.capabilities.workspace?.workspaceFolders === true;
    lensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    foldingRangeLimit = params.capabilities.textDocument?.foldingRange?.rangeLimit;
    const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    folders = uris.map(uriToPath).filter((p): p is string => p !== undefined);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['"', ':'] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: true },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        ...(pullMode ? { diagnosticProvider: { identifier: 'actiontree', interFileDependencies: false, workspaceDiagnostics: false } } : {}),
      },
      serverInfo: { name: 'actiontree-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (scanWorkspace && folders.length > 0) safely('workspace scan', () => scanFolders(folders));
    if (workspaceFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((e) =>
        safely('didChangeWorkspaceFolders', async () => {
          const removed = e.removed.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
          const added = e.added.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
          folders = [...folders.filter((f) => !removed.includes(f)), ...added];
          for (const uri of [...pushed]) {
            const p = uriToPath(uri);
            if (p !== undefined && !inWorkspace(p)) {
              invalidateDisk(uri);
              clearPushed(uri);
            }
          }
          if (scanWorkspace && added.length > 0) await scanFolders(added);
        }),
      );
    }
  });

  documents.onDidOpen((e) =>
    safely('didOpen', () => {
      invalidateDisk(e.document.uri);
      hiddenOpen.delete(e.document.uri);
      if (pullMode) clearPushed(e.document.uri);
      else pushed.delete(e.document.uri);
    }),
  );

  documents.onDidChangeContent((e) =>
    safely('didChange', () => {
      json.forget(e.document.uri);
      if (!pullMode || hiddenOpen.has(e.document.uri)) {
        coalescer.schedule(e.document.uri, () => safely('publish', () => publishOpen(e.document.uri)));
      }
    }),
  );

  documents.onDidClose((e) =>
    safely('didClose', async () => {
      const uri = e.document.uri;
      hiddenOpen.delete(uri);
      coalescer.cancel(uri);
      cache.delete(uri);
      json.forget(uri);
      const p = uriToPath(uri);
      if (scanWorkspace && p !== undefined && p.endsWith(GRAPH_SUFFIX) && inWorkspace(p)) {
        if (!pullMode) connection.sendDiagnostics({ uri, diagnostics: [] });
        await analyzeDisk(uri);
      } else {
        invalidateDisk(uri);
        if (pullMode) clearPushed(uri);
        else {
          pushed.delete(uri);
          connection.sendDiagnostics({ uri, diagnostics: [] });
        }
      }
    }),
  );

  connection.onDidChangeWatchedFiles((params) =>
    safely('didChangeWatchedFiles', async () => {
      for (const change of params.changes) {
        const p = uriToPath(change.uri);
        // A graph file saved or changed on disk: what its next run would do may differ.
        if (p !== undefined && p.endsWith(GRAPH_SUFFIX)) nextRun.invalidate(p);
        if (p === undefined || !p.endsWith(GRAPH_SUFFIX) || documents.get(change.uri) !== undefined) continue;
        if (change.type === FileChangeType.Deleted) {
          invalidateDisk(change.uri);
          clearPushed(change.uri);
        } else {
          await analyzeDisk(change.uri);
        }
      }
    }),
  );

  connection.onNotification(DOCUMENT_HIDDEN_METHOD, (params: DocumentHiddenParams) =>
    safely('documentHidden', () => {
      if (!pullMode || typeof params?.uri !== 'string' || documents.get(params.uri) === undefined) return;
      hiddenOpen.add(params.uri);
      publishOpen(params.uri);
    }),
  );

  // ---- pull diagnostics -----------------------------------------------------------------

  connection.languages.diagnostics.on(
    guard('diagnostic', { kind: 'full', items: [] } as DocumentDiagnosticReport, async (params, token): Promise<DocumentDiagnosticReport> => {
      // let didChange notifications already queued behind this request be applied first
      await new Promise((r) => setImmediate(r));
      if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'superseded by a newer version');
      const uri = params.textDocument.uri;
      if (hiddenOpen.delete(uri)) {
        // shown again: the pull result takes over from the pushed diagnostics
        coalescer.cancel(uri);
        clearPushed(uri);
      }
      const da = analysisOf(uri);
      if (da === undefined) return { kind: 'full', items: [] };
      if (params.previousResultId === da.resultId) return { kind: 'unchanged', resultId: da.resultId };
      return { kind: 'full', resultId: da.resultId, items: lspDiagnostics(da) };
    }),
  );

  // ---- language features ----------------------------------------------------------------

  connection.onCompletion(
    guard('completion', null, async (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (doc === undefined) return null;
      const da = cache.get(doc);
      if (tooLarge(da)) return null;
      const offset = da.analysis.lineIndex.offsetAt(params.position);
      const semantic = semanticCompletion(da, offset);
      if (semantic !== undefined) return semantic;
      return json.service.doComplete(doc, params.position, json.parse(doc));
    }),
  );

  connection.onHover(
    guard('hover', null, async (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (doc === undefined) return null;
      const da = cache.get(doc);
      if (tooLarge(da)) return null;
      const offset = da.analysis.lineIndex.offsetAt(params.position);
      const file = uriToPath(doc.uri);
      const semantic = await semanticHover(
        da,
        offset,
        async () => (file === undefined ? undefined : runs.latest(file)),
        async (action, run) => (file === undefined ? undefined : nextRun.hoverText(file, da.analysis.graph, action, run?.runId ?? null)),
      );
      if (semantic !== undefined) return semantic;
      return json.service.doHover(doc, params.position, json.parse(doc));
    }),
  );

  connection.onDefinition(
    guard('definition', [], (params) => {
      const da = analysisOf(params.textDocument.uri);
      return da === undefined ? [] : definition(da, da.analysis.lineIndex.offsetAt(params.position));
    }),
  );

  connection.onReferences(
    guard('references', [], (params) => {
      const da = analysisOf(params.textDocument.uri);
      return da === undefined ? [] : references(da, da.analysis.lineIndex.offsetAt(params.position), params.context.includeDeclaration);
    }),
  );

  connection.onPrepareRename(
    guard('prepareRename', null, (params) => {
      const da = analysisOf(params.textDocument.uri);
      return da === undefined ? null : prepareRename(da, da.analysis.lineIndex.offsetAt(params.position));
    }),
  );

  connection.onRenameRequest(
    guard('rename', null, (params) => {
      const da = analysisOf(params.textDocument.uri);
      return da === undefined ? null : rename(da, da.analysis.lineIndex.offsetAt(params.position), params.newName);
    }),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', [], (params) => {
      const da = analysisOf(params.textDocument.uri);
      return da === undefined ? [] : documentSymbols(da);
    }),
  );

  connection.onCodeAction(
    guard('codeAction', [], (params) => {
      const da = analysisOf(params.textDocument.uri);
      return da === undefined ? [] : codeActions(da, params.range);
    }),
  );

  connection.onCodeLens(
    guard('codeLens', [], (params) => {
      const da = analysisOf(params.textDocument.uri);
      if (da === undefined) return [];
      const file = uriToPath(params.textDocument.uri);
      if (file !== undefined) nextRun.prefetch(file, da.analysis.graph);
      return lenses.list(da);
    }),
  );

  connection.onCodeLensResolve((lens: CodeLens): CodeLens => {
    try {
      return lenses.resolve(lens);
    } catch (e) {
      logError(`[codeLensResolve] ${errorText(e)}`);
      return lens;
    }
  });

  connection.onDocumentFormatting(
    guard('formatting', [], (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (doc === undefined || tooLarge(cache.get(doc))) return [];
      return json.service.format(doc, undefined, params.options);
    }),
  );

  connection.onDocumentRangeFormatting(
    guard('rangeFormatting', [], (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (doc === undefined || tooLarge(cache.get(doc))) return [];
      return json.service.format(doc, params.range, params.options);
    }),
  );

  connection.onFoldingRanges(
    guard('foldingRanges', [], (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (doc === undefined || doc.getText().length > JSON_FEATURE_LIMIT) return [];
      return json.service.getFoldingRanges(doc, foldingRangeLimit === undefined ? undefined : { rangeLimit: foldingRangeLimit });
    }),
  );

  connection.onSelectionRanges(
    guard('selectionRanges', [], (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (doc === undefined || tooLarge(cache.get(doc))) return [];
      return json.service.getSelectionRanges(doc, params.positions, json.parse(doc));
    }),
  );

  connection.onShutdown(() => {
    coalescer.dispose();
    gc.dispose();
  });

  documents.listen(connection);
  connection.listen();
}
