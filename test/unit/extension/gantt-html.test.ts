import * as assert from 'node:assert/strict';
import { ganttDocument } from '../../../src/extension/ganttHtml';

describe('Gantt webview document', () => {
  const parts = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abcDEF123+/=', scriptUri: 'https://x/dist/webview/gantt.js', styleUri: 'https://x/media/gantt.css' };

  it('has a strict CSP: nothing by default, one nonce-d script, no inline code or remote origins', () => {
    const html = ganttDocument(parts);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-abcDEF123\+\/='/);
    assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(csp.split(parts.cspSource).join('')), csp);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script nonce="${parts.nonce}" src="${parts.scriptUri}">`]);
    assert.ok(!/\son\w+=/.test(html), 'no inline event handlers');
    assert.ok(!/style="/.test(html), 'no inline styles');
  });

  it('refuses parts that could break out of an attribute', () => {
    assert.throws(() => ganttDocument({ ...parts, scriptUri: 'x" onload="alert(1)' }));
    assert.throws(() => ganttDocument({ ...parts, nonce: 'a<b' }));
  });
});
