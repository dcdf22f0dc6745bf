/**
 * The graph file parser (SPEC §2–§4, §8, §9): text -> light tree -> Graph model with
 * diagnostics. Layout:
 *   keys.ts     the property names of the format (top level, action, defaults)
 *   tree.ts     the light tree (LNode), its fast builder over jsonc-parser's scanner, node helpers
 *   sink.ts     DiagnosticSink, syntax error messages, q()
 *   props.ts    object properties: the one duplicate-key and the one unknown-key check
 *   fields.ts   FIELD_PARSERS: one parser per action/defaults field; parseFields
 *   assemble.ts parseGraph: top level, resources, defaults, actions -> Graph
 */
export { parseGraph, EMPTY_GRAPH, type MutableAction, type ParseResult } from './assemble';
export { FIELD_PARSERS, newFields, parseFields, type FieldContext, type FieldParser, type Fields } from './fields';
export { ACTION_ID_PATTERN, ACTION_KEYS, DEFAULTS_KEYS, TOP_LEVEL_KEYS, type ActionKey, type TopLevelKey } from './keys';
export { checkUnknownKeys, objectProps, propList, propSpan, PropList, repeatedKeys, type Prop } from './props';
export { DiagnosticSink, q, syntaxMessage } from './sink';
export { buildTree, charSpan, describeNode, findExcessiveNesting, isInt, MAX_NESTING, spanOf, type LNode } from './tree';
