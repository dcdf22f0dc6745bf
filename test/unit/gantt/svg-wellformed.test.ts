import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { chromium, type Browser, type Page } from 'playwright-core';
import { escapeXml } from '../../../src/core/gantt/element';
import type { GanttAction, GanttInput } from '../../../src/core/gantt/model';
import { renderHtmlDocument, renderSvgDocument } from '../../../src/core/gantt/export';

/**
 * Issue #8 §9: a description, reason or command with control characters made the exported
 * SVG not well-formed (XML 1.0 forbids most C0 characters, even as references), so
 * Chromium showed an XML error instead of the chart. Checked with a strict XML parser:
 * Chromium's DOMParser (image/svg+xml), the same parser that opens the file.
 */
const T = 1_795_269_802_000;
const HOSTILE = [
  'esc \u001b[31m red \u001b]0;title\u0007',
  'nul \u0000 vt \u000b ff \u000c us \u001f',
  'lone \ud800 surrogate \udc00 and \ufffe \uffff',
  'del \u007f c1 \u0085\u009b bidi \u202e',
  'markup <script>alert(1)</script> & "quotes" \'apos\' ]]> <![CDATA[',
];

function action(id: string, i: number, text: string): GanttAction {
  return {
    id,
    dependsOn: i > 0 ? ['a0'] : [],
    state: i % 2 ? 'failed' : 'succeeded',
    readyAt: T + i,
    attempts: [{ startedAt: T + 10 + i * 50, finishedAt: T + 40 + i * 50 }],
    finishedAt: T + 40 + i * 50,
    reason: i % 2 ? text : null,
    exitCode: i % 2 ? 1 : 0,
    signal: null,
    command: `echo ${text}`,
    description: text,
    estimateMs: null,
  };
}

function hostileRun(texts: readonly string[]): GanttInput {
  return {
    runId: `r${texts[0] ?? ''}`,
    title: `title ${texts[0] ?? ''}`,
    startedAt: T,
    finishedAt: T + 1000,
    result: 'failed',
    actions: texts.map((t, i) => action(i === 0 ? 'a0' : `a${i}${t.slice(0, 6)}`, i, t)),
  };
}

/** Code units weighted towards C0, surrogates and the U+FFFx corner, plus any. */
const hostileChar = fc
  .oneof(fc.integer({ min: 0, max: 0x40 }), fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0xfff0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
  .map((n) => String.fromCharCode(n));

/** Not an XML 1.0 Char: C0 but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('exported SVG is well-formed XML for any text', function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env['ACTIONTREE_CHROMIUM'] ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
  });

  /** Parses with Chromium's strict XML parser; returns the parser error text or null. */
  async function xmlError(doc: string, type: 'image/svg+xml' | 'text/html'): Promise<{ error: string | null; texts: string[] }> {
    return page.evaluate(
      ([text, mime]) => {
        const d = new DOMParser().parseFromString(text, mime as DOMParserSupportedType);
        const err = d.getElementsByTagName('parsererror')[0];
        const texts = Array.from(d.getElementsByTagName('text')).map((t) => t.textContent ?? '');
        return { error: err ? (err.textContent ?? 'parsererror') : null, texts };
      },
      [doc, type] as const,
    );
  }

  it('hostile descriptions, reasons, commands, ids and titles: Chromium parses the SVG; HTML is fine too', async () => {
    const input = hostileRun(HOSTILE);
    const svg = renderSvgDocument(input, { clock: () => '00:00:00' });
    assert.equal(NOT_XML_CHAR.exec(svg), null, 'no character XML 1.0 forbids');
    const parsed = await xmlError(svg, 'image/svg+xml');
    assert.equal(parsed.error, null, `SVG parse error: ${parsed.error}`);
    // The rows are still there, with control pictures where the controls were.
    assert.ok(parsed.texts.some((t) => t.startsWith('a1nul ␀')), parsed.texts.join(' | '));
    const html = renderHtmlDocument(input, { clock: () => '00:00:00' });
    assert.equal(NOT_XML_CHAR.exec(html), null);
    const h = await xmlError(html, 'text/html');
    assert.equal(h.error, null);
    assert.ok(!html.includes('<script>'), 'markup stays escaped in HTML');
  });

  it('random strings (property): always parses', async () => {
    const samples = fc.sample(fc.array(fc.string({ unit: hostileChar, maxLength: 30 }), { minLength: 1, maxLength: 4 }), { numRuns: 12, seed: 8 });
    for (const texts of samples) {
      const svg = renderSvgDocument(hostileRun(texts), { clock: () => '00:00:00' });
      const parsed = await xmlError(svg, 'image/svg+xml');
      assert.equal(parsed.error, null, `${JSON.stringify(texts)}: ${parsed.error}`);
    }
  });

  it('escapeXml: markup escaped, forbidden characters replaced, the rest unchanged', () => {
    assert.equal(escapeXml('a<b>&"\'\u001b\u0000\ud800x\tz\n'), 'a&lt;b&gt;&amp;&quot;&apos;␛␀\ufffdx\tz\n');
    assert.equal(escapeXml('日本 😀 é \u007f\u0085\r'), '日本 😀 é &#x7f;&#x85;&#xd;');
  });
});
