#!/usr/bin/env node
// Builds dist/ from src/: esbuild bundles our code and the pure-JS libraries (commander, chalk, kysely, diff,
// jsonc-parser, saxes, tarn, the connection-string parser: devDependencies, so not installed for users) into ESM chunks (one per
// command, split at every dynamic import so heavy code loads only when a command needs it). Native drivers,
// the WebAssembly parser, ts-morph and playwright stay as ordinary node_modules imports. Type checking is
// `tsc --noEmit` (npm run typecheck), run by `npm test`. The C# grammar's .wasm (and its licence) is copied into
// dist/grammars: the package ships it instead of depending on tree-sitter-c-sharp, whose install builds a native
// module we never load; web-tree-sitter's runtime .wasm too (its JavaScript is bundled).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Prefer ESM builds (jsonc-parser's UMD main cannot be bundled).
  mainFields: ['module', 'main'],
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3', 'pg', 'mysql2', 'mysql2/*', 'tedious', 'tree-sitter-c-sharp', 'ts-morph', 'playwright-core', 'inquirer', '@inquirer/*'],
  // Bundled CommonJS libraries call require(); give every chunk one.
  banner: { js: "import { createRequire as __pkmCreateRequire } from 'node:module'; const require = __pkmCreateRequire(import.meta.url);" },
  define: { __PKM_VERSION__: JSON.stringify(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version) },
  logLevel: 'warning',
});

const grammar = path.dirname(createRequire(import.meta.url).resolve('tree-sitter-c-sharp/package.json'));
mkdirSync(path.join(root, 'dist', 'grammars'), { recursive: true });
copyFileSync(path.join(grammar, 'tree-sitter-c_sharp.wasm'), path.join(root, 'dist', 'grammars', 'tree-sitter-c_sharp.wasm'));
copyFileSync(path.join(grammar, 'LICENSE'), path.join(root, 'dist', 'grammars', 'LICENSE.tree-sitter-c-sharp'));
// web-tree-sitter's JavaScript is bundled; its runtime .wasm goes next to the grammar (found through locateFile).
const runtime = path.dirname(createRequire(import.meta.url).resolve('web-tree-sitter/tree-sitter.wasm'));
copyFileSync(path.join(runtime, 'tree-sitter.wasm'), path.join(root, 'dist', 'grammars', 'tree-sitter.wasm'));
copyFileSync(path.join(runtime, 'LICENSE'), path.join(root, 'dist', 'grammars', 'LICENSE.web-tree-sitter'));
