/**
 * ActionTree's additions to the Language Server Protocol, shared by the VS Code client
 * (src/extension/client.ts) and the server (src/server). Plain method names and param
 * shapes, so this file imports nothing.
 */

/**
 * Client -> server notification: an open document is no longer shown in any editor tab.
 *
 * With pull diagnostics, vscode-languageclient drops a document's diagnostics as soon as its
 * last tab closes, while VS Code may keep the document open (no didClose) for minutes, so its
 * problems would vanish from the Problems panel. On this notification the server pushes the
 * document's diagnostics (and keeps them current) until the document is pulled again (shown)
 * or closed (then the file on disk is validated and pushed).
 */
export const DOCUMENT_HIDDEN_METHOD = 'actiontree/documentHidden';

export interface DocumentHiddenParams {
  /** The document URI, as in `textDocument.uri`. */
  readonly uri: string;
}
