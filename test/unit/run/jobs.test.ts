import assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeText } from '../../../src/core/analyze';
import { planRun, posixResolve } from '../../../src/core/run/plan';

/** The execution plan's Jobs: everything resolved from the parsed graph, no source spans. */

const text = `{
  "version": 1,
  "resources": { "db": 1, "gpu": "unlimited" },
  "defaults": { "env": { "CI": "1", "MODE": "dev" }, "cwd": "pkgs" },
  "actions": {
    "lint":  { "command": "npm run lint", "cwd": ".", "description": "Lint it" },
    "build": {
      "command": ["node", "build.js"], "dependsOn": ["lint", "lint"], "cpus": 2,
      "resources": { "db": 1, "gpu": 0 }, "timeout": "5s", "retries": 2, "priority": 3,
      "acceptFailedDependencies": true, "env": { "MODE": "prod" }, "cwd": "/abs/out"
    },
    "test": { "command": "npm test", "dependsOn": ["build"], "cwd": "../up" }
  }
}`;

describe('planRun: jobs', () => {
  const { graph } = analyzeText(text);

  it('resolves command, cwd (against the graph folder), env, needs, deps, limits', () => {
    const plan = planRun(graph, [], new Map(), false, { baseDir: '/home/u/proj' });
    assert.deepEqual(plan.jobs.map((j) => j.id), ['lint', 'build', 'test']);
    const [lint, build, test] = plan.jobs;
    assert.deepEqual(lint, {
      id: 'lint', actionId: 'lint', index: 0,
      command: { kind: 'shell', line: 'npm run lint' },
      cwd: '/home/u/proj', env: { CI: '1', MODE: 'dev' },
      needs: { cpus: 1, resources: [] }, deps: [],
      timeoutMs: undefined, retries: 0, priority: 0, acceptFailedDependencies: false,
      description: 'Lint it', remaining: 3,
    });
    assert.deepEqual(build?.command, { kind: 'argv', argv: ['node', 'build.js'] });
    assert.equal(build?.cwd, '/abs/out');
    assert.deepEqual(build?.env, { CI: '1', MODE: 'prod' });
    assert.deepEqual(build?.needs, { cpus: 2, resources: [{ name: 'db', amount: 1 }, { name: 'gpu', amount: 0 }] }); // as written (0 holds nothing)
    assert.deepEqual(build?.deps, ['lint']);
    assert.equal(build?.timeoutMs, 5000);
    assert.equal(build?.retries, 2);
    assert.equal(build?.priority, 3);
    assert.equal(build?.acceptFailedDependencies, true);
    assert.equal(test?.cwd, '/home/u/up'); // defaults.cwd is overridden; '..' folds
    assert.equal(test?.inputs, undefined);
    assert.deepEqual(plan.resources, [{ name: 'db', capacity: 1 }, { name: 'gpu', capacity: Infinity }]);
  });

  it('remaining critical path per job comes from the estimates', () => {
    const plan = planRun(graph, ['build'], new Map([['lint', 100], ['build', 10]]));
    assert.deepEqual(plan.jobs.map((j) => [j.id, j.remaining]), [['lint', 110], ['build', 10]]);
  });

  it('the runner passes its own resolver (platform paths)', () => {
    const plan = planRun(graph, ['lint'], new Map(), false, { baseDir: path.resolve('x'), resolve: path.resolve });
    assert.equal(plan.jobs[0]?.cwd, path.resolve('x'));
  });

  it('a missing command (a schema error, never run) becomes an empty argv', () => {
    const { graph: g } = analyzeText('{"version":1,"actions":{"a":{}}}');
    assert.deepEqual(planRun(g, [], new Map()).jobs[0]?.command, { kind: 'argv', argv: [] });
  });

  it('posixResolve', () => {
    assert.equal(posixResolve('/a/b', '.'), '/a/b');
    assert.equal(posixResolve('/a/b', 'c/./d/'), '/a/b/c/d');
    assert.equal(posixResolve('/a/b', '../../../x'), '/x');
    assert.equal(posixResolve('/a/b', '/abs//y'), '/abs/y');
    assert.equal(posixResolve('/', ''), '/');
  });
});
