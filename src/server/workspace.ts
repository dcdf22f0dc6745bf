import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Folders never scanned for graph files. */
const IGNORED = new Set(['node_modules', '.actiontree', '.git']);
/** Stops a scan of a huge tree from running forever. */
const MAX_ENTRIES = 200_000;

export const GRAPH_SUFFIX = '.actiontree.jsonc';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}

/**
 * Every `*.actiontree.jsonc` under the folders (ignoring node_modules, .actiontree, .git),
 * sorted. Yields to the event loop between folders so requests are not held up.
 */
export async function findGraphFiles(folders: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const queue = [...folders];
  let seen = 0;
  while (queue.length > 0 && seen < MAX_ENTRIES) {
    const dir = queue.shift() as string;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen += 1;
      if (e.isDirectory()) {
        if (!IGNORED.has(e.name)) queue.push(path.join(dir, e.name));
      } else if (e.isFile() && e.name.endsWith(GRAPH_SUFFIX)) {
        found.push(path.join(dir, e.name));
      }
    }
  }
  return found.sort();
}
