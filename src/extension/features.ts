import * as client from './client';
import type { ActionTreeContext } from './context';
import { registerRuns } from './runs';

/**
 * Each feature module exports one `register(ctx)` function; activation calls them in this
 * order. Add a line here rather than growing extension.ts.
 */
export type Feature = (ctx: ActionTreeContext) => void | Promise<void>;

export const features: readonly Feature[] = [client.register, registerRuns];
