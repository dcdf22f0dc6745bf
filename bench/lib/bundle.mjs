// Bundles an entry point of the sources as esbuild.mjs does for the shipped dist/ files
// (minified, CommonJS, node20), into `outfile`: the benches measure what users run.
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
