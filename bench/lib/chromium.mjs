// A webview page of the extension (gantt, graph) in headless Chromium, for the render benches:
// the real HTML and the built bundle (dist/webview/NAME.js, media/NAME.css) served over
// loopback, with a stub acquireVsCodeApi.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { root } from './bundle.mjs';

/**
 * Serves `document({ cspSource, nonce, scriptUri, styleUri })` at / and the repository's files
 * beside it, launches Chromium and opens a 1400 × 900 page. Returns the page's URL (`base`),
 * the browser and the page, and `close()`, which stops both.
 */
export async function openWebview(document, name) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(document({ cspSource: `http://127.0.0.1:${server.address().port}`, nonce: 'benchnonce0123456789', scriptUri: `/dist/webview/${name}.js`, styleUri: `/media/${name}.css` }));
      return;
    }
    const file = path.join(root, url.pathname);
    if (!file.startsWith(root) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}/`;

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const close = async () => {
    await browser.close();
    server.close();
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(() => {
      window.acquireVsCodeApi = () => ({ postMessage() {}, getState: () => undefined, setState() {} });
    });
    return { base, browser, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
