import assert from 'node:assert/strict';
import { envOverrides, strippedByTerminal, terminalEnvSettingKey, terminalEnvironment } from '../../../src/shared/terminal-env';
import { parseParentMessage } from '../../../src/shared/runner-protocol';

describe("actions get a terminal's environment (shared/terminal-env)", () => {
  const host = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/u',
    ELECTRON_RUN_AS_NODE: '1',
    ELECTRON_NO_ATTACH_CONSOLE: '1',
    VSCODE_IPC_HOOK: '/tmp/x.sock',
    VSCODE_PID: '42',
    VSCODE_SHELL_LOGIN: '1',
    SNAP: '/snap/code/1',
    SNAP_NAME: 'code',
    SNAPPY: 'kept',
    GDK_PIXBUF_MODULE_FILE: '/x',
    UNSET_ME: 'x',
    EMPTY: undefined,
  };

  it('strips what VS Code strips for its terminals', () => {
    const env = terminalEnvironment(host);
    assert.deepEqual(Object.keys(env).sort(), ['HOME', 'PATH', 'SNAPPY', 'UNSET_ME', 'VSCODE_SHELL_LOGIN']);
    assert.equal(strippedByTerminal('ELECTRON_RUN_AS_NODE'), true);
    assert.equal(strippedByTerminal('VSCODE_PORTABLE'), false);
    assert.equal(strippedByTerminal('VSCODE_PORTABLE_X'), true);
  });

  it('applies terminal.integrated.env.* (set, ${env:…}, null removes)', () => {
    const env = terminalEnvironment(host, envOverrides({ FOO: 'bar', PATH: '/opt/bin:${env:PATH}', UNSET_ME: null, BAD: 3, 'A=B': 'x' }));
    assert.equal(env['FOO'], 'bar');
    assert.equal(env['PATH'], '/opt/bin:/usr/bin:/bin');
    assert.equal('UNSET_ME' in env, false);
    assert.equal('BAD' in env, false);
    assert.equal('A=B' in env, false);
  });

  it('maps platforms to setting keys', () => {
    assert.equal(terminalEnvSettingKey('linux'), 'linux');
    assert.equal(terminalEnvSettingKey('darwin'), 'osx');
    assert.equal(terminalEnvSettingKey('win32'), 'windows');
  });

  it('the start message carries env, validated', () => {
    const ok = parseParentMessage({ type: 'start', graphFile: '/g', env: { A: '1' } });
    assert.ok(ok.ok && ok.value.type === 'start' && ok.value.env?.['A'] === '1');
    assert.equal(parseParentMessage({ type: 'start', graphFile: '/g', env: { A: 1 } }).ok, false);
    assert.equal(parseParentMessage({ type: 'start', graphFile: '/g', env: ['A'] }).ok, false);
    assert.equal(parseParentMessage({ type: 'start', graphFile: '/g', env: { 'A=B': 'x' } }).ok, false);
  });
});
