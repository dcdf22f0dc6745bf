import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { closest, editDistance } from '../../../src/core/suggest';
import { LineIndex } from '../../../src/core/text';

/**
 * The analysis has fast paths (LineIndex with indexOf, closest() skipping candidates by a
 * character-multiset bound). These properties check them against plain reference versions.
 */

/** closest() as specified, with every candidate's full edit distance (no bound, no limit). */
function closestReference(name: string, candidates: readonly string[]): string | undefined {
  if (name.length === 0 || name.length > 200) return undefined;
  const lower = name.toLowerCase();
  const maxLenDiff = Math.max(2, Math.floor(name.length * 0.34));
  let bestDistance = Math.floor(name.length * 0.4) + 1;
  let best: string | undefined;
  for (const c of candidates) {
    if (c === name) continue;
    if (Math.abs(c.length - name.length) > maxLenDiff) continue;
    if (c.toLowerCase() === lower) return c;
    if (c.length < 3 && name.length < 3) continue;
    const d = editDistance(name, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/** Line starts by the definition: after each \n, \r\n or lone \r. */
function lineStartsReference(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') {
      starts.push(i + 2);
      i++;
    } else if (text[i] === '\n' || text[i] === '\r') starts.push(i + 1);
  }
  return starts;
}

const unit = fc.constantFrom('a', 'b', 'c', 'A', 'B', '-', '1', 'é', 'É', '\u2028', ':');
const word = fc.string({ unit, maxLength: 12 });

describe('analysis fast paths equal their references', () => {
  it('closest() equals the unbounded reference, ASCII and not (property)', () => {
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 40 }), (name, candidates) => {
        assert.equal(closest(name, candidates), closestReference(name, candidates));
      }),
      { numRuns: 3000 },
    );
  });

  it('closest() over many similar ids equals the reference (property)', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `pkg${Math.floor(i / 10)}/task-${i % 10}:build`);
    const near = fc.tuple(fc.integer({ min: 0, max: 499 }), fc.integer({ min: 0, max: 30 }), fc.string({ maxLength: 3 })).map(([i, at, s]) => {
      const id = ids[i] as string;
      return id.slice(0, at) + s + id.slice(at + s.length);
    });
    fc.assert(
      fc.property(near, (name) => {
        assert.equal(closest(name, ids), closestReference(name, ids));
      }),
      { numRuns: 300 },
    );
  });

  it('LineIndex finds the same line starts with and without \\r (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\r', '\r\n', '\u2028', 'é'), maxLength: 60 });
    fc.assert(
      fc.property(text, (t) => {
        const index = new LineIndex(t);
        const starts = lineStartsReference(t);
        assert.equal(index.lineCount, starts.length);
        starts.forEach((s, line) => {
          assert.deepEqual(index.positionAt(s), { line, character: 0 });
          assert.equal(index.offsetAt({ line, character: 0 }), s);
        });
      }),
      { numRuns: 2000 },
    );
  });
});
