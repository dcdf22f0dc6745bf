// Helpers shared by the test runners (scripts/test-all.mjs, test/integration/run.mjs,
// test/e2e/run.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Test files under `dir` whose names end in `suffix`, sorted; `fixtures` and `node_modules` are skipped. */
export function listTests(dir, suffix) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && e.name !== 'node_modules') out.push(...listTests(p, suffix));
    } else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

/** Counts from mocha's spec reporter summary ("N passing", "N failing", "N pending"). */
export function mochaCounts(text) {
  const last = (re) => {
    const all = [...text.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  return { passed: last(/^\s*(\d+) passing/gm), failed: last(/^\s*(\d+) failing/gm), pending: last(/^\s*(\d+) pending/gm) };
}
