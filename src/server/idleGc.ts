import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * A full garbage collection once the server has been idle for a moment after analysing a
 * large document. Every analysis of a 10,000-action file allocates tens of MB of short-lived
 * syntax tree that V8 promotes and then keeps until its heap limit heuristics decide to
 * collect, so the resident size would sit at a high-water mark. Collecting when nobody waits
 * keeps it near the live size. Works without `--expose-gc` (the function is fetched through a
 * fresh context); where that is not possible, this is a no-op.
 */
export function idleCollector(delayMs = 400): { schedule(): void; dispose(): void } {
  let gc: (() => void) | undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    if (typeof fn === 'function') gc = fn as () => void;
  } catch {
    gc = undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  return {
    schedule(): void {
      if (gc === undefined) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        gc?.();
      }, delayMs);
      timer.unref();
    },
    dispose(): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
