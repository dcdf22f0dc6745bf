#!/usr/bin/env node
// Runs the UI end-to-end tests (test/e2e/**/*.e2e.ts, mocha through tsx) against the
// workbench in code-server + headless Chromium (see test/e2e/harness.ts, docs/testing.md).
//
//   node test/e2e/run.mjs [--no-build] [mocha args, e.g. --grep "smoke" or a file]
//
// Prints `e2e: N passed, N failed`; exits 1 if anything failed or no test ran.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listTests, mochaCounts } from '../../scripts/test-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = path.join(ROOT, 'test', 'e2e');

function sh(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

async function main() {
  const t0 = Date.now();
  let argv = process.argv.slice(2);
  const build = !argv.includes('--no-build') && !process.env.ACTIONTREE_SKIP_BUILD;
  argv = argv.filter((a) => a !== '--no-build');
  const explicitFiles = argv.filter((a) => a.endsWith('.ts'));
  const files = explicitFiles.length ? [] : listTests(DIR, '.e2e.ts');
  if (files.length === 0 && explicitFiles.length === 0) {
    console.log('e2e: no test files (test/e2e/**/*.e2e.ts)');
    return 1;
  }
  sh('bash', [path.join(ROOT, 'scripts', 'setup-harness.sh')], 'harness setup');
  if (build) sh(process.execPath, [path.join(ROOT, 'esbuild.mjs')], 'npm run build');
  const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const args = [mocha, '--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--timeout', '120000',
    '--reporter', 'spec', '--no-color', ...(process.env.ACTIONTREE_FORBID_ONLY || process.env.CI ? ['--forbid-only'] : []), ...argv, ...files];
  let out = '';
  const code = await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (b) => { out += b; process.stdout.write(b); });
    p.stderr.on('data', (b) => { out += b; process.stderr.write(b); });
    p.on('error', reject);
    p.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0)));
  });
  const c = mochaCounts(out);
  console.log(`[e2e took ${((Date.now() - t0) / 1000).toFixed(1)} s]`);
  console.log(`e2e: ${c.passed} passed, ${c.failed} failed${c.pending ? `, ${c.pending} skipped` : ''}`);
  if (c.passed + c.failed === 0) {
    console.log('e2e: ERROR: no test ran');
    return 1;
  }
  return code !== 0 || c.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`e2e: ERROR: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
