import assert from 'node:assert/strict';
import { simpleArgv } from '../../../src/runner/launcher';

describe('simpleArgv (shell-less fast path for plain command lines)', () => {
  it('splits plain program lines', () => {
    assert.deepEqual(simpleArgv('true'), ['true']);
    assert.deepEqual(simpleArgv('sleep 0.150'), ['sleep', '0.150']);
    assert.deepEqual(simpleArgv('npm  run build --silent'), ['npm', 'run', 'build', '--silent']);
    assert.deepEqual(simpleArgv('./bin/tool -o out/a.js src/x.ts'), ['./bin/tool', '-o', 'out/a.js', 'src/x.ts']);
  });

  it('leaves anything with shell syntax, assignments, keywords or builtins to the shell', () => {
    for (const line of [
      'echo hi', 'echo $HOME', 'a && b', 'a | b', 'a; b', 'a > f', 'ls *.ts', "grep 'x y' f", 'FOO=1 cmd', 'cd sub', 'exit 3',
      'export A', 'test -f x', 'pwd', 'kill %1', 'cmd ~/x', 'a\tb', 'cmd # comment', 'if', 'x\ny', '', '   ', 'cmd `x`', 'cmd {a,b}', 'cmd [ab]',
    ]) {
      assert.equal(simpleArgv(line), null, line);
    }
  });
});
