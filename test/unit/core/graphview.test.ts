import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { graphCommand } from '../../../src/cli/graph';
import type { CliIO } from '../../../src/cli/command';
import { toXml } from '../../../src/core/gantt/element';
import { dependencyClosure, layoutGraph, neighborhood, nodeLabel } from '../../../src/core/graphview/layout';
import { GRAPH_RULES, renderGraph } from '../../../src/core/graphview/render';
import { encodeGraphHostMessage, parseGraphHostMessage, parseGraphWebviewMessage } from '../../../src/shared/graph-protocol';

const ROOT = path.join(__dirname, '../../..');
const NODES = [
  { id: 'install', deps: [] },
  { id: 'lint', deps: ['install'] },
  { id: 'build', deps: ['install', 'missing'] },
  { id: 'test', deps: ['build', 'build'] },
  { id: 'docs', deps: ['build'] },
  { id: 'loop', deps: ['loop'] },
];

describe('graph view (layout, drawing, svg export, messages)', () => {
  it('lays out every action once, left to right along dependencies, without overlapping boxes; deterministic', () => {
    const a = layoutGraph(NODES);
    assert.deepEqual(a, layoutGraph(NODES), 'same input, same layout');
    assert.deepEqual(a.nodes.map((n) => n.id).sort(), ['build', 'docs', 'install', 'lint', 'loop', 'test']);
    const at = new Map(a.nodes.map((n) => [n.id, n]));
    for (const [dep, act] of [['install', 'build'], ['build', 'test'], ['build', 'docs'], ['install', 'lint']] as const) {
      assert.ok(at.get(dep)!.x + at.get(dep)!.w <= at.get(act)!.x, `${dep} left of ${act}`);
    }
    for (const p of a.nodes) for (const q of a.nodes) {
      if (p === q) continue;
      const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
      assert.ok(apart, `${p.id} and ${q.id} overlap`);
    }
    // Unknown ids, repeats and self-edges are not drawn.
    assert.deepEqual(a.edges.map((e) => `${e.from}>${e.to}`).sort(), ['build>docs', 'build>test', 'install>build', 'install>lint']);
    for (const e of a.edges) assert.ok(e.points.length >= 2);
    assert.ok(a.width > 0 && a.height > 0);
  });

  it('closure = the action and everything it depends on; neighborhood adds its dependents', () => {
    assert.deepEqual([...dependencyClosure(NODES, 'test')].sort(), ['build', 'install', 'test']);
    assert.deepEqual([...neighborhood(NODES, 'build')].sort(), ['build', 'docs', 'install', 'test']);
    assert.equal(nodeLabel('x'.repeat(80)).length, 35);
  });

  it('draws state classes, the selection closure, and escapes text', () => {
    const nodes = [{ id: 'a<b>&"', deps: [] }, { id: 'c', deps: ['a<b>&"'] }, { id: 'd', deps: [] }];
    const xml = toXml(renderGraph(layoutGraph(nodes), { states: new Map([['c', 'failed' as const]]), selected: 'c', closure: new Set(['c', 'a<b>&"']) }));
    assert.match(xml, /<svg[^>]*class="graph has-selection"/);
    assert.match(xml, /<g class="node st-failed in-closure selected" data-action="c">/);
    assert.match(xml, /<g class="node st-none in-closure" data-action="a&lt;b&gt;&amp;&quot;">/);
    assert.match(xml, /<g class="node st-none" data-action="d">/);
    assert.match(xml, /<path class="edge in-closure"/);
    assert.doesNotMatch(xml, /<b>/);
  });

  it('media/graph.css carries the renderer rules verbatim (the view draws like the svg export)', () => {
    const css = fs.readFileSync(path.join(ROOT, 'media', 'graph.css'), 'utf8');
    assert.ok(css.includes(GRAPH_RULES.trim()), 'GRAPH_RULES are in media/graph.css');
  });

  it('actiontree graph --format svg writes a standalone drawing of the example graph', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-graphsvg-'));
    try {
      fs.copyFileSync(path.join(ROOT, 'examples', 'release.actiontree.jsonc'), path.join(dir, 'release.actiontree.jsonc'));
      const o = { out: '', err: '', cwd: dir, isTTY: false, env: {}, stdout(s: string) { o.out += s; }, stderr(s: string) { o.err += s; } } satisfies CliIO & { out: string; err: string };
      assert.equal(await graphCommand.run(['--format', 'svg'], o), 0, o.err);
      assert.match(o.out, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" class="graph"/);
      assert.equal((o.out.match(/<g class="node /g) ?? []).length, 11);
      assert.match(o.out, /<text class="title"[^>]*>release — 11 actions<\/text>/);
      assert.match(o.out, /<title>build:app — Bundle the application \(uses 2 CPU slots\)\n\$ echo/);
      assert.doesNotMatch(o.out, /<script|href=|src=/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('messages are validated on both sides; malformed ones are refused with a reason', () => {
    const graph = { title: 't', graphFile: '/x', nodes: [{ id: 'a', deps: [], command: 'echo', description: null }] };
    const ok = parseGraphHostMessage(JSON.parse(JSON.stringify(encodeGraphHostMessage({ type: 'graph', graph }))));
    assert.deepEqual(ok, { ok: true, value: { type: 'graph', graph } });
    assert.deepEqual(parseGraphHostMessage({ type: 'run', chartJson: 'null', now: 1 }), { ok: true, value: { type: 'run', chart: null, now: 1 } });
    for (const bad of [null, { type: 'graph', graphJson: '{' }, { type: 'graph', graphJson: JSON.stringify({ ...graph, nodes: [{ id: '', deps: [] }] }) }, { type: 'run', chartJson: '{}', now: 1 }, { type: 'nope' }]) {
      const r = parseGraphHostMessage(bad);
      assert.equal(r.ok, false, JSON.stringify(bad));
      if (!r.ok) assert.match(r.error, /^invalid message: /);
    }
    assert.deepEqual(parseGraphWebviewMessage({ type: 'reveal-output', action: 'a' }), { ok: true, value: { type: 'reveal-output', action: 'a' } });
    assert.equal(parseGraphWebviewMessage({ type: 'reveal-output', action: 5 }).ok, false);
    assert.equal(parseGraphWebviewMessage({ type: 'rendered', nodes: 1, drawn: 1, states: { x: 'y' }, layoutMs: null, message: null, runId: null }).ok, false);
  });
});
