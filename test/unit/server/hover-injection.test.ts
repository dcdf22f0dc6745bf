import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Token } from 'marked' with { 'resolution-mode': 'import' };
import { HoverRequest, type MarkupContent } from 'vscode-languageserver/node';
import { codeBlock, codeSpan, mdText } from '../../../src/server/features/hover';
import { TestClient, positionOf } from './lspClient';

/**
 * Issue #8 §7: `state`, `reason` (and the run id) of a committed report.json, and the
 * description of a committed graph file, came back verbatim in the hover: remote images,
 * `command:` links and HTML. Rendered with marked (what VS Code renders hovers with),
 * nothing from a file may become a link, image, HTML or a heading.
 */
const PAYLOADS = [
  '![x](https://evil.example/p.png)',
  '[run me](command:workbench.action.terminal.new)',
  '<img src=x onerror=alert(1)>',
  '<command:workbench.action.files.delete>',
  'see https://evil.example/x and www.evil.example',
  'exit 1\n\n# Owned\n\n[a](command:x)',
  '`` ``<b>not code</b>',
  '\u001b]52;c;aGk=\u0007 \u202eevil\u202c &amp; &#60;b&#62;',
  '[ref]: https://evil.example/\n\n[ref]',
];

// marked is an ES module: loaded once before the tests.
let M: typeof import('marked', { with: { 'resolution-mode': 'import' } });
before(async () => {
  M = await import('marked');
});

function walk(tokens: readonly Token[], out: Token[] = []): Token[] {
  for (const t of tokens) {
    out.push(t);
    const kids = (t as { tokens?: Token[] }).tokens;
    if (kids) walk(kids, out);
    const items = (t as { items?: { tokens: Token[] }[] }).items;
    if (items) for (const i of items) walk(i.tokens, out);
  }
  return out;
}

function assertInert(md: string, what: string): void {
  const kinds = walk(new M.Lexer({ gfm: true }).lex(md)).map((t) => t.type);
  for (const bad of ['link', 'image', 'html', 'heading', 'def', 'blockquote', 'list']) assert.ok(!kinds.includes(bad), `${what}: a ${bad} token in ${JSON.stringify(md)}`);
  const html = M.marked.parse(md, { gfm: true, async: false });
  assert.doesNotMatch(html, /<(a|img|b|h\d|script)\b/i, `${what}: ${html}`);
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e]/.test(md), `${what}: raw control characters in ${JSON.stringify(md)}`);
}

describe('hover rendering of untrusted text', () => {
  it('mdText, codeSpan and codeBlock never let markup through', () => {
    for (const p of PAYLOADS) {
      assertInert(mdText(p), `mdText(${JSON.stringify(p)})`);
      assertInert(`**${mdText(p)}** (${mdText(p)})`, 'bold + parentheses');
      assertInert(`run ${codeSpan(p)}: x`, `codeSpan(${JSON.stringify(p)})`);
      assertInert(codeBlock(`${p}\n\`\`\`\n${p}\n~~~`), `codeBlock(${JSON.stringify(p)})`);
    }
  });

  it('keeps the text readable: code spans are exact, escapes render back to the original', () => {
    const lexed = (md: string): string => (walk(new M.Lexer().lex(md)).find((t) => t.type === 'codespan') as { text: string }).text;
    assert.equal(lexed(codeSpan('a `b` c')), 'a `b` c');
    assert.equal(lexed(codeSpan('``')), '``');
    assert.equal(codeSpan('lint'), '`lint`');
    const html = M.marked.parse(mdText("dependency 'b' failed: exit code 2 [x](y) *z*"), { async: false });
    assert.equal(html.trim(), '<p>dependency &#39;b&#39; failed: exit code 2 [x](y) *z*</p>');
    assert.equal(mdText('a\u001bb'), 'a\u241bb');
    assert.equal(mdText('x'.repeat(600)).length, 501);
  });
});

describe('hover on a hostile graph file and report.json (language server)', function () {
  let dir: string;
  let c: TestClient;
  const GRAPH = `{
  "version": 1,
  "resources": { "db": 1 },
  "actions": {
    "build": { "command": "make\\n\`\`\`\\n[x](command:y)", "description": ${JSON.stringify(PAYLOADS.join(' | '))}, "resources": { "db": 1 } },
    "test": { "command": "make test", "dependsOn": ["build"] }
  }
}
`;
  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-hover-')));
    const file = path.join(dir, 'h.actiontree.jsonc');
    fs.writeFileSync(file, GRAPH);
    const runId = '20261129T100000.000Z-e[v](command:x)';
    const runDir = path.join(dir, '.actiontree', 'runs', '20261129T100000.000Z-evil');
    fs.mkdirSync(runDir, { recursive: true });
    const act = (state: string, reason: string) => ({ state, reason, startedAt: 1000, finishedAt: 2000, attempts: 1 });
    fs.writeFileSync(
      path.join(runDir, 'report.json'),
      JSON.stringify({ version: 1, runId, graphFile: file, result: 'failed', actions: { build: act(`failed ${PAYLOADS[0]} <img src=x>`, PAYLOADS.join('\n')), test: act('![s](https://evil.example/s.png)', PAYLOADS[1]!) } }),
    );
    c = await TestClient.start({ mode: 'pull', rootDir: dir });
  });
  after(async () => {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('state, reason, run id, description and command are shown as text only', async () => {
    const uri = pathToFileURL(path.join(dir, 'h.actiontree.jsonc')).href;
    await c.open(uri, GRAPH);
    const hover = async (needle: string, delta: number): Promise<string> => {
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(GRAPH, needle, 0, delta) });
      assert.ok(h, needle);
      const m = h.contents as MarkupContent;
      assert.equal(m.kind, 'markdown');
      return m.value;
    };
    for (const [needle, delta] of [['"build": {', 2], ['"test": {', 2], ['["build"]', 3], ['"db": 1 }', 2], ['"db": 1 } }', 2]] as const) {
      const md = await hover(needle, delta);
      assertInert(md, needle);
    }
    const b = await hover('"build": {', 2);
    assert.match(b, /Last run: \*\*failed /);
    assert.match(b, /run `20261129T100000\.000Z-e\[v\]\(command:x\)`/);
    assert.ok(b.includes('[x](command:y)'), 'the command is still shown, inside its code block');
    await c.close(uri);
  });
});

describe('hover on actions named like Object.prototype members (language server)', function () {
  let dir: string;
  let c: TestClient;
  const GRAPH = `{
  "version": 1,
  "actions": {
    "__proto__": { "command": "echo p" },
    "constructor": { "command": "echo c", "dependsOn": ["__proto__"] },
    "toString": { "command": "echo t" }
  }
}
`;
  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-hover-proto-')));
    const file = path.join(dir, 'p.actiontree.jsonc');
    fs.writeFileSync(file, GRAPH);
    const runDir = path.join(dir, '.actiontree', 'runs', '20261129T100000.000Z-prot');
    fs.mkdirSync(runDir, { recursive: true });
    const act = (state: string): string => JSON.stringify({ state, reason: null, startedAt: 1000, finishedAt: 1500, attempts: 1 });
    // Raw JSON text: "__proto__" is an own key once parsed (an object literal could not hold it).
    fs.writeFileSync(path.join(runDir, 'report.json'), `{"version":1,"runId":"20261129T100000.000Z-prot","graphFile":${JSON.stringify(file)},"result":"succeeded","actions":{"__proto__":${act('succeeded')},"constructor":${act('failed')}}}`);
    c = await TestClient.start({ mode: 'pull', rootDir: dir });
  });
  after(async () => {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows each one\'s own last run; one not in the report is "not selected"', async () => {
    const uri = pathToFileURL(path.join(dir, 'p.actiontree.jsonc')).href;
    await c.open(uri, GRAPH);
    const hover = async (needle: string): Promise<string> => {
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(GRAPH, needle, 0, 2) });
      return (h!.contents as MarkupContent).value;
    };
    assert.match(await hover('"__proto__": {'), /Last run: \*\*succeeded\*\* in 500 ms/);
    assert.match(await hover('"constructor": {'), /Last run: \*\*failed\*\* in 500 ms/);
    assert.match(await hover('"toString": {'), /not selected$/);
    await c.close(uri);
  });
});
