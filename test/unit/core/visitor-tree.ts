/**
 * The reference builder of the light tree: the same tree built through jsonc-parser's own
 * (recursive) `visit`. tree.test.ts compares src/core/parse/tree.ts's `buildTree` with it.
 * Only for text of modest nesting. Test-only (moved out of src/core/parse.ts).
 */
import { visit, type ParseError } from 'jsonc-parser';
import type { LNode } from '../../../src/core/parse';

export function buildTreeWithVisitor(text: string, errors: ParseError[]): LNode | undefined {
  let root: LNode | undefined;
  const stack: LNode[] = [];
  const attach = (n: LNode): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      root ??= n;
    } else if (top.items) {
      top.items.push(n);
    } else if (top.values) {
      const i = top.values.length - 1;
      if (i >= 0 && top.values[i] === undefined) top.values[i] = n;
    }
  };
  const literalType = (v: unknown): LNode['type'] =>
    v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'null';
  visit(
    text,
    {
      onObjectBegin: (offset) => {
        const n: LNode = { type: 'object', offset, length: 0, keys: [], values: [] };
        attach(n);
        stack.push(n);
      },
      onObjectProperty: (name, offset, length) => {
        const top = stack[stack.length - 1];
        if (top?.keys && top.values) {
          top.keys.push({ type: 'string', offset, length, value: name });
          top.values.push(undefined);
        }
      },
      onObjectEnd: (offset, length) => {
        const n = stack.pop();
        if (n) n.length = offset + length - n.offset;
      },
      onArrayBegin: (offset) => {
        const n: LNode = { type: 'array', offset, length: 0, items: [] };
        attach(n);
        stack.push(n);
      },
      onArrayEnd: (offset, length) => {
        const n = stack.pop();
        if (n) n.length = offset + length - n.offset;
      },
      onLiteralValue: (value: unknown, offset, length) => {
        attach({ type: literalType(value), offset, length, value });
      },
      onError: (error, offset, length) => {
        errors.push({ error, offset, length });
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  return root;
}
