import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { toXml, el, type El } from '../../../src/core/gantt/element';
import { formatDuration, formatOffset, tickStep, ticks } from '../../../src/core/gantt/format';
import { buildGanttModel, type GanttAction, type GanttInput } from '../../../src/core/gantt/model';
import { fitView, renderGantt, tooltipLines, visibleRows, layoutOf } from '../../../src/core/gantt/render';
import { graphInfo, inputFromReport, inputFromRunState, parseReport, stateFromEvents, topoOrder } from '../../../src/core/gantt/input';
import { analyzeText } from '../../../src/core/analyze';
import { renderHtmlDocument, renderSvgDocument } from '../../../src/core/gantt/export';
import type { RunEvent } from '../../../src/core/run/events';
import { formatCounts } from '../../../src/core/run/counts';

const T = 1_795_269_802_000;

function act(id: string, over: Partial<GanttAction> = {}): GanttAction {
  return {
    id,
    dependsOn: [],
    state: 'succeeded',
    readyAt: null,
    attempts: [],
    finishedAt: null,
    reason: null,
    exitCode: null,
    signal: null,
    command: null,
    description: null,
    estimateMs: null,
    ...over,
  };
}

function finishedRun(): GanttInput {
  return {
    runId: 'r1',
    title: 'demo',
    startedAt: T,
    finishedAt: T + 1000,
    result: 'failed',
    actions: [
      act('a', { readyAt: T, attempts: [{ startedAt: T + 10, finishedAt: T + 300 }], finishedAt: T + 300, exitCode: 0 }),
      act('b', { readyAt: T, attempts: [{ startedAt: T + 20, finishedAt: T + 100 }], finishedAt: T + 100, exitCode: 0 }),
      act('c', {
        dependsOn: ['a', 'b'],
        state: 'failed',
        readyAt: T + 300,
        attempts: [
          { startedAt: T + 400, finishedAt: T + 500 },
          { startedAt: T + 600, finishedAt: T + 1000 },
        ],
        finishedAt: T + 1000,
        exitCode: 2,
        reason: 'exit code 2',
      }),
    ],
  };
}

function collect(node: El | string, pred: (e: El) => boolean, out: El[] = []): El[] {
  if (typeof node === 'string') return out;
  if (pred(node)) out.push(node);
  for (const c of node.children) collect(c, pred, out);
  return out;
}
const hasClass = (e: El, c: string): boolean => String(e.attrs['class'] ?? '').split(' ').includes(c);

describe('gantt model', () => {
  it('makes a wait bar and one run bar per attempt, colored by state', () => {
    const m = buildGanttModel(finishedRun(), 0);
    const c = m.rows[m.byId.get('c')!]!;
    assert.deepEqual(
      c.bars.map((b) => [b.kind, b.start - T, b.end - T, b.state, b.attempt]),
      [
        ['wait', 300, 400, 'ready', 0],
        ['run', 400, 500, 'failed', 1],
        ['run', 600, 1000, 'failed', 2],
      ],
    );
    assert.equal(m.now, null);
    assert.equal(m.counts.failed, 1);
    assert.equal(m.counts.succeeded, 2);
  });

  it('finds the critical path through the dependency that finished last', () => {
    const m = buildGanttModel(finishedRun(), 0);
    assert.deepEqual(m.criticalPath, ['a', 'c']);
    assert.equal(m.rows[m.byId.get('b')!]!.critical, false);
    assert.deepEqual(m.rows[m.byId.get('c')!]!.deps.slice().sort(), [0, 1]);
  });

  it('draws estimates for actions not yet run, after their dependencies, and a now line', () => {
    const input: GanttInput = {
      runId: 'r2',
      title: 'live',
      startedAt: T,
      finishedAt: null,
      result: null,
      actions: [
        act('a', { state: 'running', readyAt: T, attempts: [{ startedAt: T, finishedAt: null }], estimateMs: 500 }),
        act('b', { state: 'pending', dependsOn: ['a'], estimateMs: 200 }),
        act('c', { state: 'pending', dependsOn: ['b'] }),
      ],
    };
    const m = buildGanttModel(input, T + 100);
    assert.equal(m.now, T + 100);
    const a = m.rows[0]!;
    assert.equal(a.bars[0]!.kind, 'run');
    assert.equal(a.bars[0]!.end, T + 100);
    assert.equal(a.bars[0]!.open, true);
    const b = m.rows[1]!;
    assert.deepEqual(
      b.bars.map((x) => [x.kind, x.start - T, x.end - T]),
      [['estimate', 500, 700]],
    );
    assert.equal(m.rows[2]!.bars.length, 0, 'no estimate without a known duration');
    assert.deepEqual(m.criticalPath, ['a', 'b']);
    assert.ok(m.t1 >= T + 700);
  });

  it('never throws and keeps bars inside [t0, t1] for arbitrary inputs (property)', () => {
    const arbAction = (ids: string[]) =>
      fc.record({
        state: fc.constantFrom('pending', 'ready', 'running', 'succeeded', 'failed', 'canceled', 'skipped' as const),
        ready: fc.option(fc.integer({ min: 0, max: 10_000 })),
        attempts: fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.option(fc.integer({ min: 0, max: 10_000 }))), { maxLength: 3 }),
        deps: fc.subarray(ids),
        est: fc.option(fc.integer({ min: 0, max: 5000 })),
      });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((n) => {
          const ids = Array.from({ length: n }, (_, i) => `x${i}`);
          return fc.tuple(fc.constant(ids), fc.array(arbAction(ids), { minLength: n, maxLength: n }), fc.boolean(), fc.integer({ min: 0, max: 20_000 }));
        }),
        ([ids, specs, finished, now]) => {
          const input: GanttInput = {
            runId: 'p',
            title: 'p',
            startedAt: T,
            finishedAt: finished ? T + 10_000 : null,
            result: finished ? 'succeeded' : null,
            actions: specs.map((s, i) =>
              act(ids[i]!, {
                state: s.state,
                readyAt: s.ready === null ? null : T + s.ready,
                attempts: s.attempts.map(([a, b]) => ({ startedAt: T + a, finishedAt: b === null ? null : T + Math.max(a, b) })),
                dependsOn: s.deps,
                estimateMs: s.est,
              }),
            ),
          };
          const m = buildGanttModel(input, T + now);
          assert.equal(m.rows.length, ids.length);
          for (const r of m.rows) for (const b of r.bars) {
            assert.ok(b.start >= m.t0 && b.end <= m.t1 && b.end >= b.start, `bar ${JSON.stringify(b)} in [${m.t0}, ${m.t1}]`);
          }
          const svg = renderGantt(m, fitView(m, 800, 400), {});
          assert.equal(svg.tag, 'svg');
          toXml(svg);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('gantt rendering', () => {
  it('an up-to-date action (ready, then skipped without starting) gets a mark its dependents\' arrows start from, a legend entry and a tooltip', () => {
    const input: GanttInput = {
      runId: 'r2',
      title: 'inc',
      startedAt: T,
      finishedAt: T + 500,
      result: 'succeeded',
      actions: [
        act('gen', { state: 'skipped', readyAt: T + 5, finishedAt: T + 6, reason: 'up to date' }),
        act('build', { dependsOn: ['gen'], readyAt: T + 6, attempts: [{ startedAt: T + 10, finishedAt: T + 500 }], finishedAt: T + 500, exitCode: 0 }),
      ],
    };
    const m = buildGanttModel(input, T + 500);
    const gen = m.rows[0]!;
    assert.deepEqual(
      gen.bars.filter((b) => b.kind === 'skip').map((b) => [b.start, b.end, b.state]),
      [[T + 6, T + 6, 'skipped']],
    );
    assert.equal(gen.end, T + 6, 'the row has an end, so arrows leave from it');
    assert.equal(m.counts.skipped, 1);
    const svg = renderGantt(m, fitView(m, 800, 200), {});
    const marks = collect(svg, (e) => e.tag === 'rect' && String(e.attrs['class']).includes('bar skip'));
    assert.equal(marks.length, 1);
    assert.equal(marks[0]!.attrs['width'], 12);
    assert.deepEqual(m.criticalPath, ['build'], 'a skipped action took no time: not on the critical path');
    const arrows = collect(svg, (e) => e.tag === 'path' && String(e.attrs['class']).startsWith('dep'));
    assert.equal(arrows.length, 1, 'gen -> build arrow drawn');
    assert.match(tooltipLines(gen, m).join('\n'), /skipped: up to date[\s\S]*not run: up to date/);
    assert.match(toXml(svg), /1 skipped/);
    assert.match(renderSvgDocument(input), /skipped \(up to date\)/, 'legend of exported charts');
  });

  it('renders only the rows in view (virtualization) for a large chart', () => {
    const n = 10_000;
    const actions = Array.from({ length: n }, (_, i) =>
      act(`a${i}`, { dependsOn: i > 0 ? [`a${i - 1}`] : [], readyAt: T + i, attempts: [{ startedAt: T + i * 10, finishedAt: T + i * 10 + 9 }], finishedAt: T + i * 10 + 9 }),
    );
    const m = buildGanttModel({ runId: 'big', title: 'big', startedAt: T, finishedAt: T + n * 10, result: 'succeeded', actions }, 0);
    const view = { ...fitView(m, 1000, 600), scrollTop: 22 * 5000 };
    const [first, last] = visibleRows(m, view, layoutOf({}));
    assert.equal(first, 5000);
    assert.ok(last - first <= 30 && last - first >= 20, `${last - first} rows`);
    const svg = renderGantt(m, view);
    const labels = collect(svg, (e) => hasClass(e, 'label'));
    assert.equal(labels.length, last - first);
    assert.equal(labels[0]!.attrs['data-row'], 5000);
    assert.ok(collect(svg, (e) => e.tag === 'rect' && hasClass(e, 'run')).length <= last - first);
  });

  it('gives bars state classes, the critical path a class, dependency arrows, and no now line when finished', () => {
    const m = buildGanttModel(finishedRun(), 0);
    const svg = renderGantt(m, fitView(m, 900, 300));
    const runBars = collect(svg, (e) => e.tag === 'rect' && hasClass(e, 'run'));
    assert.equal(runBars.length, 4);
    assert.equal(runBars.filter((b) => hasClass(b, 'st-failed')).length, 2);
    assert.equal(runBars.filter((b) => hasClass(b, 'crit')).length, 2, 'a and the last attempt of c');
    assert.equal(collect(svg, (e) => hasClass(e, 'dep')).length, 2);
    assert.equal(collect(svg, (e) => hasClass(e, 'now')).length, 0);
    const hit = collect(svg, (e) => hasClass(e, 'hit'));
    assert.deepEqual(
      hit.map((h) => h.attrs['data-action']),
      ['a', 'b', 'c'],
    );
  });

  it('labels the axis with relative and clock time', () => {
    const m = buildGanttModel(finishedRun(), 0);
    const svg = renderGantt(m, fitView(m, 900, 300), { clock: (t) => `C${t - T}` });
    const rel = collect(svg, (e) => hasClass(e, 'tick-rel')).map((e) => e.children[0]);
    const clock = collect(svg, (e) => hasClass(e, 'tick-clock')).map((e) => e.children[0]);
    assert.ok(rel.includes('0') && rel.includes('+400ms'), String(rel));
    for (const t of collect(svg, (e) => hasClass(e, 'tick-rel'))) assert.ok(Number(t.attrs['x']) + 55 <= 900, 'no label cut at the right edge');
    assert.ok(clock.includes('C0') && clock.includes('C400'), String(clock));
  });

  it('tooltip tells command, state, reason, times and exit code', () => {
    const input = finishedRun();
    const withCmd: GanttInput = { ...input, actions: input.actions.map((a) => (a.id === 'c' ? { ...a, command: 'make c' } : a)) };
    const m = buildGanttModel(withCmd, 0);
    const lines = tooltipLines(m.rows[m.byId.get('c')!]!, m, () => 'CLOCK');
    assert.equal(lines[0], 'c — failed: exit code 2');
    assert.ok(lines.includes('$ make c'));
    // Issue 11 item 8: "exit code 2" once (in the first line), not again on its own line.
    assert.equal(lines.filter((l) => l.includes('exit code 2')).length, 1, lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('attempt 2: started CLOCK (+600ms), ran 400 ms')), lines.join('\n'));
    assert.ok(lines.includes('on the critical path'));
  });

  it('a group (SPEC §8) comes from the graph file and shows in the tooltip', () => {
    const g = analyzeText('{"version":1,"groups":{"tests":{"timeout":"10m"}},"actions":{"c":{"command":"make c","group":"tests"}}}').graph;
    const info = graphInfo(g);
    assert.equal(info.get('c')!.group, 'tests (timeout 10m)');
    const input = finishedRun();
    const withGroup: GanttInput = { ...input, actions: input.actions.map((a) => (a.id === 'c' ? { ...a, group: info.get('c')!.group ?? null } : a)) };
    const m = buildGanttModel(withGroup, 0);
    assert.ok(tooltipLines(m.rows[m.byId.get('c')!]!, m, () => 'CLOCK').includes('group tests (timeout 10m)'));
  });

  it('paused time (SPEC §8) is shaded across the plot, from events through the reducer to the SVG', () => {
    const evs: RunEvent[] = [
      { type: 'run-started', runId: 'r', time: T, cpus: 1, actions: ['a'] },
      { type: 'action-started', action: 'a', time: T, attempt: 1, pid: 1 },
      { type: 'run-paused', time: T + 200 },
      { type: 'run-resumed', time: T + 600 },
      { type: 'action-finished', action: 'a', time: T + 1000, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'run-finished', time: T + 1000, result: 'succeeded' },
    ];
    const input = inputFromRunState(stateFromEvents(evs));
    assert.deepEqual(input.pauses, [{ start: T + 200, end: T + 600 }]);
    const svg = renderSvgDocument(input, { width: 1000 });
    const m = /<rect class="paused" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(svg);
    assert.ok(m, 'no paused rect');
    assert.ok(Number(m[2]) > 100, `the shaded width covers 40% of the run: ${m[2]}`);
    assert.match(svg, /paused 400 ?ms/);
  });

  it('a never-started action is not "finished"; it is not on the critical path; the header counts add up', () => {
    const input = finishedRun();
    const withCanceled: GanttInput = {
      ...input,
      actions: [
        ...input.actions,
        // Canceled after everything else ended, without ever starting.
        act('d', { dependsOn: ['c'], state: 'canceled', readyAt: null, attempts: [], finishedAt: T + 1000.5, reason: "dependency 'c' failed" }),
        act('e', { dependsOn: ['d'], state: 'canceled', readyAt: null, attempts: [], finishedAt: T + 1000.5, reason: "dependency 'c' failed" }),
      ],
    };
    const m = buildGanttModel(withCanceled, 0);
    const lines = tooltipLines(m.rows[m.byId.get('d')!]!, m, () => 'CLOCK');
    assert.ok(!lines.some((l) => l.startsWith('finished')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('never started (canceled')), lines.join('\n'));
    assert.deepEqual(m.criticalPath, ['a', 'c']);
    assert.equal(formatCounts(m.tally), '2 succeeded · 1 failed · 2 not run');
    const svg = renderGantt(m, fitView(m, 900, 300));
    const texts = collect(svg, (e) => e.tag === 'text').flatMap((e) => e.children.filter((c) => typeof c === 'string'));
    assert.ok(!texts.some((t) => /\d+\/\d+ done/.test(String(t))), 'no "5/5 done"');
  });

  it("a waiting action's tooltip gives the reason computed by core/run/waiting", () => {
    const input: GanttInput = { ...finishedRun(), finishedAt: null, result: null, actions: [act('x', { state: 'ready', readyAt: T, attempts: [], waiting: 'waiting for db (held by migrate)' })] };
    const m = buildGanttModel(input, T + 500);
    assert.ok(tooltipLines(m.rows[0]!, m).includes('waiting for db (held by migrate)'));
  });

  it('escapes every text and attribute in the serialized SVG', () => {
    const nasty = '<script>alert("x")</script>&';
    const input: GanttInput = { ...finishedRun(), title: nasty, actions: [act(nasty, { attempts: [{ startedAt: T, finishedAt: T + 5 }], command: nasty })] };
    const svg = renderSvgDocument(input);
    assert.ok(!svg.includes('<script>'));
    assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;'));
    const html = renderHtmlDocument(input);
    assert.ok(!/<script/i.test(html));
    assert.match(html, /Content-Security-Policy/);
    assert.throws(() => toXml(el('bad tag')));
  });
});

describe('gantt formatting', () => {
  it('formats durations and offsets', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(1234), '1.23 s');
    assert.equal(formatDuration(12_345), '12.3 s');
    assert.equal(formatDuration(125_000), '2 m 05 s');
    assert.equal(formatDuration(3_720_000), '1 h 02 m');
    assert.equal(formatOffset(1500, 500), '+1.5s');
    assert.equal(formatOffset(150_000, 30_000), '+2m30s');
    assert.equal(formatOffset(120_000, 60_000), '+2m');
  });
  it('picks nice tick steps at least minPx apart', () => {
    assert.equal(tickStep(1, 90), 100);
    assert.equal(tickStep(100, 90), 10_000);
    assert.deepEqual(ticks(0, 150, 1000, 200), [200, 400, 600, 800, 1000]);
  });
});

describe('gantt input', () => {
  it('orders rows topologically, file order among ready rows', () => {
    const deps: Record<string, string[]> = { a: ['c'], b: [], c: [], d: ['a'] };
    assert.deepEqual(topoOrder(['a', 'b', 'c', 'd'], (id) => deps[id] ?? []), ['b', 'c', 'a', 'd']);
  });

  it('builds the chart input from events through the shared reducer', () => {
    const events: RunEvent[] = [
      { type: 'run-started', runId: 'r', time: T, cpus: 2, actions: ['a', 'b'], estimates: { b: 300 } },
      { type: 'action-ready', action: 'a', time: T },
      { type: 'action-started', action: 'a', time: T + 5, attempt: 1, pid: 1 },
      { type: 'action-finished', action: 'a', time: T + 50, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'action-ready', action: 'b', time: T + 50 },
    ];
    const info = new Map([
      ['a', { dependsOn: [], command: 'echo a', description: null }],
      ['b', { dependsOn: ['a'], command: 'echo b', description: 'B' }],
    ]);
    const input = inputFromRunState(stateFromEvents(events), info, 'g');
    assert.equal(input.finishedAt, null);
    assert.deepEqual(
      input.actions.map((a) => [a.id, a.state, a.attempts.length, a.estimateMs, a.dependsOn]),
      [
        ['a', 'succeeded', 1, null, []],
        ['b', 'ready', 0, 300, ['a']],
      ],
    );
  });

  it('parses a report and rejects corrupt or half-written ones with a clear error', () => {
    const good = JSON.stringify({
      version: 1,
      runId: 'r',
      graphFile: '/x/g.actiontree.jsonc',
      startedAt: T,
      finishedAt: T + 100,
      result: 'succeeded',
      actions: { b: { state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1, pendingAt: T, readyAt: T + 10, startedAt: T + 10, finishedAt: T + 100 }, a: { state: 'skipped', reason: null, exitCode: null, signal: null, attempts: 0, readyAt: null, startedAt: null, finishedAt: T + 5 } },
    });
    const p = parseReport(good);
    assert.ok(p.ok);
    const input = inputFromReport(p.report, new Map([['b', { dependsOn: ['a'], command: 'x', description: null }]]));
    assert.deepEqual(
      input.actions.map((a) => a.id),
      ['a', 'b'],
    );
    assert.equal(input.title, 'g.actiontree.jsonc');
    assert.equal(input.actions[1]!.attempts.length, 1);
    const bad = [good.slice(0, good.length / 2), '', '[]', '{"version":2}', JSON.stringify({ version: 1, startedAt: T, actions: { a: { state: 'weird' } } })];
    for (const b of bad) {
      const r = parseReport(b);
      assert.equal(r.ok, false, b);
      if (!r.ok) assert.ok(r.error.length > 10);
    }
    const half = parseReport(good.slice(0, 40));
    assert.ok(!half.ok && /not valid JSON \(corrupt or half-written\)/.test(half.error));
  });
});
