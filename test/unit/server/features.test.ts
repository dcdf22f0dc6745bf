import * as assert from 'node:assert/strict';
import {
  CodeActionRequest,
  CodeLensRequest,
  CodeLensResolveRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  ResponseError,
  SelectionRangeRequest,
  type CompletionItem,
  type CompletionList,
  type DocumentSymbol,
  type MarkupContent,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText } from '../../../src/core/analyze';
import { positionOf, suiteClient } from './lspClient';
import { CLEAN, GRAPH, chain } from './fixtures';

const r = (sl: number, sc: number, el: number, ec: number): Range => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

function apply(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'actiontree', 1, text), edits);
}

function editsOf(uri: string, e: WorkspaceEdit | null | undefined): TextEdit[] {
  const list = e?.changes?.[uri];
  assert.ok(list, 'a workspace edit for the document');
  return list;
}

let docCounter = 0;

describe('server: language features', function () {
  const c = suiteClient({ mode: 'push' });

  async function openDoc(text: string): Promise<string> {
    docCounter += 1;
    const uri = `file:///virtual/f${docCounter}.actiontree.jsonc`;
    await c.open(uri, text);
    return uri;
  }

  async function complete(text: string, at: Position): Promise<CompletionItem[]> {
    const uri = await openDoc(text);
    const res = (await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at })) as CompletionList | null;
    assert.ok(res, 'a completion list');
    return res.items;
  }

  describe('completion', () => {
    it('offers action ids inside dependsOn, without the action itself or ids already listed, replacing the string', async () => {
      const text = CLEAN.replace('"dependsOn": ["build"] }', '"dependsOn": ["build", ""] }');
      const at = positionOf(text, '""', 0, 1);
      const items = await complete(text, at);
      assert.deepEqual(items.map((i) => i.label), ['lint', 'docs']);
      const lint = items[0]!;
      assert.deepEqual(lint.textEdit, { range: r(at.line, at.character - 1, at.line, at.character + 1), newText: '"lint"' });
      assert.equal(lint.detail, 'Check style');
      assert.equal(items[1]!.detail, 'make docs');
    });

    it('marks ids that would close a cycle (they depend on the current action) and sorts them last', async () => {
      const text = CLEAN.replace('{ "command": "npm run lint", "description": "Check style" }', '{ "command": "npm run lint", "dependsOn": ["d"] }');
      const at = positionOf(text, '["d"]', 0, 3);
      const items = await complete(text, at);
      const byLabel = new Map(items.map((i) => [i.label, i]));
      assert.deepEqual([...byLabel.keys()].sort(), ['build', 'docs', 'test']);
      assert.equal(byLabel.get('docs')!.tags, undefined);
      for (const id of ['build', 'test']) {
        assert.deepEqual(byLabel.get(id)!.tags, [1], `${id} is marked`);
        assert.match(byLabel.get(id)!.detail!, /would close a cycle/);
        // Issue 11 item 9: the reason is on the item's own line, not only in its details.
        assert.equal(byLabel.get(id)!.labelDetails?.description, 'would close a cycle');
      }
      assert.equal(byLabel.get('docs')!.labelDetails, undefined);
      const sorted = [...items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).map((i) => i.label);
      assert.deepEqual(sorted, ['docs', 'build', 'test']);
      // the half-typed string "d is replaced from its opening quote to its end
      assert.deepEqual(byLabel.get('docs')!.textEdit, { range: r(at.line, at.character - 2, at.line, at.character + 1), newText: '"docs"' });
    });

    it('offers ids after "[" with no string yet, inserted with quotes', async () => {
      const text = CLEAN.replace('{ "command": "make docs" }', '{ "command": "make docs", "dependsOn": [] }');
      const at = positionOf(text, '[]', 0, 1);
      const items = await complete(text, at);
      assert.deepEqual(items.map((i) => i.label), ['lint', 'build', 'test']);
      assert.deepEqual(items[0]!.textEdit, { range: r(at.line, at.character, at.line, at.character), newText: '"lint"' });
    });

    it('in a huge graph, filters ids by what is typed and caps the list (incomplete)', async () => {
      const text = chain(3000).replace('"dependsOn": ["a2998"]', '"dependsOn": ["a2998", "a12"]');
      const at = positionOf(text, '"a12"', 1, 4);
      const uri = await openDoc(text);
      const res = (await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at })) as CompletionList;
      assert.equal(res.isIncomplete, false);
      assert.equal(res.items.length, 111, 'a12, a120-a129, a1200-a1299');
      assert.ok(res.items.every((i) => i.label.startsWith('a12')));
      const at2 = positionOf(text, '"a12"', 1, 1);
      const all = (await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at2 })) as CompletionList;
      assert.equal(all.isIncomplete, true);
      assert.equal(all.items.length, 1000);
    });

    it('offers declared resource names as keys of an action\'s resources', async () => {
      const text = CLEAN.replace(
        '"resources": { "db": 1 },\n  "actions"',
        '"resources": { "db": 1, "gpu": 2 },\n  "actions"',
      ).replace('{ "command": "make docs" }', '{ "command": "make docs", "resources": {  } }');
      const at = positionOf(text, '{  }', 0, 2);
      const items = await complete(text, at);
      assert.deepEqual(items.map((i) => [i.label, i.detail]), [
        ['db', 'resource, capacity 1'],
        ['gpu', 'resource, capacity 2'],
      ]);
      assert.deepEqual(items[0]!.textEdit, { range: r(at.line, at.character, at.line, at.character), newText: '"db": ${1:1}' });
      // build already holds db: only gpu is left for it
      const t2 = text.replace('"resources": { "db": 1 }\n', '"resources": { "db": 1, "" }\n');
      const at2 = positionOf(t2, '"db": 1, ""', 0, 10);
      const items2 = await complete(t2, at2);
      assert.deepEqual(items2.map((i) => i.label), ['gpu']);
    });
  });

  describe('hover', () => {
    it('on an action key: description, command, dependencies, with the key range', async () => {
      const uri = await openDoc(CLEAN);
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"build": {', 0, 3) });
      assert.ok(h);
      assert.deepEqual(h.range, r(5, 4, 5, 11));
      assert.equal((h.contents as MarkupContent).value, '**build**\n\n```sh\nnpm run build\n```\n\nDepends on: `lint`\n\nNeeds 1 CPU slot · `db` 1 of 1');
      const h2 = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"lint": {', 0, 1) });
      assert.equal((h2!.contents as MarkupContent).value, '**lint** — Check style\n\n```sh\nnpm run lint\n```\n\nNo dependencies.\n\nNeeds 1 CPU slot');
    });

    it('on a dependency string: the target action (argv commands quoted), with the string range', async () => {
      const uri = await openDoc(CLEAN);
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '["build"]', 0, 3) });
      assert.ok(h);
      assert.deepEqual(h.range, r(10, 56, 10, 63));
      assert.match((h.contents as MarkupContent).value, /^\*\*build\*\*/);
      const t = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"test": {', 0, 2) });
      assert.match((t!.contents as MarkupContent).value, /```sh\n"npm" "test"\n```/);
    });

    it('on an incremental action: its inputs, outputs and envInputs', async () => {
      const text = `{"version":1,"actions":{\n"b":{"command":"x","inputs":["src/**","!a"],"outputs":["dist/**"],"envInputs":["PATH"]},\n"c":{"command":"y","outputs":[]}}}`;
      const uri = await openDoc(text);
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, '"b":', 0, 1) });
      assert.match((h!.contents as MarkupContent).value, /\n\nIncremental — inputs: `src\/\*\*`, `!a`; outputs: `dist\/\*\*`; envInputs: `PATH`$/);
      const h2 = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, '"c":', 0, 1) });
      assert.match((h2!.contents as MarkupContent).value, /\n\nAlways runs \(no `inputs`\) — outputs: none$/);
    });

    it('on an unknown dependency says so', async () => {
      const uri = await openDoc(GRAPH);
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(GRAPH, '"lnt"', 0, 2) });
      assert.equal((h!.contents as MarkupContent).value, 'Unknown action `lnt`');
    });
  });

  describe('navigation', () => {
    it('go to definition from a dependency string to the action key', async () => {
      const uri = await openDoc(CLEAN);
      const defs = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '["lint"]', 0, 3) });
      assert.deepEqual(defs, [{ uri, range: r(4, 4, 4, 10) }]);
      const none = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"version"', 0, 2) });
      assert.deepEqual(none, []);
    });

    it('find references of an action id, with and without the declaration', async () => {
      const uri = await openDoc(CLEAN);
      const at = positionOf(CLEAN, '"build": {', 0, 2);
      const withDecl = await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: at, context: { includeDeclaration: true } });
      assert.deepEqual(withDecl, [
        { uri, range: r(5, 4, 5, 11) },
        { uri, range: r(10, 56, 10, 63) },
      ]);
      const refsOnly = await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: at, context: { includeDeclaration: false } });
      assert.deepEqual(refsOnly, [{ uri, range: r(10, 56, 10, 63) }]);
    });

    it('resources: definition of a use, references, hover on the declaration and on a use', async () => {
      const uri = await openDoc(CLEAN);
      const use = positionOf(CLEAN, '"db": 1 }\n', 0, 2);
      assert.deepEqual(await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: use }), [{ uri, range: r(2, 17, 2, 21) }]);
      const refs = await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"db": 1 },', 0, 2), context: { includeDeclaration: true } });
      assert.deepEqual(refs, [
        { uri, range: r(2, 17, 2, 21) },
        { uri, range: r(8, 21, 8, 25) },
      ]);
      const hd = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"db": 1 },', 0, 2) });
      assert.equal((hd!.contents as MarkupContent).value, 'Resource **db** (capacity 1)\n\nUsed by: `build`');
      const hu = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: use });
      assert.equal((hu!.contents as MarkupContent).value, 'Resource **db** (capacity 1): this action holds 1');
    });

    it('rename updates the key and every dependsOn reference; the result is valid', async () => {
      const uri = await openDoc(CLEAN);
      const at = positionOf(CLEAN, '["build"]', 0, 4);
      const prep = await c.conn.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: at });
      assert.deepEqual(prep, { range: r(10, 57, 10, 62), placeholder: 'build' });
      const edit = await c.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at, newName: 'compile:app' });
      const edits = editsOf(uri, edit);
      assert.deepEqual(edits, [
        { range: r(5, 5, 5, 10), newText: 'compile:app' },
        { range: r(10, 57, 10, 62), newText: 'compile:app' },
      ]);
      const renamed = apply(CLEAN, edits);
      assert.equal(renamed, CLEAN.replace('"build": {', '"compile:app": {').replace('["build"]', '["compile:app"]'));
      assert.deepEqual(analyzeText(renamed).diagnostics, []);
    });

    it('rename rejects an existing id, an invalid id, and things that are not action ids', async () => {
      const uri = await openDoc(CLEAN);
      const at = positionOf(CLEAN, '"build": {', 0, 2);
      await assert.rejects(
        c.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at, newName: 'lint' }),
        (e: unknown) => e instanceof ResponseError && e.message === "An action 'lint' already exists.",
      );
      await assert.rejects(
        c.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at, newName: 'two words' }),
        (e: unknown) => e instanceof ResponseError && /not a valid action id/.test(e.message),
      );
      await assert.rejects(
        c.conn.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '"command"', 0, 2) }),
        (e: unknown) => e instanceof ResponseError && e.message === 'Only action ids can be renamed.',
      );
    });
  });

  it('document symbols: resources and actions with their dependencies and resources', async () => {
    const uri = await openDoc(CLEAN);
    const syms = (await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    const shape = (s: DocumentSymbol): unknown => [s.name, s.kind, s.detail ?? null, (s.children ?? []).map(shape)];
    assert.deepEqual(syms.map(shape), [
      ['resources', 3, null, [['db', 13, '1', []]]],
      [
        'actions',
        3,
        null,
        [
          ['lint', 12, 'Check style', []],
          ['build', 12, 'npm run build', [['lint', 20, 'dependency', []], ['db', 13, 'resource × 1', []]]],
          ['test', 12, 'npm test', [['build', 20, 'dependency', []]]],
          ['docs', 12, 'make docs', []],
        ],
      ],
    ]);
    const build = syms[1]!.children![1]!;
    assert.deepEqual(build.selectionRange, r(5, 4, 5, 11));
    assert.deepEqual(build.range, r(5, 4, 9, 5));
  });

  it('lists the actions of a very large graph without children (over 5,000 actions)', async () => {
    const uri = await openDoc(chain(6000));
    const syms = (await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    assert.equal(syms.length, 1);
    const actions = syms[0]!.children!;
    assert.equal(actions.length, 6000);
    assert.deepEqual([actions[0]!.name, actions[5999]!.name], ['a0', 'a5999']);
    assert.ok(actions.every((a) => (a.children ?? []).length === 0));
    const small = (await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: await openDoc(chain(3)) } })) as DocumentSymbol[];
    assert.deepEqual(small[0]!.children!.map((a) => (a.children ?? []).map((x) => x.name)), [[], ['a0'], ['a1']]);
  });

  describe('quick fixes', () => {
    async function fixes(text: string, range: Range): Promise<{ title: string; preferred: boolean; result: string }[]> {
      const uri = await openDoc(text);
      const actions = await c.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics: [] } });
      assert.ok(actions);
      return actions.map((a) => {
        assert.ok('edit' in a && a.kind === 'quickfix');
        return { title: a.title, preferred: a.isPreferred === true, result: apply(text, editsOf(uri, a.edit)) };
      });
    }

    it('unknown dependency: replace by the did-you-mean id, or remove it with its comma', async () => {
      const list = await fixes(GRAPH, r(5, 66, 5, 66));
      assert.deepEqual(
        list.map((f) => [f.title, f.preferred]),
        [
          ["Change to 'lint'", true],
          ["Remove dependency 'lnt'", false],
        ],
      );
      assert.ok(list[0]!.result.includes('"dependsOn": ["lint", "lint"]'));
      assert.ok(list[1]!.result.includes('"build": { "command": "npm run build", "dependsOn": ["lint"], "resources"'));
    });

    it('cycle: remove the cycle-closing dependency; the cycle is gone', async () => {
      const list = await fixes(GRAPH, r(8, 42, 8, 42));
      assert.deepEqual(list.map((f) => f.title), ["Remove dependency 'a' of 'b' (breaks the cycle)"]);
      const fixed = list[0]!.result;
      assert.ok(fixed.includes('"b": { "command": "x", "dependsOn": [] }'));
      assert.deepEqual(analyzeText(fixed).diagnostics.filter((d) => d.code === 'cycle'), []);
    });

    it('removal keeps the array valid in the middle, at the end, and for a lone element with a trailing comma', async () => {
      const self = await fixes(GRAPH, r(6, 61, 6, 61));
      assert.deepEqual(self.map((f) => f.title), ["Remove dependency 'test'"]);
      assert.ok(self[0]!.result.includes('"dependsOn": ["build", "lint", "build"]'));
      const dup = await fixes(GRAPH, r(6, 78, 6, 78));
      assert.deepEqual(dup.map((f) => f.title), ["Remove duplicate dependency 'build'"]);
      assert.ok(dup[0]!.result.includes('"dependsOn": ["build", "test", "lint"] }'));
      const lone = '{ "version": 1, "actions": { "a": { "command": "x", "dependsOn": [\n  "zz",\n] } } }';
      const l = await fixes(lone, r(1, 3, 1, 3));
      assert.deepEqual(l.map((f) => f.result), ['{ "version": 1, "actions": { "a": { "command": "x", "dependsOn": [\n  \n] } } }']);
      assert.deepEqual(analyzeText(l[0]!.result).diagnostics, []);
      const multi = '{ "version": 1, "actions": { "a": { "command": "x", "dependsOn": [\n  "b",\n  "zz",\n  "b2"\n] }, "b": { "command": "x" }, "b2": { "command": "x" } } }';
      const m = await fixes(multi, r(2, 3, 2, 3));
      assert.equal(m.find((f) => f.title === "Remove dependency 'zz'")!.result, multi.replace('"zz",\n  ', ''));
    });

    it('did-you-mean for an unknown resource and an unknown property name', async () => {
      const text = CLEAN.replace('"resources": { "db": 1 }\n', '"resources": { "dbb": 1 }\n').replace('"dependsOn": ["build"]', '"dependOn": ["build"]');
      const res = await fixes(text, r(8, 22, 8, 22));
      assert.deepEqual(res.map((f) => [f.title, f.preferred]), [["Change to 'db'", true]]);
      assert.equal(res[0]!.result, text.replace('"dbb"', '"db"'));
      const at = positionOf(text, '"dependOn"', 0, 2);
      const prop = await fixes(text, r(at.line, at.character, at.line, at.character));
      assert.deepEqual(prop.map((f) => f.title), ["Change to 'dependsOn'"]);
      assert.equal(prop[0]!.result, text.replace('"dependOn"', '"dependsOn"'));
    });

    it('hooks (SPEC §10): hook names complete inside "hooks", hover explains one, a misspelt one has a quick fix', async () => {
      const text = '{\n  "version": 1,\n  "hooks": { "onRunFinished": "echo done",  },\n  "actions": { "a": { "command": "x" } }\n}\n';
      const items = await complete(text, positionOf(text, '"echo done",  }', 0, 13));
      const labels = items.map((i) => i.label).sort();
      assert.deepEqual(labels.filter((l) => l.startsWith('on')), ['onActionFinished', 'onRunStarted']);
      const uri = await openDoc(text);
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, '"onRunFinished"', 0, 3) });
      assert.ok(h);
      const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : JSON.stringify(h.contents);
      assert.match(value, /report\.json` is written/);
      const typo = text.replace('"onRunFinished"', '"onRunFinish"');
      const at = positionOf(typo, '"onRunFinish"', 0, 2);
      const res = await fixes(typo, r(at.line, at.character, at.line, at.character));
      assert.deepEqual(res.map((f) => f.title), ["Change to 'onRunFinished'"]);
      assert.equal(res[0]!.result, text);
    });

    it('nothing to fix where there is no problem', async () => {
      assert.deepEqual(await fixes(CLEAN, r(7, 21, 7, 21)), []);
    });
  });

  it('code lenses "▶ Run" (this action only) and "Run with dependencies" above each action, resolved when shown', async () => {
    const uri = await openDoc(CLEAN);
    assert.deepEqual(c.init.capabilities.codeLensProvider, { resolveProvider: true });
    const lenses = await c.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    assert.ok(lenses);
    assert.equal(lenses.length, 8);
    assert.ok(lenses.every((l) => l.command === undefined), 'commands come with resolve');
    const resolved = await Promise.all(lenses.map((l) => c.conn.sendRequest(CodeLensResolveRequest.type, l)));
    assert.deepEqual(resolved.slice(0, 2), [
      { range: r(4, 4, 4, 10), command: { title: '▶ Run', command: 'actiontree.runActionOnly', arguments: [uri, 'lint'] } },
      { range: r(4, 4, 4, 10), command: { title: 'Run with dependencies', command: 'actiontree.runAction', arguments: [uri, 'lint'] } },
    ]);
    assert.deepEqual(resolved.map((l) => l.command!.arguments![1]), ['lint', 'lint', 'build', 'build', 'test', 'test', 'docs', 'docs']);
    // a lens with foreign data comes back as it was
    const odd = { range: r(0, 0, 0, 1), data: 'junk' };
    assert.deepEqual(await c.conn.sendRequest(CodeLensResolveRequest.type, odd), odd);
  });

  describe('schema-level features (json-languageservice)', () => {
    for (const withSchemaProperty of [false, true]) {
      it(`completes property names and hovers fields from the bundled schema${withSchemaProperty ? ' (file names its own $schema)' : ''}`, async () => {
        const head = withSchemaProperty ? '{\n  "$schema": "./node_modules/actiontree/schema/actiontree.schema.json",\n' : '{\n';
        const text = head + '  "version": 1,\n  "actions": {\n    "a": { "command": "x",  }\n  }\n}\n';
        const at = positionOf(text, '"x",  }', 0, 5);
        const items = await complete(text, at);
        const labels = items.map((i) => i.label).sort();
        for (const l of ['dependsOn', 'timeout', 'retries', 'resources', 'description']) assert.ok(labels.includes(l), `${l} in ${labels.join(', ')}`);
        assert.ok(!labels.includes('command'), 'not a property already present');
        const uri = await openDoc(text);
        const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, '"version"', 0, 3) });
        assert.ok(h);
        const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : JSON.stringify(h.contents);
        assert.match(value, /only `?1`? exists/);
      });
    }

    it('an empty dependency string does not produce an empty outline name', async () => {
      const text = CLEAN.replace('["lint"]', '["lint", ""]');
      const uri = await openDoc(text);
      const syms = (await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
      const build = syms[1]!.children![1]!;
      assert.deepEqual(build.children!.map((x) => x.name), ['lint', '""', 'db']);
    });

    it('formats the document, keeping comments', async () => {
      const text = '{"version":1, // one\n"actions":{"a":{"command":"x"}}}';
      const uri = await openDoc(text);
      const edits = await c.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
      assert.ok(edits);
      assert.equal(apply(text, edits), '{\n  "version": 1, // one\n  "actions": {\n    "a": {\n      "command": "x"\n    }\n  }\n}');
    });

    it('folding ranges for objects and arrays', async () => {
      const uri = await openDoc(CLEAN);
      const folds = await c.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
      assert.ok(folds);
      const pairs = folds.map((f) => [f.startLine, f.endLine]).sort((a, b) => a[0]! - b[0]!);
      assert.deepEqual(pairs, [
        [0, 12],
        [3, 11],
        [5, 8],
      ]);
    });

    it('selection ranges grow from the id to the array, the property, the action', async () => {
      const uri = await openDoc(CLEAN);
      const at = positionOf(CLEAN, '["lint"]', 0, 3);
      const sel = await c.conn.sendRequest(SelectionRangeRequest.type, { textDocument: { uri }, positions: [at] });
      assert.ok(sel && sel[0]);
      const chain: Range[] = [];
      for (let s: typeof sel[0] | undefined = sel[0]; s; s = s.parent) chain.push(s.range);
      const flat = chain.map((x) => [x.start.line, x.start.character, x.end.line, x.end.character]);
      // json-languageservice lists the string token twice (value, then node)
      assert.deepEqual(flat.slice(0, 6), [[7, 21, 7, 25], [7, 20, 7, 26], [7, 20, 7, 26], [7, 19, 7, 27], [7, 6, 7, 27], [7, 6, 7, 28]]);
      assert.deepEqual(flat.at(-1), [0, 0, 13, 1]);
      assert.ok(flat.some((x) => x.join() === '5,4,9,5'), 'the whole "build" property is one step');
    });
  });

  it('a handler that throws is logged and answered with an empty result; the server lives on', async () => {
    const uri = await openDoc(CLEAN);
    const bad = { textDocument: { uri }, position: null } as unknown as { textDocument: { uri: string }; position: Position };
    assert.deepEqual(await c.conn.sendRequest(DefinitionRequest.type, bad), []);
    assert.ok(c.logs.some((l) => l.startsWith('[definition] TypeError')), c.logs.join('\n'));
    const defs = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(CLEAN, '["lint"]', 0, 3) });
    assert.deepEqual(defs, [{ uri, range: r(4, 4, 4, 10) }]);
  });
});
