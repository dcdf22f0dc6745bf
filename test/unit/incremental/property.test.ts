import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { analyzeText } from '../../../src/core/analyze';
import { topologicalOrder } from '../../../src/core/graph';
import type { Graph } from '../../../src/core/model';
import { IncrementalSession } from '../../../src/runner/incremental/session';

/**
 * Property (issue 9): for random graphs and random file edits, the set of actions an
 * incremental run runs equals the set a brute-force model says must run — inputs changed,
 * transitively through dependencies, with early cutoff through byte-identical outputs.
 *
 * The engine works on real files (globs, stat cache, journal, state file reloaded between
 * runs); the "commands" are executed in-process by a sequential driver (the scheduler's
 * gate protocol: beforeStart when ready, afterFinish for everyone), so hundreds of runs fit.
 */

const FILES = ['in/a.txt', 'in/b.txt', 'in/c.txt', 'in/sub/d.txt', 'in/e.md'];

interface ActionSpec {
  deps: number[];
  incremental: boolean;
  /** Input globs (when incremental). */
  inputs: string[];
  hasOutputs: boolean;
  /** Output = lossy function of what it reads: 'copy' (keeps everything) or 'len' (only the total length mod 3). */
  fn: 'copy' | 'len';
  version: number;
}

const PATTERN_CHOICES: string[][] = [
  ['in/a.txt'],
  ['in/*.txt'],
  ['in/**'],
  ['in/**/*.txt', '!in/b.txt'],
  ['in/sub/*.txt', 'in/e.md'],
  ['in/**', '!in/**/*.md', '!in/sub/**'],
  [],
];

const actionArb = (i: number): fc.Arbitrary<ActionSpec> =>
  fc.record({
    deps: i === 0 ? fc.constant([]) : fc.uniqueArray(fc.integer({ min: 0, max: i - 1 }), { maxLength: Math.min(3, i) }),
    incremental: fc.integer({ min: 0, max: 4 }).map((x) => x > 0),
    inputs: fc.constantFrom(...PATTERN_CHOICES),
    hasOutputs: fc.boolean(),
    fn: fc.constantFrom<'copy' | 'len'>('copy', 'len'),
    version: fc.constant(1),
  });

const graphArb = fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => actionArb(i))));

type Edit =
  | { kind: 'write'; file: number; content: string }
  | { kind: 'touch'; file: number }
  | { kind: 'delete'; file: number }
  | { kind: 'delete-output'; action: number }
  | { kind: 'corrupt-output'; action: number }
  | { kind: 'command'; action: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant<'write'>('write'), file: fc.nat(FILES.length - 1), content: fc.constantFrom('x', 'y', 'xy', 'zzz', '') }),
  fc.record({ kind: fc.constant<'touch'>('touch'), file: fc.nat(FILES.length - 1) }),
  fc.record({ kind: fc.constant<'delete'>('delete'), file: fc.nat(FILES.length - 1) }),
  fc.record({ kind: fc.constant<'delete-output'>('delete-output'), action: fc.nat(5) }),
  fc.record({ kind: fc.constant<'corrupt-output'>('corrupt-output'), action: fc.nat(5) }),
  fc.record({ kind: fc.constant<'command'>('command'), action: fc.nat(5) }),
);

function graphText(specs: ActionSpec[]): string {
  const actions: Record<string, unknown> = {};
  specs.forEach((s, i) => {
    actions[`a${i}`] = {
      command: `gen ${s.fn} v${s.version}`,
      dependsOn: s.deps.map((d) => `a${d}`),
      ...(s.incremental ? { inputs: s.inputs } : {}),
      ...(s.hasOutputs ? { outputs: [`out/a${i}.txt`] } : {}),
    };
  });
  return JSON.stringify({ version: 1, actions });
}

/** What an action "computes": from its input files and its dependencies' output files. */
function execute(dir: string, graph: Graph, specs: ActionSpec[], i: number, inputFiles: readonly string[]): void {
  const s = specs[i] as ActionSpec;
  let text = '';
  for (const f of inputFiles) text += `${f}=${fs.readFileSync(path.join(dir, f), 'utf8')};`;
  for (const d of s.deps) {
    const p = path.join(dir, `out/a${d}.txt`);
    text += `dep${d}=${fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '-'};`;
  }
  const out = s.fn === 'copy' ? `v${s.version}:${text}` : `v${s.version}:${text.length % 3}`;
  if (s.hasOutputs) {
    fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
    fs.writeFileSync(path.join(dir, `out/a${i}.txt`), out);
  }
  void graph;
}

// --- the brute-force model -------------------------------------------------------------

/** Files matched by an action's patterns, computed the naive way over the known file list. */
function matchNaive(dir: string, patterns: readonly string[]): string[] {
  const exists = FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  const re = (p: string): RegExp => {
    let r = '';
    for (let k = 0; k < p.length; k++) {
      const c = p[k] as string;
      if (c === '*' && p[k + 1] === '*') {
        r += '.*';
        k++;
        if (p[k + 1] === '/') k++;
      } else if (c === '*') r += '[^/]*';
      else r += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${r}$`);
  };
  const pos = patterns.filter((p) => !p.startsWith('!')).map(re);
  const neg = patterns.filter((p) => p.startsWith('!')).map((p) => re(p.slice(1)));
  return exists.filter((f) => pos.some((r) => r.test(f)) && !neg.some((r) => r.test(f))).sort();
}

interface ModelRecord {
  command: string;
  inputs: string; // path=content list
  deps: string; // contributions
  outputs: string | null; // output content at the end of its last successful run
}

// --- the engine, driven as the scheduler drives it ---------------------------------------

let runCounter = 0;

function engineRun(dir: string, file: string, specs: ActionSpec[]): Set<number> {
  const analysis = analyzeText(graphText(specs));
  const graph = analysis.graph;
  fs.writeFileSync(file, graphText(specs));
  const opened = IncrementalSession.forRun({ graphFile: file, graph, selection: graph.actions.map((a) => a.id), force: false, env: {}, runId: `r${++runCounter}` });
  assert.equal(opened.kind, 'ok');
  if (opened.kind !== 'ok') throw new Error('busy');
  const session = opened.session;
  const ran = new Set<number>();
  for (const id of topologicalOrder(graph)) {
    const i = Number(id.slice(1));
    const ans = session.beforeStart(id);
    assert.ok(!(ans instanceof Promise), 'dependencies finished: the gate answers synchronously');
    if (ans.skip) {
      session.afterFinish(id, 'skipped');
      continue;
    }
    ran.add(i);
    const s = specs[i] as ActionSpec;
    execute(dir, graph, specs, i, s.incremental ? matchNaive(dir, s.inputs) : []);
    session.afterFinish(id, 'succeeded');
  }
  session.close();
  return ran;
}

function applyEdit(dir: string, specs: ActionSpec[], e: Edit): void {
  switch (e.kind) {
    case 'write': {
      const p = path.join(dir, FILES[e.file] as string);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, e.content);
      break;
    }
    case 'touch': {
      const p = path.join(dir, FILES[e.file] as string);
      if (fs.existsSync(p)) {
        const t = new Date(Date.now() + 5000 + Math.random() * 1000);
        fs.utimesSync(p, t, t);
      }
      break;
    }
    case 'delete':
      fs.rmSync(path.join(dir, FILES[e.file] as string), { force: true });
      break;
    case 'delete-output':
      fs.rmSync(path.join(dir, `out/a${e.action}.txt`), { force: true });
      break;
    case 'corrupt-output': {
      const p = path.join(dir, `out/a${e.action}.txt`);
      if (fs.existsSync(p)) fs.writeFileSync(p, 'corrupted!');
      break;
    }
    case 'command': {
      const s = specs[e.action];
      if (s) s.version++;
      break;
    }
  }
}

describe('incremental: random graphs and edits against a brute-force model', () => {
  it('the actions that run are exactly those the model says must run, over several rounds', function () {
    this.timeout(120000);
    fc.assert(
      fc.property(graphArb, fc.array(fc.array(editArb, { maxLength: 4 }), { minLength: 1, maxLength: 4 }), (specs0, rounds) => {
        const specs = specs0.map((s) => ({ ...s }));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-prop-'));
        try {
          for (const [k, f] of FILES.entries()) {
            fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            fs.writeFileSync(path.join(dir, f), `init${k}`);
          }
          const file = path.join(dir, 'p.actiontree.jsonc');
          const model = new Map<number, ModelRecord>();
          let nonce = 0;
          const first = engineRun(dir, file, specs);
          // Re-create the files' state for the model: it runs after the engine did, on the same files.
          const mfirst = modelRunAfter(dir, specs, model, ++nonce, first);
          assert.deepEqual([...first].sort(), [...Array(specs.length).keys()], 'first run runs everything');
          assert.deepEqual([...mfirst].sort(), [...Array(specs.length).keys()]);
          for (const edits of [[], ...rounds]) {
            for (const e of edits) applyEdit(dir, specs, e);
            const expected = modelPredict(dir, specs, model, ++nonce);
            const got = engineRun(dir, file, specs);
            assert.deepEqual([...got].sort(), [...expected].sort(), `edits ${JSON.stringify(edits)} on ${graphText(specs)}`);
            modelCommit(dir, specs, model, got);
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 120 },
    );
  });
});

// The model must not execute actions itself (the engine already did): predict, then record.

/** The first run: everything runs (nothing recorded); records what the engine's run left. */
function modelRunAfter(dir: string, specs: ActionSpec[], model: Map<number, ModelRecord>, nonce: number, ran: Set<number>): Set<number> {
  const expected = modelPredict(dir, specs, model, nonce);
  modelCommit(dir, specs, model, ran);
  return expected;
}

let pendingPrediction: { inputs: Map<number, string>; deps: Map<number, string> } | null = null;

/**
 * Which actions must run now, simulating in order: an action that runs produces the output the
 * engine's run will produce (same `execute` semantics, computed without writing).
 */
function modelPredict(dir: string, specs: ActionSpec[], model: Map<number, ModelRecord>, nonce: number): Set<number> {
  const ran = new Set<number>();
  const contribution = new Map<number, string>();
  const outputs = new Map<number, string | null>();
  const inputsAt = new Map<number, string>();
  const depsAt = new Map<number, string>();
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as ActionSpec;
    const files = s.incremental ? matchNaive(dir, s.inputs) : [];
    const inputs = files.map((f) => `${f}=${fs.readFileSync(path.join(dir, f), 'utf8')}`).join(';');
    const deps = s.deps.map((d) => `${d}:${contribution.get(d)}`).join(';');
    inputsAt.set(i, inputs);
    depsAt.set(i, deps);
    const command = `gen ${s.fn} v${s.version}`;
    const outPath = path.join(dir, `out/a${i}.txt`);
    const outNow = s.hasOutputs && fs.existsSync(outPath) ? fs.readFileSync(outPath, 'utf8') : null;
    const rec = model.get(i);
    const upToDate =
      s.incremental &&
      rec !== undefined &&
      rec.command === command &&
      rec.inputs === inputs &&
      rec.deps === deps &&
      !deps.includes('nonce') &&
      (!s.hasOutputs || (rec.outputs !== null && rec.outputs === outNow));
    let out = outNow;
    if (!upToDate) {
      ran.add(i);
      let text = '';
      for (const f of files) text += `${f}=${fs.readFileSync(path.join(dir, f), 'utf8')};`;
      for (const d of s.deps) {
        const o = outputs.get(d);
        text += `dep${d}=${o === null || o === undefined ? '-' : o};`;
      }
      out = s.hasOutputs ? (s.fn === 'copy' ? `v${s.version}:${text}` : `v${s.version}:${text.length % 3}`) : null;
    }
    outputs.set(i, out);
    const fp = upToDate ? `fp:${(rec as ModelRecord).command}|${(rec as ModelRecord).inputs}|${(rec as ModelRecord).deps}` : `fp:${command}|${inputs}|${deps}`;
    contribution.set(i, s.hasOutputs ? `out:${out}` : s.incremental ? fp : `nonce${nonce}`);
  }
  pendingPrediction = { inputs: inputsAt, deps: depsAt };
  return ran;
}

function modelCommit(dir: string, specs: ActionSpec[], model: Map<number, ModelRecord>, ran: Set<number>): void {
  const p = pendingPrediction as NonNullable<typeof pendingPrediction>;
  for (const i of ran) {
    const s = specs[i] as ActionSpec;
    const outPath = path.join(dir, `out/a${i}.txt`);
    model.set(i, {
      command: `gen ${s.fn} v${s.version}`,
      inputs: p.inputs.get(i) as string,
      deps: p.deps.get(i) as string,
      outputs: s.hasOutputs && fs.existsSync(outPath) ? fs.readFileSync(outPath, 'utf8') : null,
    });
  }
}

