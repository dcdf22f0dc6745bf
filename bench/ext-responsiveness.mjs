#!/usr/bin/env node
// Extension-host responsiveness while one action writes 50 MB of output: a command's
// answer time (and event-loop lag) sampled every 20 ms during the run, inside a real VS Code
// (code-server harness, like the integration tests).
//
//   npm run build && node bench/ext-responsiveness.mjs [--mb 50]
//
// Target (issue 5): a command answers within 100 ms.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { bundle } from './lib/bundle.mjs';
import { num, root as ROOT, stats } from './lib/common.mjs';

const OUT = path.join(ROOT, 'out', 'bench', 'ext-responsiveness');
const MB = num('mb', 50);

// Not minified, and with esbuild's own mainFields: the test suite, not a shipped bundle.
await bundle(path.join(OUT, 'index.js'), 'bench/ext-responsiveness/suite.ts', { external: ['vscode'], minify: false, mainFields: undefined, logLevel: 'warning' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-bench-'));
const ws = path.join(tmp, 'workspace');
fs.cpSync(path.join(ROOT, 'test', 'integration', 'fixtures', 'workspace'), ws, { recursive: true });
const results = path.join(tmp, 'results.json');
try {
  await runTests({
    vscodeExecutablePath: path.join(ROOT, 'test', 'vscode', 'code-server-test'),
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(OUT, 'index.js'),
    launchArgs: [ws],
    extensionTestsEnv: { ACTIONTREE_BENCH_RESULTS: results, ACTIONTREE_BENCH_MB: String(MB), ACTIONTREE_WORKSPACE_TRUST: 'trusted' },
  });
} catch (e) {
  if (!fs.existsSync(results)) throw e;
}
const r = JSON.parse(fs.readFileSync(results, 'utf8'));
fs.rmSync(tmp, { recursive: true, force: true });
const summary = (xs) => {
  const s = stats(xs);
  return `median ${(s.median ?? NaN).toFixed(1)} ms, p95 ${(s.p95 ?? NaN).toFixed(1)} ms, max ${s.max?.toFixed(1)} ms`;
};
console.log(`extension host responsiveness while one action writes ${r.mb} MB of output (run ${r.result}, ${(r.wallMs / 1000).toFixed(1)} s, log file ${(r.logBytes / 1048576).toFixed(1)} MiB, ${r.samples.length} samples)`);
console.log(`  command answer time: ${summary(r.samples)}   (target < 100 ms)`);
console.log(`  event-loop lag:      ${summary(r.lags)}`);
