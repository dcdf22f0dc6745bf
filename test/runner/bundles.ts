import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { repoRoot, tmpDir } from './helpers';

/**
 * The CLI and the worker bundled from the current sources into a temp folder (the same
 * esbuild options as esbuild.mjs), so the tests run what ships without depending on a
 * stale dist/ or on other bundles of the working tree.
 */
let built: Promise<{ cli: string; worker: string }> | undefined;

export function bundles(): Promise<{ cli: string; worker: string }> {
  built ??= (async () => {
    const out = tmpDir('at-bundles-');
    const common: esbuild.BuildOptions = {
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      absWorkingDir: repoRoot,
    };
    const cli = path.join(out, 'cli.js');
    const worker = path.join(out, 'runner.js');
    await esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: cli });
    await esbuild.build({ ...common, entryPoints: ['src/runner/worker.ts'], outfile: worker });
    return { cli, worker };
  })();
  return built;
}
