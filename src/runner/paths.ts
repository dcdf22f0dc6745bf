import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/** `.actiontree/runs` beside the graph file. */
export function runsDir(graphFile: string): string {
  return path.join(path.dirname(graphFile), '.actiontree', 'runs');
}

/**
 * File-safe, injective name for an action's log: ids are `[A-Za-z0-9_.:/-]+`, so `/` -> `%2F`
 * and `:` -> `%3A` cannot collide (`%` is not allowed in ids). Anything else outside the id
 * alphabet (ids from a broken graph) is percent-encoded too.
 */
export function logFileName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9_.-]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  return `${safe}.log`;
}

/** `20261121T140322.123Z-ab12`: sorts by start time; 4 random hex digits keep parallel runs apart. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, ''); // 20261121T140322.123Z
  return `${iso}-${randomBytes(2).toString('hex')}`;
}
