/**
 * Reading the properties of an object node: THE duplicate-key check (`repeatedKeys`) and
 * THE unknown-key check (`checkUnknownKeys`), used by every object of the format.
 */
import { closest } from '../suggest';
import type { Span } from '../text';
import { q, type DiagnosticSink } from './sink';
import { spanOf, type LNode } from './tree';

export interface Prop {
  readonly name: string;
  readonly key: LNode;
  readonly value: LNode | undefined;
}

/** The whole `"key": value` of a property. */
export function propSpan(p: Prop): Span {
  const end = p.value ? p.value.offset + p.value.length : p.key.offset + p.key.length;
  return { offset: p.key.offset, length: end - p.key.offset };
}

/** The properties of one object, first occurrence of each name, in order. */
export class PropList {
  constructor(private readonly list: Prop[]) {}
  /** Linear: meant for the small objects of the format (a handful of known keys). */
  get(name: string): Prop | undefined {
    for (const p of this.list) if (p.name === name) return p;
    return undefined;
  }
  values(): readonly Prop[] {
    return this.list;
  }
  get size(): number {
    return this.list.length;
  }
}

/**
 * Reports each repeated property name of an object (a schema error on the repeat: "the first
 * one is used") and returns the indices of the repeats to skip, or undefined when there are
 * none (no allocation in the common case). Small objects (at most 16 keys) are scanned
 * linearly, bigger ones through a map.
 */
export function repeatedKeys(keys: readonly LNode[], sink: DiagnosticSink, where: string): Uint8Array | undefined {
  let skip: Uint8Array | undefined;
  if (keys.length > 16) {
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const name = (keys[i] as LNode).value as string;
      if (seen.has(name)) skip = reportRepeat(skip, keys, i, sink, where);
      else seen.add(name);
    }
    return skip;
  }
  for (let i = 1; i < keys.length; i++) {
    const name = (keys[i] as LNode).value as string;
    for (let j = 0; j < i; j++) {
      if (skip?.[j] !== 1 && (keys[j] as LNode).value === name) {
        skip = reportRepeat(skip, keys, i, sink, where);
        break;
      }
    }
  }
  return skip;
}

function reportRepeat(skip: Uint8Array | undefined, keys: readonly LNode[], i: number, sink: DiagnosticSink, where: string): Uint8Array {
  const key = keys[i] as LNode;
  skip ??= new Uint8Array(keys.length);
  skip[i] = 1;
  sink.error(`duplicate property ${q(key.value as string)} in ${where} (the first one is used)`, spanOf(key));
  return skip;
}

/** Warns about each property (not a skipped repeat) whose name is not in `known`, suggesting the closest known name. */
export function checkUnknownKeys(
  keys: readonly LNode[],
  skip: Uint8Array | undefined,
  known: readonly string[],
  knownSet: ReadonlySet<string>,
  sink: DiagnosticSink,
  where: string,
): void {
  for (let i = 0; i < keys.length; i++) {
    if (skip?.[i] === 1) continue;
    const key = keys[i] as LNode;
    const name = key.value as string;
    if (knownSet.has(name)) continue;
    const s = closest(name, known);
    const hint = s ? `; did you mean ${q(s)}?` : '';
    sink.warning(`unknown property ${q(name)} in ${where}${hint}`, spanOf(key), s ? { suggestion: s } : undefined);
  }
}

/** The properties of an object node in order, first occurrence of each name (repeats reported). */
export function objectProps(obj: LNode, sink: DiagnosticSink, where: string): PropList {
  return propList(obj, repeatedKeys(obj.keys ?? [], sink, where));
}

/** The properties of an object node, without the repeats `skip` marks. */
export function propList(obj: LNode, skip: Uint8Array | undefined): PropList {
  const keys = obj.keys ?? [];
  const values = obj.values ?? [];
  const list: Prop[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (skip?.[i] === 1) continue;
    const key = keys[i] as LNode;
    list.push({ name: key.value as string, key, value: values[i] });
  }
  return new PropList(list);
}
