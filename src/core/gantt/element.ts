/**
 * A tiny element tree: the chart renderer's output. The webview turns it into DOM nodes
 * (createElementNS + setAttribute + textContent: never parsed as markup); the CLI serializes
 * it to SVG/HTML text with escaping.
 */
export interface El {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string | number>>;
  readonly children: readonly (El | string)[];
}

export function el(tag: string, attrs: Record<string, string | number> = {}, children: (El | string)[] = []): El {
  return { tag, attrs, children };
}

/**
 * Characters XML 1.0 does not allow at all, not even as character references: C0 controls
 * other than tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF. One of
 * them in a description or a reason made the exported SVG not well-formed (issue #8 §9).
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** C0 controls as their visible Control Pictures (␛ for ESC); anything else as U+FFFD. */
function xmlSafe(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x20 ? String.fromCharCode(0x2400 + n) : '\ufffd';
}

/** Text or attribute value for XML/HTML: markup characters escaped, non-XML characters replaced. */
export function escapeXml(s: string): string {
  return s
    .replace(NOT_XML_CHAR, xmlSafe)
    .replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'))
    // Allowed but invisible, and harmful when the SVG goes to a terminal: as references.
    .replace(/[\r\u007f-\u009f]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** Serializes to XML text. Tag and attribute names are checked; all text is escaped. */
export function toXml(node: El | string, indent = ''): string {
  if (typeof node === 'string') return escapeXml(node);
  if (!NAME.test(node.tag)) throw new Error(`bad tag name ${node.tag}`);
  let s = `<${node.tag}`;
  for (const [k, v] of Object.entries(node.attrs)) {
    if (!NAME.test(k)) throw new Error(`bad attribute name ${k}`);
    s += ` ${k}="${escapeXml(String(v))}"`;
  }
  if (node.children.length === 0) return `${s}/>`;
  s += '>';
  const textOnly = node.children.every((c) => typeof c === 'string');
  for (const c of node.children) {
    s += textOnly ? toXml(c) : `\n${indent}  ${toXml(c, indent + '  ')}`;
  }
  return textOnly ? `${s}</${node.tag}>` : `${s}\n${indent}</${node.tag}>`;
}
