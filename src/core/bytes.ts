/** Memory sizes for messages (SPEC §8). Pure, dependency-free (the webview and the scheduler use it). */

/** "peak 1.2 GiB, CPU 3.4s" for an attempt's measured use (SPEC §8); '' when nothing was measured. */
export function formatUsage(peakRssBytes: number | undefined | null, cpuTimeMs: number | undefined | null): string {
  const parts: string[] = [];
  if (typeof peakRssBytes === 'number') parts.push(`peak ${formatBytes(peakRssBytes)}`);
  if (typeof cpuTimeMs === 'number') parts.push(`CPU ${cpuTimeMs < 1000 ? `${Math.round(cpuTimeMs)}ms` : `${(cpuTimeMs / 1000).toFixed(1)}s`}`);
  return parts.join(', ');
}

/** "512 MiB", "1.2 GiB", "900 KiB", "12 B". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let x = n;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  const digits = u === 0 || x >= 100 ? 0 : 1;
  const text = x.toFixed(digits).replace(/\.0$/, '');
  return `${text} ${units[u]}`;
}
