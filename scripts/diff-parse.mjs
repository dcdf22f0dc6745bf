// Differential check of the parser against another copy of src/ (e.g. the commit before a
// refactoring): parseGraph (light tree, model, diagnostics, used resources) and analyzeText
// (all diagnostics) must give the same JSON on every *.jsonc of the repository and on seeded
// random mutations of them (deleted/duplicated/swapped lines, inserted keys and values,
// objects with more than 16 keys).
//
//   git archive <base> src | tar -x -C /tmp/base
//   node scripts/diff-parse.mjs --base /tmp/base [--mutations 20000] [--seed 1]
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const base = opt('base', undefined);
if (!base) {
  console.error('usage: node scripts/diff-parse.mjs --base DIR (a folder holding another src/)');
  process.exit(2);
}
const MUTATIONS = Number(opt('mutations', 20000));
let seed = Number(opt('seed', 1));
const rnd = () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

function files(dir, out = []) {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.') || e === 'out' || e === 'dist') continue;
    const p = path.join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) files(p, out);
    else if (e.endsWith('.jsonc')) out.push(p);
  }
  return out;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'actiontree-diffparse-'));
try {
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], mainFields: ['module', 'main'], logLevel: 'error', nodePaths: [path.join(root, 'node_modules')] };
  const load = async (dir, name) => {
    const out = path.join(tmp, `${name}.js`);
    await esbuild.build({
      ...common,
      stdin: { contents: `export { parseGraph } from './src/core/parse'; export { analyzeText } from './src/core/analyze';`, resolveDir: dir, loader: 'ts' },
      outfile: out,
    });
    return createRequire(import.meta.url)(out);
  };
  const A = await load(path.resolve(base), 'base');
  const B = await load(root, 'new');
  const replacer = (_k, v) => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v === Infinity ? 'Infinity' : v === undefined ? '<undefined>' : v);
  const show = (m, text) => {
    const p = m.parseGraph(text);
    const a = m.analyzeText(text);
    return JSON.stringify({ tree: p.tree, graph: p.graph, diagnostics: p.diagnostics, used: p.usedResources, analyzed: a.diagnostics }, replacer);
  };
  let checked = 0;
  let diagnostics = 0;
  const check = (text, what) => {
    const a = show(A, text);
    const b = show(B, text);
    checked++;
    diagnostics += (JSON.parse(b).analyzed ?? []).length;
    if (a !== b) {
      console.error(`DIFFERENT on ${what}:\n${text}\n--- base\n${a.slice(0, 2000)}\n--- new\n${b.slice(0, 2000)}`);
      process.exit(1);
    }
  };
  const corpus = files(root).map((f) => [path.relative(root, f), readFileSync(f, 'utf8')]);
  for (const [name, text] of corpus) check(text, name);

  const snippets = [
    '"command": "x",', '"command": [],', '"command": [""],', '"command": 1,', '"dependsOn": ["a", 1],', '"cpus": 0,', '"cpus": 99,', '"cpus": "auto",',
    '"resources": { "db": 1, "nope": 2, "db": 3 },', '"timeout": "1x",', '"timeout": true,', '"retries": -1,', '"priority": 1.5,', '"cwd": "",',
    '"env": { "A=B": "1", "": "x", "__proto__": "p", "A": 1 },', '"description": 3,', '"slurm": { "partition": 1 },', '"problemMatcher": "$gcc",',
    '"inputs": ["/abs/../x", 3],', '"outputs": "x",', '"envInputs": ["A=", ""],', '"memory": "1G",', '"memoryLimit": "x",', '"group": "g",',
    '"retryOn": [1],', '"retryDelay": "1s",', '"comand": "x",', '"toString": 1,', '"constructor": {},', '"__proto__": 1,', '"version": 2,',
    '"actions": [],', '"defaults": { "command": "x", "dependsOn": [] },', '"keepGoing": 1,', '"executor": { "kind": "slurm" },', '"groups": { "g": { "max": 1 } },',
    '{', '}', '[', ']', ',', ':', '"', '//', '/*', '1', 'null', '"a": { "command": "x" },',
  ];
  const properties = snippets.filter((x) => x.startsWith('"') && x.endsWith(','));
  for (let i = 0; i < MUTATIONS; i++) {
    const [name, text] = pick(corpus);
    const lines = text.split('\n');
    const ops = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < ops; k++) {
      const at = Math.floor(rnd() * lines.length);
      switch (Math.floor(rnd() * 7)) {
        case 0:
          lines.splice(at, 1);
          break;
        case 1: {
          const n = 1 + Math.floor(rnd() * 20); // up to 20 copies: objects of more than 16 keys
          lines.splice(at, 0, ...Array(n).fill(lines[at] ?? ''));
          break;
        }
        case 2: {
          const b = Math.floor(rnd() * lines.length);
          [lines[at], lines[b]] = [lines[b] ?? '', lines[at] ?? ''];
          break;
        }
        case 3:
          lines.splice(at, 0, pick(snippets));
          break;
        case 4: {
          const l = lines[at] ?? '';
          const c = Math.floor(rnd() * (l.length + 1));
          lines[at] = l.slice(0, c) + pick(snippets) + l.slice(c);
          break;
        }
        case 5: {
          // an object of 10 to 29 more properties (the paths for more than 16 keys)
          const l = lines[at] ?? '';
          const c = l.indexOf('{');
          if (c < 0) break;
          const n = 10 + Math.floor(rnd() * 20);
          const props = Array.from({ length: n }, (_, j) => (rnd() < 0.7 ? pick(properties) : `"k${j % 7}": ${j},`));
          lines[at] = l.slice(0, c + 1) + ' ' + props.join(' ') + l.slice(c + 1);
          break;
        }
        default: {
          const l = lines[at] ?? '';
          const c = Math.floor(rnd() * (l.length + 1));
          lines[at] = l.slice(0, c) + l.slice(c + 1 + Math.floor(rnd() * 4));
        }
      }
    }
    check(lines.join('\n'), `mutation ${i} of ${name}`);
  }
  console.log(`identical: ${corpus.length} files + ${MUTATIONS} mutations (${checked} texts, ${diagnostics} diagnostics in all)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
