import * as assert from 'node:assert/strict';
import { ACTION_KEYS, FIELD_PARSERS, parseGraph } from '../../../src/core/parse';

const messages = (text: string): string[] => parseGraph(text).diagnostics.map((d) => `${d.severity} ${text.slice(d.span.offset, d.span.offset + d.span.length)}: ${d.message}`);

describe('parser: the field table and the one duplicate/unknown-key check', () => {
  it('has exactly one parser per action key, in the same order', () => {
    assert.deepEqual(Object.keys(FIELD_PARSERS), [...ACTION_KEYS]);
  });

  it('names of Object.prototype are unknown properties, not parsers', () => {
    const text = `{ "version": 1, "actions": { "a": { "toString": 1, "constructor": {}, "__proto__": 1, "hasOwnProperty": [], "command": "x" } } }`;
    const r = parseGraph(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.severity, d.message.split(' in ')[0]]),
      [
        ['warning', "unknown property 'toString'"],
        ['warning', "unknown property 'constructor'"],
        ['warning', "unknown property '__proto__'"],
        ['warning', "unknown property 'hasOwnProperty'"],
      ],
    );
    assert.deepEqual(r.graph.actions[0]?.command, { kind: 'shell', line: 'x' });
  });

  it('small (<= 16 keys) and big objects report repeats and unknown keys alike: repeats first, then unknown keys, then fields', () => {
    const filler = (n: number): string => Array.from({ length: n }, (_, i) => `"x${i}": 1`).join(', ');
    const body = (n: number): string => `{ "cpus": 0, "commnd": "y", "cpus": 2, ${filler(n)}, "command": "x", "command": "z" }`;
    for (const n of [1, 20]) {
      const text = `{ "version": 1, "actions": { "a": ${body(n)} } }`;
      const m = messages(text);
      assert.deepEqual(m.slice(0, 2), [
        `error "cpus": duplicate property 'cpus' in action 'a' (the first one is used)`,
        `error "command": duplicate property 'command' in action 'a' (the first one is used)`,
      ], `${n} filler keys`);
      assert.equal(m[2], `warning "commnd": unknown property 'commnd' in action 'a'; did you mean 'command'?`);
      assert.equal(m.filter((x) => x.includes('unknown property')).length, 1 + n);
      assert.equal(m[m.length - 1], `error 0: action 'a': 'cpus' must be an integer >= 1, got the number 0`);
      assert.deepEqual(parseGraph(text).graph.actions[0]?.command, { kind: 'shell', line: 'x' });
    }
  });

  it('the top level uses the same checks', () => {
    const m = messages(`{ "version": 1, "verison": 1, "version": 2, "actions": { "a": { "command": "x" } } }`);
    assert.deepEqual(m, [
      `error "version": duplicate property 'version' in the graph (the first one is used)`,
      `warning "verison": unknown property 'verison' in the graph; did you mean 'version'?`,
    ]);
  });
});
