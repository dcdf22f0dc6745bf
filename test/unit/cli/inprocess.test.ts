import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type CliCommand, type CliIO } from '../../../src/cli/command';
import { resolveGraphFile } from '../../../src/cli/files';
import { dotQuote, mermaidLabel } from '../../../src/cli/graph';
import { main } from '../../../src/cli/main';
import { FIXTURES, tempDir } from './helpers';

function captureIO(cwd: string): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(s: string) {
      io.out += s;
    },
    stderr(s: string) {
      io.err += s;
    },
    cwd,
    isTTY: false,
    env: {},
  };
  return io;
}

describe('CLI in-process', () => {
  it('main runs validate with a captured io', async () => {
    const io = captureIO(path.join(FIXTURES, 'cli'));
    const code = await main(['validate', 'cycle.actiontree.jsonc'], io);
    assert.equal(code, 1);
    assert.equal(io.out.split('\n').length, 4);
    assert.match(io.out, /^cycle\.actiontree\.jsonc:4:42: error cycle: cycle: a → b → a/);
    assert.equal(io.err, '3 errors in 1 file\n');
  });

  it('the bundled examples validate without errors', async () => {
    const dir = path.join(FIXTURES, '../../examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.actiontree.jsonc'));
    assert.ok(files.length > 0, 'no example graph');
    const io = captureIO(dir);
    assert.equal(await main(['validate', ...files], io), 0, io.out + io.err);
  });

  it('a command that throws is one line, exit 70, no stack', async () => {
    const boom: CliCommand = {
      name: 'boom',
      summary: 'throws',
      usage: 'Usage: actiontree boom',
      run: () => Promise.reject(new Error('kaput')),
    };
    const io = captureIO('.');
    assert.equal(await main(['boom'], io, [boom]), 70);
    assert.equal(io.err, 'actiontree boom: internal error: kaput\n');
  });

  it('a new command is one table entry: help lists it and dispatch reaches it', async () => {
    const seen: string[][] = [];
    const hello: CliCommand = {
      name: 'hello',
      summary: 'says hello',
      usage: 'Usage: actiontree hello [NAME]',
      run: async (argv, io) => {
        seen.push(argv);
        io.stdout('hi\n');
        return 0;
      },
    };
    const io = captureIO('.');
    assert.equal(await main(['--help'], io, [hello]), 0);
    assert.match(io.out, /\n {2}hello +says hello\n/);
    assert.equal(await main(['hello', 'x', '--y'], io, [hello]), 0);
    assert.deepEqual(seen, [['x', '--y']]);
    assert.equal(await main(['help', 'hello'], io, [hello]), 0);
    assert.match(io.out, /Usage: actiontree hello \[NAME\]\n$/);
    assert.equal(await main(['help', 'nope'], io, [hello]), 2);
    assert.equal(io.err, "actiontree: unknown command 'nope' (commands: hello)\n");
  });

  it('parseArgs: long, short, inline values, flags, --, repeated options and errors', () => {
    const spec = {
      format: { type: 'string', short: 'f', choices: ['a', 'b'] },
      cpus: { type: 'string' },
      json: { type: 'boolean' },
      only: { type: 'string', multiple: true },
    } as const;
    const ok = parseArgs('x', ['p1', '--format', 'a', '-fb', '--cpus=4', '--json', '--only', 'q', '--only=r', '--', '--json'], spec);
    assert.deepEqual(ok, { ok: true, values: { format: 'b', cpus: '4', json: true, only: ['q', 'r'] }, positionals: ['p1', '--json'] });
    assert.deepEqual(parseArgs('x', ['--cpus'], spec), { ok: false, message: "option '--cpus' needs a value (see 'actiontree help x')" });
    assert.deepEqual(parseArgs('x', ['--json=1'], spec), { ok: false, message: "option '--json' takes no value (see 'actiontree help x')" });
    assert.deepEqual(parseArgs('x', ['-z'], spec), { ok: false, message: "unknown option '-z' for 'x' (see 'actiontree help x')" });
    assert.deepEqual(parseArgs('x', ['--format', 'c'], spec), { ok: false, message: "invalid value 'c' for '--format': expected 'a', 'b'" });
    assert.deepEqual(parseArgs('x', ['--toString'], spec), { ok: false, message: "unknown option '--toString' for 'x' (see 'actiontree help x')" });
  });

  it('resolveGraphFile: explicit file, folder, default, zero and several', async () => {
    const t = tempDir();
    try {
      mkdirSync(path.join(t.dir, 'sub'));
      writeFileSync(path.join(t.dir, 'sub', 'x.actiontree.jsonc'), '{}');
      assert.deepEqual(await resolveGraphFile('sub/x.actiontree.jsonc', t.dir), { ok: true, file: path.join(t.dir, 'sub', 'x.actiontree.jsonc'), display: 'sub/x.actiontree.jsonc' });
      assert.deepEqual(await resolveGraphFile('sub', t.dir), { ok: true, file: path.join(t.dir, 'sub', 'x.actiontree.jsonc'), display: path.join('sub', 'x.actiontree.jsonc') });
      assert.deepEqual(await resolveGraphFile(undefined, path.join(t.dir, 'sub')), { ok: true, file: path.join(t.dir, 'sub', 'x.actiontree.jsonc'), display: 'x.actiontree.jsonc' });
      assert.deepEqual(await resolveGraphFile(undefined, t.dir), { ok: false, message: 'no *.actiontree.jsonc file in the current folder; pass the graph file as FILE' });
      writeFileSync(path.join(t.dir, 'sub', 'a.actiontree.jsonc'), '{}');
      assert.deepEqual(await resolveGraphFile('sub', t.dir), { ok: false, message: "several graph files in 'sub' (a.actiontree.jsonc, x.actiontree.jsonc); pass one as FILE" });
      assert.deepEqual(await resolveGraphFile('missing', t.dir), { ok: false, message: "cannot read 'missing': no such file or folder" });
    } finally {
      t.dispose();
    }
  });

  it('quotes ids for dot and mermaid', () => {
    assert.equal(dotQuote('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
    assert.equal(mermaidLabel('x"<y>#'), 'x#quot;#lt;y#gt;#35;');
  });
});
