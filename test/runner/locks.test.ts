import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/run/events';
import type { Report } from '../../src/runner/records';
import { runCli } from './bundles';
import { tmpDir, writeGraph } from './helpers';

/**
 * SPEC §10 through the real CLI bundle and real processes: locks (shared together, exclusive
 * alone, writer preference) and requires/provides (order). Every action appends
 * `start|end <id> <ns>` lines to times.log (`date +%s%N`, O_APPEND); the properties are checked
 * from those recorded times, never from sleeps. Concurrency of shared holders is proven by a
 * rendezvous (each waits until all have arrived), so the test cannot pass by accident under load.
 */

/** [start, end] in ns per id, from times.log. */
function recorded(dir: string): Map<string, [bigint, bigint]> {
  const out = new Map<string, [bigint, bigint]>();
  for (const line of fs.readFileSync(path.join(dir, 'times.log'), 'utf8').split('\n')) {
    const m = /^(start|end) (\S+) (\d+)$/.exec(line);
    if (m === null) continue;
    const [, kind, id, t] = m as unknown as [string, string, string, string];
    const cur = out.get(id) ?? [-1n, -1n];
    if (kind === 'start') cur[0] = BigInt(t);
    else cur[1] = BigInt(t);
    out.set(id, cur);
  }
  return out;
}

const overlap = (a: [bigint, bigint], b: [bigint, bigint]): boolean => a[0] < b[1] && b[0] < a[1];

function onlyReport(dir: string): Report {
  const runs = fs.readdirSync(path.join(dir, '.actiontree', 'runs'));
  assert.equal(runs.length, 1);
  return JSON.parse(fs.readFileSync(path.join(dir, '.actiontree', 'runs', runs[0] as string, 'report.json'), 'utf8')) as Report;
}

const stamp = (kind: 'start' | 'end', id: string): string => `echo "${kind} ${id} $(date +%s%N)" >> times.log`;

/** A shared holder: arrives, waits (bounded) until all `n` shared holders have arrived, works, leaves. */
const reader = (id: string, n: number): string =>
  [
    stamp('start', id),
    `touch arrived/${id}`,
    `i=0; while [ "$(ls arrived | wc -l)" -lt ${n} ]; do i=$((i+1)); if [ $i -gt 600 ]; then echo "only $(ls arrived | tr '\\n' ' ')arrived" >&2; exit 7; fi; sleep 0.05; done`,
    'sleep 0.1',
    stamp('end', id),
  ].join('; ');

/** An exclusive holder: notes who else is inside when it enters, works, leaves. */
const writer = (id: string): string =>
  [stamp('start', id), `ls inside > seen-${id}.txt`, `touch inside/${id}`, 'sleep 0.2', `rm inside/${id}`, stamp('end', id)].join('; ');

describe('locks and requires/provides through the CLI (real processes)', function () {
  this.timeout(120_000);

  it('shared holders run together, exclusive holders alone; a waiting exclusive goes before a later shared one', async () => {
    const dir = tmpDir('at-locks-');
    fs.mkdirSync(path.join(dir, 'arrived'));
    fs.mkdirSync(path.join(dir, 'inside'));
    const enter = (id: string, cmd: string): string => `touch inside/${id}; ${cmd}; rm inside/${id}`;
    const file = writeGraph(dir, {
      version: 1,
      cpus: 6,
      locks: ['db'],
      actions: {
        r1: { command: enter('r1', reader('r1', 3)), locks: { db: 'shared' } },
        r2: { command: enter('r2', reader('r2', 3)), locks: { db: 'shared' } },
        r3: { command: enter('r3', reader('r3', 3)), locks: { db: 'shared' } },
        w1: { command: writer('w1'), locks: { db: 'exclusive' } },
        w2: { command: writer('w2'), locks: { db: 'exclusive' } },
        // Ranked after the writers (file order): it must wait for both although db is held shared when it is ready.
        r4: { command: [stamp('start', 'r4'), stamp('end', 'r4')].join('; '), locks: { db: 'shared' } },
        free: { command: [stamp('start', 'free'), 'sleep 0.1', stamp('end', 'free')].join('; ') },
      },
    });
    const r = await runCli(['run', file, '--json'], dir);
    assert.equal(r.code, 0, `run failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    const t = recorded(dir);
    assert.deepEqual([...t.keys()].sort(), ['free', 'r1', 'r2', 'r3', 'r4', 'w1', 'w2']);
    for (const [id, [s, e]] of t) assert.ok(s > 0n && e >= s, `${id}: start and end recorded`);
    // Exclusive holders overlap nobody that takes the lock, and saw nobody inside.
    for (const w of ['w1', 'w2']) {
      for (const other of ['r1', 'r2', 'r3', 'r4', 'w1', 'w2']) {
        if (other === w) continue;
        assert.ok(!overlap(t.get(w)!, t.get(other)!), `${w} overlaps ${other}`);
      }
      assert.equal(fs.readFileSync(path.join(dir, `seen-${w}.txt`), 'utf8'), '', `${w} found someone inside`);
    }
    // The three shared holders were inside at the same time (the rendezvous needs all three).
    assert.ok(overlap(t.get('r1')!, t.get('r2')!) && overlap(t.get('r2')!, t.get('r3')!) && overlap(t.get('r1')!, t.get('r3')!));
    // Writer preference: r4 (ready at the start, ranked after the writers) starts after both.
    const lastWriterEnd = t.get('w1')![1] > t.get('w2')![1] ? t.get('w1')![1] : t.get('w2')![1];
    assert.ok(t.get('r4')![0] >= lastWriterEnd, 'r4 started before the waiting exclusive holders ran');
    // The action without a lock is never held back.
    const report = onlyReport(dir);
    assert.equal(report.result, 'succeeded');
    assert.deepEqual(report.actions['w1']?.locks, { db: 'exclusive' });
    assert.deepEqual(report.actions['r1']?.locks, { db: 'shared' });
    assert.equal(report.actions['free']?.locks, undefined);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
    assert.equal(events[events.length - 1]?.type, 'run-finished');
  });

  it('requires/provides: the consumer starts after its provider ends; report dependsOn includes the provider', async () => {
    const dir = tmpDir('at-artifacts-');
    const file = writeGraph(dir, {
      version: 1,
      cpus: 4,
      actions: {
        // The consumer comes first in the file and needs no CPU the provider holds: only the artifact orders them.
        use: { command: [stamp('start', 'use'), 'cat schema.txt > used.txt', stamp('end', 'use')].join('; '), requires: ['schema'] },
        gen: { command: [stamp('start', 'gen'), 'sleep 0.3', 'echo v1 > schema.txt', stamp('end', 'gen')].join('; '), provides: ['schema'] },
        other: { command: [stamp('start', 'other'), stamp('end', 'other')].join('; ') },
      },
    });
    const r = await runCli(['run', file], dir);
    assert.equal(r.code, 0, `run failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    const t = recorded(dir);
    assert.ok(t.get('use')![0] >= t.get('gen')![1], 'use started before gen ended');
    assert.equal(fs.readFileSync(path.join(dir, 'used.txt'), 'utf8'), 'v1\n');
    const report = onlyReport(dir);
    assert.deepEqual(report.actions['use']?.dependsOn, ['gen']);
    // run ACTION selects the provider too.
    fs.rmSync(path.join(dir, '.actiontree'), { recursive: true });
    fs.rmSync(path.join(dir, 'schema.txt'));
    const only = await runCli(['run', file, 'use'], dir);
    assert.equal(only.code, 0, only.stderr);
    assert.deepEqual([...onlyReport(dir).selection].sort(), ['gen', 'use']);
  });

  it('an invalid graph (undeclared lock, unknown artifact) does not run: exit 2 with the diagnostics', async () => {
    const dir = tmpDir('at-locks-bad-');
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        a: { command: 'touch ran-a', locks: { db: 'exclusive' } },
        b: { command: 'touch ran-b', requires: ['schema'] },
      },
    });
    const r = await runCli(['run', file], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr + r.stdout, /unknown-lock/);
    assert.match(r.stderr + r.stdout, /unknown-artifact/);
    assert.ok(!fs.existsSync(path.join(dir, 'ran-a')) && !fs.existsSync(path.join(dir, 'ran-b')));
  });
  it('graph --format json and dot: artifact edges are dependencies; locks, provides and requires are listed', async () => {
    const dir = tmpDir('at-locks-graph-');
    const file = writeGraph(dir, {
      version: 1,
      locks: ['db'],
      actions: {
        gen: { command: 'true', provides: ['schema'], locks: { db: 'exclusive' } },
        use: { command: 'true', requires: ['schema'], locks: { db: 'shared' } },
      },
    });
    const j = await runCli(['graph', file, '--format', 'json'], dir);
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout) as { locks: string[]; order: string[]; actions: Record<string, unknown>[] };
    assert.deepEqual(doc.locks, ['db']);
    assert.deepEqual(doc.order, ['gen', 'use']);
    assert.deepEqual(
      doc.actions.map((a) => [a['id'], a['dependsOn'], a['provides'], a['requires'], a['locks']]),
      [
        ['gen', [], ['schema'], undefined, { db: 'exclusive' }],
        ['use', ['gen'], undefined, ['schema'], { db: 'shared' }],
      ],
    );
    const dot = await runCli(['graph', file, '--format', 'dot'], dir);
    assert.equal(dot.code, 0, dot.stderr);
    assert.match(dot.stdout, /"gen" -> "use"/);
    const v = await runCli(['validate', file], dir);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
