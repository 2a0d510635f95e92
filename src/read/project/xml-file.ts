/** Any XML file (nuget.config and friends) as an element tree, or a clear error. */
import { readFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { parseXml, type XmlElement } from './xml.js';

export function loadXmlFile(file: string): XmlElement {
  try {
    return parseXml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} is not valid XML (${(error as Error).message})`);
  }
}
