import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { AnsiStripper, TailBuffer, stripAnsi } from '../../../src/extension/ansi';

describe('ANSI stripping', () => {
  it('removes colors, cursor moves and OSC hyperlinks, keeps the text', () => {
    assert.equal(stripAnsi('\u001b[1;31merror\u001b[0m: \u001b[2Kdone'), 'error: done');
    assert.equal(stripAnsi('\u001b]8;;https://x.y\u0007link\u001b]8;;\u0007'), 'link');
    assert.equal(stripAnsi('plain ünïcode ✓'), 'plain ünïcode ✓');
  });

  it('handles an escape sequence split across chunks', () => {
    const s = new AnsiStripper();
    assert.equal(s.push('ok \u001b['), 'ok ');
    assert.equal(s.push('32mgreen\u001b[0'), 'green');
    assert.equal(s.push('m end'), ' end');
    assert.equal(s.flush(), '');
  });

  it('gives the same text however the stream is chunked (property)', () => {
    const piece = fc.oneof(fc.string({ maxLength: 8 }).map((t) => t.replace(/[\u001b\u009b]/g, '')), fc.constantFrom('\u001b[0m', '\u001b[1;32m', '\u001b[2K', '\u001b]0;title\u0007'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, cuts) => {
        const text = pieces.join('');
        const points = [...new Set(cuts.map((c) => (text.length ? c % text.length : 0)))].sort((a, b) => a - b);
        const s = new AnsiStripper();
        let out = '';
        let prev = 0;
        for (const p of points) {
          out += s.push(text.slice(prev, p));
          prev = p;
        }
        out += s.push(text.slice(prev)) + s.flush();
        assert.equal(out, stripAnsi(text));
      }),
    );
  });
});

describe('TailBuffer', () => {
  it('keeps only the last `limit` characters and counts what it dropped', () => {
    const t = new TailBuffer(10);
    t.append('0123456789');
    t.append('abc');
    assert.equal(t.text(), '3456789abc');
    assert.equal(t.dropped, 3);
    t.append('x'.repeat(25));
    assert.equal(t.text(), 'x'.repeat(10));
    assert.equal(t.dropped, 28);
    assert.equal(t.length, 10);
  });

  it('stays bounded for 50 MB of output', () => {
    const t = new TailBuffer(256 * 1024);
    const chunk = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 800; i++) t.append(chunk);
    assert.equal(t.length, 256 * 1024);
    assert.equal(t.text().length, 256 * 1024);
    assert.equal(t.dropped, 800 * 64 * 1024 - 256 * 1024);
  });
});
