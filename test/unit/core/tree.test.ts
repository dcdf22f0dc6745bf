import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { ParseError } from 'jsonc-parser';
import { buildTree } from '../../../src/core/parse';
import { buildTreeWithVisitor } from './visitor-tree';
import { readFixture } from './fixtures';

function both(text: string): void {
  const e1: ParseError[] = [];
  const e2: ParseError[] = [];
  const t1 = buildTree(text, e1);
  const t2 = buildTreeWithVisitor(text, e2);
  assert.deepEqual(e1, e2, `errors differ for ${JSON.stringify(text)}`);
  assert.deepEqual(t1, t2, `trees differ for ${JSON.stringify(text)}`);
}

const token = fc.constantFrom(
  '{', '}', '[', ']', ',', ':', ' ', '\n', '\r\n', '\t', '//c\n', '/*c*/', '/*', '*/', '/', '"', '"a"', '"b c"', '"\\u12"', '"\\q"', '"\\n"',
  '1', '-', '-1.5e3', '1.', '01', '0x1', 'true', 'false', 'null', 'tru', 'nul', 'x', '#', '\u00a0', '\u2028', "'s'", '"actions"', '"dependsOn"',
);

describe('light tree: the iterative builder equals jsonc-parser\'s visitor', () => {
  it('on random token sequences (property)', () => {
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (ts) => both(ts.join(''))), { numRuns: 3000 });
  });

  it('on random strings (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => both(s)), { numRuns: 1000 });
  });

  it('on arbitrary JSON, pretty and compact (property)', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
      both(JSON.stringify(v) ?? '');
      both(JSON.stringify(v, null, 2) ?? '');
    }), { numRuns: 300 });
  });

  it('on every fixture and edge case', () => {
    const dirs = ['diagnostics', 'core', 'cli'].map((d) => path.join(__dirname, '../../fixtures', d));
    for (const dir of dirs) for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonc'))) both(readFixture(path.join(dir, f)));
    for (const t of ['', ' ', '{', '}', '[', ']', '{,}', '[,]', '[1,]', '{"a":1,}', '{"a"}', '{"a":}', '{1:2}', '1 2', '{"a":1 "b":2}', '[1 2]', '/*', '"abc']) both(t);
  });

  it('handles 200,000 levels of nesting without recursion', () => {
    const errors: ParseError[] = [];
    const root = buildTree('['.repeat(200_000), errors);
    assert.equal(root?.type, 'array');
    assert.equal(errors.length, 200_000);
  });
});
