import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeControls, escapeControlsKeepLines, formatDiagnostic, jsonForTerminal } from '../../../src/core/format';
import { LineIndex } from '../../../src/core/text';

/** Characters around the interesting ranges (C0, C1, bidi), plus any code unit. */
const ch = fc.oneof(fc.integer({ min: 0, max: 0xa0 }), fc.integer({ min: 0x2000, max: 0x206f }), fc.integer({ min: 0, max: 0xffff })).map((n) => String.fromCharCode(n));
const text = fc.array(ch, { maxLength: 40 }).map((a) => a.join(''));

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('core/format: terminal-safe text', () => {
  it('escapes C0, DEL, C1 and bidi controls visibly; leaves other text alone', () => {
    assert.equal(escapeControls('a\u001b]52;c;x\u0007b'), 'a\\x1b]52;c;x\\x07b');
    assert.equal(escapeControls('t\tn\nr\r'), 't\\tn\\nr\\r');
    assert.equal(escapeControls('\u007f\u009b\u202e\u2066'), '\\x7f\\x9b\\u202e\\u2066');
    assert.equal(escapeControls('pkg/app:build — ✓ é 日本 \u05d0'), 'pkg/app:build — ✓ é 日本 \u05d0');
    assert.equal(escapeControlsKeepLines('a\n\tb\u001b'), 'a\n\tb\\x1b');
  });

  it('never leaves an unsafe character (property)', () => {
    fc.assert(
      fc.property(text, (s) => {
        assert.ok(!UNSAFE.test(escapeControls(s)));
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(escapeControlsKeepLines(s)));
      }),
    );
  });

  it('jsonForTerminal keeps the JSON value and leaves nothing unsafe (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), text, (v, s) => {
        const value = { v, s };
        const text = jsonForTerminal(JSON.stringify(value));
        assert.ok(!UNSAFE.test(text), text);
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('formatDiagnostic: one safe line, 1-based position', () => {
    const li = new LineIndex('{\n  "x\u001b": 1\n}');
    const line = formatDiagnostic('f\u001b.jsonc', { code: 'schema', severity: 'error', message: "id 'x\u001b'\nbad", span: { offset: 4, length: 3 }, related: [] } as never, li);
    assert.equal(line, "f\\x1b.jsonc:2:3: error schema: id 'x\\x1b' bad");
  });
});
