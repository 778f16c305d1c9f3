/**
 * A small XML well-formedness checker, enough to verify the SVG the plots emit
 * (no DTDs, no namespaces resolution). It throws on mismatched or unclosed
 * tags, bad attribute syntax, duplicate attributes, stray '<' or '&', and text
 * outside the root element.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, entities decoded. */
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(readonly offset: number, message: string) {
    super(`XML at offset ${offset}: ${message}`);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const SPACE = /\s*/y;
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, offset: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (match, body: string, at: number) => {
    if (!match.endsWith(';')) throw new XmlSyntaxError(offset + at, `unterminated entity "${match}"`);
    if (body in NAMED_ENTITIES) return NAMED_ENTITIES[body];
    const numeric = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(body);
    if (!numeric) throw new XmlSyntaxError(offset + at, `unknown entity "&${body};"`);
    const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** Parse a document with exactly one root element; throws XmlSyntaxError if not well formed. */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;

  const expect = (re: RegExp, what: string): string => {
    re.lastIndex = pos;
    const m = re.exec(source);
    if (!m || m[0].length === 0) throw new XmlSyntaxError(pos, `expected ${what}`);
    pos += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(source);
    pos = SPACE.lastIndex;
  };
  const skipPast = (end: string, what: string): void => {
    const at = source.indexOf(end, pos);
    if (at < 0) throw new XmlSyntaxError(pos, `unterminated ${what}`);
    pos = at + end.length;
  };

  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > pos) {
      const raw = source.slice(pos, textEnd);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new XmlSyntaxError(pos, 'text outside the root element');
      } else {
        stack[stack.length - 1].text += decodeEntities(raw, pos);
      }
      pos = textEnd;
      continue;
    }
    // pos is at '<'
    if (source.startsWith('<!--', pos)) {
      pos += 4;
      skipPast('-->', 'comment');
    } else if (source.startsWith('<![CDATA[', pos)) {
      if (stack.length === 0) throw new XmlSyntaxError(pos, 'CDATA outside the root element');
      const start = pos + 9;
      pos = start;
      skipPast(']]>', 'CDATA section');
      stack[stack.length - 1].text += source.slice(start, pos - 3);
    } else if (source.startsWith('<?', pos)) {
      pos += 2;
      skipPast('?>', 'processing instruction');
    } else if (source.startsWith('<!', pos)) {
      pos += 2;
      skipPast('>', 'declaration');
    } else if (source.startsWith('</', pos)) {
      pos += 2;
      const name = expect(NAME, 'a closing tag name');
      skipSpace();
      if (source[pos] !== '>') throw new XmlSyntaxError(pos, `expected '>' to close </${name}`);
      pos += 1;
      const open = stack.pop();
      if (!open) throw new XmlSyntaxError(pos, `closing tag </${name}> without an open element`);
      if (open.name !== name) throw new XmlSyntaxError(pos, `closing tag </${name}> does not match <${open.name}>`);
    } else {
      pos += 1;
      const name = expect(NAME, 'a tag name');
      const element: XmlElement = { name, attributes: {}, children: [], text: '' };
      const parent = stack.length > 0 ? stack[stack.length - 1] : null;
      if (parent) parent.children.push(element);
      else if (root) throw new XmlSyntaxError(pos, `second root element <${name}>`);
      else root = element;
      for (;;) {
        const before = pos;
        skipSpace();
        if (source.startsWith('/>', pos)) {
          pos += 2;
          break;
        }
        if (source[pos] === '>') {
          pos += 1;
          stack.push(element);
          break;
        }
        if (pos === before) throw new XmlSyntaxError(pos, `expected whitespace, '>' or '/>' in <${name}>`);
        const attr = expect(NAME, `an attribute name in <${name}>`);
        skipSpace();
        if (source[pos] !== '=') throw new XmlSyntaxError(pos, `expected '=' after attribute ${attr}`);
        pos += 1;
        skipSpace();
        const quote = source[pos];
        if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(pos, `expected a quoted value for ${attr}`);
        const end = source.indexOf(quote, pos + 1);
        if (end < 0) throw new XmlSyntaxError(pos, `unterminated value of ${attr}`);
        const raw = source.slice(pos + 1, end);
        if (raw.includes('<')) throw new XmlSyntaxError(pos, `'<' inside the value of ${attr}`);
        if (attr in element.attributes) throw new XmlSyntaxError(pos, `duplicate attribute ${attr} in <${name}>`);
        element.attributes[attr] = decodeEntities(raw, pos + 1);
        pos = end + 1;
      }
    }
  }
  if (stack.length > 0) throw new XmlSyntaxError(pos, `unclosed element <${stack[stack.length - 1].name}>`);
  if (!root) throw new XmlSyntaxError(0, 'no root element');
  return root;
}

export interface SvgSummary {
  width: number;
  height: number;
  /** Every <text> element's content, in document order. */
  texts: string[];
  root: XmlElement;
}

/** Well-formed XML with an <svg> root carrying positive numeric width and height. */
export function checkSvg(source: string): SvgSummary {
  const root = parseXml(source);
  if (root.name !== 'svg') throw new XmlSyntaxError(0, `root element is <${root.name}>, expected <svg>`);
  const width = Number.parseFloat(root.attributes.width ?? '');
  const height = Number.parseFloat(root.attributes.height ?? '');
  if (!(width > 0) || !(height > 0)) {
    throw new XmlSyntaxError(0, `<svg> width="${root.attributes.width}" height="${root.attributes.height}"; expected positive sizes`);
  }
  const texts: string[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === 'text') texts.push(e.text + e.children.map((c) => c.text).join(''));
    e.children.forEach(walk);
  };
  walk(root);
  return { width, height, texts, root };
}
