import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PlanCache, planInChild, type PlanReply } from '../../src/runner/planClient';
import { parseParentMessage, parseWorkerMessage, type WorkerToParent } from '../../src/shared/runner-protocol';
import { bundles } from './bundles';
import { analyzeText } from '../../src/core/analyze';
import { CodeLenses, UP_TO_DATE_TITLE } from '../../src/server/features/codeLens';
import { NextRun, hoverParagraph } from '../../src/server/nextRun';
import type { DocAnalysis } from '../../src/server/documents';
import { markedEnv, tmpDir, writeGraph } from './helpers';

/** Runs the worker bundle once with `start` and collects every message until it exits. */
async function runWorker(graphFile: string, extra: Record<string, unknown> = {}): Promise<WorkerToParent[]> {
  const { worker } = await bundles();
  const child = fork(worker, [], { env: markedEnv, execArgv: [], cwd: path.dirname(graphFile), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const messages: WorkerToParent[] = [];
  child.on('message', (raw) => {
    const p = parseWorkerMessage(raw);
    assert.ok(p.ok, JSON.stringify(raw));
    messages.push(p.value);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.send({ type: 'start', graphFile, ...extra });
  await exited;
  return messages;
}

const finished = (ms: WorkerToParent[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const m of ms) if (m.type === 'event' && m.event.type === 'action-finished') out[m.event.action] = `${m.event.state}${m.event.reason ? `: ${m.event.reason}` : ''}`;
  return out;
};

function incrementalGraph(dir: string): string {
  fs.writeFileSync(path.join(dir, 'a.txt'), 'one\n');
  return writeGraph(dir, {
    version: 1,
    actions: {
      gen: { command: 'cat a.txt > gen.out', inputs: ['a.txt'], outputs: ['gen.out'] },
      build: { command: 'cat gen.out > build.out', dependsOn: ['gen'], inputs: [], outputs: ['build.out'] },
      always: { command: 'true' },
    },
  });
}

describe('editor planning: plan over the worker protocol, force through it, PlanCache', function () {
  this.timeout(60_000);

  it('protocol: plan and force are validated', () => {
    assert.deepEqual(parseParentMessage({ type: 'plan', graphFile: '/x.actiontree.jsonc', force: true }), { ok: true, value: { type: 'plan', graphFile: '/x.actiontree.jsonc', force: true } });
    assert.equal(parseParentMessage({ type: 'plan', graphFile: '' }).ok, false);
    assert.equal(parseParentMessage({ type: 'plan', graphFile: '/x', force: 'yes' }).ok, false);
    assert.equal(parseParentMessage({ type: 'start', graphFile: '/x', force: 1 }).ok, false);
    const ok = parseParentMessage({ type: 'start', graphFile: '/x', force: true });
    assert.ok(ok.ok && ok.value.type === 'start' && ok.value.force === true);
    assert.equal(parseWorkerMessage({ type: 'plan-result', decisions: [{ action: 'a', decision: 'maybe', reasons: [] }], warnings: [] }).ok, false);
    assert.equal(parseWorkerMessage({ type: 'plan-result', decisions: [{ action: 'a', decision: 'run', reasons: [1] }], warnings: [] }).ok, false);
  });

  it('a second run through the worker skips the up-to-date actions; start with force runs them all (reason forced); plan agrees before each', async () => {
    const { worker } = await bundles();
    const dir = tmpDir('at-plan-');
    const file = incrementalGraph(dir);
    const env = markedEnv;
    const before = await planInChild(worker, file, { env });
    assert.equal(before.kind, 'plan');
    const d0 = (before as Extract<PlanReply, { kind: 'plan' }>).decisions;
    assert.deepEqual([...d0.values()].map((d) => [d.action, d.decision, d.reasons[0]]), [
      ['gen', 'run', 'no previous run'],
      ['build', 'run', 'no previous run'],
      ['always', 'run', 'no inputs declared'],
    ]);
    const first = await runWorker(file);
    assert.deepEqual(finished(first), { gen: 'succeeded', build: 'succeeded', always: 'succeeded' }, JSON.stringify(first.filter((m) => m.type !== 'event')));

    const again = await planInChild(worker, file, { env });
    assert.ok(again.kind === 'plan');
    assert.deepEqual([...again.decisions.values()].map((d) => [d.action, d.decision]), [
      ['gen', 'skip'],
      ['build', 'skip'],
      ['always', 'run'],
    ]);
    assert.deepEqual(finished(await runWorker(file)), { gen: 'skipped: up to date', build: 'skipped: up to date', always: 'succeeded' });

    const forced = await planInChild(worker, file, { env, force: true });
    assert.ok(forced.kind === 'plan');
    assert.deepEqual([...forced.decisions.values()].map((d) => d.reasons[0]), ['forced', 'forced', 'forced']);
    const msgs = await runWorker(file, { force: true });
    assert.deepEqual(finished(msgs), { gen: 'succeeded', build: 'succeeded', always: 'succeeded' });
    const done = msgs.find((m) => m.type === 'done');
    assert.ok(done && done.type === 'done' && done.runDir !== null);
    const report = JSON.parse(fs.readFileSync(path.join(done.runDir, 'report.json'), 'utf8')) as { actions: Record<string, { why?: string[] }> };
    assert.deepEqual(report.actions['gen']?.why, ['forced']);

    // A content change reruns the chain; planning wrote nothing (no state change by plan).
    fs.writeFileSync(path.join(dir, 'a.txt'), 'two\n');
    const changed = await planInChild(worker, file, { env });
    assert.ok(changed.kind === 'plan');
    assert.deepEqual(changed.decisions.get('gen')?.reasons, ['input changed: a.txt']);
    assert.equal(changed.decisions.get('build')?.decision, 'run');
  });

  it('planInChild: an invalid graph, a missing file and a timeout are answers, not exceptions', async () => {
    const { worker } = await bundles();
    const dir = tmpDir('at-plan-');
    const bad = writeGraph(dir, { version: 1, actions: { a: { command: 'true', dependsOn: ['nope'] } } }, 'bad');
    const r1 = await planInChild(worker, bad);
    assert.ok(r1.kind === 'error' && /the graph has errors/.test(r1.message), JSON.stringify(r1));
    const r2 = await planInChild(worker, path.join(dir, 'missing.actiontree.jsonc'));
    assert.ok(r2.kind === 'error' && /no such file/.test(r2.message), JSON.stringify(r2));
    const r3 = await planInChild(worker, incrementalGraph(tmpDir('at-plan-')), { timeoutMs: 1 });
    assert.ok(r3.kind === 'error' && /took longer/.test(r3.message), JSON.stringify(r3));
  });

  it('PlanCache: one computation at a time, cached, invalidated, bounded wait', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    let release: (() => void) | null = null;
    const cache = new PlanCache('/unused', {
      ttlMs: 60_000,
      compute: async (f) => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (f === 'slow') await new Promise<void>((r) => (release = r));
        else await new Promise((r) => setTimeout(r, 5));
        running--;
        return { kind: 'plan', decisions: new Map([['x', { action: 'x', decision: 'skip', reasons: [] }]]), warnings: [], at: Date.now() };
      },
    });
    // Bounded: a slow plan does not hold the caller.
    const t0 = Date.now();
    assert.equal(await cache.get('slow', 50), undefined);
    assert.ok(Date.now() - t0 < 5000);
    const other = cache.get('fast', 10_000); // queued behind 'slow'
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(calls, 1, 'one child at a time');
    release!();
    assert.ok((await other)?.kind === 'plan');
    assert.equal(maxRunning, 1);
    assert.equal(calls, 2);
    await cache.get('fast', 1000);
    assert.equal(calls, 2, 'cached');
    assert.equal(cache.peek('fast')?.fresh, true);
    cache.invalidate('fast');
    assert.equal(cache.peek('fast')?.fresh, false, 'stale after invalidate, still peekable');
    await cache.get('fast', 1000);
    assert.equal(calls, 3);
    cache.invalidate();
    assert.equal(cache.peek('slow')?.fresh, false);
  });
});

describe('language server: what the next run would do (NextRun, real worker)', function () {
  this.timeout(60_000);

  it('hover paragraph and code lens state from the plan; a hover never waits long; invalidation', async () => {
    const { worker } = await bundles();
    const dir = tmpDir('at-next-');
    const file = incrementalGraph(dir);
    const graph = analyzeText(fs.readFileSync(file, 'utf8')).graph;
    let refreshed = 0;
    const next = new NextRun(worker, 200, () => refreshed++);
    assert.equal(next.enabled, true);
    // Not computed yet: the code lens says plain "▶ Run"; a hover answers within its bound.
    assert.equal(next.upToDate(file, 'gen'), false);
    next.prefetch(file, graph);
    let slowest = 0;
    const line = await until(async () => {
      const t0 = Date.now();
      const t = await next.hoverText(file, graph, 'gen', null);
      slowest = Math.max(slowest, Date.now() - t0);
      return t !== undefined && !/still working/.test(t) ? t : undefined;
    });
    assert.equal(line, 'Next run: the next run runs it\\: no previous run');
    // Bound 200 ms; generous margin for a loaded machine (a plan itself takes a fork).
    assert.ok(slowest < 3000, `a hover waited ${slowest} ms`);
    // After a run: a newer run id drops the cached plan; then everything incremental is up to date.
    assert.deepEqual(finished(await runWorker(file)), { gen: 'succeeded', build: 'succeeded', always: 'succeeded' });
    const after = await until(async () => {
      const t = await next.hoverText(file, graph, 'gen', 'run-2');
      return t !== undefined && /up to date/.test(t) ? t : undefined;
    });
    assert.equal(after, 'Next run: up to date — the next run skips it');
    assert.equal(next.upToDate(file, 'gen'), true);
    assert.equal(next.upToDate(file, 'always'), false);
    assert.ok(refreshed >= 1, 'code lenses refreshed when the skip set changed');
    const lenses = new CodeLenses((_uri, id) => next.upToDate(file, id));
    const da = { uri: 'file:///x.actiontree.jsonc', analysis: analyzeText(fs.readFileSync(file, 'utf8')) } as unknown as DocAnalysis;
    const titles = lenses.list(da).map((l) => lenses.resolve(l).command?.title);
    assert.deepEqual(titles, [UP_TO_DATE_TITLE, 'Run with dependencies', UP_TO_DATE_TITLE, 'Run with dependencies', '▶ Run', 'Run with dependencies']);
    // A graph without inputs: nothing is computed.
    const plain = analyzeText('{"version":1,"actions":{"a":{"command":"true"}}}').graph;
    assert.equal(await next.hoverText(path.join(dir, 'plain.actiontree.jsonc'), plain, 'a', null), undefined);
    // Markdown is escaped; errors are one line.
    assert.equal(hoverParagraph({ kind: 'error', message: 'bad *thing* [x](command:y)\nmore', at: 0 }, 'a'), 'Next run: unknown — bad \\*thing\\* \\[x\\]\\(command\\:y\\)');
    assert.equal(hoverParagraph(undefined, 'a'), 'Next run: _still working out what would run (hover again)_');
  });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
