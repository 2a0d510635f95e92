/**
 * A small element tree over a real XML parser (saxes), with character offsets, so that readers get facts and
 * writers can splice exact ranges and keep every other byte of a csproj/props file as it was.
 */
import { SaxesParser } from 'saxes';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  parent?: XmlElement;
  /** offset of '<' of the start tag */
  start: number;
  /** offset just after the start tag ('>' or '/>') */
  openEnd: number;
  /** offset of '<' of the end tag (equals openEnd for a self-closing element) */
  closeStart: number;
  /** offset just after the end tag */
  end: number;
  selfClosing: boolean;
}

export class XmlSyntaxError extends Error {}

export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let tagStart = 0;
  parser.on('opentagstart', (tag) => {
    tagStart = parser.position - tag.name.length - 1;
  });
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      name: tag.name,
      attributes: Object.fromEntries(Object.entries(tag.attributes as Record<string, string>)),
      children: [],
      parent: stack[stack.length - 1],
      start: tagStart,
      openEnd: parser.position,
      closeStart: parser.position,
      end: parser.position,
      selfClosing: tag.isSelfClosing,
    };
    element.parent?.children.push(element);
    if (!root) root = element;
    stack.push(element);
  });
  parser.on('closetag', (tag) => {
    const element = stack.pop();
    if (!element) return;
    element.end = parser.position;
    element.closeStart = tag.isSelfClosing ? element.openEnd : text.lastIndexOf('</', parser.position - 1);
  });
  let failure: Error | undefined;
  parser.on('error', (error) => {
    failure ??= error;
  });
  // BOMs are common in Visual Studio-written files.
  const body = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  parser.write(body).close();
  if (failure) throw new XmlSyntaxError(failure.message.split('\n')[0] ?? 'invalid XML');
  if (!root) throw new XmlSyntaxError('no root element');
  return root;
}

export function textOf(text: string, element: XmlElement): string {
  return element.selfClosing ? '' : text.slice(element.openEnd, element.closeStart);
}

export function* descendants(element: XmlElement): Generator<XmlElement> {
  for (const child of element.children) {
    yield child;
    yield* descendants(child);
  }
}

export function attr(element: XmlElement, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(element.attributes)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
