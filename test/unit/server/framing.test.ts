import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { checkHeader, FrameGuard, MAX_FRAME_BYTES } from '../../../src/server/frameGuard';
import { buildServer, deadline } from './lspClient';

/** Issue 8 item 12: a malformed frame makes the server log it and exit non-zero (the client restarts it). */

const frame = (o: unknown): string => {
  const b = Buffer.from(JSON.stringify(o));
  return `Content-Length: ${b.length}\r\n\r\n${b.toString()}`;
};
const INIT = frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });

describe('LSP framing guard', () => {
  it('checkHeader: the length, or why the header is malformed', () => {
    assert.equal(checkHeader('Content-Length: 12'), 12);
    assert.equal(checkHeader('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 0'), 0);
    assert.match(String(checkHeader('Content-Length: abc')), /not a byte count: "abc"/);
    assert.match(String(checkHeader('Content-Length: -5')), /not a byte count: "-5"/);
    assert.match(String(checkHeader('Content-Length: 1.5')), /not a byte count/);
    assert.match(String(checkHeader(`Content-Length: ${MAX_FRAME_BYTES + 1}`)), /exceeds/);
    assert.match(String(checkHeader('Content-Type: x')), /without Content-Length/);
    assert.match(String(checkHeader('{"jsonrpc"')), /malformed header line/);
  });

  it('passes good frames through byte for byte, however they are split', async () => {
    const input = Buffer.from(INIT + frame({ jsonrpc: '2.0', method: 'x', params: { s: 'é'.repeat(5000) } }) + INIT);
    for (const size of [1, 7, 64, 100_000]) {
      const g = new FrameGuard(() => assert.fail('reported a good stream as malformed'));
      const out: Buffer[] = [];
      g.on('data', (d: Buffer) => out.push(d));
      for (let i = 0; i < input.length; i += size) g.write(input.subarray(i, i + size));
      g.end();
      await new Promise((r) => g.on('end', r));
      assert.ok(Buffer.concat(out).equals(input), `split every ${size} bytes`);
    }
  });

  for (const [name, bad] of [
    ['Content-Length: abc', 'Content-Length: abc\r\n\r\n{}'],
    ['a body shorter than its Content-Length says', 'Content-Length: 5\r\n\r\n{"jsonrpc":"2.0","id":9,"method":"shutdown"}'],
    ['a negative Content-Length', 'Content-Length: -5\r\n\r\n{}'],
    ['an absurd Content-Length', 'Content-Length: 99999999999\r\n\r\n{}'],
  ] as const) {
    it(`the server (--stdio) after ${name}: logs it and exits 1`, async function () {
      this.timeout(30_000);
      const server = await buildServer();
      const p = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
      p.stdin.write(INIT);
      await deadline(
        new Promise<void>((resolve) => {
          const check = (): void => (out.includes('"id":1') ? resolve() : void setTimeout(check, 20));
          check();
        }),
        20_000,
        'the initialize answer',
      );
      p.stdin.write(bad);
      p.stdin.write(frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' }));
      const code = await deadline(exited, 10_000, 'the server to exit');
      assert.equal(code, 1);
      assert.match(err, /actiontree language server: malformed message from the client \(.+\); exiting so that the client can restart the server/);
      assert.match(out, /window\/logMessage.*malformed message from the client/s, 'logged to the client too');
    });
  }
});
