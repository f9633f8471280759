// A small XML reader for the OVF tests: elements, attributes and text, enough to parse back what ovf.ts
// writes and to fail on anything malformed (unbalanced or crossed tags, bad attributes, stray '<' or '&').

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the five predefined entities; any other '&' is an error. */
function decode(s: string): string {
  return s.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    const v = name ? ENTITIES[name] : undefined;
    if (v === undefined) throw new Error(`bad entity near '${m}'`);
    return v;
  });
}

/** Parses a document with one root element (after an optional XML declaration). */
export function parseXml(text: string): XmlElement {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const re = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length && (m = re.exec(body))) {
    pos = re.lastIndex;
    const [, close, name, attrText, selfClose, textPart] = m;
    if (textPart !== undefined) {
      const top = stack.at(-1);
      if (!top) {
        if (textPart.trim()) throw new Error(`text outside the root: '${textPart.trim().slice(0, 20)}'`);
        continue;
      }
      top.text += decode(textPart);
      continue;
    }
    if (close) {
      const top = stack.pop();
      if (top?.name !== name) throw new Error(`</${name}> closes <${top?.name ?? "nothing"}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? "").matchAll(/([\w.:-]+)="([^"]*)"/g)) {
      if ((a[1] as string) in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      attrs[a[1] as string] = decode(a[2] as string);
    }
    const el: XmlElement = { name: name as string, attrs, children: [], text: "" };
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else if (root) throw new Error("more than one root element");
    else root = el;
    if (!selfClose) stack.push(el);
  }
  if (pos !== body.length) throw new Error(`cannot parse at offset ${pos}: '${body.slice(pos, pos + 20)}'`);
  if (stack.length) throw new Error(`<${stack.at(-1)?.name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Every descendant element named `name`. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}

/** The text of the direct child named `name`. */
export function childText(el: XmlElement, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text;
}
