import * as assert from 'node:assert/strict';
import { inputFromRunState, stateFromEvents } from '../../../src/core/gantt/input';
import { buildGanttModel } from '../../../src/core/gantt/model';
import { DEFAULT_LAYOUT, fitView, renderGantt } from '../../../src/core/gantt/render';
import type { El } from '../../../src/core/gantt/element';
import type { RunEvent } from '../../../src/core/run/events';

// The label column's header ("5 actions · 146 ms" over the counts) stays inside the column:
// a long count line ("2 succeeded · 1 failed · 2 not run") used to run into the time axis.

const T = 1_795_269_802_000;
const fin = (action: string, time: number, state: 'succeeded' | 'failed' | 'canceled'): RunEvent => ({
  type: 'action-finished', action, time, state, reason: state === 'canceled' ? 'a dependency failed' : null, exitCode: state === 'canceled' ? null : state === 'failed' ? 1 : 0, signal: null, attempts: state === 'canceled' ? 0 : 1,
});
const events: RunEvent[] = [
  { type: 'run-started', runId: 'r', time: T, cpus: 2, actions: ['a', 'b', 'c', 'd', 'e'] },
  { type: 'action-ready', action: 'a', time: T },
  { type: 'action-started', action: 'a', time: T + 1, attempt: 1, pid: 5 },
  fin('a', T + 50, 'succeeded'),
  { type: 'action-ready', action: 'b', time: T + 50 },
  { type: 'action-started', action: 'b', time: T + 51, attempt: 1, pid: 6 },
  fin('b', T + 100, 'succeeded'),
  { type: 'action-ready', action: 'c', time: T + 100 },
  { type: 'action-started', action: 'c', time: T + 101, attempt: 1, pid: 7 },
  fin('c', T + 146, 'failed'),
  fin('d', T + 146, 'canceled'),
  fin('e', T + 146, 'canceled'),
  { type: 'run-finished', time: T + 146, result: 'failed' },
];

function find(e: El | string, pred: (x: El) => boolean, out: El[] = []): El[] {
  if (typeof e === 'string') return out;
  if (pred(e)) out.push(e);
  for (const c of e.children) find(c, pred, out);
  return out;
}
const text = (e: El): string => e.children.filter((c): c is string => typeof c === 'string').join('');

describe('gantt: the label column header', () => {
  it('keeps "2 succeeded · 1 failed · 2 not run" inside the label column (clipped, narrowed to fit)', () => {
    const model = buildGanttModel(inputFromRunState(stateFromEvents(events)), T + 200);
    const svg = renderGantt(model, fitView(model, 900, 400));
    const head = find(svg, (x) => x.tag === 'g' && x.attrs['class'] === 'axis-head');
    assert.equal(head.length, 1);
    assert.equal(head[0]!.attrs['clip-path'], 'url(#gantt-clip-head)');
    const clip = find(svg, (x) => x.tag === 'clipPath' && x.attrs['id'] === 'gantt-clip-head');
    assert.equal(clip.length, 1);
    const rect = clip[0]!.children[0] as El;
    assert.ok(Number(rect.attrs['x']) + Number(rect.attrs['width']) <= DEFAULT_LAYOUT.labelWidth, 'the clip ends inside the label column');
    const title = find(head[0]!, (x) => x.attrs['class'] === 'axis-title')[0]!;
    const sub = find(head[0]!, (x) => x.attrs['class'] === 'axis-sub')[0]!;
    assert.equal(text(title), '5 actions · 146 ms');
    assert.equal(text(sub), '2 succeeded · 1 failed · 2 not run');
    const room = DEFAULT_LAYOUT.labelWidth - Number(sub.attrs['x']);
    assert.ok(Number(sub.attrs['textLength']) <= room - 6, `narrowed to ${String(sub.attrs['textLength'])} px of ${room}`);
    assert.equal(sub.attrs['lengthAdjust'], 'spacingAndGlyphs');
  });

  it('leaves a short count line as it is', () => {
    const short: RunEvent[] = [{ type: 'run-started', runId: 'r', time: T, cpus: 2, actions: ['a', 'b'] }, ...events.slice(1, 7), { type: 'run-finished', time: T + 100, result: 'succeeded' }];
    const model = buildGanttModel(inputFromRunState(stateFromEvents(short)), T + 200);
    const sub = find(renderGantt(model, fitView(model, 900, 400)), (x) => x.attrs['class'] === 'axis-sub')[0]!;
    assert.equal(text(sub), '2 succeeded');
    assert.equal(sub.attrs['textLength'], undefined);
  });
});
