import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { unmatchableReason } from '../../../src/core/incremental/globs';

/** inputs / outputs / envInputs in the format (SPEC §7): merge with defaults, diagnostics with exact ranges. */

function diags(text: string): string[] {
  const a = analyzeText(text);
  return a.diagnostics.filter((d) => d.code !== 'unused-resource').map((d) => `${d.severity} ${d.code} ${text.slice(d.span.offset, d.span.offset + d.span.length)} | ${d.message}`);
}

describe('format: inputs, outputs, envInputs', () => {
  it('merges defaults first, then the action; absent stays undefined (not incremental)', () => {
    const text = `{
      "version": 1,
      "defaults": { "inputs": ["package-lock.json"], "envInputs": ["PATH"] },
      "actions": {
        "build": { "command": "b", "inputs": ["src/**/*.ts", "!src/**/*.test.ts"], "outputs": ["dist/**"], "envInputs": ["NODE_OPTIONS"] },
        "lint": { "command": "l" },
        "own": { "command": "o", "inputs": [] }
      }
    }`;
    const a = analyzeText(text);
    assert.deepEqual(diags(text), []);
    const b = a.graph.byId.get('build')!;
    assert.deepEqual(b.inputs, ['package-lock.json', 'src/**/*.ts', '!src/**/*.test.ts']);
    assert.deepEqual(b.outputs, ['dist/**']);
    assert.deepEqual(b.envInputs, ['PATH', 'NODE_OPTIONS']);
    assert.deepEqual(a.graph.byId.get('lint')!.inputs, ['package-lock.json'], 'defaults.inputs make every action incremental');
    assert.equal(a.graph.byId.get('lint')!.outputs, undefined);

    const plain = analyzeText(`{"version":1,"actions":{"x":{"command":"x"},"y":{"command":"y","inputs":[]}}}`).graph;
    assert.equal(plain.byId.get('x')!.inputs, undefined);
    assert.deepEqual(plain.byId.get('y')!.inputs, []);
  });

  it('wrong types are schema errors on the value or the element', () => {
    const text = `{"version":1,"actions":{"a":{"command":"a","inputs":"src/**","outputs":[1, "ok"],"envInputs":["A=B", "", true]}}}`;
    assert.deepEqual(diags(text), [
      `error schema "src/**" | action 'a': 'inputs' must be an array of strings (globs), got the string "src/**"`,
      `error schema 1 | action 'a': 'outputs' entries must be strings (globs), got the number 1`,
      `error schema "A=B" | action 'a': 'A=B' in 'envInputs' is not an environment variable name`,
      `error schema "" | action 'a': '' in 'envInputs' is not an environment variable name`,
      `error schema true | action 'a': 'envInputs' entries must be strings (environment variable names), got true`,
    ]);
  });

  it('a pattern that can never match is an unmatchable-glob warning on the string', () => {
    const text = `{"version":1,
      "defaults": { "inputs": ["/etc/passwd"] },
      "actions":{
        "a":{"command":"a","inputs":["../outside/**", "ok/**", "!/abs", ""], "outputs": ["C:\\\\x"]},
        "b":{"command":"b","cwd":"pkg","inputs":["../shared/*.ts", "../../up"]}
      }}`;
    const got = diags(text).map((d) => d.split(' | ')[0]);
    assert.deepEqual(got, [
      'warning unmatchable-glob "/etc/passwd"',
      'warning unmatchable-glob "../outside/**"',
      'warning unmatchable-glob "!/abs"',
      'warning unmatchable-glob ""',
      'warning unmatchable-glob "C:\\\\x"',
      'warning unmatchable-glob "../../up"',
    ]);
    const msg = diags(text)[1]!;
    assert.match(msg, /action 'a': inputs pattern '\.\.\/outside\/\*\*' can never match: it goes outside the graph file's folder/);
  });

  it('unmatchableReason: relative patterns inside the folder are fine', () => {
    assert.equal(unmatchableReason('src/**', undefined), undefined);
    assert.equal(unmatchableReason('../x', 'a/b'), undefined);
    assert.equal(unmatchableReason('!src/*.test.ts', 'a'), undefined);
    assert.match(unmatchableReason('../../x', 'a') ?? '', /outside/);
    assert.match(unmatchableReason('/x', undefined) ?? '', /absolute/);
    assert.equal(unmatchableReason('x', '/abs/cwd'), undefined, 'an absolute cwd is checked by the runner');
  });
});
