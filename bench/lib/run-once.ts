// One in-process run for the §8 benches: `node --import tsx bench/lib/run-once.ts FILE [--no-sampling]`.
// Prints one JSON line: the runner's own CPU time (user + system, this process only: not the
// actions) and wall time during executeRun, and the report's path.
import { executeRun } from '../../src/runner/run';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: run-once.ts FILE [--no-sampling]');
  const sampling = !process.argv.includes('--no-sampling');
  const ac = new AbortController();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await executeRun({ graphFile: file, signal: ac.signal, sampling });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (out.kind !== 'finished') throw new Error(JSON.stringify(out));
  process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs, report: out.reportFile, result: out.summary.result })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
