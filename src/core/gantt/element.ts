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

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
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
