// Types of scripts/test-lib.mjs for the TypeScript tests that use it.
export function listTests(dir: string, suffix: string): string[];
export function mochaCounts(text: string): { passed: number; failed: number; pending: number };
export interface LimitedResult {
  readonly code: number;
  readonly out: string;
  readonly hung: boolean;
  readonly secs: number;
}
export function runLimited(
  cmd: readonly string[],
  opts: {
    name: string;
    limitMs: number;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    onOut?: (b: Buffer, stream: 'stdout' | 'stderr') => void;
    onHang?: (message: string) => void;
    killGraceMs?: number;
  },
): Promise<LimitedResult>;
export function describeGroup(pgid: number): string;
