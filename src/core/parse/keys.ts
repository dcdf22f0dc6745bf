/**
 * The property names of the format. Adding an action field: add its key to ACTION_KEYS here
 * and its parser to FIELD_PARSERS in fields.ts (the compiler asks for one per key).
 */
export const ACTION_ID_PATTERN = '^[A-Za-z0-9_.:/-]+$';
export const ACTION_ID_RE = /^[A-Za-z0-9_.:/-]+$/;

export const TOP_LEVEL_KEYS = [
  '$schema',
  'version',
  'name',
  'cpus',
  'keepGoing',
  'resources',
  'defaults',
  'actions',
  // SPEC §8 (limits.ts)
  'memory',
  'timeout',
  'maxLoad',
  'minFreeMemory',
  'cpuAffinity',
  'groups',
  // SPEC §9 (slurm-settings.ts)
  'executor',
  // SPEC §10 (locks.ts)
  'locks',
  // SPEC §10 (hooks.ts)
  'hooks',
  'hookTimeout',
] as const;
export const ACTION_KEYS = [
  'command',
  'dependsOn',
  'cpus',
  'resources',
  'timeout',
  'retries',
  'acceptFailedDependencies',
  'priority',
  'cwd',
  'env',
  'description',
  'slurm',
  'problemMatcher',
  'inputs',
  'outputs',
  'envInputs',
  // SPEC §8 (limits.ts)
  'memory',
  'memoryLimit',
  'group',
  'retryOn',
  'retryDelay',
  // SPEC §10 (service.ts)
  'service',
  // SPEC §10 (artifacts.ts, locks.ts)
  'provides',
  'requires',
  'locks',
  // SPEC §10 (matrixParse.ts)
  'matrix',
] as const;
export const DEFAULTS_KEYS = ACTION_KEYS.filter((k) => k !== 'command' && k !== 'dependsOn' && k !== 'matrix' && k !== 'service' && k !== 'provides' && k !== 'requires');

export type TopLevelKey = (typeof TOP_LEVEL_KEYS)[number];
export type ActionKey = (typeof ACTION_KEYS)[number];
export const TOP_LEVEL_KEY_SET: ReadonlySet<string> = new Set(TOP_LEVEL_KEYS);
export const ACTION_KEY_SET: ReadonlySet<string> = new Set(ACTION_KEYS);
