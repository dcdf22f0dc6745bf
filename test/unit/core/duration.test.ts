import * as assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../src/core/duration';

describe('parseDuration', () => {
  const ok: [unknown, number][] = [
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    [30, 30_000],
    [0.25, 250],
  ];
  for (const [v, ms] of ok) it(`accepts ${JSON.stringify(v)} = ${ms} ms`, () => assert.deepEqual(parseDuration(v), { ok: true, ms }));

  const bad: [unknown, RegExp][] = [
    ['5', /needs a unit/],
    ['5 minutes', /invalid duration "5 minutes"/],
    ['', /invalid duration/],
    ['30s1m', /invalid duration/],
    ['1d', /invalid duration/],
    ['-5s', /invalid duration/],
    ['0s', /must be positive/],
    [0, /must be positive/],
    [-1, /must be positive/],
    [Infinity, /finite/],
    [null, /got null/],
    [true, /got boolean/],
    [{}, /got an object/],
    [[], /got an array/],
    ['9'.repeat(500) + 's', /invalid duration/],
  ];
  for (const [v, re] of bad) {
    it(`rejects ${JSON.stringify(v)?.slice(0, 20)}`, () => {
      const r = parseDuration(v);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, re);
    });
  }

  it('formats durations for messages', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(125_000), '2m 5s');
    assert.equal(formatDuration(3_780_000), '1h 3m');
  });
});
