import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCache, Coalescer } from '../../../src/server/documents';
import { CLEAN, GRAPH } from './fixtures';

describe('server: analysis cache and coalescer', () => {
  it('analyses each document version once and drops older versions', () => {
    const cache = new AnalysisCache(() => assert.fail('no log expected'));
    let doc = TextDocument.create('file:///x.actiontree.jsonc', 'actiontree', 1, GRAPH);
    const a1 = cache.get(doc);
    assert.equal(cache.get(doc), a1, 'same version: the cached analysis');
    assert.equal(a1.analysis.diagnostics.length, 6);
    doc = TextDocument.update(doc, [{ text: CLEAN }], 2);
    const a2 = cache.get(doc);
    assert.notEqual(a2, a1);
    assert.notEqual(a2.resultId, a1.resultId);
    assert.equal(a2.version, 2);
    assert.equal(a2.analysis.diagnostics.length, 0);
    assert.equal(cache.peek(doc.uri, 1), undefined, 'version 1 is gone');
    assert.equal(cache.peek(doc.uri, 2), a2);
    cache.delete(doc.uri);
    assert.equal(cache.peek(doc.uri, 2), undefined);
    assert.equal(cache.durationOf(doc.uri), 0);
  });

  it('coalesces requests scheduled before the delay: only the newest runs', async () => {
    const c = new Coalescer(() => 30);
    const ran: number[] = [];
    const done = new Promise<void>((resolve) => {
      for (let i = 1; i <= 5; i++) {
        c.schedule('u', () => {
          ran.push(i);
          if (i === 5) resolve();
        });
      }
    });
    await done;
    // a later request on the same key runs after any timer the first five could have left
    await new Promise<void>((resolve) => c.schedule('u', () => resolve()));
    assert.deepEqual(ran, [5]);
    c.dispose();
  });

  it('keys are independent and cancel drops a pending run', async () => {
    const c = new Coalescer(() => 0);
    const ran: string[] = [];
    c.schedule('a', () => ran.push('a'));
    c.schedule('b', () => ran.push('b'));
    c.cancel('a');
    await new Promise<void>((resolve) => c.schedule('c', () => resolve()));
    assert.deepEqual(ran, ['b']);
    c.dispose();
  });
});
