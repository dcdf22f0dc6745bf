// Bundles: extension, language server, CLI and runner (Node, CJS) and the webview (browser).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  target: 'node20',
  legalComments: 'none',
};

const nodeBundles = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['src/runner/worker.ts'], outfile: 'dist/runner.js' },
].map((b) => ({
  ...common,
  ...b,
  platform: 'node',
  format: 'cjs',
  external: ['vscode'],
  // jsonc-parser's "main" is UMD, which esbuild cannot follow; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
}));

const webviewBundles = [
  { entryPoints: ['webview/gantt/main.ts'], outfile: 'dist/webview/gantt.js' },
  { entryPoints: ['webview/graph/main.ts'], outfile: 'dist/webview/graph.js' },
].map((b) => ({ ...common, ...b, platform: 'browser', format: 'iife', target: 'es2022' }));

import { existsSync } from 'node:fs';
const all = [...nodeBundles, ...webviewBundles].filter((b) => existsSync(b.entryPoints[0]));

if (watch) {
  const ctxs = await Promise.all(all.map((b) => esbuild.context(b)));
  await Promise.all(ctxs.map((c) => c.watch()));
} else {
  await Promise.all(all.map((b) => esbuild.build(b)));
}
