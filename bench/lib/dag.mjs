// Seeded layered random DAGs and their renderings as an ActionTree graph, a Makefile and a
// build.ninja, with the same shell command per action for all three tools.

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
export function normal(rand) {
  let u = 0;
  while (u === 0) u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Layers of `width` actions; every action after the first layer depends on 1-3 actions of
 * earlier layers, one of them in the layer just before. Returns [{ id, deps, ms }] in layer order.
 * `duration(rand)` gives each action's duration in ms (0 = a no-op `true`).
 */
export function layeredDag({ n, width, seed, duration }) {
  const rand = rng(seed);
  const nodes = [];
  const layers = [];
  for (let i = 0; i < n; i++) {
    const L = Math.floor(i / width);
    if (!layers[L]) layers[L] = [];
    const id = `t${String(i).padStart(4, '0')}`;
    const deps = [];
    if (L > 0) {
      const prev = layers[L - 1];
      deps.push(prev[Math.floor(rand() * prev.length)]);
      const extra = Math.floor(rand() * 3); // 0..2 more
      const earlier = L * width; // every action of layers < L
      for (let k = 0; k < extra; k++) {
        const d = nodes[Math.floor(rand() * earlier)].id;
        if (!deps.includes(d)) deps.push(d);
      }
    }
    layers[L].push(id);
    nodes.push({ id, deps, ms: duration(rand) });
  }
  return nodes;
}

export const commandOf = (ms) => (ms <= 0 ? 'true' : `sleep ${(ms / 1000).toFixed(3)}`);

export function toActionTree(nodes, cpus) {
  const actions = {};
  for (const n of nodes) actions[n.id] = n.deps.length ? { command: commandOf(n.ms), dependsOn: n.deps } : { command: commandOf(n.ms) };
  return JSON.stringify({ version: 1, cpus, actions }, null, 1);
}

/** Phony targets: make runs every one of them on each invocation (no stamp files). */
export function toMakefile(nodes) {
  const lines = [`.PHONY: all ${nodes.map((n) => n.id).join(' ')}`, `all: ${nodes.map((n) => n.id).join(' ')}`, ''];
  for (const n of nodes) lines.push(`${n.id}: ${n.deps.join(' ')}`, `\t@${commandOf(n.ms)}`);
  return lines.join('\n') + '\n';
}

/** Outputs are never created, so ninja runs every edge on each invocation. */
export function toNinja(nodes) {
  const lines = ['rule run', '  command = $cmd', ''];
  for (const n of nodes) {
    lines.push(`build ${n.id}: run${n.deps.length ? ` | ${n.deps.join(' ')}` : ''}`, `  cmd = ${commandOf(n.ms)}`);
  }
  lines.push('', `build all: phony ${nodes.map((n) => n.id).join(' ')}`, 'default all', '');
  return lines.join('\n');
}

/** max(critical path, total work / slots) in ms: no schedule on `slots` can be shorter. */
export function lowerBound(nodes, slots) {
  const finish = new Map();
  let cp = 0;
  let total = 0;
  for (const n of nodes) {
    const start = Math.max(0, ...n.deps.map((d) => finish.get(d)));
    finish.set(n.id, start + n.ms);
    cp = Math.max(cp, start + n.ms);
    total += n.ms;
  }
  return { cp, total, bound: Math.max(cp, total / slots) };
}

/**
 * Makespan of an ideal, zero-overhead list schedule on `slots` with exact durations and
 * critical-path priority (what ActionTree's order achieves when spawning costs nothing):
 * separates the quality of the order from per-action overhead.
 */
export function idealListSchedule(nodes, slots, jitter = null) {
  const byId = new Map(nodes.map((n, i) => [n.id, { ...n, i, dependents: [], waiting: n.deps.length, cp: 0 }]));
  for (const n of byId.values()) for (const d of n.deps) byId.get(d).dependents.push(n);
  const list = [...byId.values()];
  for (let k = list.length - 1; k >= 0; k--) {
    const n = list[k];
    n.cp = n.ms + Math.max(0, ...n.dependents.map((x) => x.cp));
  }
  if (jitter) for (const n of list) n.cp *= 1 + (jitter() - 0.5) * 0.6;
  const ready = list.filter((n) => n.waiting === 0);
  const running = []; // [finish, node]
  let t = 0;
  let done = 0;
  while (done < list.length) {
    ready.sort((a, b) => b.cp - a.cp || a.i - b.i);
    while (running.length < slots && ready.length > 0) {
      const n = ready.shift();
      running.push([t + n.ms, n]);
    }
    running.sort((a, b) => a[0] - b[0] || a[1].i - b[1].i);
    const [finish, n] = running.shift();
    t = finish;
    done++;
    for (const x of n.dependents) if (--x.waiting === 0) ready.push(x);
  }
  return t;
}

/**
 * The best zero-overhead list schedule found among `tries` random ±30 % perturbations of the
 * critical-path priorities: evidence of how close max(critical path, work / slots) can get.
 */
export function searchListSchedules(nodes, slots, tries = 300, seed = 99) {
  const rand = rng(seed);
  let best = idealListSchedule(nodes, slots);
  for (let i = 0; i < tries; i++) best = Math.min(best, idealListSchedule(nodes, slots, rand));
  return best;
}
