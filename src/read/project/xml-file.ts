/** Any XML file (nuget.config and friends) as an element tree, or a clear error. */
import { UserError } from '../../core/errors.js';
import { readText } from '../text.js';
import { parseXml, type XmlElement } from './xml.js';

export function loadXmlFile(file: string): XmlElement {
  const text = readText(file);
  try {
    return parseXml(text);
  } catch (error) {
    throw new UserError(`${file} is not valid XML (${(error as Error).message})`);
  }
}
