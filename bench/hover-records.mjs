#!/usr/bin/env node
// Hover latency and language-server memory with large run records of ANOTHER graph file in
// the same folder (issue 8 item 6: "six 100 MB reports of another graph make one hover take
// 52 s and keep 2 GB resident forever"), plus one small report of the hovered file.
//
//   node bench/hover-records.mjs [--reports 6] [--mb 40] [--hovers 10] [--server path/to/server.js]
//
// Without --server, src/server/main.ts is bundled first (as esbuild.mjs does). Pass an older
// bundle with --server to compare. Prints each hover's time (median, max) and the server's
// VmHWM (peak) and VmRSS after the hovers. Reports are real JSON (many actions), not sparse.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import lsp from 'vscode-languageserver/node';
import { serverBundle } from './lib/bundle.mjs';
import { load, opt } from './lib/common.mjs';

const { createProtocolConnection, InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification, HoverRequest, ShutdownRequest, ExitNotification } = lsp;
const REPORTS = Number(opt('reports', '6'));
const MB = Number(opt('mb', '40'));
const HOVERS = Number(opt('hovers', '10'));

const status = (pid, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-hover-bench-')));
const graph = path.join(tmp, 'g.actiontree.jsonc');
const GRAPH = '{\n  "version": 1,\n  "actions": {\n    "lint": { "command": "true" }\n  }\n}\n';
fs.writeFileSync(graph, GRAPH);
fs.writeFileSync(path.join(tmp, 'other.actiontree.jsonc'), GRAPH);
const runs = path.join(tmp, '.actiontree', 'runs');
const T = 1_795_269_802_000;
const own = path.join(runs, '20260101T000000.000Z-0000');
fs.mkdirSync(own, { recursive: true });
fs.writeFileSync(path.join(own, 'report.json'), JSON.stringify({ version: 1, runId: 'own', graphFile: graph, result: 'succeeded', actions: { lint: { state: 'succeeded', startedAt: T, finishedAt: T + 850, attempts: 1 } } }, null, 2));
// Foreign reports, newer than ours: ~MB MiB each of actions.
const action = JSON.stringify({ state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1, startedAt: T, finishedAt: T + 1, durationMs: 1, cpus: 1, resources: {}, log: null, dependsOn: ['x'] });
const perAction = action.length + 20;
const n = Math.floor((MB * 1024 * 1024) / perAction);
for (let r = 0; r < REPORTS; r++) {
  const dir = path.join(runs, `20270101T000000.000Z-${String(r).padStart(4, '0')}`);
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(path.join(dir, 'report.json'), 'w');
  fs.writeSync(fd, `{\n  "version": 1,\n  "runId": "r${r}",\n  "graphFile": ${JSON.stringify(path.join(tmp, 'other.actiontree.jsonc'))},\n  "result": "succeeded",\n  "actions": {`);
  const parts = [];
  for (let i = 0; i < n; i++) {
    parts.push(`${i ? ',' : ''}"action-${String(i).padStart(9, '0')}":${action}`);
    if (parts.length === 10000) fs.writeSync(fd, parts.splice(0).join(''));
  }
  fs.writeSync(fd, parts.join('') + '}}\n');
  fs.closeSync(fd);
}

const proc = spawn(process.execPath, [await serverBundle(opt('server', undefined)), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const conn = createProtocolConnection(proc.stdout, proc.stdin);
conn.listen();
await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null, initializationOptions: { diagnosticMode: 'push', workspaceDiagnostics: false } });
await conn.sendNotification(InitializedNotification.type, {});
const uri = pathToFileURL(graph).href;
await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'actiontree', version: 1, text: GRAPH } });
const times = [];
let shown = '';
for (let i = 0; i < HOVERS; i++) {
  const t0 = performance.now();
  const h = await conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 3, character: 6 } });
  times.push(performance.now() - t0);
  shown = h?.contents?.value?.split('\n').pop() ?? '';
}
const hwm = status(proc.pid, 'VmHWM');
const rss = status(proc.pid, 'VmRSS');
await conn.sendRequest(ShutdownRequest.type);
await conn.sendNotification(ExitNotification.type);
fs.rmSync(tmp, { recursive: true, force: true });
const sorted = [...times].sort((a, b) => a - b);
console.log(`${REPORTS} foreign reports of ${MB} MiB each, ${HOVERS} hovers; load average ${load(1)}`);
console.log(`hover ms: first ${times[0].toFixed(0)}, median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)}, max ${sorted[sorted.length - 1].toFixed(0)}`);
console.log(`server VmHWM ${hwm.toFixed(0)} MiB, VmRSS after ${rss.toFixed(0)} MiB`);
console.log(`last hover line: ${shown}`);
process.exit(0);
