/**
 * A small XML reader and writer for the documents Lab Streaming Layer and XDF carry: stream
 * infos, XDF headers and footers. It reads elements, attributes, text, CDATA, comments and
 * processing instructions. A document type declaration is rejected, so no entity is ever
 * defined or expanded; only the five predefined entities and character references are read.
 */

/** An element: its name, attributes and children in document order. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** A child of an element: an element or a run of text. */
export type XmlNode = XmlElement | string;

/** Limits that keep a hostile document from using unbounded memory or stack. */
export interface XmlLimits {
  /** Maximum length of a document, in characters. Default 16 Mi. */
  readonly maxChars?: number;
  /** Deepest nesting of elements accepted. Default 64. */
  readonly maxDepth?: number;
}

/** Raised when a document is not well-formed or breaks a limit; the message gives the offset. */
export class XmlError extends Error {
  override readonly name = "XmlError";
}

const DEFAULT_MAX_CHARS = 16 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };

/**
 * Parses a document and returns its root element. Throws {@link XmlError} when the text is not
 * well-formed, declares a document type, or breaks `limits`.
 */
export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  const maxChars = limits.maxChars ?? DEFAULT_MAX_CHARS;
  if (text.length > maxChars) {
    throw new XmlError(`XML document of ${text.length} characters is longer than the ${maxChars} accepted`);
  }
  return new Reader(text, limits.maxDepth ?? DEFAULT_MAX_DEPTH).document();
}

class Reader {
  #at = 0;
  readonly #text: string;
  readonly #maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  document(): XmlElement {
    this.#skipMisc();
    if (this.#text.charCodeAt(this.#at) !== 0x3c) {
      this.#fail("expected the root element");
    }
    const root = this.#element(1);
    this.#skipMisc();
    if (this.#at < this.#text.length) {
      this.#fail("unexpected content after the root element");
    }
    return root;
  }

  /** Skips whitespace, comments and processing instructions between top-level parts. */
  #skipMisc(): void {
    for (;;) {
      this.#skipSpace();
      if (this.#text.startsWith("<?", this.#at)) {
        this.#skipPast("?>", "processing instruction");
      } else if (this.#text.startsWith("<!--", this.#at)) {
        this.#skipPast("-->", "comment");
      } else if (this.#text.startsWith("<!", this.#at)) {
        this.#fail("document type declarations are not accepted");
      } else {
        return;
      }
    }
  }

  #element(depth: number): XmlElement {
    if (depth > this.#maxDepth) {
      this.#fail(`elements nest deeper than ${this.#maxDepth} levels`);
    }
    this.#at++;
    const name = this.#name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const hadSpace = this.#skipSpace();
      const char = this.#text[this.#at];
      if (char === "/") {
        this.#expect("/>");
        return { name, attributes, children: [] };
      }
      if (char === ">") {
        this.#at++;
        break;
      }
      if (char === undefined) {
        this.#fail(`element <${name}> is not closed`);
      }
      if (!hadSpace) {
        this.#fail(`expected a space before an attribute of <${name}>`);
      }
      const attribute = this.#name();
      this.#skipSpace();
      this.#expect("=");
      this.#skipSpace();
      if (Object.hasOwn(attributes, attribute)) {
        this.#fail(`attribute ${attribute} of <${name}> appears twice`);
      }
      attributes[attribute] = this.#quoted();
    }
    return { name, attributes, children: this.#content(name, depth) };
  }

  #content(name: string, depth: number): XmlNode[] {
    const children: XmlNode[] = [];
    let text = "";
    for (;;) {
      const next = this.#text.indexOf("<", this.#at);
      if (next < 0) {
        this.#fail(`element <${name}> is not closed`);
      }
      text += this.#decode(this.#text.slice(this.#at, next));
      this.#at = next;
      if (this.#text.startsWith("</", this.#at)) {
        this.#at += 2;
        const closing = this.#name();
        if (closing !== name) {
          this.#fail(`</${closing}> closes <${name}>`);
        }
        this.#skipSpace();
        this.#expect(">");
        break;
      }
      if (this.#text.startsWith("<!--", this.#at)) {
        this.#skipPast("-->", "comment");
      } else if (this.#text.startsWith("<![CDATA[", this.#at)) {
        const end = this.#text.indexOf("]]>", this.#at);
        if (end < 0) {
          this.#fail("CDATA section is not closed");
        }
        text += this.#text.slice(this.#at + 9, end);
        this.#at = end + 3;
      } else if (this.#text.startsWith("<?", this.#at)) {
        this.#skipPast("?>", "processing instruction");
      } else if (this.#text.startsWith("<!", this.#at)) {
        this.#fail("declarations are not accepted inside elements");
      } else {
        if (text !== "") {
          children.push(text);
          text = "";
        }
        children.push(this.#element(depth + 1));
      }
    }
    if (text !== "") {
      children.push(text);
    }
    return children;
  }

  #name(): string {
    NAME.lastIndex = this.#at;
    const match = NAME.exec(this.#text);
    if (match === null) {
      this.#fail("expected a name");
    }
    this.#at = NAME.lastIndex;
    return match[0];
  }

  #quoted(): string {
    const quote = this.#text[this.#at];
    if (quote !== '"' && quote !== "'") {
      this.#fail("expected a quoted attribute value");
    }
    const end = this.#text.indexOf(quote, this.#at + 1);
    if (end < 0) {
      this.#fail("attribute value is not closed");
    }
    const raw = this.#text.slice(this.#at + 1, end);
    if (raw.includes("<")) {
      this.#fail("attribute values may not contain <");
    }
    this.#at = end + 1;
    return this.#decode(raw);
  }

  /** Replaces the predefined entities and character references; any other reference is an error. */
  #decode(raw: string): string {
    if (!raw.includes("&")) {
      return raw;
    }
    return raw.replace(/&([^;&\s]{0,32});?/g, (whole, body: string) => {
      if (!whole.endsWith(";")) {
        this.#fail(`"&${body}" is not a complete entity reference`);
      }
      const predefined = PREDEFINED[body];
      if (predefined !== undefined) {
        return predefined;
      }
      const code = body.startsWith("#x") ? Number.parseInt(body.slice(2), 16) : body.startsWith("#") ? Number.parseInt(body.slice(1), 10) : Number.NaN;
      if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) {
        this.#fail(`entity "&${body};" is not defined; only the five predefined ones and character references are read`);
      }
      return String.fromCodePoint(code);
    });
  }

  #skipSpace(): boolean {
    const start = this.#at;
    while (this.#at < this.#text.length) {
      const code = this.#text.charCodeAt(this.#at);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) {
        break;
      }
      this.#at++;
    }
    return this.#at > start;
  }

  #skipPast(end: string, what: string): void {
    const found = this.#text.indexOf(end, this.#at);
    if (found < 0) {
      this.#fail(`${what} is not closed`);
    }
    this.#at = found + end.length;
  }

  #expect(literal: string): void {
    if (!this.#text.startsWith(literal, this.#at)) {
      this.#fail(`expected "${literal}"`);
    }
    this.#at += literal.length;
  }

  #fail(problem: string): never {
    throw new XmlError(`invalid XML at character ${this.#at}: ${problem}`);
  }
}

/** Returns the first child element called `name`, if any. */
export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) {
    if (typeof child !== "string" && child.name === name) {
      return child;
    }
  }
  return undefined;
}

/** Returns every child element called `name`, in document order. */
export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== "string" && child.name === name);
}

/** Returns the text of an element and all its descendants, concatenated. */
export function textContent(element: XmlElement): string {
  let text = "";
  for (const child of element.children) {
    text += typeof child === "string" ? child : textContent(child);
  }
  return text;
}

/** Returns the trimmed text of the first child element called `name`, or undefined without one. */
export function childText(element: XmlElement, name: string): string | undefined {
  const child = childElement(element, name);
  return child === undefined ? undefined : textContent(child).trim();
}

/**
 * Throws a `RangeError` naming the first element or attribute name in `element` (its
 * descendants included) that is not a valid XML name, so a document is never written that no
 * reader can parse.
 */
export function checkXmlNames(element: XmlElement): void {
  const valid = (name: string) => /^[A-Za-z_:][-A-Za-z0-9_:.]*$/.test(name);
  if (!valid(element.name)) {
    throw new RangeError(`"${element.name}" is not a valid XML element name; use letters, digits, _, -, . and :, starting with a letter or _`);
  }
  for (const attribute of Object.keys(element.attributes)) {
    if (!valid(attribute)) {
      throw new RangeError(`"${attribute}" on <${element.name}> is not a valid XML attribute name`);
    }
  }
  for (const child of element.children) {
    if (typeof child !== "string") {
      checkXmlNames(child);
    }
  }
}

/** Escapes text for use in element content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[char] ?? ""};`);
}

/**
 * Writes an element as liblsl's XML writer does: one element a line, tab indentation, an
 * element without children as `<name />`, one with only text on a single line.
 */
export function writeXmlElement(element: XmlElement, depth = 0): string {
  const indent = "\t".repeat(depth);
  const attributes = Object.entries(element.attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join("");
  if (element.children.length === 0) {
    return `${indent}<${element.name}${attributes} />\n`;
  }
  if (element.children.every((child) => typeof child === "string")) {
    return `${indent}<${element.name}${attributes}>${escapeXml(element.children.join(""))}</${element.name}>\n`;
  }
  let body = "";
  for (const child of element.children) {
    if (typeof child === "string") {
      if (child.trim() !== "") {
        body += `${indent}\t${escapeXml(child.trim())}\n`;
      }
    } else {
      body += writeXmlElement(child, depth + 1);
    }
  }
  return `${indent}<${element.name}${attributes}>\n${body}${indent}</${element.name}>\n`;
}

/** Writes a whole document: the declaration line liblsl writes, then the root element. */
export function writeXmlDocument(root: XmlElement): string {
  return `<?xml version="1.0"?>\n${writeXmlElement(root)}`;
}
