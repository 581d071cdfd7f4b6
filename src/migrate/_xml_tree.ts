/**
 * A small element tree read from an XML file with `npm:saxes` (a well-kept,
 * strict, streaming parser that reports positions): what Leosac's
 * `boost::property_tree` read from its files, plus the line of each element
 * so that every error can name the file, the line and the element.
 *
 * As in Leosac, comments are dropped, attributes are ignored (Leosac reads
 * child elements only) and text is trimmed.
 *
 * @module
 */
import { SaxesParser } from "npm:saxes@6.0.0";

/** The largest XML file read, bytes (Leosac's own files are a few KiB to a few MiB). */
export const MAX_XML_BYTES = 32 * 1024 * 1024;
/** The deepest element nesting accepted. */
export const MAX_XML_DEPTH = 64;

/** One element. */
export interface XmlElement {
  /** Tag name. */
  name: string;
  /** The file it was read from (as given). */
  file: string;
  /** 1-based line of its start tag. */
  line: number;
  /** Child elements, in document order. */
  children: XmlElement[];
  /** Its own text, trimmed. */
  text: string;
}

/** Bad input: names the file, the line and the element. */
export class LeosacImportError extends Error {
  /** The file. */
  readonly file: string;
  /** 1-based line, 0 when the whole file is concerned. */
  readonly line: number;
  /** The element concerned, or "". */
  readonly element: string;
  /** Builds the error; the message reads `FILE:LINE: <element>: what`. */
  constructor(file: string, line: number, element: string, what: string) {
    super(`${file}${line > 0 ? `:${line}` : ""}: ${element === "" ? "" : `<${element}>: `}${what}`);
    this.name = "LeosacImportError";
    this.file = file;
    this.line = line;
    this.element = element;
  }
}

/** An error about `element`. */
export function errorAt(element: XmlElement, what: string): LeosacImportError {
  return new LeosacImportError(element.file, element.line, element.name, what);
}

/**
 * Parses XML text into its root element.
 *
 * @throws {LeosacImportError} for malformed XML (with the parser's line), or a
 * nesting deeper than {@linkcode MAX_XML_DEPTH}.
 */
export function parseXml(text: string, file: string): XmlElement {
  if (text.length > MAX_XML_BYTES) {
    throw new LeosacImportError(file, 0, "", `larger than ${MAX_XML_BYTES} bytes`);
  }
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  const texts: string[][] = [];
  let root: XmlElement | null = null;
  parser.on("opentag", (tag) => {
    if (stack.length >= MAX_XML_DEPTH) {
      throw new LeosacImportError(
        file,
        parser.line,
        tag.name,
        `nested deeper than ${MAX_XML_DEPTH}`,
      );
    }
    const element: XmlElement = { name: tag.name, file, line: parser.line, children: [], text: "" };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
    texts.push([]);
  });
  parser.on("text", (value) => texts.at(-1)?.push(value));
  parser.on("cdata", (value) => texts.at(-1)?.push(value));
  parser.on("closetag", () => {
    const element = stack.pop()!;
    element.text = (texts.pop() ?? []).join("").trim();
  });
  try {
    parser.write(text).close();
  } catch (error) {
    if (error instanceof LeosacImportError) throw error;
    // saxes messages read "file:line:column: what"; keep only the what.
    const what = String((error as Error).message).replace(/^[^:]*:\d+:\d+: /, "");
    throw new LeosacImportError(file, parser.line, "", `malformed XML: ${what}`);
  }
  if (root === null) throw new LeosacImportError(file, 0, "", "no root element");
  return root;
}

/** The first child named `name`, or undefined. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** Every child named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** The text of the first child named `name`, or `fallback` when absent. */
export function textOf(element: XmlElement, name: string, fallback: string): string {
  return child(element, name)?.text ?? fallback;
}

/**
 * The text of the required child `name`.
 *
 * @throws {LeosacImportError} when it is missing or empty.
 */
export function requiredText(element: XmlElement, name: string): string {
  const found = child(element, name);
  if (found === undefined || found.text === "") throw errorAt(element, `missing <${name}>`);
  return found.text;
}

/**
 * A boolean child as boost's `get<bool>` reads it (`true`/`false`/`1`/`0`),
 * or `fallback` when absent.
 *
 * @throws {LeosacImportError} for any other text.
 */
export function boolOf(element: XmlElement, name: string, fallback: boolean): boolean {
  const found = child(element, name);
  if (found === undefined) return fallback;
  if (found.text === "true" || found.text === "1") return true;
  if (found.text === "false" || found.text === "0") return false;
  throw errorAt(found, `expected true or false, found "${found.text}"`);
}

/**
 * A whole-number child, or `fallback` when absent.
 *
 * @throws {LeosacImportError} when it is not a whole number in `min..max`.
 */
export function intOf(
  element: XmlElement,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const found = child(element, name);
  if (found === undefined) return fallback;
  const value = /^-?\d{1,10}$/.test(found.text) ? Number(found.text) : NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw errorAt(
      found,
      `expected a whole number from ${range.min} to ${range.max}, found "${found.text}"`,
    );
  }
  return value;
}
