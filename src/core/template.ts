/** Templates are files under templates/; `{{Name}}` placeholders are the only thing filled in. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module with templates/ and package.json (src/, dist/ or dist/chunks/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(path.join(dir, 'templates')) && existsSync(path.join(dir, 'package.json')))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('passkey-migrate: templates/ not found next to the package');
    dir = parent;
  }
  return dir;
}

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
