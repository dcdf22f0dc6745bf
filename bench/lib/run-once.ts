// One in-process run for the §8 benches: `node --import tsx bench/lib/run-once.ts FILE [--no-sampling]`.
// Prints one JSON line: the runner's own CPU time (user + system, this process only: not the
// actions) and wall time during executeRun, the same while every action runs (from the last
// action-started to the first action-finished: the steady state, without start-up and report),
// and the report's path. ACTIONTREE_SPAWN=python|bash|node chooses the launcher.
import type { SpawnMode } from '../../src/runner/executor';
import { executeRun } from '../../src/runner/run';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: run-once.ts FILE [--no-sampling]');
  const sampling = !process.argv.includes('--no-sampling');
  const spawn = process.env['ACTIONTREE_SPAWN'] as SpawnMode | undefined;
  const ac = new AbortController();
  let total = 0;
  let started = 0;
  let steadyFrom: { cpu: NodeJS.CpuUsage; t: number } | null = null;
  let steady: { cpuMs: number; wallMs: number } | null = null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await executeRun({
    graphFile: file,
    signal: ac.signal,
    sampling,
    ...(spawn !== undefined ? { spawn } : {}),
    onEvent: (e) => {
      if (e.type === 'run-started') total = e.actions.length;
      else if (e.type === 'action-started' && ++started === total) steadyFrom = { cpu: process.cpuUsage(), t: performance.now() };
      else if (e.type === 'action-finished' && steady === null && steadyFrom !== null) {
        const c = process.cpuUsage(steadyFrom.cpu);
        steady = { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - steadyFrom.t };
      }
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (out.kind !== 'finished') throw new Error(JSON.stringify(out));
  process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs, steady, report: out.reportFile, result: out.summary.result })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
