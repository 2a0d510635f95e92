import { createRequire } from 'node:module';

// The build writes the version in (scripts/build.mjs); from the sources (tests) it is read from package.json.
declare const __PKM_VERSION__: string | undefined;

export const version: string = typeof __PKM_VERSION__ === 'string' ? __PKM_VERSION__ : (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
