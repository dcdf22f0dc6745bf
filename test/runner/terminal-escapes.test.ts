import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundles } from './bundles';
import { markedEnv, tmpDir, writeGraph } from './helpers';

/**
 * Issue #8 §8: `validate` and `graph --format dot|mermaid` printed raw ESC/OSC bytes from
 * bad ids (a clipboard write, a screen clear); `run` echoed reasons and ids raw. Nothing
 * the CLI prints from a file or an argument may carry a control character to the terminal.
 */
const ESC_ID = 'a\u001b]52;c;cHduZWQ=\u0007b\u001b[2J\u001bc';
const C1_TEXT = 'd\u009b31m\u202eevil\u2066x\u0085';
/** C0 but tab and line feed, DEL, C1, line/paragraph separators, bidi controls. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

async function cli(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const { cli: entry } = await bundles();
  const child = spawn(process.execPath, [entry, ...args], { cwd, env: markedEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

function assertSafe(text: string, what: string): void {
  const m = UNSAFE.exec(text);
  assert.equal(m, null, `${what}: U+${m?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} at ${m?.index} in ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`);
}

describe('CLI output is terminal-safe (control characters from files and arguments)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    await bundles();
    dir = tmpDir('at-esc-');
    // Invalid ids and a description with C1/bidi controls: validate reports, graph still draws.
    writeGraph(dir, { version: 1, actions: { [ESC_ID]: { command: 'echo', description: C1_TEXT }, ok: { command: 'true', dependsOn: ['x\u001b[31m', ESC_ID] } } }, 'bad');
    // A valid graph whose failure reasons echo a program name and a cwd from the file.
    writeGraph(dir, { version: 1, actions: { sp: { command: ['nope\u001b]0;title\u0007\u009b2J'] }, cw: { command: 'true', cwd: 'dir\u001b[2J\u202e' } } }, 'reasons');
  });

  it('validate (text and json) shows the escapes, not the bytes', async () => {
    const t = await cli(['validate', 'bad.actiontree.jsonc'], dir);
    assert.equal(t.code, 1, t.err);
    assertSafe(t.out + t.err, 'validate');
    assert.ok(t.out.includes("action id 'a\\x1b]52;c;cHduZWQ=\\x07b\\x1b[2J\\x1bc'"), t.out);
    const j = await cli(['validate', 'bad.actiontree.jsonc', '--format', 'json'], dir);
    assertSafe(j.out + j.err, 'validate --format json');
    const parsed = JSON.parse(j.out) as { message: string }[];
    assert.ok(parsed.some((d) => d.message.includes(ESC_ID)), 'the JSON value still holds the exact id');
  });

  for (const format of ['dot', 'mermaid', 'json']) {
    it(`graph --format ${format}`, async () => {
      const r = await cli(['graph', 'bad.actiontree.jsonc', '--format', format], dir);
      assert.equal(r.code, 1, r.err);
      assertSafe(r.out + r.err, `graph ${format}`);
      if (format === 'json') {
        const doc = JSON.parse(r.out) as { actions: { id: string; description: string | null }[] };
        assert.equal(doc.actions[0]!.id, ESC_ID);
        assert.equal(doc.actions[0]!.description, C1_TEXT);
      } else {
        assert.ok(r.out.includes('\\x1b'), r.out);
      }
    });
  }

  it('run: progress lines, failure headers and messages escape ids and reasons', async () => {
    const r = await cli(['run', 'reasons.actiontree.jsonc'], dir);
    assert.equal(r.code, 1, r.err);
    assertSafe(r.out + r.err, 'run');
    assert.ok(r.out.includes("✗ sp: spawn failed: command not found: 'nope\\x1b]0;title\\x07\\x9b2J' (ENOENT)"), r.out);
    assert.match(r.out, /✗ cw: spawn failed: cwd does not exist: .*dir\\x1b\[2J\\u202e/);
    const bad = await cli(['run', 'bad.actiontree.jsonc'], dir);
    assert.equal(bad.code, 2);
    assertSafe(bad.out + bad.err, 'run of an invalid graph');
    const unknown = await cli(['run', 'reasons.actiontree.jsonc', 'x\u001b[2Jy'], dir);
    assert.equal(unknown.code, 2);
    assertSafe(unknown.out + unknown.err, 'run of an unknown action');
    assert.match(unknown.err, /x\\x1b\[2Jy/);
  });

  it('run --json: the events stay valid JSON with the exact values', async () => {
    const r = await cli(['run', 'reasons.actiontree.jsonc', '--json'], dir);
    assert.equal(r.code, 1, r.err);
    assertSafe(r.out + r.err, 'run --json');
    const finished = r.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; action?: string; reason?: string })
      .filter((e) => e.type === 'action-finished');
    assert.ok(finished.some((e) => e.reason === "spawn failed: command not found: 'nope\u001b]0;title\u0007\u009b2J' (ENOENT)"), JSON.stringify(finished));
  });

  it('main: unknown commands and options, gantt messages', async () => {
    for (const args of [['b\u001b[2Jad'], ['--x\u001b]0;t\u0007'], ['help', 'q\u009b1m'], ['gantt', path.join(dir, 'no\u001b[2Jpe')]]) {
      const r = await cli(args, dir);
      assert.equal(r.code, 2, JSON.stringify(args));
      assertSafe(r.out + r.err, JSON.stringify(args));
      assert.match(r.err, /\\x1b|\\x9b/);
    }
    // A report whose action ids carry controls: gantt's error names them escaped.
    const rd = path.join(dir, '.actiontree', 'runs', '20261129T000000.000Z-beef');
    fs.mkdirSync(rd, { recursive: true });
    fs.writeFileSync(path.join(rd, 'report.json'), JSON.stringify({ version: 1, startedAt: 1, finishedAt: 2, actions: { 'z\u001b[2J': { state: 'weird\u001b]0;x\u0007' } } }));
    const g = await cli(['gantt', rd], dir);
    assert.equal(g.code, 2, g.err);
    assertSafe(g.out + g.err, 'gantt');
  });
});
