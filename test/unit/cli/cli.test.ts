import * as assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { buildCli, FIXTURES, ROOT, runCli, tempDir } from './helpers';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('CLI (the real bundle in a child process)', function () {
  this.timeout(60_000);
  let cli = '';
  let buildDir = '';
  const tmp = tempDir();
  const at = (...p: string[]) => path.join(tmp.dir, ...p);

  before(async () => {
    ({ cli, dir: buildDir } = await buildCli());
    copyFileSync(path.join(FIXTURES, 'cli/cycle.actiontree.jsonc'), at('cycle.actiontree.jsonc'));
    copyFileSync(path.join(FIXTURES, 'cli/ids.actiontree.jsonc'), at('ids.actiontree.jsonc'));
    mkdirSync(at('one'));
    copyFileSync(path.join(FIXTURES, 'cli/ids.actiontree.jsonc'), at('one', 'only.actiontree.jsonc'));
    mkdirSync(at('none'));
    writeFileSync(at('none', 'readme.txt'), 'not a graph');
  });
  after(() => {
    tmp.dispose();
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('runs through bin/actiontree.js (the npm bin entry) as well', () => {
    mkdirSync(at('pkg', 'bin'), { recursive: true });
    mkdirSync(at('pkg', 'dist'));
    copyFileSync(path.join(ROOT, 'bin/actiontree.js'), at('pkg', 'bin', 'actiontree.js'));
    copyFileSync(cli, at('pkg', 'dist', 'cli.js'));
    const r = spawnSync(process.execPath, [at('pkg', 'bin', 'actiontree.js'), 'validate', 'cycle.actiontree.jsonc'], { cwd: tmp.dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^cycle\.actiontree\.jsonc:4:42: error cycle: /);
  });

  it('--version prints the package version', () => {
    const r = runCli(cli, ['--version'], tmp.dir);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
  });

  it('--help lists the commands; help <command> shows its usage', () => {
    const r = runCli(cli, ['--help'], tmp.dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: actiontree <command>/);
    assert.match(r.stdout, /\n {2}validate +check graph files/);
    assert.match(r.stdout, /\n {2}graph +print the dependency graph/);
    const h = runCli(cli, ['help', 'graph'], tmp.dir);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: actiontree graph \[FILE\] \[--format dot\|mermaid\|json\|svg\]/);
  });

  it('no arguments, an unknown command or an unknown option: one line (or usage) and exit 2, no stack', () => {
    const none = runCli(cli, [], tmp.dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: actiontree/);
    const cmd = runCli(cli, ['frobnicate'], tmp.dir);
    assert.equal(cmd.code, 2);
    assert.equal(cmd.stderr, "actiontree: unknown command 'frobnicate' (commands: validate, graph; see 'actiontree --help')\n".replace('validate, graph', cmd.stderr.match(/commands: ([^;]*);/)![1]!));
    const opt = runCli(cli, ['validate', '--strict', 'cycle.actiontree.jsonc'], tmp.dir);
    assert.equal(opt.code, 2);
    assert.equal(opt.stderr, "actiontree: unknown option '--strict' for 'validate' (see 'actiontree help validate')\n");
    const fmt = runCli(cli, ['graph', '--format', 'png'], tmp.dir);
    assert.equal(fmt.code, 2);
    assert.equal(fmt.stderr, "actiontree: invalid value 'png' for '--format': expected 'dot', 'mermaid', 'json', 'svg'\n");
    for (const r of [none, cmd, opt, fmt]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('validate: file:line:col: severity code: message, sorted, summary on stderr, exit 1 on errors', () => {
    const r = runCli(cli, ['validate', 'cycle.actiontree.jsonc'], tmp.dir);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        "cycle.actiontree.jsonc:4:42: error cycle: cycle: a → b → a",
        "cycle.actiontree.jsonc:5:42: error cycle: cycle: b → a → b",
        "cycle.actiontree.jsonc:6:47: error unknown-dependency: action 'c' depends on 'missing', which is not an action in this file",
        '',
      ].join('\n'),
    );
    assert.equal(r.stderr, '3 errors in 1 file\n');
  });

  it('validate: warnings and hints only -> exit 0; several files in the order given', () => {
    const r = runCli(cli, ['validate', 'ids.actiontree.jsonc', 'one'], tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'no problems in 2 files\n');
    const both = runCli(cli, ['validate', 'ids.actiontree.jsonc', 'cycle.actiontree.jsonc'], tmp.dir);
    assert.equal(both.code, 1);
    assert.equal(both.stderr, '3 errors in 2 files\n');
  });

  it('validate and run: more cores pinned than this machine has (cpuAffinity) is a warning with its position; the run says it too', () => {
    mkdirSync(at('cores'));
    writeFileSync(
      at('cores', 'pin.actiontree.jsonc'),
      '{\n  "version": 1, "cpuAffinity": true,\n  "actions": { "wide": { "command": "true", "cpus": 100000 } }\n}\n',
    );
    const v = runCli(cli, ['validate'], at('cores'));
    assert.equal(v.code, 0, 'a warning: the graph still runs');
    assert.match(v.stdout, /^pin\.actiontree\.jsonc:3:53: warning more-cpus-than-cores: action 'wide' needs 100000 CPU slots pinned to distinct cores \('cpuAffinity'\), but this machine has \d+ cores?: it is pinned to all \d+, shared with other actions\n/);
    const r = runCli(cli, ['run'], at('cores'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: cpuAffinity: action 'wide' needs 100000 CPU slots but this machine has \d+ cores?: it is pinned to all \d+, shared\n/);
  });

  it('validate: FILE defaults to the only graph file in the folder', () => {
    const r = runCli(cli, ['validate'], at('one'));
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'no problems in 1 file\n');
  });

  it('validate: zero or several graph files in the folder -> a clear error listing them, exit 2', () => {
    const zero = runCli(cli, ['validate'], at('none'));
    assert.equal(zero.code, 2);
    assert.equal(zero.stderr, 'actiontree: no *.actiontree.jsonc file in the current folder; pass the graph file as FILE\n');
    const several = runCli(cli, ['validate'], tmp.dir);
    assert.equal(several.code, 2);
    assert.equal(several.stderr, 'actiontree: several graph files in the current folder (cycle.actiontree.jsonc, ids.actiontree.jsonc); pass one as FILE\n');
  });

  it('validate: a missing file is one clear line and exit 2', () => {
    const r = runCli(cli, ['validate', 'nope.actiontree.jsonc'], tmp.dir);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "actiontree: cannot read 'nope.actiontree.jsonc': no such file or folder\n");
  });

  it('validate: an unreadable file is one clear line and exit 2', function () {
    if (process.getuid?.() === 0) {
      // root reads anything: use a path through a regular file instead (ENOTDIR)
      const r = runCli(cli, ['validate', 'ids.actiontree.jsonc/x.actiontree.jsonc'], tmp.dir);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "actiontree: cannot read 'ids.actiontree.jsonc/x.actiontree.jsonc': a part of the path is not a folder\n");
      return;
    }
    writeFileSync(at('locked.actiontree.jsonc'), '{}');
    chmodSync(at('locked.actiontree.jsonc'), 0);
    const r = runCli(cli, ['validate', 'locked.actiontree.jsonc'], tmp.dir);
    rmSync(at('locked.actiontree.jsonc'));
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "actiontree: cannot read 'locked.actiontree.jsonc': permission denied\n");
  });

  it('validate: binary junk gives diagnostics, never a stack trace', () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 256;
    writeFileSync(at('none', 'junk.actiontree.jsonc'), junk);
    const r = runCli(cli, ['validate', path.join('none', 'junk.actiontree.jsonc')], tmp.dir);
    rmSync(at('none', 'junk.actiontree.jsonc'));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^none\/junk\.actiontree\.jsonc:\d+:\d+: error syntax: [A-Z][a-z]+.* \([A-Za-z]+\)\n/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  it('validate --format json', () => {
    const r = runCli(cli, ['validate', '--format=json', 'cycle.actiontree.jsonc'], tmp.dir);
    assert.equal(r.code, 1);
    const list = JSON.parse(r.stdout) as { file: string; line: number; column: number; endColumn: number; code: string; data?: Record<string, string> }[];
    assert.deepEqual(
      list.map((d) => [d.file, d.line, d.column, d.endColumn, d.code]),
      [
        ['cycle.actiontree.jsonc', 4, 42, 45, 'cycle'],
        ['cycle.actiontree.jsonc', 5, 42, 45, 'cycle'],
        ['cycle.actiontree.jsonc', 6, 47, 56, 'unknown-dependency'],
      ],
    );
    assert.deepEqual(list[0]!.data, { action: 'a', dependency: 'b' });
  });

  it('graph --format dot quotes ids and marks cycle edges', () => {
    const r = runCli(cli, ['graph', 'ids.actiontree.jsonc'], tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'digraph "odd \\"ids\\"" {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded];',
        '  "pkg/a:build" [label="pkg/a:build", tooltip="Build \\"a\\""];',
        '  "v1.2-test" [label="v1.2-test"];',
        '  "pkg/a:build" -> "v1.2-test";',
        '}',
        '',
      ].join('\n'),
    );
    const c = runCli(cli, ['graph', '--format', 'dot', 'cycle.actiontree.jsonc'], tmp.dir);
    assert.equal(c.code, 1);
    assert.match(c.stdout, /\n {2}"b" -> "a" \[color=red\];\n {2}"a" -> "b" \[color=red\];\n {2}"a" -> "c";\n\}\n$/);
    assert.match(c.stderr, /^cycle\.actiontree\.jsonc:4:42: error cycle: /);
  });

  it('graph --format mermaid', () => {
    const r = runCli(cli, ['graph', '-f', 'mermaid', 'cycle.actiontree.jsonc'], tmp.dir);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'flowchart LR\n  n0["a"]\n  n1["b"]\n  n2["c"]\n  n1 --> n0\n  n0 --> n1\n  n0 --> n2\n  linkStyle 0,1 stroke:red\n');
  });

  it('graph --format json includes deps, cpus and resources', () => {
    const r = runCli(cli, ['graph', '--format', 'json'], at('one'));
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { actions: Record<string, unknown>[] };
    assert.equal(j.name, 'odd "ids"');
    assert.equal(j.cpus, 2);
    assert.deepEqual(j.resources, { db: 1, net: 'unlimited' });
    assert.deepEqual(j.order, ['pkg/a:build', 'v1.2-test']);
    assert.deepEqual(
      j.actions.map((a) => [a.id, a.dependsOn, a.cpus, a.resources, a.timeoutMs, a.command]),
      [
        ['pkg/a:build', [], 2, { db: 1 }, null, 'make'],
        ['v1.2-test', ['pkg/a:build'], 1, { net: 3 }, 30_000, ['node', '-e', '0']],
      ],
    );
  });

  it('graph: more than one FILE is a usage error', () => {
    const r = runCli(cli, ['graph', 'a', 'b'], tmp.dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "actiontree: 'graph' takes at most one FILE, got 2 (see 'actiontree help graph')\n");
  });
});
