/** Templates are files under templates/; `{{Name}}` placeholders are the only thing filled in. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

const root = packageRoot();
const cache = new Map<string, string>();

export function templatePath(name: string): string {
  return path.join(root, 'templates', name);
}

export function render(name: string, values: Record<string, string>): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(templatePath(name), 'utf8');
    cache.set(name, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${name} needs a value for ${key}`);
    return value;
  });
}
