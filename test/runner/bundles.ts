import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { markedEnv, repoRoot, tmpDir } from './helpers';

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

/** The bundled CLI run to its end in `cwd` (marked env): exit code and all its output. */
export async function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { cli } = await bundles();
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: markedEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}
