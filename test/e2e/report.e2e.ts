import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, launchBrowser } from '../vscode/codeServer';
import { SCREENSHOT_DIR } from './harness';

// The exports of a REAL run (the example graph run by the CLI): the HTML report renders in
// headless Chromium without any network request and without console errors (screenshots
// in both color schemes); the trace parses as Chrome trace events.

describe('run exports in a browser (actiontree report / trace)', function () {
  this.timeout(180_000);
  let dir: string;
  let runDir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-report-e2e-'));
    fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'release.actiontree.jsonc'), path.join(dir, 'release.actiontree.jsonc'));
    const cli = path.join(REPO_ROOT, 'bin', 'actiontree.js');
    const r = spawnSync(process.execPath, [cli, 'run', 'release.actiontree.jsonc'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `the example run succeeds: ${r.stderr}`);
    const runs = path.join(dir, '.actiontree', 'runs');
    runDir = path.join(runs, fs.readdirSync(runs).sort().pop()!);
    for (const [cmd, out] of [['report', 'report.html'], ['trace', 'trace.json']]) {
      const x = spawnSync(process.execPath, [cli, cmd!, runDir, '-o', out!], { cwd: dir, encoding: 'utf8' });
      assert.equal(x.status, 0, `${cmd}: ${x.stderr}`);
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const scheme of ['light', 'dark'] as const) {
    it(`the HTML report renders with no network request and no console error (${scheme})`, async () => {
      const s = await launchBrowser({ viewport: { width: 1200, height: 900 } });
      try {
        await s.page.emulateMedia({ colorScheme: scheme });
        const requests: string[] = [];
        const errors: string[] = [];
        s.page.on('request', (r) => {
          if (!r.url().startsWith('file://')) requests.push(r.url());
        });
        s.page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
        });
        s.page.on('pageerror', (e) => errors.push(e.message));
        await s.page.goto(`file://${path.join(dir, 'report.html')}`);
        await s.page.locator('svg.gantt').waitFor({ state: 'visible' });
        assert.equal(await s.page.locator('table.actions tr').count(), 13, 'a header and 12 actions (test:unit is a matrix of 2)');
        assert.match(await s.page.locator('h1').innerText(), /succeeded/);
        // The flaky action needed two attempts; the table says so.
        const flaky = s.page.locator('table.actions tr', { hasText: 'test:integration' });
        assert.match(await flaky.innerText(), /\b2\b/);
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const shot = path.join(SCREENSHOT_DIR, `report-${scheme}.png`);
        await s.page.screenshot({ path: shot, fullPage: true, timeout: 120_000 });
        assert.ok(fs.statSync(shot).size > 20_000);
        assert.deepEqual(requests, [], 'no network request');
        assert.deepEqual(errors, [], 'no console error');
      } finally {
        await s.close();
      }
    });
  }

  it('the trace of the real run is valid trace-event JSON: one slice per attempt, tracks never overlap, at most cpus tracks', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'trace.json'), 'utf8')) as { traceEvents: { ph: string; ts: number; dur?: number; pid: number; tid: number; name: string }[] };
    const x = doc.traceEvents.filter((e) => e.ph === 'X');
    assert.equal(x.length, 13, '12 actions (test:unit is a matrix of 2), one of them with two attempts');
    const tracks = new Map<number, typeof x>();
    for (const e of x) tracks.set(e.tid, [...(tracks.get(e.tid) ?? []), e]);
    assert.ok(tracks.size <= 3, `at most 3 tracks (cpus: 3), got ${tracks.size}`);
    for (const list of tracks.values()) {
      list.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < list.length; i++) assert.ok(list[i]!.ts >= list[i - 1]!.ts + list[i - 1]!.dur!);
    }
  });
});
