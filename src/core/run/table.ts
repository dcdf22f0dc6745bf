/**
 * Persistent (immutable, structurally shared) storage for the reducer's per-action state.
 *
 * `reduceRun` must stay pure — every earlier state stays valid — yet a live run or a replay
 * touches one action per event. Copying an id-keyed object per event made a replay
 * quadratic (issue #8 §4); here an update copies one root-to-leaf path of a 32-way trie
 * (O(log32 n), at most 4 levels for a million actions) and shares everything else.
 *
 * Ids live in a `Map` (never a plain object: `__proto__`, `constructor`… are ids like any
 * other). The id → position index is append-only and shared by every table derived from
 * the same run: a table only trusts positions below its own size, and one that would
 * append to an index another table has already extended makes its own copy first.
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

type Node<T> = readonly (T | Node<T>)[];

/** A persistent vector: O(log32 n) get/set/push, old versions untouched. */
export class PVec<T> {
  private constructor(
    readonly size: number,
    /** BITS × (levels above the leaves). */
    private readonly shift: number,
    private readonly root: Node<T>,
  ) {}

  static empty<T>(): PVec<T> {
    return new PVec<T>(0, 0, []);
  }

  /** Builds in O(n). */
  static from<T>(items: readonly T[]): PVec<T> {
    if (items.length === 0) return PVec.empty<T>();
    let level: Node<T>[] = [];
    for (let i = 0; i < items.length; i += WIDTH) level.push(items.slice(i, i + WIDTH));
    let shift = 0;
    while (level.length > 1) {
      const up: Node<T>[] = [];
      for (let i = 0; i < level.length; i += WIDTH) up.push(level.slice(i, i + WIDTH));
      level = up;
      shift += BITS;
    }
    return new PVec<T>(items.length, shift, level[0]!);
  }

  get(i: number): T | undefined {
    if (!(i >= 0 && i < this.size)) return undefined;
    let node: Node<T> = this.root;
    for (let s = this.shift; s > 0; s -= BITS) node = node[(i >>> s) & MASK] as Node<T>;
    return node[i & MASK] as T;
  }

  set(i: number, value: T): PVec<T> {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`index ${i} out of range`);
    return new PVec<T>(this.size, this.shift, setIn(this.root, this.shift, i, value));
  }

  push(value: T): PVec<T> {
    const i = this.size;
    if (i === 0) return new PVec<T>(1, 0, [value]);
    if (i >>> this.shift >= WIDTH) {
      // The trie is full: a new root with the old one as its first child.
      const root: Node<T> = [this.root, pathTo(this.shift, i, value)];
      return new PVec<T>(i + 1, this.shift + BITS, root);
    }
    return new PVec<T>(i + 1, this.shift, pushIn(this.root, this.shift, i, value));
  }

  *[Symbol.iterator](): IterableIterator<T> {
    yield* walk(this.root, this.shift);
  }
}

function setIn<T>(node: Node<T>, shift: number, i: number, value: T): Node<T> {
  const copy = node.slice();
  const k = (i >>> shift) & MASK;
  copy[k] = shift === 0 ? value : setIn(copy[k] as Node<T>, shift - BITS, i, value);
  return copy;
}

function pushIn<T>(node: Node<T>, shift: number, i: number, value: T): Node<T> {
  const copy = node.slice();
  const k = (i >>> shift) & MASK;
  if (shift === 0) copy[k] = value;
  else copy[k] = k < node.length ? pushIn(node[k] as Node<T>, shift - BITS, i, value) : pathTo(shift - BITS, i, value);
  return copy;
}

/** A fresh branch holding only `value`, `shift` levels deep. */
function pathTo<T>(shift: number, i: number, value: T): Node<T> {
  return shift === 0 ? [value] : [pathTo(shift - BITS, i, value)];
}

function* walk<T>(node: Node<T>, shift: number): IterableIterator<T> {
  if (shift === 0) {
    for (const x of node) yield x as T;
    return;
  }
  for (const child of node) yield* walk(child as Node<T>, shift - BITS);
}

/** Append-only id → position index, shared by the tables of one run. */
interface SharedIndex {
  readonly pos: Map<string, number>;
  /** Ids by position (append-only, like `pos`). */
  readonly ids: string[];
}

/**
 * A persistent, ordered id → value table. Read it like a `ReadonlyMap` (`get`, `has`,
 * `size`, iteration in insertion order); `with` returns a new table.
 */
export class IdTable<V> implements Iterable<V> {
  private orderCache: readonly string[] | undefined;

  private constructor(
    private readonly index: SharedIndex,
    private readonly vec: PVec<V>,
  ) {}

  static empty<V>(): IdTable<V> {
    return new IdTable<V>({ pos: new Map(), ids: [] }, PVec.empty<V>());
  }

  /** Builds in O(n); a repeated id keeps its first position and its last value. */
  static from<V>(entries: Iterable<readonly [string, V]>): IdTable<V> {
    const pos = new Map<string, number>();
    const ids: string[] = [];
    const values: V[] = [];
    for (const [id, v] of entries) {
      const at = pos.get(id);
      if (at !== undefined) {
        values[at] = v;
        continue;
      }
      pos.set(id, ids.length);
      ids.push(id);
      values.push(v);
    }
    return new IdTable<V>({ pos, ids }, PVec.from(values));
  }

  get size(): number {
    return this.vec.size;
  }

  private indexOf(id: string): number | undefined {
    const i = this.index.pos.get(id);
    return i !== undefined && i < this.vec.size ? i : undefined;
  }

  get(id: string): V | undefined {
    const i = this.indexOf(id);
    return i === undefined ? undefined : this.vec.get(i);
  }

  has(id: string): boolean {
    return this.indexOf(id) !== undefined;
  }

  /** The value at a position (insertion order). */
  at(i: number): V | undefined {
    return this.vec.get(i);
  }

  /** Ids in insertion order (computed once per table, O(n)). */
  get order(): readonly string[] {
    this.orderCache ??= this.index.ids.length === this.vec.size ? this.index.ids.slice() : this.index.ids.slice(0, this.vec.size);
    return this.orderCache;
  }

  /** A table where `id` maps to `value` (replaced in place, or appended at the end). */
  with(id: string, value: V): IdTable<V> {
    const i = this.indexOf(id);
    if (i !== undefined) return new IdTable<V>(this.index, this.vec.set(i, value));
    let index = this.index;
    if (index.ids.length !== this.vec.size) {
      // Another table derived from this one's ancestors appended first: branch off.
      const ids = index.ids.slice(0, this.vec.size);
      index = { pos: new Map(ids.map((x, k) => [x, k])), ids };
    }
    index.pos.set(id, index.ids.length);
    index.ids.push(id);
    return new IdTable<V>(index, this.vec.push(value));
  }

  *entries(): IterableIterator<[string, V]> {
    let i = 0;
    for (const v of this.vec) yield [this.index.ids[i++]!, v];
  }

  values(): IterableIterator<V> {
    return this.vec[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<V> {
    return this.vec[Symbol.iterator]();
  }

  /** For debugging and snapshots: a null-prototype object, so any id is an own key. */
  toJSON(): Record<string, V> {
    const out = Object.create(null) as Record<string, V>;
    for (const [id, v] of this.entries()) out[id] = v;
    return out;
  }
}
