// Bundles an entry point of the sources as esbuild.mjs does for the shipped dist/ files
// (minified, CommonJS, node20), into `outfile`: the benches measure what users run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `entry` relative to the repository (default the CLI; an absolute path stays as it is), or
 * `{ contents, resolveDir }` for a module written inline; `options` are esbuild options that
 * replace the defaults (e.g. `{ external: ['vscode'], minify: false }`). Returns `outfile`.
 */
export async function bundle(outfile, entry = 'src/cli/main.ts', options = {}) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    ...(typeof entry === 'string' ? { entryPoints: [path.resolve(root, entry)] } : { stdin: { ...entry, loader: 'ts' } }),
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    minify: true,
    ...options,
  });
  return outfile;
}

/**
 * The language server to measure: `given` (e.g. an older bundle passed with --server), or
 * src/server/main.ts bundled unminified into a temporary folder that is removed at exit.
 */
export async function serverBundle(given) {
  if (given) return path.resolve(given);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-bench-'));
  const outfile = await bundle(path.join(dir, 'server.js'), 'src/server/main.ts', { external: ['vscode'], minify: false, logLevel: 'error' });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return outfile;
}
