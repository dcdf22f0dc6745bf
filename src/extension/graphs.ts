import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeText, hasErrors, MAX_ANALYZE_SIZE, tooLargeDiagnostic, type Analysis } from '../core/analyze';
import { LineIndex } from '../core/text';
import { readRegularFile, textOf } from '../runner/safeRead';

export const GRAPH_GLOB = '**/*.actiontree.jsonc';
const EXCLUDE = '{**/node_modules/**,**/.actiontree/**,**/.git/**}';

export interface GraphEntry {
  readonly uri: vscode.Uri;
  readonly analysis: Analysis;
  readonly hasErrors: boolean;
  /** Display name: the graph's `name`, else the file name. */
  readonly name: string;
}

/**
 * The graph files of the workspace, kept current with a FileSystemWatcher and open
 * documents (unsaved edits count: the run uses what is on disk, but the tree follows
 * the buffer only once saved to avoid flicker while typing).
 */
export class GraphIndex implements vscode.Disposable {
  private readonly entries = new Map<string, GraphEntry>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private scanning: Promise<void> | undefined;
  /** The text each entry was analyzed from. */
  private readonly texts = new Map<string, string>();

  constructor() {
    const w = vscode.workspace.createFileSystemWatcher(GRAPH_GLOB);
    const folders = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
    this.disposables.push(
      w,
      w.onDidCreate((u) => void this.load(u)),
      w.onDidChange((u) => void this.load(u)),
      w.onDidDelete((u) => {
        if (this.entries.delete(u.toString())) this.changeEmitter.fire();
      }),
      // A deleted folder is reported as the folder only, which the graph-file glob does not
      // match: drop the graph files that were under it.
      folders,
      folders.onDidDelete((u) => {
        const prefix = u.toString().endsWith('/') ? u.toString() : `${u.toString()}/`;
        let gone = false;
        for (const k of [...this.entries.keys()]) {
          if (k.startsWith(prefix)) {
            this.entries.delete(k);
            this.texts.delete(k);
            gone = true;
          }
        }
        if (gone) this.changeEmitter.fire();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (isGraphUri(d.uri)) void this.load(d.uri);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan()),
      this.changeEmitter,
    );
  }

  /** Finds every graph file (once; later calls wait for the same scan). */
  ready(): Promise<void> {
    this.scanning ??= this.rescan();
    return this.scanning;
  }

  async rescan(): Promise<void> {
    const uris = await vscode.workspace.findFiles(GRAPH_GLOB, EXCLUDE, 1000);
    const before = new Map(this.entries);
    const keep = new Set(uris.map((u) => u.toString()));
    for (const k of [...this.entries.keys()]) if (!keep.has(k)) this.entries.delete(k);
    await Promise.all(uris.map((u) => this.load(u, false)));
    // Tell views only when the list or a file's content changed: a rescan runs whenever VS
    // Code asks for tasks and before every Run Graph, and a change redraws the whole Graphs
    // tree, which closes any open tooltip (issue 11, item 1).
    const changed = this.scanned === false || before.size !== this.entries.size || [...this.entries].some(([k, e]) => before.get(k) !== e);
    this.scanned = true;
    if (changed) this.changeEmitter.fire();
  }

  private scanned = false;

  private async load(uri: vscode.Uri, fire = true): Promise<GraphEntry | undefined> {
    if (uri.scheme !== 'file') return undefined;
    // Regular files only, opened without blocking, bounded: a workspace (untrusted too) may
    // hold a *.actiontree.jsonc that is a link to /dev/zero or a FIFO.
    const r = await readRegularFile(uri.fsPath, { maxBytes: MAX_ANALYZE_SIZE, followSymlinks: true });
    if (!r.ok && r.kind !== 'too-large') {
      if (this.entries.delete(uri.toString()) && fire) this.changeEmitter.fire();
      return undefined;
    }
    const text = r.ok ? textOf(r.bytes) : null;
    const prev = this.entries.get(uri.toString());
    // The same bytes again (a watcher event after a save, a re-read before a run): nothing
    // changed, so views are not told (a change redraws the whole Graphs tree).
    if (prev && text !== null && this.texts.get(uri.toString()) === text) return prev;
    if (text !== null) this.texts.set(uri.toString(), text);
    else this.texts.delete(uri.toString());
    const analysis: Analysis =
      text !== null
        ? analyzeText(text)
        : { graph: analyzeText('{}').graph, diagnostics: [tooLargeDiagnostic(r.ok ? MAX_ANALYZE_SIZE + 1 : (r.size ?? MAX_ANALYZE_SIZE + 1))], lineIndex: new LineIndex(''), root: undefined };
    const e: GraphEntry = {
      uri,
      analysis,
      hasErrors: hasErrors(analysis.diagnostics),
      name: analysis.graph.name ?? path.basename(uri.fsPath),
    };
    this.entries.set(uri.toString(), e);
    if (fire) this.changeEmitter.fire();
    return e;
  }

  /** The current analysis of a file, read from disk now (what the runner will read). */
  async fresh(uri: vscode.Uri): Promise<GraphEntry | undefined> {
    return this.load(uri);
  }

  get(uri: vscode.Uri): GraphEntry | undefined {
    return this.entries.get(uri.toString());
  }

  /** Sorted by workspace-relative path. */
  list(): GraphEntry[] {
    return [...this.entries.values()].sort((a, b) => relative(a.uri).localeCompare(relative(b.uri)));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function isGraphUri(uri: vscode.Uri): boolean {
  return uri.path.endsWith('.actiontree.jsonc');
}

export function relative(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}
