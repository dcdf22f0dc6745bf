import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/run/events';
import { inputFromReport, parseEventsJsonl, parseReport, stateFromEvents } from '../../src/core/gantt/input';
import { bundles, runCli } from './bundles';
import { readEvents, tmpDir, writeGraph } from './helpers';

/**
 * Ids that are names on Object.prototype (issue #8 §3): `__proto__` vanished from
 * report.json (as an action and as a resource) and so from the chart; `constructor` and
 * `toString` crashed `gantt` on records whose events did not mention them.
 */
const IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

// Raw text: JSON.stringify of an object literal cannot even hold a "__proto__" key.
const GRAPH = `{
  "version": 1,
  "cpus": 2,
  "resources": { "__proto__": 1, "constructor": 2, "toString": 1, "hasOwnProperty": 1, "valueOf": 1 },
  "actions": {
    "__proto__": { "command": "echo proto", "resources": { "__proto__": 1, "constructor": 1 } },
    "constructor": { "command": "echo ctor", "dependsOn": ["__proto__"], "resources": { "toString": 1 } },
    "toString": { "command": "echo ts", "dependsOn": ["constructor"], "description": "to string" },
    "hasOwnProperty": { "command": "echo hop", "dependsOn": ["__proto__"], "resources": { "hasOwnProperty": 1, "valueOf": 1 } },
    "valueOf": { "command": "echo vo; exit 3", "dependsOn": ["toString", "hasOwnProperty"] }
  }
}
`;

const own = (o: unknown, k: string): boolean => typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, k);

describe('ids named like Object.prototype members (CLI, real processes)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    await bundles();
    dir = tmpDir('at-proto-');
    writeGraph(dir, GRAPH, 'proto');
  });

  it('validate and graph accept them', async () => {
    const v = await runCli(['validate', 'proto.actiontree.jsonc'], dir);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const g = await runCli(['graph', 'proto.actiontree.jsonc', '--format', 'json'], dir);
    assert.equal(g.code, 0, g.stderr);
    const j = JSON.parse(g.stdout) as { actions: { id: string; resources: object }[]; resources: object };
    assert.deepEqual(j.actions.map((a) => a.id), [...IDS]);
    for (const id of IDS) assert.ok(own(j.resources, id), `resource ${id}`);
  });

  let runDir: string;
  it('run: every action runs and report.json keeps every action and resource key', async () => {
    const r = await runCli(['run', 'proto.actiontree.jsonc'], dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    for (const id of IDS.slice(0, 4)) assert.ok(r.stdout.includes(`✓ ${id}\n`), `${id} in ${r.stdout}`);
    assert.ok(r.stdout.includes('✗ valueOf: exit code 3'), r.stdout);
    assert.match(r.stdout, /4 succeeded, 1 failed of 5/);
    const runs = fs.readdirSync(path.join(dir, '.actiontree', 'runs'));
    runDir = path.join(dir, '.actiontree', 'runs', runs[0]!);
    const text = fs.readFileSync(path.join(runDir, 'report.json'), 'utf8');
    const report = JSON.parse(text) as { actions: Record<string, { state: string; resources: object; dependsOn: string[] }>; resources: object; selection: string[] };
    assert.deepEqual(Object.keys(report.actions), [...IDS]);
    assert.deepEqual(report.selection, [...IDS]);
    assert.deepEqual(Object.keys(report.resources), [...IDS]);
    assert.ok(own(report.actions, '__proto__'));
    assert.equal(report.actions['__proto__']!.state, 'succeeded');
    assert.deepEqual(Object.keys(report.actions['__proto__']!.resources), ['__proto__', 'constructor']);
    assert.deepEqual(Object.keys(report.actions['hasOwnProperty']!.resources), ['hasOwnProperty', 'valueOf']);
    assert.deepEqual(report.actions['constructor']!.dependsOn, ['__proto__']);
    assert.equal(report.actions['valueOf']!.state, 'failed');
    // Logs exist under their (escaped) names.
    for (const id of IDS) assert.ok(fs.existsSync(path.join(runDir, 'logs', `${id}.log`)), `log of ${id}`);
    // The shared reducer replays events.jsonl into the same five actions.
    const s = stateFromEvents(readEvents(path.join(runDir, 'events.jsonl')));
    assert.deepEqual(s.order, [...IDS]);
    assert.deepEqual(IDS.map((id) => s.actions.get(id)?.state), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed']);
    // report.json read back (own keys from JSON.parse) gives the chart all five rows.
    const parsed = parseReport(text);
    assert.ok(parsed.ok);
    const input = inputFromReport(parsed.report, undefined, parseEventsJsonl(fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')));
    assert.deepEqual(input.actions.map((a) => a.id).sort(), [...IDS].sort());
    assert.ok(input.actions.every((a) => a.attempts.length === 1));
  });

  it('gantt draws all five rows, as SVG and as HTML', async () => {
    for (const fmt of ['svg', 'html']) {
      const out = path.join(dir, `chart.${fmt}`);
      const g = await runCli(['gantt', runDir, '-o', out], dir);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stderr, /\(5 actions, /);
      const doc = fs.readFileSync(out, 'utf8');
      for (const id of IDS) assert.ok(doc.includes(`>${id}</text>`), `${fmt} row ${id}`);
    }
  });

  it('the next run gets estimates for them (own keys of run-started.estimates)', async () => {
    const before = new Set(fs.readdirSync(path.join(dir, '.actiontree', 'runs')));
    const r = await runCli(['run', 'proto.actiontree.jsonc'], dir);
    assert.equal(r.code, 1, r.stderr);
    const second = fs.readdirSync(path.join(dir, '.actiontree', 'runs')).find((n) => !before.has(n))!;
    const started = readEvents(path.join(dir, '.actiontree', 'runs', second, 'events.jsonl'))[0] as Extract<RunEvent, { type: 'run-started' }>;
    assert.deepEqual(Object.keys(started.estimates ?? {}).sort(), ['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    assert.equal(stateFromEvents([started]).estimates.size, 4);
  });

  it('gantt of a record whose events do not mention constructor/toString (was exit 70)', async () => {
    const rd = path.join(dir, '.actiontree', 'runs', '20261129T000000.000Z-aaaa');
    fs.mkdirSync(rd, { recursive: true });
    const T = 1_795_269_802_000;
    const act = (state: string, start: number | null): object => ({ state, reason: null, exitCode: state === 'succeeded' ? 0 : null, signal: null, attempts: start === null ? 0 : 1, readyAt: T, startedAt: start, finishedAt: T + 900 });
    fs.writeFileSync(
      path.join(rd, 'report.json'),
      `{"version":1,"runId":"x","graphFile":null,"startedAt":${T},"finishedAt":${T + 1000},"result":"succeeded","actions":{"constructor":${JSON.stringify(act('succeeded', T + 10))},"toString":${JSON.stringify(act('canceled', null))},"__proto__":${JSON.stringify(act('succeeded', T + 20))},"valueOf":${JSON.stringify(act('skipped', null))}}}`,
    );
    // Events cover only another action (e.g. a record cut short).
    fs.writeFileSync(path.join(rd, 'events.jsonl'), `${JSON.stringify({ type: 'run-started', runId: 'x', time: T, cpus: 1, actions: ['other'] })}\n`);
    const g = await runCli(['gantt', rd], dir);
    assert.equal(g.code, 0, g.stderr);
    for (const id of ['constructor', 'toString', '__proto__', 'valueOf']) assert.ok(g.stdout.includes(`>${id}</text>`), id);
  });
});
