import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/run/events';
import type { Report } from '../../src/runner/records';
import { bundles, runCli } from './bundles';
import { tmpDir, writeGraph } from './helpers';

/** Matrix actions (SPEC §10) through the bundled CLI, with real processes and real files. */

function runs(dir: string): string[] {
  const root = path.join(dir, '.actiontree', 'runs');
  return fs.readdirSync(root).sort().map((r) => path.join(root, r));
}

const report = (runDir: string): Report => JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;

const GRAPH = {
  version: 1,
  actions: {
    prep: { command: 'mkdir -p out py-3.11 py-3.12 && echo prepared > out/prep.txt' },
    test: {
      description: 'tests on ${matrix.os}',
      command: 'echo "py=${matrix.python} os=${matrix.os} env=$PYV dir=$(basename "$PWD")" > ../out/test-${matrix.python}-${matrix.os}.txt; echo "log of ${matrix.python}/${matrix.os}"',
      cwd: 'py-${matrix.python}',
      env: { PYV: 'v${matrix.python}' },
      dependsOn: ['prep'],
      matrix: { python: ['3.11', '3.12'], os: ['linux', 'mac'], exclude: [{ python: '3.12', os: 'mac' }] },
    },
    linuxReport: { command: 'cat out/test-*-linux.txt > out/linux.txt', dependsOn: ['test[os=linux]'] },
    all: { command: 'ls out > out/all.txt', dependsOn: ['test', 'linuxReport'] },
  },
};

const EXPANDED = ['test[python=3.11,os=linux]', 'test[python=3.11,os=mac]', 'test[python=3.12,os=linux]'];

describe('matrix actions (CLI, real processes)', function () {
  this.timeout(120_000);
  before(async () => {
    await bundles();
  });

  it('run: one process per combination with ${matrix.x} substituted; report.json and events use the expanded ids', async () => {
    const dir = tmpDir('at-matrix-');
    writeGraph(dir, GRAPH, 'm');
    const r = await runCli(['run', '--json'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    // What each expansion's command wrote: command, env value and cwd were substituted.
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'test-3.11-linux.txt'), 'utf8'), 'py=3.11 os=linux env=v3.11 dir=py-3.11\n');
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'test-3.11-mac.txt'), 'utf8'), 'py=3.11 os=mac env=v3.11 dir=py-3.11\n');
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'test-3.12-linux.txt'), 'utf8'), 'py=3.12 os=linux env=v3.12 dir=py-3.12\n');
    assert.ok(!fs.existsSync(path.join(dir, 'out', 'test-3.12-mac.txt')), 'the excluded combination ran');
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'linux.txt'), 'utf8'), 'py=3.11 os=linux env=v3.11 dir=py-3.11\npy=3.12 os=linux env=v3.12 dir=py-3.12\n');

    const [runDir] = runs(dir);
    const rep = report(runDir!);
    assert.equal(rep.result, 'succeeded');
    assert.deepEqual(Object.keys(rep.actions), ['prep', ...EXPANDED, 'linuxReport', 'all']);
    assert.deepEqual(rep.actions['prep']!.dependsOn, []);
    for (const id of EXPANDED) {
      assert.equal(rep.actions[id]!.state, 'succeeded');
      assert.deepEqual(rep.actions[id]!.dependsOn, ['prep']);
    }
    // One log per expansion, under a file-safe name.
    const log = rep.actions['test[python=3.12,os=linux]']!.log;
    assert.equal(log, 'logs/test%5Bpython%3D3.12%2Cos%3Dlinux%5D.log');
    assert.match(fs.readFileSync(path.join(runDir!, log), 'utf8'), /log of 3\.12\/linux/);
    assert.deepEqual(rep.actions['linuxReport']!.dependsOn, ['test[python=3.11,os=linux]', 'test[python=3.12,os=linux]']);
    assert.deepEqual(rep.actions['all']!.dependsOn, [...EXPANDED, 'linuxReport']);
    // Each expansion ran after prep and linuxReport after both linux expansions.
    const t = (id: string) => rep.actions[id]!;
    for (const id of EXPANDED) assert.ok(t(id).startedAt! >= t('prep').finishedAt!, id);
    assert.ok(t('linuxReport').startedAt! >= t('test[python=3.12,os=linux]').finishedAt!);

    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
    const started = events.find((e) => e.type === 'run-started');
    assert.ok(started && started.type === 'run-started');
    assert.deepEqual(started.actions, ['prep', ...EXPANDED, 'linuxReport', 'all']);
    const finished = events.filter((e) => e.type === 'action-finished').map((e) => (e as { action: string }).action).sort();
    assert.deepEqual(finished, ['prep', ...EXPANDED, 'linuxReport', 'all'].sort());
  });

  it('run and plan accept selectors: `test[os=linux]` selects those expansions plus their dependencies', async () => {
    const dir = tmpDir('at-matrix-');
    writeGraph(dir, GRAPH, 'm');
    const p = await runCli(['plan', 'm.actiontree.jsonc', 'test[os=linux]'], dir);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(
      p.stdout.trim().split('\n').map((l) => l.split(/\s+/)[1]),
      ['prep', 'test[python=3.11,os=linux]', 'test[python=3.12,os=linux]'],
    );
    const r = await runCli(['run', 'm.actiontree.jsonc', 'test[os=linux]'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const rep = report(runs(dir)[0]!);
    assert.deepEqual(rep.selection, ['prep', 'test[python=3.11,os=linux]', 'test[python=3.12,os=linux]']);
    assert.ok(!fs.existsSync(path.join(dir, 'out', 'test-3.11-mac.txt')));
    const bad = await runCli(['run', 'm.actiontree.jsonc', 'test[os=bsd]'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no such action in m\.actiontree\.jsonc: 'test\[os=bsd\]'/);
  });

  it('incremental: fingerprints are per expansion (a changed input reruns only the expansion that reads it)', async () => {
    const dir = tmpDir('at-matrix-');
    fs.mkdirSync(path.join(dir, 'src'));
    for (const os of ['linux', 'mac']) fs.writeFileSync(path.join(dir, 'src', `${os}.txt`), `${os} 1\n`);
    writeGraph(
      dir,
      {
        version: 1,
        actions: {
          build: {
            command: 'mkdir -p dist && cp src/${matrix.os}.txt dist/${matrix.os}.out',
            inputs: ['src/${matrix.os}.txt'],
            outputs: ['dist/${matrix.os}.out'],
            matrix: { os: ['linux', 'mac'] },
          },
        },
      },
      'inc',
    );
    assert.equal((await runCli(['run'], dir)).code, 0);
    fs.writeFileSync(path.join(dir, 'src', 'mac.txt'), 'mac 2\n');
    const p = await runCli(['plan'], dir);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /^skip\s+build\[os=linux\]\s+\(up to date\)$/m);
    assert.match(p.stdout, /^run\s+build\[os=mac\]\s+\(input changed: src\/mac\.txt\)$/m);
    assert.equal((await runCli(['run'], dir)).code, 0);
    const rep = report(runs(dir)[1]!);
    assert.equal(rep.actions['build[os=linux]']!.state, 'skipped');
    assert.equal(rep.actions['build[os=mac]']!.state, 'succeeded');
    assert.equal(fs.readFileSync(path.join(dir, 'dist', 'mac.out'), 'utf8'), 'mac 2\n');
  });

  it('validate: matrix mistakes are diagnostics with positions; run refuses the graph (exit 2)', async () => {
    const dir = tmpDir('at-matrix-');
    writeGraph(dir, `{
  "version": 1,
  "actions": {
    "test": { "command": "echo \${matrix.pyton}", "matrix": { "python": ["3.11"], "os": [] } },
    "r": { "command": "true", "dependsOn": ["test[python=3.9]"] }
  }
}`, 'bad');
    const v = await runCli(['validate'], dir);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, /bad\.actiontree\.jsonc:4:32: error unknown-matrix-axis: '\$\{matrix\.pyton\}' in action 'test'/);
    assert.match(v.stdout, /bad\.actiontree\.jsonc:4:88: error empty-matrix-axis: the matrix of action 'test': axis 'os' has no values/);
    const r = await runCli(['run'], dir);
    assert.equal(r.code, 2);
    assert.ok(!fs.existsSync(path.join(dir, '.actiontree', 'runs')) || runs(dir).length === 0);
  });
  it('per-combination dependencies: test[os=fast] starts once build[os=fast] is done, while build[os=slow] still runs (it waits for test[os=fast])', async () => {
    const dir = tmpDir('at-matrix-');
    writeGraph(
      dir,
      {
        version: 1,
        cpus: 2,
        actions: {
          build: {
            // build[os=slow] ends only once test[os=fast] has run: were test's expansions to wait for
            // every build (the dependencies of the matrix as a whole), the run would stall to the timeout.
            command: 'mkdir -p out; if [ ${matrix.os} = slow ]; then while [ ! -f out/test-fast.done ]; do sleep 0.02; done; fi; touch out/build-${matrix.os}.done',
            matrix: { os: ['fast', 'slow'] },
            timeout: '20s',
          },
          test: { command: 'test -f out/build-${matrix.os}.done && touch out/test-${matrix.os}.done', dependsOn: ['build[os=${matrix.os}]'], matrix: { os: ['fast', 'slow'] } },
        },
      },
      'pc',
    );
    const r = await runCli(['run'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const rep = report(runs(dir)[0]!);
    assert.deepEqual(rep.actions['test[os=fast]']!.dependsOn, ['build[os=fast]']);
    assert.deepEqual(rep.actions['test[os=slow]']!.dependsOn, ['build[os=slow]']);
    const fast = rep.actions['test[os=fast]']!;
    const slow = rep.actions['build[os=slow]']!;
    assert.ok(fast.finishedAt! <= slow.finishedAt!, 'test[os=fast] ran while build[os=slow] was running');
    assert.ok(rep.actions['test[os=slow]']!.startedAt! >= slow.finishedAt!, 'test[os=slow] waited for its own build');
  });
});
