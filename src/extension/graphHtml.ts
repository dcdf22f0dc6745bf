/**
 * The graph view webview's HTML document (no `vscode` import, so benches can load the same
 * page). Strict CSP like the Gantt panel: no inline script or style, one script with a
 * per-load nonce, resources only from the webview's own origin. No graph data in the page:
 * it arrives as validated messages.
 */
export interface GraphDocumentParts {
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
}

const ATTR_SAFE = /^[^"<>\s]*$/;

export function graphDocument(p: GraphDocumentParts): string {
  for (const [k, v] of Object.entries(p)) {
    if (!ATTR_SAFE.test(v.replace(/ /g, ''))) throw new Error(`unsafe ${k} for the webview document`);
  }
  const csp = ["default-src 'none'", `style-src ${p.cspSource}`, `script-src 'nonce-${p.nonce}'`, `img-src ${p.cspSource} data:`, `font-src ${p.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${p.styleUri}">
<title>ActionTree Graph</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Graph view">
  <span id="title">ActionTree</span>
  <span id="summary">Loading the graph…</span>
  <span class="buttons">
    <button id="show-all" title="Show the whole graph" hidden>Whole graph</button>
    <button id="zoom-out" title="Zoom out (-)" aria-label="Zoom out">−</button>
    <button id="zoom-in" title="Zoom in (+)" aria-label="Zoom in">+</button>
    <button id="zoom-fit" title="Fit the graph (0)" aria-label="Fit the graph">Fit</button>
  </span>
</div>
<div id="canvas" tabindex="0" role="application" aria-label="Graph of actions: drag to pan, wheel to zoom, click an action to highlight what it depends on and show its output, Escape clears"></div>
<div id="notice" role="alert" hidden>
  <p id="notice-text"></p>
  <div id="notice-actions" hidden>
    <label for="focus-input">Show one action with its dependencies and dependents:</label>
    <input id="focus-input" list="focus-ids" placeholder="action id" spellcheck="false">
    <datalist id="focus-ids"></datalist>
    <button id="focus-go">Show</button>
    <button id="layout-all">Lay out all actions anyway</button>
  </div>
</div>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${p.nonce}" src="${p.scriptUri}"></script>
</body>
</html>`;
}
