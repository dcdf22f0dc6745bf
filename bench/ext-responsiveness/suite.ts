/**
 * Runs inside VS Code's extension host (loaded as `--extensionTestsPath` by
 * bench/ext-responsiveness.mjs). Starts a run whose one action writes 50 MB to stdout, shows
 * that action's output channel (fed live), and meanwhile measures how long a command takes
 * to answer (`actiontree.internal.status`, executed through VS Code's command service) every
 * 20 ms, plus the event-loop lag. Writes the samples to $ACTIONTREE_BENCH_RESULTS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const MB = Number(process.env.ACTIONTREE_BENCH_MB ?? 50);

export async function run(): Promise<void> {
  const out = process.env.ACTIONTREE_BENCH_RESULTS;
  await vscode.extensions.getExtension('actiontree.actiontree')!.activate();
  const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const dir = path.join(root, 'flood');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'flood.actiontree.jsonc');
  // 50 MB of 100-character lines, written with backpressure.
  const script = `const line='x'.repeat(99)+'\\n';const chunk=line.repeat(655);let left=${MB}*1024*1024;function w(){while(left>0){left-=chunk.length;if(!process.stdout.write(chunk)){process.stdout.once('drain',w);return}}}w()`;
  fs.writeFileSync(file, JSON.stringify({ version: 1, actions: { flood: { command: ['node', '-e', script] } } }));

  const samples: number[] = [];
  const lags: number[] = [];
  const r = (await vscode.commands.executeCommand('actiontree.runGraph', vscode.Uri.file(file))) as { ok: boolean; session: number; message?: string };
  if (!r.ok) throw new Error(`run did not start: ${r.message}`);
  await vscode.commands.executeCommand('actiontree.showOutput', vscode.Uri.file(file).toString(), 'flood');
  let done = false;
  const t0 = Date.now();
  const finished = (vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 300_000) as Thenable<{ result: string; runDir: string | null }>).then((s) => {
    done = true;
    return s;
  });
  while (!done) {
    const a = performance.now();
    await vscode.commands.executeCommand('actiontree.internal.status');
    samples.push(performance.now() - a);
    const b = performance.now();
    await new Promise((res) => setTimeout(res, 20));
    lags.push(performance.now() - b - 20);
  }
  const summary = await finished;
  const wall = Date.now() - t0;
  const logBytes = summary.runDir ? fs.statSync(path.join(summary.runDir, 'logs', 'flood.log')).size : 0;
  const result = { mb: MB, result: summary.result, wallMs: wall, logBytes, samples, lags };
  if (out) fs.writeFileSync(out, JSON.stringify(result));
  fs.rmSync(dir, { recursive: true, force: true });
}
