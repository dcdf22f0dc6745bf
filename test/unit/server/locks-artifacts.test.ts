import * as assert from 'node:assert/strict';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  ReferencesRequest,
  type CompletionList,
  type DocumentSymbol,
  type MarkupContent,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText } from '../../../src/core/analyze';
import { positionOf, suiteClient } from './lspClient';

/** SPEC §10 in the language server (a real server process over stdio): diagnostics, completion, hover, definition, references, quick fixes. */

const r = (sl: number, sc: number, el: number, ec: number): Range => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });
/** The exact range of the `k`th occurrence of `needle` (on one line). */
const at = (text: string, needle: string, k = 0): Range => {
  const start = positionOf(text, needle, k);
  return { start, end: { line: start.line, character: start.character + needle.length } };
};
const flat = (x: Range): [number, number, number] => [x.start.line, x.start.character, x.end.character];

const G = `{
  "version": 1,
  "locks": ["db", "cache"],
  "actions": {
    "gen": { "command": "gen", "provides": ["schema"], "description": "Generate the schema" },
    "build": { "command": "build", "requires": ["schema", ""], "locks": { "db": "shared" } },
    "migrate": { "command": "migrate", "locks": { "db": "exclusive", "cache": "shared" } },
    "seed": { "command": "seed", "provides": ["data"], "requires": [""], "locks": {  } },
    "load": { "command": "load", "locks": { "cache": "" } }
  }
}
`;


describe('server: locks and requires/provides (SPEC §10)', function () {
  this.timeout(30_000);
  const c = suiteClient({ mode: 'push' });

  const open = (text: string): Promise<string> => c.openNew('locks', text);
  async function complete(text: string, at: Position): Promise<CompletionList> {
    const uri = await open(text);
    const res = (await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at })) as CompletionList | null;
    assert.ok(res);
    return res;
  }
  async function hover(text: string, at: Position): Promise<{ value: string; range: Range | undefined }> {
    const uri = await open(text);
    const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at });
    assert.ok(h, 'a hover');
    return { value: (h.contents as MarkupContent).value, range: h.range };
  }

  it('publishes the new diagnostics with exact ranges', async () => {
    const text = `{
  "version": 1,
  "locks": ["db", "db"],
  "actions": {
    "a": { "command": "x", "locks": { "dbb": "shared", "db": "rw" }, "provides": ["s"], "requires": ["s", "t"] },
    "b": { "command": "x", "provides": ["s"] }
  }
}`;
    const uri = await open(text);
    const p = await c.waitForDiagnostics((x) => x.uri === uri, 'diagnostics', 10_000, true);
    const got = p.diagnostics.map((d) => [d.code, ...flat(d.range)]).sort();
    const want = [
      ['duplicate-artifact', ...flat(at(text, '"s"', 0))],
      ['duplicate-artifact', ...flat(at(text, '"s"', 2))],
      ['duplicate-lock', ...flat(at(text, '"db"', 1))],
      ['schema', ...flat(at(text, '"rw"'))],
      ['self-artifact', ...flat(at(text, '"s"', 1))],
      ['unknown-artifact', ...flat(at(text, '"t"'))],
      ['unknown-lock', ...flat(at(text, '"dbb"'))],
    ].sort();
    assert.deepEqual(got, want);
    assert.deepEqual(flat(at(text, '"s"', 0)), [4, 82, 85], 'the helper finds what the eye sees');
    const dupA = p.diagnostics.find((d) => d.code === 'duplicate-artifact' && d.range.start.line === 4);
    assert.deepEqual(dupA?.relatedInformation?.map((x) => x.location.range), [at(text, '"s"', 2)]);
  });

  describe('completion', () => {
    it('requires: names other actions provide, not those listed, never the action\'s own', async () => {
      const build = await complete(G, positionOf(G, '"schema", ""', 0, 11));
      assert.deepEqual(build.items.map((i) => [i.label, i.detail]), [['data', "provided by 'seed'"]]);
      const at = positionOf(G, '"requires": [""]', 0, 14);
      const seed = await complete(G, at);
      assert.deepEqual(seed.items.map((i) => i.label), ['schema']);
      assert.deepEqual(seed.items[0]?.textEdit, { range: r(at.line, at.character - 1, at.line, at.character + 1), newText: '"schema"' });
    });

    it('requires: a name whose provider depends on this action is marked (it would close a cycle)', async () => {
      const text = G.replace('"command": "gen", "provides"', '"command": "gen", "requires": [""], "provides"');
      const list = await complete(text, positionOf(text, '"requires": [""]', 0, 14));
      const schema = list.items.find((i) => i.label === 'data');
      assert.equal(schema?.tags, undefined, 'seed does not depend on gen');
      const t2 = text.replace('"command": "seed", "provides"', '"command": "seed", "dependsOn": ["build"], "provides"');
      const list2 = await complete(t2, positionOf(t2, '"requires": [""]', 0, 14));
      const data = list2.items.find((i) => i.label === 'data');
      assert.deepEqual(data?.tags, [1]);
      assert.match(data?.detail ?? '', /would close a cycle/);
    });

    it('locks: declared names not yet taken, as keys with a mode snippet; modes as values', async () => {
      const at = positionOf(G, '"locks": {  }', 0, 11);
      const keys = await complete(G, at);
      assert.deepEqual(keys.items.map((i) => i.label), ['db', 'cache']);
      assert.deepEqual(keys.items[0]?.textEdit, { range: r(at.line, at.character, at.line, at.character), newText: '"db": "${1|exclusive,shared|}"' });
      const taken = G.replace('"locks": { "db": "shared" }', '"locks": { "db": "shared", "" }');
      const rest = await complete(taken, positionOf(taken, '"db": "shared", ""', 0, 17));
      assert.deepEqual(rest.items.map((i) => i.label), ['cache']);
      const modes = await complete(G, positionOf(G, '"cache": ""', 0, 10));
      assert.deepEqual(modes.items.map((i) => i.label), ['"exclusive"', '"shared"']);
    });

    it('top-level locks: names actions take that are not declared yet', async () => {
      const text = G.replace('"locks": ["db", "cache"]', '"locks": ["db", ""]');
      const list = await complete(text, positionOf(text, '"db", ""', 0, 7));
      assert.deepEqual(list.items.map((i) => i.label), ['cache']);
    });
  });

  describe('hover', () => {
    it('on a required name: which action provides it, then that action', async () => {
      const h = await hover(G, positionOf(G, '["schema", ""]', 0, 3));
      assert.deepEqual(h.range, at(G, '"schema"', 1));
      assert.ok(h.value.startsWith('Artifact **schema**, provided by `gen`\n\n---\n\n**gen** — Generate the schema\n\n```sh\ngen\n```'), h.value);
      assert.match(h.value, /Provides: `schema`/);
    });

    it('on a required name nobody provides, and on a provides string', async () => {
      const text = G.replace('["schema", ""]', '["schema", "nope"]');
      assert.equal((await hover(text, positionOf(text, '"nope"', 0, 2))).value, 'Artifact **nope**: no action provides it');
      assert.equal((await hover(G, positionOf(G, '["schema"]', 0, 3))).value, 'Artifact **schema**, provided by `gen`\n\nRequired by: `build`');
    });

    it('on a lock use and on a lock declaration: mode and who takes it', async () => {
      const use = await hover(G, positionOf(G, '"db": "exclusive"', 0, 2));
      assert.equal(
        use.value,
        'Lock **db** (exclusive): this action runs alone on it: no other holder, shared or exclusive, at the same time\n\nexclusive: `migrate` · shared: `build`',
      );
      assert.deepEqual(use.range, at(G, '"db"', 2));
      const decl = await hover(G, positionOf(G, '"cache"]', 0, 2));
      assert.equal(decl.value, 'Lock **cache**: any number of shared holders at once, or one exclusive holder alone\n\nshared: `migrate`');
    });

    it('on an action key: its locks in the needs line, what it requires', async () => {
      const h = await hover(G, positionOf(G, '"build": {', 0, 2));
      assert.match(h.value, /\n\nNeeds 1 CPU slot · lock `db` shared\n\nRequires: `schema`/);
    });
  });

  describe('navigation', () => {
    it('definition: from a required name to the provides string; from a lock use to its declaration', async () => {
      const uri = await open(G);
      const d1 = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(G, '["schema", ""]', 0, 3) });
      assert.deepEqual(d1, [{ uri, range: at(G, '"schema"', 0) }]);
      const d2 = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(G, '"db": "exclusive"', 0, 2) });
      assert.deepEqual(d2, [{ uri, range: at(G, '"db"', 0) }]);
    });

    it('references: every requires string of a name (plus the provider with the declaration); every use of a lock', async () => {
      const uri = await open(G);
      const pos = positionOf(G, '["schema"]', 0, 3);
      assert.deepEqual(await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: pos, context: { includeDeclaration: true } }), [
        { uri, range: at(G, '"schema"', 0) },
        { uri, range: at(G, '"schema"', 1) },
      ]);
      assert.deepEqual(await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: pos, context: { includeDeclaration: false } }), [
        { uri, range: at(G, '"schema"', 1) },
      ]);
      const locks = await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: positionOf(G, '["db"', 0, 2), context: { includeDeclaration: true } });
      assert.deepEqual(locks, [
        { uri, range: at(G, '"db"', 0) },
        { uri, range: at(G, '"db"', 1) },
        { uri, range: at(G, '"db"', 2) },
      ]);
    });
  });

  it('document symbols: the declared locks; each action\'s requires, provides and locks', async () => {
    const uri = await open(G);
    const syms = (await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    const shape = (x: DocumentSymbol): unknown => [x.name, x.detail ?? null, (x.children ?? []).map(shape)];
    assert.deepEqual(syms.map((x) => x.name), ['locks', 'actions']);
    assert.deepEqual(shape(syms[0]!), ['locks', null, [['db', 'lock', []], ['cache', 'lock', []]]]);
    const actions = syms[1]!.children!.map(shape);
    assert.deepEqual(actions.slice(0, 3), [
      ['gen', 'Generate the schema', [['schema', 'provides', []]]],
      ['build', 'build', [['schema', 'requires', []], ['db', 'lock, shared', []]]],
      ['migrate', 'migrate', [['db', 'lock, exclusive', []], ['cache', 'lock, shared', []]]],
    ]);
  });

  describe('quick fixes', () => {
    async function fixes(text: string, at: Position): Promise<{ title: string; result: string }[]> {
      const uri = await open(text);
      const list = await c.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } });
      assert.ok(list);
      return list.map((a) => {
        assert.ok('edit' in a && a.edit?.changes?.[uri]);
        const edits = a.edit.changes[uri] as TextEdit[];
        return { title: a.title, result: TextDocument.applyEdits(TextDocument.create(uri, 'actiontree', 1, text), edits) };
      });
    }

    it('unknown lock: declare it (appended to locks, or a new locks property), or the did-you-mean', async () => {
      const text = G.replace('"locks": { "db": "shared" }', '"locks": { "dbb": "shared", "net": "exclusive" }');
      const net = await fixes(text, positionOf(text, '"net"', 0, 2));
      assert.deepEqual(net.map((f) => f.title), ['Declare lock \'net\' in the top-level "locks"']);
      assert.ok(net[0]?.result.includes('"locks": ["db", "cache", "net"],'));
      assert.deepEqual(analyzeText(net[0]!.result).diagnostics.filter((d) => d.code === 'unknown-lock').map((d) => d.data?.['lock']), ['dbb']);
      const dbb = await fixes(text, positionOf(text, '"dbb"', 0, 2));
      assert.deepEqual(dbb.map((f) => f.title), ["Change to 'db'", 'Declare lock \'dbb\' in the top-level "locks"']);
      const none = `{\n  "version": 1,\n  "actions": {\n    "a": { "command": "x", "locks": { "db": "exclusive" } }\n  }\n}`;
      const add = await fixes(none, positionOf(none, '"db"', 0, 2));
      assert.equal(add[0]?.result, none.replace('  "actions"', '  "locks": ["db"],\n  "actions"'));
      assert.deepEqual(analyzeText(add[0]!.result).diagnostics, []);
      const empty = none.replace('"version": 1,', '"version": 1, "locks": [],');
      const e = await fixes(empty, positionOf(empty, '"db"', 0, 2));
      assert.ok(e[0]?.result.includes('"locks": ["db"],'));
      assert.deepEqual(analyzeText(e[0]!.result).diagnostics, []);
    });

    it('unknown artifact: the did-you-mean, or remove the requirement; a cycle through an artifact: remove the requirement', async () => {
      const text = G.replace('["schema", ""]', '["schema", "dat"]');
      const list = await fixes(text, positionOf(text, '"dat"', 0, 2));
      assert.deepEqual(list.map((f) => f.title), ["Change to 'data'", "Remove requirement 'dat'"]);
      assert.ok(list[0]?.result.includes('["schema", "data"]'));
      assert.ok(list[1]?.result.includes('"requires": ["schema"]'));
      const cyc = `{"version":1,"actions":{"a":{"command":"x","provides":["p"],"requires":["q"]},"b":{"command":"x","provides":["q"],"requires":["p"]}}}`;
      const f = await fixes(cyc, positionOf(cyc, '["q"]', 0, 2));
      assert.deepEqual(f.map((x) => x.title), ["Remove requirement 'q' of 'a' (breaks the cycle)"]);
      assert.deepEqual(analyzeText(f[0]!.result).diagnostics, []);
    });
  });
});
