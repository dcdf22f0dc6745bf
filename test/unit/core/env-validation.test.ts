import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';

/** Issue 8 item 11: env keys with '=' and NUL characters are diagnosed, with precise ranges. */
function diags(text: string) {
  const a = analyzeText(text);
  return a.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, text: text.slice(d.span.offset, d.span.offset + d.span.length) }));
}

describe('env, command and cwd values a process cannot receive', () => {
  it("a key containing '=': schema error on the '=' itself", () => {
    const text = '{"version":1,"actions":{"a":{"command":"env","env":{"A=B":"x"}}}}';
    const [d, ...rest] = diags(text);
    assert.equal(rest.length, 0);
    assert.deepEqual(d, {
      code: 'schema',
      severity: 'error',
      message: "action 'a': env variable name 'A=B' contains '='; the program would see a variable 'A' instead",
      text: '=',
    });
    assert.equal(analyzeText(text).graph.actions[0]?.env['A=B'], undefined);
  });

  it("an escaped key ('A\\u003dB'): the whole key is the range", () => {
    const [d] = diags('{"version":1,"actions":{"a":{"command":"env","env":{"A\\u003dB":"x"}}}}');
    assert.equal(d?.code, 'schema');
    assert.equal(d?.text, '"A\\u003dB"');
  });

  it('in defaults too', () => {
    const [d] = diags('{"version":1,"defaults":{"env":{"X=":"1"}},"actions":{"a":{"command":"env"}}}');
    assert.equal(d?.code, 'schema');
    assert.match(d?.message ?? '', /^defaults: env variable name 'X=' contains '='/);
  });

  it('a NUL in an env value or name, a command, an argv element or a cwd', () => {
    const cases: [string, RegExp, string][] = [
      ['"env":{"K":"a\\u0000b"}', /env value of 'K' contains a NUL character \(\\u0000\), which an environment cannot carry/, '"a\\u0000b"'],
      ['"env":{"K\\u0000":"v"}', /an env variable name contains a NUL character/, '"K\\u0000"'],
      ['"command":"echo a\\u0000b"', /'command' contains a NUL character \(\\u0000\), which cannot be passed to a program/, '"echo a\\u0000b"'],
      ['"command":["echo","x\\u0000"]', /an element of 'command' contains a NUL character/, '"x\\u0000"'],
      ['"cwd":"a\\u0000"', /'cwd' contains a NUL character/, '"a\\u0000"'],
    ];
    for (const [fields, re, range] of cases) {
      const text = `{"version":1,"actions":{"a":{${fields.startsWith('"command"') ? '' : '"command":"true",'}${fields}}}}`;
      const ds = diags(text).filter((d) => d.severity === 'error');
      assert.equal(ds.length, 1, `${fields}: ${JSON.stringify(ds)}`);
      assert.equal(ds[0]?.code, 'schema');
      assert.match(ds[0]?.message ?? '', re);
      assert.equal(ds[0]?.text, range);
    }
  });

  it('ordinary env keeps working (a value may contain =)', () => {
    assert.deepEqual(diags('{"version":1,"actions":{"a":{"command":"env","env":{"OPTS":"a=b=c"}}}}'), []);
  });
});
