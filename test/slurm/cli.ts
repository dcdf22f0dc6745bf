import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import { bundles } from '../runner/bundles';

/** Runs the bundled CLI (as users do) and collects its output. */
export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const { cli } = await bundles();
  const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr, pid: child.pid ?? 0 };
}

/** Starts the bundled CLI and lets the test wait for stdout lines. */
export async function startCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; exit: Promise<number | null>; stdout: () => string; line: (pred: (l: string) => boolean) => Promise<string> }> {
  const { cli } = await bundles();
  const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    out += `${l}\n`;
    for (const w of waiters.splice(0)) {
      if (w.pred(l)) w.resolve(l);
      else waiters.push(w);
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { child, exit, stdout: () => out, line: (pred) => new Promise((resolve) => waiters.push({ pred, resolve })) };
}
