import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);
export const version: string = (requireHere('../package.json') as { version: string }).version;
