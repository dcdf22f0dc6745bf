import * as assert from 'node:assert/strict';
import { toXml, type El } from '../../../src/core/gantt/element';
import { buildGanttModel, groupExpansions, matrixBase, type GanttAction, type GanttInput } from '../../../src/core/gantt/model';
import { fitView, renderGantt } from '../../../src/core/gantt/render';
import { graphInfo } from '../../../src/core/gantt/input';
import { analyzeText } from '../../../src/core/analyze';

const T = 1_795_269_802_000;

function act(id: string, dependsOn: string[] = []): GanttAction {
  return {
    id,
    dependsOn,
    state: 'succeeded',
    readyAt: T,
    attempts: [{ startedAt: T + 10, finishedAt: T + 100 }],
    finishedAt: T + 100,
    reason: null,
    exitCode: 0,
    signal: null,
    command: null,
    description: null,
    estimateMs: null,
  };
}

function collect(node: El | string, pred: (e: El) => boolean, out: El[] = []): El[] {
  if (typeof node === 'string') return out;
  if (pred(node)) out.push(node);
  for (const c of node.children) collect(c, pred, out);
  return out;
}

describe('gantt: matrix expansions grouped (SPEC §10)', () => {
  it('matrixBase reads the action from an expansion id only', () => {
    assert.equal(matrixBase('test[python=3.11,os=linux]'), 'test');
    assert.equal(matrixBase('build'), undefined);
    assert.equal(matrixBase('[x]'), undefined);
  });

  it('brings a matrix action\'s expansions together (stable, dependencies still first) and marks them as a group', () => {
    const input: GanttInput = {
      runId: 'r',
      title: 't',
      startedAt: T,
      finishedAt: T + 1000,
      result: 'succeeded',
      actions: [act('prep'), act('t[a=1]', ['prep']), act('lint'), act('t[a=2]', ['prep']), act('u[x=1]'), act('end', ['t[a=1]', 't[a=2]'])],
    };
    assert.deepEqual(groupExpansions(input.actions).map((a) => a.id), ['prep', 't[a=1]', 't[a=2]', 'lint', 'u[x=1]', 'end']);
    const m = buildGanttModel(input, T + 1000);
    assert.deepEqual(m.rows.map((r) => r.action.id), ['prep', 't[a=1]', 't[a=2]', 'lint', 'u[x=1]', 'end']);
    assert.deepEqual(m.groups, [
      { label: 't', first: 1, last: 2 },
      { label: 'u', first: 4, last: 4 },
    ]);
    // Arrows still point at the right rows.
    assert.deepEqual(m.rows[5]!.deps, [1, 2]);
    const svg = renderGantt(m, fitView(m, 900, 400));
    const bands = collect(svg, (e) => e.attrs['class'] === 'matrix-group');
    assert.deepEqual(bands.map((b) => b.attrs['data-group']), ['t', 'u']);
    const band = collect(bands[0]!, (e) => e.attrs['class'] === 'group-band')[0]!;
    assert.equal(band.attrs['height'], 2 * 22);
    assert.match(toXml(bands[0]!), /<title>matrix t: 2 expansions<\/title>/);
  });

  it('graphInfo of a matrix graph describes the expanded ids (substituted commands, expanded dependencies)', () => {
    const g = analyzeText(JSON.stringify({
      version: 1,
      actions: { t: { command: 'echo ${matrix.a}', matrix: { a: ['1', '2'] } }, end: { command: 'x', dependsOn: ['t'] } },
    })).graph;
    const info = graphInfo(g);
    assert.deepEqual([...info.keys()], ['t[a=1]', 't[a=2]', 'end']);
    assert.equal(info.get('t[a=2]')!.command, 'echo 2');
    assert.deepEqual(info.get('end')!.dependsOn, ['t[a=1]', 't[a=2]']);
  });
});
