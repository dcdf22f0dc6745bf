import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CodeActionRequest,
  CodeLensRequest,
  CodeLensResolveRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentDiagnosticRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  ResponseError,
  SelectionRangeRequest,
} from 'vscode-languageserver/node';
import { suiteClient } from './lspClient';
import { CLEAN, GRAPH } from './fixtures';

/** Pieces that make half-valid graph files when glued at random. */
const PIECES = [
  '{', '}', '[', ']', ',', ':', '"', '"actions"', '"dependsOn"', '"resources"', '"command"', '"version"', '1', '-1', '0.5',
  'true', 'null', '"a"', '"b"', '"lint"', '"build"', '"x:y/z"', '""', '// c\n', '/* c */', '\n', '  ', '\\', '"\\u00e9"', '\u{1F600}', '\r\n',
];

describe('server: fuzzed documents never make a handler throw', function () {
  this.timeout(120_000);
  const c = suiteClient({ mode: 'pull' });

  it('answers every request on random texts and edits, with no handler exception logged', async () => {
    const text = fc.oneof(
      fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((a) => a.join('')),
      fc.tuple(fc.constantFrom(GRAPH, CLEAN), fc.nat(), fc.nat(40), fc.array(fc.constantFrom(...PIECES), { maxLength: 5 })).map(
        ([base, at, del, ins]) => {
          const i = at % (base.length + 1);
          return base.slice(0, i) + ins.join('') + base.slice(i + del);
        },
      ),
      fc.string({ maxLength: 200 }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.tuple(fc.nat(30), fc.nat(120)), { minLength: 1, maxLength: 4 }), async (t, spots) => {
        n += 1;
        const uri = `file:///virtual/fuzz${n}.actiontree.jsonc`;
        await c.open(uri, t);
        const td = { textDocument: { uri } };
        const diag = await c.conn.sendRequest(DocumentDiagnosticRequest.type, td);
        assert.equal(diag.kind, 'full');
        await c.conn.sendRequest(DocumentSymbolRequest.type, td);
        for (const lens of (await c.conn.sendRequest(CodeLensRequest.type, td)) ?? []) await c.conn.sendRequest(CodeLensResolveRequest.type, lens);
        await c.conn.sendRequest(FoldingRangeRequest.type, td);
        for (const [line, character] of spots) {
          const position = { line, character };
          const range = { start: position, end: { line, character: character + 3 } };
          await c.conn.sendRequest(CompletionRequest.type, { ...td, position });
          await c.conn.sendRequest(HoverRequest.type, { ...td, position });
          await c.conn.sendRequest(DefinitionRequest.type, { ...td, position });
          await c.conn.sendRequest(ReferencesRequest.type, { ...td, position, context: { includeDeclaration: true } });
          await c.conn.sendRequest(CodeActionRequest.type, { ...td, range, context: { diagnostics: [] } });
          await c.conn.sendRequest(SelectionRangeRequest.type, { ...td, positions: [position] });
          // rename may refuse (a ResponseError with a message): that is an answer, not a crash
          await c.conn.sendRequest(PrepareRenameRequest.type, { ...td, position }).catch((e: unknown) => assert.ok(e instanceof ResponseError));
          await c.conn.sendRequest(RenameRequest.type, { ...td, position, newName: 'renamed' }).catch((e: unknown) => assert.ok(e instanceof ResponseError));
        }
        await c.close(uri);
      }),
      { numRuns: 150, seed: 20261121 },
    );
    assert.ok(c.alive(), 'the server is still running');
    const errors = c.logs.filter((l) => /^\[[A-Za-z]+\] /.test(l));
    assert.deepEqual(errors, [], 'no handler threw');
  });
});
