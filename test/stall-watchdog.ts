/**
 * Mocha root-hook plugin (`require` in .mocharc.runner.json / .mocharc.unit.json): a watchdog for
 * an event loop that never comes back. Mocha's --timeout cannot stop a test that spins
 * synchronously (or in an endless chain of microtasks): its timer never gets to run. A worker
 * thread watches a heartbeat the main thread's event loop ticks; when it has not ticked for
 * ACTIONTREE_TEST_STALL_MS (default 120 s), the worker pauses the main thread through the
 * inspector (`connectToMainThread`: works while it spins), writes the current test's title and
 * the main thread's JavaScript stack to stderr, and kills the process (SIGKILL): the run fails
 * at once, saying where, instead of hanging CI. 0 turns it off.
 */
import * as nodeAssert from 'node:assert';
import { Worker } from 'node:worker_threads';

/*
 * Node 20's assert.ok(value) without a message, when it fails, builds its message from the
 * caller's source: it reads the test file and re-parses it with acorn from the failing column,
 * recursing line by line (internal/assert/utils findColumn -> parseCode). In our TypeScript
 * test files run through tsx the column is that of the transpiled code and acorn cannot parse
 * TypeScript: in test/runner/run.test.ts this spins the mocha process for minutes (seen as
 * CI hangs at the "estimates" test, whose `assert.ok(est.a >= 50)` failed under load). A
 * failing assert.ok without a message gets a plain one here, so no source is ever parsed.
 */
for (const a of [nodeAssert.default, nodeAssert.default.strict] as { ok: (value: unknown, message?: string | Error) => void }[]) {
  const ok = a.ok;
  if ((ok as { plainMessage?: boolean }).plainMessage) continue;
  const wrapped = function okWithMessage(value: unknown, message?: string | Error): void {
    ok(value, message ?? (value ? undefined : `assert.ok: the value is ${String(value)} (no message given)`));
  };
  (wrapped as { plainMessage?: boolean }).plainMessage = true;
  a.ok = wrapped;
}

const stallMs = Number(process.env['ACTIONTREE_TEST_STALL_MS'] ?? 120_000);
const TITLE_BYTES = 1024;
// [0] heartbeat counter, [1] title length; then the UTF-8 title of the running test.
const shared = new SharedArrayBuffer(8 + TITLE_BYTES);
const header = new Int32Array(shared, 0, 2);
const title = new Uint8Array(shared, 8, TITLE_BYTES);

const WORKER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { Session } = require('node:inspector');
const header = new Int32Array(workerData.shared, 0, 2);
const title = new Uint8Array(workerData.shared, 8, ${TITLE_BYTES});
const say = (s) => { try { fs.writeSync(2, s); } catch {} };
let last = Atomics.load(header, 0);
let since = Date.now();
const timer = setInterval(() => {
  const now = Atomics.load(header, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since < workerData.stallMs) return;
  clearInterval(timer);
  const n = Atomics.load(header, 1);
  const test = Buffer.from(title.slice(0, n)).toString('utf8');
  say('\\n[stall-watchdog] the event loop has not run for ' + Math.round((Date.now() - since) / 1000) + ' s (a synchronous spin?) during: ' + JSON.stringify(test) + '\\n');
  const kill = () => { say('[stall-watchdog] killing the test process (pid ' + process.pid + ')\\n'); process.kill(process.pid, 'SIGKILL'); };
  const giveUp = setTimeout(() => { say('[stall-watchdog] could not pause the main thread for its stack\\n'); kill(); }, 15000);
  try {
    const s = new Session();
    s.connectToMainThread();
    const urls = new Map();
    s.on('Debugger.scriptParsed', (m) => urls.set(m.params.scriptId, m.params.url));
    s.on('Debugger.paused', (m) => {
      const frames = m.params.callFrames.slice(0, 50).map((f) => '    at ' + (f.functionName || '(anonymous)') + ' (' + (f.url || urls.get(f.location.scriptId) || '?') + ':' + (f.location.lineNumber + 1) + ':' + (f.location.columnNumber + 1) + ')');
      say('[stall-watchdog] main thread JavaScript stack:\\n' + frames.join('\\n') + '\\n');
      clearTimeout(giveUp);
      kill();
    });
    s.post('Debugger.enable', () => s.post('Debugger.pause'));
  } catch (e) {
    say('[stall-watchdog] inspector unavailable: ' + (e && e.message) + '\\n');
  }
}, 1000);
`;

if (stallMs > 0) {
  const w = new Worker(WORKER, { eval: true, workerData: { shared, stallMs } });
  w.unref();
  w.on('error', () => {});
  let beats = 0;
  setInterval(() => Atomics.store(header, 0, ++beats), 250).unref();
}

function setTitle(t: string): void {
  const bytes = Buffer.from(t, 'utf8').subarray(0, TITLE_BYTES);
  title.set(bytes);
  Atomics.store(header, 1, bytes.length);
}

export const mochaHooks = {
  beforeEach(this: Mocha.Context): void {
    setTitle(this.currentTest?.fullTitle() ?? '');
  },
};
