import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { CliIO } from '../../../src/cli/command';

export const ROOT = path.join(__dirname, '../../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

/**
 * Bundles src/cli/main.ts exactly as esbuild.mjs does for dist/cli.js, into a temp folder
 * (so a test run never races another build of dist/). Returns the bundle path.
 */
export async function buildCli(): Promise<{ cli: string; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'actiontree-cli-'));
  const cli = path.join(dir, 'cli.js');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'src/cli/main.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  return { cli, dir };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(cli: string, args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'actiontree-test-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A command's IO captured in memory (not a TTY, empty environment), for in-process CLI tests. */
export function capturedIO(cwd: string): CliIO & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    cwd,
    isTTY: false,
    env: {},
    stdout(s: string) {
      o.out += s;
    },
    stderr(s: string) {
      o.err += s;
    },
  };
  return o;
}
