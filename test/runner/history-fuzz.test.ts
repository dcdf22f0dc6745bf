/**
 * Fuzz (issue 8 "Must show"): random and hostile files in `.actiontree/runs/` — links to
 * /dev/zero and outside the folder, FIFOs, sparse files over the bounds, truncated and
 * malformed JSON, odd names, folders named like records, `__proto__` ids — and `actiontree
 * run`, `actiontree gantt` and the language server's hover must each finish within a time
 * bound and under a memory cap (peak RSS from /proc/<pid>/status, the child SIGKILLed past
 * either bound). Seeded: ACTIONTREE_FUZZ_SEED=<n> replays one case; the seed is in every
 * failure message.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HoverRequest, type MarkupContent } from 'vscode-languageserver/node';
import { TestClient, deadline, positionOf } from '../unit/server/lspClient';
import { bundles } from './bundles';
import { runBounded, watchMemory } from './bounded';
import { markedEnv, tmpDir, writeGraph } from './helpers';

/** CLI runs: time bound (generous: the machine is shared and loaded) and peak RSS cap. */
const CLI_MS = 30_000;
const CLI_MIB = 300;
/** Every hover answers within this; the server stays under this. */
const HOVER_MS = 5_000;
const SERVER_MIB = 300;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GRAPH = `{
  "version": 1,
  "actions": {
    "lint": { "command": "true" },
    "__proto__": { "command": "true", "dependsOn": ["lint"] },
    "build": { "command": "true", "dependsOn": ["__proto__"] }
  }
}
`;

/** Writes one hostile run folder's worth of records; returns what it wrote (for messages). */
function hostileRun(r: () => number, runs: string, graphFile: string, i: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const T0 = 1_795_269_802_000;
  const names = [
    `2999${String(i).padStart(4, '0')}T000000.000Z-${Math.floor(r() * 65536).toString(16)}`,
    `29990000T000000.000Z-odd name ${i} \u202e\u0007`,
    `${'9'.repeat(200)}${i}`,
    `zz-${i}-\u00e9\u4e2d`,
    `.hidden-${i}`,
    `-${i}`,
  ];
  const name = pick(names);
  const dir = path.join(runs, name);
  fs.mkdirSync(dir, { recursive: true });
  const ids = ['lint', '__proto__', 'constructor', 'toString', 'build', 'hasOwnProperty'];
  const goodReport = (): string =>
    JSON.stringify({
      version: 1,
      runId: name,
      graphFile: pick([graphFile, graphFile, path.join(path.dirname(graphFile), 'other.actiontree.jsonc'), 42, null]),
      startedAt: T0,
      finishedAt: pick([T0 + 1000, null, 'x']),
      result: pick(['succeeded', 'failed', 'bogus', null]),
      actions: Object.fromEntries(
        ids.filter(() => r() < 0.7).map((id) => [
          id,
          pick([
            { state: 'succeeded', durationMs: Math.floor(r() * 1000), startedAt: T0, finishedAt: T0 + 500, attempts: 1 },
            { state: pick(['failed', 'weird', 7]), reason: pick(['exit 1', { x: 1 }, null]), startedAt: pick([T0, 'x', null]) },
            null,
            'str',
            [1, 2],
          ]),
        ]),
      ),
    });
  const goodEvents = (): string =>
    [
      pick([
        { type: 'run-started', runId: name, time: T0, cpus: 1, actions: ['lint', '__proto__', 'constructor'], graphFile },
        { type: 'run-started', runId: name, time: T0, cpus: 1, graphFile },
        { type: 'run-started', runId: name, time: T0, cpus: 1, actions: 'lint' },
        { type: 'action-ready', action: 'lint', time: T0 },
      ]),
      { type: 'action-ready', action: pick(ids), time: T0 + 1 },
      { type: 'action-started', action: pick(ids), time: T0 + 2, attempt: 1, pid: 1 },
      { type: 'action-finished', action: pick(ids), time: T0 + 3, state: pick(['succeeded', 'failed', 'nope']), reason: null, exitCode: 0, signal: null, attempts: 1 },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n') + pick(['\n', '', '\n{"torn', '\n\u0000\u0000garbage\n']);
  const writers: Record<string, (file: string) => void> = {
    'link to /dev/zero': (f) => fs.symlinkSync('/dev/zero', f),
    'link outside': (f) => fs.symlinkSync('/etc/passwd', f),
    'dangling link': (f) => fs.symlinkSync('/nonexistent/x', f),
    'link to a good record': (f) => {
      fs.writeFileSync(`${f}.real`, f.endsWith('.json') ? goodReport() : goodEvents());
      fs.symlinkSync(`${f}.real`, f);
    },
    FIFO: (f) => execFileSync('mkfifo', [f]),
    'sparse 100 MiB': (f) => {
      fs.writeFileSync(f, `{"version":1,"runId":"x","graphFile":${JSON.stringify(graphFile)},"actions":{"lint":`);
      fs.truncateSync(f, 100 * 1024 * 1024);
    },
    'sparse 200 MiB': (f) => {
      fs.writeFileSync(f, '');
      fs.truncateSync(f, 200 * 1024 * 1024);
    },
    folder: (f) => fs.mkdirSync(f),
    truncated: (f) => {
      const t = f.endsWith('.json') ? goodReport() : goodEvents();
      fs.writeFileSync(f, t.slice(0, Math.floor(r() * t.length)));
    },
    good: (f) => fs.writeFileSync(f, f.endsWith('.json') ? goodReport() : goodEvents()),
    'random bytes': (f) => fs.writeFileSync(f, Buffer.from(Array.from({ length: Math.floor(r() * 4096) }, () => Math.floor(r() * 256)))),
    'deep nesting': (f) => fs.writeFileSync(f, '['.repeat(200_000)),
    empty: (f) => fs.writeFileSync(f, ''),
    absent: () => undefined,
  };
  const kinds = Object.keys(writers);
  const rk = pick(kinds);
  const ek = pick(kinds);
  writers[rk]!(path.join(dir, 'report.json'));
  writers[ek]!(path.join(dir, 'events.jsonl'));
  if (r() < 0.3) fs.writeFileSync(path.join(dir, 'runner.json'), pick(['{"pid":1,"hostname":"elsewhere"}', '{"pid":999999999,"hostname":"x"}', 'garbage', '{"pid":"1"}']));
  if (r() < 0.3) {
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    execFileSync('mkfifo', [path.join(dir, 'logs', 'lint.log')]);
  }
  return `${JSON.stringify(name)}: report.json ${rk}, events.jsonl ${ek}`;
}

/** A runs folder with `n` hostile run folders plus links at the folder level. */
function hostileFolder(seed: number, n: number): { dir: string; graph: string; what: string[] } {
  const r = rng(seed);
  const dir = fs.realpathSync(tmpDir('at-fuzz-'));
  const graph = writeGraph(dir, GRAPH, 'g');
  const runs = path.join(dir, '.actiontree', 'runs');
  fs.mkdirSync(runs, { recursive: true });
  const what: string[] = [];
  for (let i = 0; i < n; i++) what.push(hostileRun(r, runs, graph, i));
  fs.symlinkSync('/', path.join(runs, '29999999T999999.999Z-root'));
  fs.symlinkSync('/dev/zero', path.join(runs, '29999999T999999.999Z-zero'));
  fs.writeFileSync(path.join(runs, '29999999T999999.999Z-file'), 'not a folder');
  return { dir, graph, what };
}

const SEEDS = process.env['ACTIONTREE_FUZZ_SEED'] !== undefined ? [Number(process.env['ACTIONTREE_FUZZ_SEED'])] : [1, 2, 3, 0x5eed, (Date.now() % 1_000_000) + 7];

describe('fuzz: hostile .actiontree/runs (run, gantt, hover finish within bounds)', function () {
  this.timeout(300_000);

  for (const seed of SEEDS) {
    it(`seed ${seed}: run, gantt of every run folder, and hovers finish in time and under the memory cap`, async () => {
      const { dir, graph, what } = hostileFolder(seed, 14);
      const ctx = (s: string): string => `seed ${seed}: ${s}\n${what.join('\n')}`;
      const { cli } = await bundles();
      const bounded = (args: string[]) => runBounded(process.execPath, [cli, ...args], { cwd: dir, env: markedEnv, timeoutMs: CLI_MS, capMiB: CLI_MIB });
      try {
        // run: reads the records for estimates, then runs the three actions.
        let cliPeak = 0;
        let cliSlowest = 0;
        const run = await bounded(['run']);
        cliPeak = Math.max(cliPeak, run.peakMiB);
        cliSlowest = Math.max(cliSlowest, run.ms);
        assert.equal(run.killed, null, ctx(`run killed for ${run.killed} (${run.ms} ms, ${run.peakMiB.toFixed(0)} MiB)\n${run.stderr}`));
        assert.equal(run.code, 0, ctx(`run: exit ${run.code}\n${run.stderr}`));

        // gantt: of every run folder, and with no argument. Exit 0 (drawn) or 2 (a reason), never
        // an internal error or a stack trace.
        const runs = path.join(dir, '.actiontree', 'runs');
        const targets: string[][] = [[], ...fs.readdirSync(runs).map((n) => [path.join(runs, n)]), ...fs.readdirSync(runs).map((n) => [path.join(runs, n, 'report.json')])];
        for (const t of targets) {
          const g = await bounded(['gantt', ...t, '-o', path.join(dir, 'chart.svg')]);
          cliPeak = Math.max(cliPeak, g.peakMiB);
          cliSlowest = Math.max(cliSlowest, g.ms);
          const label = `gantt ${t.map((x) => JSON.stringify(path.relative(dir, x))).join(' ')}`;
          assert.equal(g.killed, null, ctx(`${label} killed for ${g.killed} (${g.ms} ms, ${g.peakMiB.toFixed(0)} MiB)`));
          assert.ok(g.code === 0 || g.code === 2, ctx(`${label}: exit ${g.code}\n${g.stderr}`));
          assert.doesNotMatch(g.stderr, /\n\s+at |internal error/, ctx(`${label}: ${g.stderr}`));
          if (g.code === 2) assert.match(g.stderr, /^actiontree gantt: .+/, ctx(label));
        }

        // hover: the language server over the same folder.
        const c = await TestClient.start({ mode: 'pull', rootDir: dir });
        let slowestHover = 0;
        let over = false;
        const mem = watchMemory(c.proc.pid!, SERVER_MIB, () => (over = true));
        try {
          const uri = pathToFileURL(graph).href;
          await c.open(uri, GRAPH);
          for (const needle of ['"lint": {', '"__proto__": {', '"build": {', '"lint": {', '"__proto__": {', '"build": {']) {
            const t0 = Date.now();
            const h = await deadline(c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(GRAPH, needle, 0, 2) }), HOVER_MS, ctx(`hover on ${needle}`));
            assert.ok(h !== null, ctx(`no hover on ${needle}`));
            slowestHover = Math.max(slowestHover, Date.now() - t0);
            assert.match((h.contents as MarkupContent).value, /\*\*/, ctx(`hover on ${needle} (${Date.now() - t0} ms)`));
          }
          assert.ok(c.alive(), ctx(`server died: ${c.stderr}`));
          assert.doesNotMatch(c.logs.join('\n'), /\[hover\]/, ctx('a hover handler failed'));
        } finally {
          const peak = mem.stop();
          await c.stop();
          assert.ok(!over && peak < SERVER_MIB, ctx(`server peak RSS ${peak.toFixed(0)} MiB`));
          console.log(`      seed ${seed}: ${targets.length + 1} CLI runs, slowest ${cliSlowest} ms, peak RSS ${cliPeak.toFixed(0)} MiB; slowest hover ${slowestHover} ms, server peak ${peak.toFixed(0)} MiB`);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
