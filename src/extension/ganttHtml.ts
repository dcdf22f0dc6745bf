/**
 * The Gantt webview's HTML document (no `vscode` import, so benches can load the same page).
 * Strict CSP: no inline script or style, one script with a per-load nonce, resources only
 * from the webview's own origin. Nothing from the run is interpolated here: the chart data
 * arrives later as validated messages.
 */
export interface GanttDocumentParts {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** A fresh `crypto`-random nonce. */
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
}

const ATTR_SAFE = /^[^"<>\s]*$/;

export function ganttDocument(p: GanttDocumentParts): string {
  for (const [k, v] of Object.entries(p)) {
    if (!ATTR_SAFE.test(v.replace(/ /g, ''))) throw new Error(`unsafe ${k} for the webview document`);
  }
  const csp = [
    "default-src 'none'",
    `style-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
    `img-src ${p.cspSource} data:`,
    `font-src ${p.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${p.styleUri}">
<title>ActionTree Gantt Chart</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Gantt chart">
  <span id="title">ActionTree</span>
  <span id="summary">Waiting for a run…</span>
  <span class="buttons">
    <button id="zoom-out" title="Zoom out (-)" aria-label="Zoom out">−</button>
    <button id="zoom-in" title="Zoom in (+)" aria-label="Zoom in">+</button>
    <button id="zoom-fit" title="Fit the whole run (0)" aria-label="Fit the whole run">Fit</button>
  </span>
  <div id="legend" aria-hidden="true"></div>
</div>
<div id="chart" tabindex="0" role="application" aria-label="Gantt chart: arrow keys select an action or pan, plus and minus zoom, Enter shows the output"></div>
<div id="message" role="alert" hidden></div>
<div id="tooltip" role="tooltip" hidden></div>
<div id="live" class="sr-only" aria-live="polite"></div>
<script nonce="${p.nonce}" src="${p.scriptUri}"></script>
</body>
</html>`;
}
