import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot as root, untilWithin, type RunSummary as Summary, type TreeItemSnap } from './shared';

// "Run Graph on Slurm" inside VS Code against a real throwaway Slurm cluster on loopback
// (scripts/slurm-cluster.sh, root): the tree shows a job waiting in the cluster's queue as
// "queued", distinct from running. Pending (never passed) where the cluster cannot be set up.

const until = untilWithin(30_000);

const REPO = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(REPO, 'scripts', 'slurm-cluster.sh');

describe('Run Graph on Slurm (real cluster)', function () {
  this.timeout(120_000);
  let dir: string | null = null;
  let graphDir: string | null = null;
  const savedConf = process.env['SLURM_CONF'];

  before(function () {
    const install = spawnSync('bash', [SCRIPT, 'install'], { encoding: 'utf8' });
    if (install.status === 3) {
      console.log(`  SKIPPED: ${install.stderr.trim()}`);
      this.skip();
    }
    assert.equal(install.status, 0, install.stderr);
    // Not os.tmpdir(): the harness gives VS Code a private (0700) TMPDIR, and munged wants its socket folder's ancestors executable by all.
    dir = fs.mkdtempSync('/tmp/at-slurm-ext-');
    const start = spawnSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8' });
    if (start.status === 3) {
      console.log(`  SKIPPED: ${start.stderr.trim()}`);
      fs.rmSync(dir, { recursive: true, force: true });
      dir = null;
      this.skip();
    }
    assert.equal(start.status, 0, start.stderr);
    // The worker is forked with the extension host's environment.
    process.env['SLURM_CONF'] = path.join(dir, 'slurm.conf');
  });

  after(function () {
    if (savedConf === undefined) delete process.env['SLURM_CONF'];
    else process.env['SLURM_CONF'] = savedConf;
    if (dir !== null) spawnSync('bash', [SCRIPT, 'stop', dir]);
    if (graphDir !== null) fs.rmSync(graphDir, { recursive: true, force: true });
  });

  it('the tree shows a job waiting in the cluster queue as queued, then the run finishes like a local one', async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
    graphDir = path.join(root().fsPath, 'slurm-fixtures');
    fs.mkdirSync(graphDir, { recursive: true });
    const file = path.join(graphDir, 'cluster.actiontree.jsonc');
    // The cluster has one `db` license: one job runs, the other waits in Slurm's queue.
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'cluster',
        resources: { db: 1 },
        actions: { first: { command: 'sleep 5', resources: { db: 1 } }, second: { command: 'sleep 5', resources: { db: 1 } } },
      }),
    );
    const uri = vscode.Uri.file(file);
    // Open it (the graph index then knows it at once) and rescan until the tree lists it.
    await vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true });
    await until('the graph in the tree', async () => {
      await vscode.commands.executeCommand('actiontree.refreshTree');
      return ((await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[]).find((g) => g.label === 'cluster');
    });
    const r = (await vscode.commands.executeCommand('actiontree.runGraphOnSlurm', uri.toString())) as { ok: boolean; session?: number; message?: string };
    assert.equal(r.ok, true, r.message);
    const seen = await until('one action running and one queued in the tree', async () => {
      const g = ((await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[]).find((x) => x.label === 'cluster');
      const kids = g?.children ?? [];
      const queued = kids.find((c) => /^queued /.test(c.description));
      const running = kids.find((c) => c.icon === 'sync~spin');
      return queued && running ? { queued, running } : undefined;
    });
    assert.equal(seen.queued.icon, 'watch', 'queued has its own icon');
    assert.match(seen.queued.tooltip, /queued: submitted to Slurm, waiting for the cluster to start it/);
    const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 60_000)) as Summary;
    assert.equal(s.error, null);
    assert.equal(s.result, 'succeeded');
    const report = JSON.parse(fs.readFileSync(path.join(s.runDir as string, 'report.json'), 'utf8')) as {
      actions: Record<string, { attemptDetails: { queuedAt?: number; startedAt: number; ref?: string }[] }>;
    };
    const waited = Object.values(report.actions).map((a) => (a.attemptDetails[0]!.startedAt - (a.attemptDetails[0]!.queuedAt ?? 0)));
    assert.ok(Math.max(...waited) >= 2000, `one job waited ~5 s in the queue for the license (${waited.join(', ')} ms)`);
  });
});
