/**
 * Mocha runner loaded by VS Code's extension host (`--extensionTestsPath`). It runs the
 * compiled integration tests of one suite and writes the counts to the file named by
 * ACTIONTREE_TEST_RESULTS (read by test/integration/run.mjs).
 *
 * Suites (ACTIONTREE_TEST_SUITE): `default` runs every `*.test.js` except
 * `*.untrusted.test.js`; `untrusted` runs only `*.untrusted.test.js`. The compiled files live
 * beside this file (out/test/integration/, bundled by run.mjs from test/integration/**).
 * ACTIONTREE_TEST_GREP filters tests by title (mocha --grep).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findSourceMap } from 'node:module';
import Mocha from 'mocha';

export interface SuiteResults {
  suite: string;
  files: string[];
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
}

function findTests(dir: string, suite: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) {
        const untrusted = e.name.endsWith('.untrusted.test.js');
        if (suite === 'untrusted' ? untrusted : !untrusted) out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Maps `file.js:line:col` frames of the bundled tests back to the TypeScript sources (the
 * extension host formats stacks itself, so Node's own source-map support does not apply).
 */
function mapStack(stack: string): string {
  // The extension host prints paths relative to the extension folder (the repository root).
  const root = path.resolve(__dirname, '..', '..', '..');
  return stack.replace(/([^\s():]+\.js):(\d+):(\d+)/g, (whole, shown: string, line: string, col: string) => {
    try {
      const file = path.resolve(root, shown);
      const entry = findSourceMap(file)?.findEntry(Number(line) - 1, Number(col) - 1) as
        | { originalSource?: string; originalLine?: number; originalColumn?: number }
        | undefined;
      if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
      const src = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : path.resolve(path.dirname(file), entry.originalSource);
      return `${path.relative(root, src)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    } catch {
      return whole;
    }
  });
}

export async function run(): Promise<void> {
  // Stack traces of the bundled tests point at the TypeScript sources.
  process.setSourceMapsEnabled?.(true);
  const suite = process.env.ACTIONTREE_TEST_SUITE ?? 'default';
  const resultsFile = process.env.ACTIONTREE_TEST_RESULTS;
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.ACTIONTREE_MOCHA_TIMEOUT_MS ?? 30_000),
    reporter: 'spec',
    forbidOnly: !!(process.env.ACTIONTREE_FORBID_ONLY || process.env.CI),
  });
  if (process.env.ACTIONTREE_TEST_GREP) mocha.grep(process.env.ACTIONTREE_TEST_GREP);
  const files = findTests(__dirname, suite);
  for (const f of files) mocha.addFile(f);
  console.log(`[integration:${suite}] ${files.length} test file(s): ${files.map((f) => path.relative(__dirname, f)).join(', ')}`);

  const results: SuiteResults = { suite, files: files.map((f) => path.relative(__dirname, f)), passed: 0, failed: 0, pending: 0, failures: [] };
  const write = (): void => {
    if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  };
  write();
  await new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        write();
        if (failures > 0 || results.passed === 0) {
          reject(new Error(`${failures} test(s) failed, ${results.passed} passed`));
        } else resolve();
      });
      runner.on('pass', () => results.passed++);
      runner.on('pending', () => results.pending++);
      runner.on('fail', (test, err: unknown) => {
        // Rewritten before the reporter prints the failures at the end.
        if (err instanceof Error && err.stack) {
          try {
            err.stack = mapStack(err.stack);
          } catch {
            /* keep the bundled positions */
          }
        }
        results.failed++;
        results.failures.push({
          title: test.fullTitle(),
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      });
    } catch (e) {
      results.failed++;
      results.failures.push({ title: '(loading the test files)', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      write();
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
