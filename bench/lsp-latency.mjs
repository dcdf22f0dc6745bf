#!/usr/bin/env node
// Latency of the ActionTree language server from a didChange to the diagnostics of that
// version, on a 10,000-action document, with the server spawned as a process over stdio.
//
//   node bench/lsp-latency.mjs [--actions 10000] [--edits 50] [--server dist/server.js] [--graphs plain,matrix]
//
// SPEC §10: `matrix` is a document of N/100 matrix actions of 10 × 10 that expand to N actions
// (selectors in dependsOn), measured beside the plain N-action document, fresh servers each;
// for both, hover on an action key and completion in dependsOn are timed too (median of 20).
//
// Without --server, src/server/main.ts is bundled first (same esbuild options as esbuild.mjs)
// into a temp folder. Two modes are measured on fresh servers:
//   push: didChange -> textDocument/publishDiagnostics carrying that version (what editors
//         without pull support get; the server's own coalescing delay is included);
//   pull: didChange, then textDocument/diagnostic (what VS Code does) -> its response.
// Prints median, p95 and max per mode, and the server's VmRSS with the document open.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import lsp from 'vscode-languageserver/node';
import { serverBundle } from './lib/bundle.mjs';
import { load, opt } from './lib/common.mjs';

const { createProtocolConnection, InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification, PublishDiagnosticsNotification, DocumentDiagnosticRequest, ShutdownRequest, ExitNotification,
  HoverRequest, CompletionRequest } = lsp;

const N = Number(opt('actions', '10000'));
const EDITS = Number(opt('edits', '50'));
/** Extra node flags for the server process (e.g. --node-args=--max-semi-space-size=32). */
const NODE_ARGS = opt('node-args', '').split(' ').filter(Boolean);
const MODES = opt('modes', 'push,pull').split(',');
const GRAPHS = opt('graphs', 'plain,matrix').split(',');

/** A deterministic 10,000-action graph: each action depends on up to 3 earlier ones. */
function makeGraph(n) {
  const lines = ['{', '  "version": 1,', '  "resources": { "db": 2, "gpu": 1 },', '  "actions": {'];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < n; i++) {
    const deps = new Set();
    for (let k = 0; k < 3 && i > 0; k++) if (rnd() < 0.7) deps.add(`step-${Math.floor(rnd() * i)}`);
    const parts = [`"command": "make target-${i} -j2"`, `"description": "Step ${i} of the pipeline"`];
    if (deps.size) parts.push(`"dependsOn": [${[...deps].map((d) => JSON.stringify(d)).join(', ')}]`);
    if (i % 50 === 0) parts.push('"resources": { "db": 1 }');
    lines.push(`    "step-${i}": { ${parts.join(', ')} }${i === n - 1 ? '' : ','}`);
  }
  lines.push('  }', '}', '');
  return lines.join('\n');
}

/** SPEC §10: n/100 matrix actions of 10 × 10 (n expansions), each depending on up to 2 earlier ones (whole or by selector). */
function makeMatrixGraph(n) {
  const m = Math.max(2, Math.round(n / 100));
  const lines = ['{', '  "version": 1,', '  "resources": { "db": 2, "gpu": 1 },', '  "actions": {'];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const vals = (p) => `[${Array.from({ length: 10 }, (_, k) => `"${p}${k}"`).join(', ')}]`;
  for (let i = 0; i < m; i++) {
    const deps = new Set();
    for (let k = 0; k < 2 && i > 0; k++) if (rnd() < 0.8) deps.add(rnd() < 0.5 ? `suite-${Math.floor(rnd() * i)}` : `suite-${Math.floor(rnd() * i)}[a=a${Math.floor(rnd() * 10)}]`);
    const parts = [`"command": "make target-${i} A=\${matrix.a} B=\${matrix.b}"`, `"description": "Suite ${i} of the pipeline"`];
    if (deps.size) parts.push(`"dependsOn": [${[...deps].map((d) => JSON.stringify(d)).join(', ')}]`);
    parts.push(`"matrix": { "a": ${vals('a')}, "b": ${vals('b')} }`);
    if (i % 50 === 0) parts.push('"resources": { "db": 1 }');
    lines.push(`    "suite-${i}": { ${parts.join(', ')} }${i === m - 1 ? '' : ','}`);
  }
  lines.push('  }', '}', '');
  return lines.join('\n');
}

/** Median time of `k` requests. */
async function timed(k, f) {
  const xs = [];
  for (let i = 0; i < k; i++) {
    const t = performance.now();
    await f();
    xs.push(performance.now() - t);
  }
  return stats(xs).median;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { min: s[0], median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

/** utime + stime of a process in ms (from /proc/<pid>/stat; clock ticks are 100 Hz on Linux). */
function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function run(mode, server, text) {
  const proc = spawn(process.execPath, [...NODE_ARGS, server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(proc.stdout, proc.stdin);
  const waiters = new Map();
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const w = waiters.get(p.version);
    if (w) { waiters.delete(p.version); w(p); }
  });
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid, rootUri: null, workspaceFolders: null,
    capabilities: mode === 'pull' ? { textDocument: { diagnostic: {} } } : {},
    initializationOptions: { diagnosticMode: mode },
  });
  await conn.sendNotification(InitializedNotification.type, {});
  const uri = 'file:///bench/big.actiontree.jsonc';
  const published = (v) => new Promise((resolve) => waiters.set(v, resolve));
  const pull = () => conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });

  const t0 = performance.now();
  const first = mode === 'push' ? published(1) : undefined;
  await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'actiontree', version: 1, text } });
  const initial = mode === 'push' ? (await first).diagnostics : (await pull()).items;
  const openMs = performance.now() - t0;

  // The edits, on the first action from the middle of the file that has dependencies: typing a
  // word into its description one character at a time, and every 10th edit adding an unknown
  // id at the front of its dependsOn (one more unknown-dependency error each time). Every
  // version's text is distinct, so no result can be reused from an earlier version.
  const lines = text.split('\n');
  const lineNo = lines.findIndex((l, k) => k > lines.length / 2 && l.includes('"dependsOn": ["'));
  const line = lines[lineNo];
  const descAt = line.indexOf('of the pipeline');
  const depAt = line.indexOf('"dependsOn": [') + '"dependsOn": ['.length;
  const edits = [];
  let typed = 0;
  for (let i = 0; i < EDITS; i++) {
    if (i % 10 === 9) {
      // the description (typed into) comes before dependsOn on the line
      const at = { line: lineNo, character: depAt + typed };
      edits.push({ range: { start: at, end: at }, text: `"nope-${i}", ` });
    } else {
      const at = { line: lineNo, character: descAt + typed };
      edits.push({ range: { start: at, end: at }, text: 'abcdefghij'[typed % 10] });
      typed += 1;
    }
  }
  const times = [];
  const cpu0 = cpuMs(proc.pid);
  let version = 1;
  let counts = [];
  for (const change of edits) {
    version += 1;
    const start = performance.now();
    const got = mode === 'push' ? published(version) : undefined;
    await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
    const diags = mode === 'push' ? (await got).diagnostics : (await pull()).items;
    times.push(performance.now() - start);
    counts.push(diags.length);
  }
  const cpuPerEdit = (cpuMs(proc.pid) - cpu0) / edits.length;
  // sanity: the last version's diagnostics are those of the last text (one unknown id per 10 edits)
  const expected = initial.length + Math.floor(EDITS / 10);
  if (counts[counts.length - 1] !== expected) throw new Error(`${mode}: expected ${expected} diagnostics at the end, got ${counts[counts.length - 1]}`);
  // Hover on the edited action's key and completion at the start of its dependsOn.
  const keyAt = { line: lineNo, character: line.indexOf('"') + 2 };
  const hoverMs = await timed(20, () => conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: keyAt }));
  const completionMs = await timed(20, () => conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: lineNo, character: depAt } }));
  const rss = rssMb(proc.pid);
  // and once the server has been idle for a second (it collects garbage when idle)
  await new Promise((r) => setTimeout(r, 1000));
  const rssIdle = rssMb(proc.pid);
  await conn.sendRequest(ShutdownRequest.type);
  await conn.sendNotification(ExitNotification.type);
  await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
  conn.dispose();
  return { mode, openMs, initial: initial.length, diagnosticCounts: [...new Set(counts)].sort((a, b) => a - b), ...stats(times), rss, rssIdle, cpuPerEdit, hoverMs, completionMs };
}

const server = await serverBundle(opt('server', undefined));
console.log(`node ${process.version}, ${os.cpus().length} cpus, load average ${load()}${NODE_ARGS.length ? `, server flags ${NODE_ARGS.join(' ')}` : ''}`);
for (const kind of GRAPHS) {
  const text = kind === 'matrix' ? makeMatrixGraph(N) : makeGraph(N);
  const what = kind === 'matrix' ? `${Math.max(2, Math.round(N / 100))} matrix actions expanding to ${N}` : `${N} actions`;
  console.log(`document (${kind}): ${what}, ${(text.length / 1024 / 1024).toFixed(2)} MB, ${text.split('\n').length} lines; ${EDITS} edits per mode`);
  for (const mode of MODES) {
    const r = await run(mode, server, text);
    const f = (x) => x.toFixed(1);
    console.log(
      `${kind.padEnd(6)} ${mode.padEnd(4)}  open->diagnostics ${f(r.openMs)} ms | didChange->diagnostics median ${f(r.median)} ms, p95 ${f(r.p95)} ms, min ${f(r.min)} ms, max ${f(r.max)} ms | hover ${f(r.hoverMs)} ms, completion ${f(r.completionMs)} ms (medians of 20) | server CPU ${f(r.cpuPerEdit)} ms/edit | server RSS ${f(r.rss)} MB after the edits, ${f(r.rssIdle)} MB idle 1 s later | diagnostics per version ${r.diagnosticCounts.join('/')}`,
    );
  }
}
console.log(`load average at the end ${load()}`);
console.log('targets: median < 50 ms, p95 < 100 ms, RSS < 150 MB');
