#!/usr/bin/env node
// Runs the integration suites inside a real VS Code through @vscode/test-electron's runTests().
//
//   node test/integration/run.mjs [--suite default|untrusted] [--grep TEXT] [--no-build]
//
// VS Code executable: $ACTIONTREE_VSCODE_EXECUTABLE (a desktop VS Code), else the code-server
// harness launcher test/vscode/code-server-test (tools from scripts/setup-harness.sh).
// Test files: test/integration/**/*.test.ts, bundled with esbuild into out/test/integration/.
//   *.untrusted.test.ts  -> suite "untrusted" (workspace trust on, folder not trusted)
//   other *.test.ts      -> suite "default"   (trusted)
// Each suite opens a fresh copy of its fixture workspace. Prints one line per suite and a
// final `integration: N passed, N failed`; exits 1 if anything failed or nothing ran.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listTests } from '../../scripts/test-lib.mjs';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = path.join(ROOT, 'test', 'integration');
const OUT = path.join(ROOT, 'out', 'test', 'integration');
const LAUNCHER = path.join(ROOT, 'test', 'vscode', 'code-server-test');

/** The suites: name, fixture workspace, trust, which test files belong to it. */
export const SUITES = [
  {
    name: 'default',
    workspace: path.join(SRC, 'fixtures', 'workspace'),
    trusted: true,
    owns: (f) => f.endsWith('.test.ts') && !f.endsWith('.untrusted.test.ts'),
  },
  {
    name: 'untrusted',
    workspace: path.join(SRC, 'fixtures', 'workspace'),
    trusted: false,
    owns: (f) => f.endsWith('.untrusted.test.ts'),
  },
];

const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'git.enabled': false,
};

function parseArgs(argv) {
  const o = { suites: [], grep: undefined, build: !process.env.ACTIONTREE_SKIP_BUILD };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--suite') o.suites.push(argv[++i]);
    else if (a.startsWith('--suite=')) o.suites.push(a.slice(8));
    else if (a === '--grep') o.grep = argv[++i];
    else if (a.startsWith('--grep=')) o.grep = a.slice(7);
    else if (a === '--no-build') o.build = false;
    else throw new Error(`unknown argument: ${a}`);
  }
  for (const s of o.suites) {
    if (!SUITES.some((x) => x.name === s)) throw new Error(`unknown suite ${s} (known: ${SUITES.map((x) => x.name).join(', ')})`);
  }
  return o;
}

function sh(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

async function bundle(files) {
  fs.rmSync(OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(SRC, 'index.ts'), ...files],
    outdir: OUT,
    outbase: SRC,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
}

/** Desktop VS Code, untrusted: runTests() always adds --disable-workspace-trust, so spawn it directly. */
function runDesktopUntrusted(exe, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(exe, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0)));
  });
}

async function runSuite(suite, opts) {
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `actiontree-it-${suite.name}-`));
  const ws = path.join(tmp, 'workspace');
  fs.cpSync(suite.workspace, ws, { recursive: true });
  const resultsFile = path.join(tmp, 'results.json');
  const env = {
    ACTIONTREE_TEST_SUITE: suite.name,
    ACTIONTREE_TEST_RESULTS: resultsFile,
    ACTIONTREE_WORKSPACE_TRUST: suite.trusted ? 'trusted' : 'untrusted',
    ...(opts.grep ? { ACTIONTREE_TEST_GREP: opts.grep } : {}),
  };
  const desktop = process.env.ACTIONTREE_VSCODE_EXECUTABLE;
  let exitError;
  try {
    if (desktop) {
      const ud = path.join(tmp, 'ud');
      fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
      const settings = { ...BASE_SETTINGS };
      if (!suite.trusted) {
        Object.assign(settings, { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' });
      }
      fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
      const profile = [`--user-data-dir=${ud}`, `--extensions-dir=${path.join(tmp, 'ext')}`, '--disable-extensions'];
      if (suite.trusted) {
        await runTests({
          vscodeExecutablePath: desktop,
          extensionDevelopmentPath: ROOT,
          extensionTestsPath: path.join(OUT, 'index.js'),
          launchArgs: [ws, ...profile],
          extensionTestsEnv: env,
        });
      } else {
        const code = await runDesktopUntrusted(
          desktop,
          [ws, '--no-sandbox', '--disable-gpu-sandbox', '--disable-updates', '--skip-welcome', '--skip-release-notes',
            '--no-cached-data', `--extensionDevelopmentPath=${ROOT}`, `--extensionTestsPath=${path.join(OUT, 'index.js')}`, ...profile],
          env,
        );
        if (code !== 0) exitError = new Error(`VS Code exited with code ${code}`);
      }
    } else {
      await runTests({
        vscodeExecutablePath: LAUNCHER,
        extensionDevelopmentPath: ROOT,
        extensionTestsPath: path.join(OUT, 'index.js'),
        launchArgs: [ws],
        extensionTestsEnv: env,
      });
    }
  } catch (e) {
    exitError = e;
  }
  let results;
  try {
    results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } catch {
    results = undefined;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (!results) {
    const why = exitError ? exitError.message : 'no results file';
    console.log(`integration (${suite.name}): did not run (${why}) [${secs} s]`);
    return { passed: 0, failed: 0, pending: 0, broken: `suite ${suite.name} did not run: ${why}` };
  }
  for (const f of results.failures) console.log(`  FAILED (${suite.name}): ${f.title}\n    ${f.error.split('\n').slice(0, 6).join('\n    ')}`);
  const pend = results.pending ? `, ${results.pending} pending` : '';
  console.log(`integration (${suite.name}): ${results.passed} passed, ${results.failed} failed${pend} [${secs} s]`);
  let broken;
  if (results.passed + results.failed === 0) broken = `suite ${suite.name} ran no test`;
  else if (exitError && results.failed === 0) broken = `suite ${suite.name}: ${exitError.message}`;
  return { passed: results.passed, failed: results.failed, pending: results.pending, broken };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const files = listTests(SRC, '.test.ts');
  const selected = SUITES.filter((s) => opts.suites.length === 0 || opts.suites.includes(s.name));
  const t0 = Date.now();
  if (!process.env.ACTIONTREE_VSCODE_EXECUTABLE) sh('bash', [path.join(ROOT, 'scripts', 'setup-harness.sh')], 'harness setup');
  if (opts.build) sh(process.execPath, [path.join(ROOT, 'esbuild.mjs')], 'npm run build');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: the build did not produce the extension');
  await bundle(files);
  let passed = 0, failed = 0, pending = 0;
  const problems = [];
  for (const suite of selected) {
    const own = files.filter((f) => suite.owns(f));
    if (own.length === 0) {
      console.log(`integration (${suite.name}): no test files`);
      continue;
    }
    const r = await runSuite(suite, opts);
    passed += r.passed;
    failed += r.failed;
    pending += r.pending;
    if (r.broken) problems.push(r.broken);
  }
  if (passed + failed === 0) problems.push('no integration test ran');
  for (const p of problems) console.log(`integration: ERROR: ${p}`);
  console.log(`[integration took ${((Date.now() - t0) / 1000).toFixed(1)} s]`);
  console.log(`integration: ${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
  return failed > 0 || problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`integration: ERROR: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
