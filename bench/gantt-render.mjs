#!/usr/bin/env node
// Gantt chart rendering in headless Chromium, with the real webview bundle and HTML:
//   - first render of a 10,000-action run (host JSON.stringify + post -> chart drawn), median
//     of N fresh page loads (the first load is JIT-cold: see "max")
//   - frame time while panning (vertical scroll + horizontal pan), median and p95
//
//   npm run build && node --import tsx bench/gantt-render.mjs [--actions 10000] [--loads 5] [--frames 200]
//
// Targets (issue 5): < 500 ms to first render, < 16 ms per pan frame.
import { ganttDocument } from '../src/extension/ganttHtml.ts';
import { openWebview } from './lib/chromium.mjs';
import { num, stats } from './lib/common.mjs';

const N = num('actions', 10_000);
const LOADS = num('loads', 5);
const FRAMES = num('frames', 200);

/** A deterministic finished run: N actions, 1-2 dependencies among the previous 50, 16 slots. */
function makeChart(n) {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const T = 1_795_269_802_000;
  const slots = new Array(16).fill(T);
  const end = [];
  const actions = [];
  for (let i = 0; i < n; i++) {
    const deps = [];
    if (i > 0) {
      const k = 1 + Math.floor(rand() * 2);
      for (let j = 0; j < k; j++) deps.push(Math.max(0, i - 1 - Math.floor(rand() * 50)));
    }
    const uniq = [...new Set(deps)];
    const ready = uniq.length ? Math.max(...uniq.map((d) => end[d])) : T;
    slots.sort((a, b) => a - b);
    const start = Math.max(ready, slots[0]);
    const dur = 100 + Math.floor(rand() * 1900);
    slots[0] = start + dur;
    end[i] = start + dur;
    actions.push({
      id: `pkg${Math.floor(i / 10)}/task:${i}`,
      dependsOn: uniq.map((d) => `pkg${Math.floor(d / 10)}/task:${d}`),
      state: i % 97 === 0 ? 'failed' : 'succeeded',
      readyAt: ready,
      attempts: [{ startedAt: start, finishedAt: start + dur }],
      finishedAt: start + dur,
      reason: i % 97 === 0 ? 'exit code 1' : null,
      exitCode: i % 97 === 0 ? 1 : 0,
      signal: null,
      command: `node build.js --task ${i}`,
      description: null,
      estimateMs: null,
    });
  }
  return { runId: 'bench', title: `${n} actions`, startedAt: T, finishedAt: Math.max(...end), result: 'failed', actions };
}

const { base, browser, page, close } = await openWebview(ganttDocument, 'gantt');
try {
  const chart = makeChart(N);
  const first = [];
  const drawOnly = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto(base);
    await page.waitForFunction(() => typeof window.__ganttDraw === 'function');
    // The host side (encodeHostMessage): the chart becomes one JSON string.
    const h0 = performance.now();
    const chartJson = JSON.stringify(chart);
    const stringify = performance.now() - h0;
    const r = await page.evaluate(
      ({ chartJson, now, n }) =>
        new Promise((resolve) => {
          const t0 = performance.now();
          window.postMessage({ type: 'snapshot', chartJson, now, source: null }, '*');
          const check = () =>
            document.body.dataset.rows === String(n)
              ? resolve({
                  ms: performance.now() - t0,
                  draw: Number(document.body.dataset.lastDrawMs),
                  parse: Number(document.body.dataset.parseMs),
                  build: Number(document.body.dataset.buildMs),
                  delivery: Number(document.body.dataset.receivedAt) - t0,
                })
              : requestAnimationFrame(check);
          check();
        }),
      { chartJson, now: chart.finishedAt, n: N },
    );
    r.stringify = stringify;
    r.ms += stringify;
    first.push(r.ms);
    drawOnly.push(r.draw);
    console.log(`  load ${i + 1}: ${r.ms.toFixed(1)} ms (host stringify ${r.stringify.toFixed(1)} ms, delivery ${r.delivery.toFixed(1)} ms, JSON.parse + validate ${r.parse} ms, model ${r.build} ms, draw ${r.draw} ms)`);
  }
  // Pan: alternate vertical scrolling (a screen of rows per 10 frames) and horizontal pans.
  const frames = await page.evaluate(
    (count) =>
      new Promise((resolve) => {
        const draws = [];
        const intervals = [];
        let last = performance.now();
        let k = 0;
        const step = () => {
          const now = performance.now();
          if (k > 0) {
            draws.push(Number(document.body.dataset.lastDrawMs));
            intervals.push(now - last);
          }
          last = now;
          if (k++ >= count) return resolve({ draws, intervals });
          if (k % 2 === 0) window.__ganttPan(0, 90);
          else window.__ganttPan(k % 4 === 1 ? 40 : -40, 0);
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    FRAMES,
  );
  const visibleBars = await page.evaluate(() => document.querySelectorAll('rect.bar').length);
  const f = stats(first);
  const d = stats(drawOnly);
  const p = stats(frames.draws);
  const iv = stats(frames.intervals);
  console.log(`gantt render: ${N} actions, Chromium ${browser.version()}, ${LOADS} loads, ${FRAMES} pan frames`);
  console.log(`  first render (host stringify + post -> drawn): median ${f.median.toFixed(1)} ms, max ${f.max.toFixed(1)} ms   (target < 500 ms)`);
  console.log(`    of which the first draw:            median ${d.median.toFixed(1)} ms`);
  console.log(`  pan frame (rebuild visible rows):     median ${p.median.toFixed(2)} ms, p95 ${p.p95.toFixed(2)} ms, max ${p.max.toFixed(2)} ms   (target < 16 ms)`);
  console.log(`  frame interval while panning:         median ${iv.median.toFixed(1)} ms, p95 ${iv.p95.toFixed(1)} ms`);
  console.log(`  bars in the DOM after panning: ${visibleBars} (virtualized; ${N} rows in the model)`);
} finally {
  await close();
}
